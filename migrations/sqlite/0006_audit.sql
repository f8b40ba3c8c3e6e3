-- The audit log (docs/DESIGN.md §10): one row per security-relevant change, written in
-- the same transaction as the change. Both tables are append-only: the database
-- itself refuses updates and deletes.
CREATE TABLE audit_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          INTEGER NOT NULL,               -- Unix seconds
    actor_kind  TEXT    NOT NULL,               -- 'visitor', 'account' or 'operator'
    actor_id    INTEGER,                        -- the acting account, if any
    subject_id  INTEGER,                        -- the account the change is about
    action      TEXT    NOT NULL,
    result      TEXT    NOT NULL,               -- 'success' or 'refused'
    ip          BLOB    NOT NULL,               -- nonce || AES-256-GCM ciphertext
    user_agent  BLOB    NOT NULL,               -- nonce || AES-256-GCM ciphertext
    request_id  TEXT    NOT NULL,
    details     TEXT    NOT NULL                -- JSON, no personal data in plain
);
CREATE INDEX audit_events_subject ON audit_events (subject_id, id);
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;

-- The hash chain over the events, in the order they were sealed: each seal's hash
-- covers the previous seal's hash and its event exactly as stored.
CREATE TABLE audit_seals (
    seq       INTEGER PRIMARY KEY,              -- 1, 2, 3, ... without gaps
    event_id  INTEGER NOT NULL UNIQUE REFERENCES audit_events (id),
    hash      BLOB    NOT NULL,                 -- SHA-256
    sealed_at INTEGER NOT NULL
);
CREATE TRIGGER audit_seals_no_update BEFORE UPDATE ON audit_seals
BEGIN
    SELECT RAISE(ABORT, 'audit_seals is append-only');
END;
CREATE TRIGGER audit_seals_no_delete BEFORE DELETE ON audit_seals
BEGIN
    SELECT RAISE(ABORT, 'audit_seals is append-only');
END;
