-- Versioned User Registration Agreement and Privacy Policy (DESIGN.md §4).
-- A version's bodies are the Markdown exactly as published, with the operator's
-- name already filled in, so the stored text is what users saw.
CREATE TABLE document_versions (
    id           INTEGER PRIMARY KEY,
    kind         TEXT    NOT NULL CHECK (kind IN ('agreement', 'privacy')),
    version      INTEGER NOT NULL CHECK (version > 0),
    body_zh      TEXT    NOT NULL,
    body_en      TEXT    NOT NULL,
    summary_zh   TEXT    NOT NULL,                -- what changed, shown in the notice
    summary_en   TEXT    NOT NULL,
    material     INTEGER NOT NULL,                -- 1: signed-in users must agree again
    effective_at INTEGER NOT NULL,                -- in force from this instant
    published_at INTEGER NOT NULL,
    UNIQUE (kind, version)
);

-- The consent ledger holds one row per (account, document, version) and is
-- append-only: the database itself refuses updates and deletes.
CREATE UNIQUE INDEX consent_records_once ON consent_records (account_id, document, version);
CREATE TRIGGER consent_records_no_update BEFORE UPDATE ON consent_records
BEGIN
    SELECT RAISE(ABORT, 'consent_records is append-only');
END;
CREATE TRIGGER consent_records_no_delete BEFORE DELETE ON consent_records
BEGIN
    SELECT RAISE(ABORT, 'consent_records is append-only');
END;
