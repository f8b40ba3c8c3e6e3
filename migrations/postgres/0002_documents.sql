-- Versioned User Registration Agreement and Privacy Policy (DESIGN.md §4); the same
-- as migrations/sqlite/0005. A version's bodies are the Markdown exactly as
-- published, with the operator's name already filled in.
CREATE TABLE document_versions (
    id           BIGSERIAL PRIMARY KEY,
    kind         TEXT    NOT NULL CHECK (kind IN ('agreement', 'privacy')),
    version      BIGINT  NOT NULL CHECK (version > 0),
    body_zh      TEXT    NOT NULL,
    body_en      TEXT    NOT NULL,
    summary_zh   TEXT    NOT NULL,
    summary_en   TEXT    NOT NULL,
    material     BOOLEAN NOT NULL,
    effective_at BIGINT  NOT NULL,
    published_at BIGINT  NOT NULL,
    UNIQUE (kind, version)
);

-- The consent ledger: one row per (account, document, version), append-only.
CREATE UNIQUE INDEX consent_records_once ON consent_records (account_id, document, version);
CREATE FUNCTION consent_records_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'consent_records is append-only';
END
$$;
CREATE TRIGGER consent_records_no_change BEFORE UPDATE OR DELETE ON consent_records
    FOR EACH ROW EXECUTE FUNCTION consent_records_append_only();
CREATE TRIGGER consent_records_no_truncate BEFORE TRUNCATE ON consent_records
    FOR EACH STATEMENT EXECUTE FUNCTION consent_records_append_only();
