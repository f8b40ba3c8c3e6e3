-- The audit log (docs/DESIGN.md §10); the same as migrations/sqlite/0006. Both tables
-- are append-only: UPDATE, DELETE and TRUNCATE are refused by the database.
CREATE TABLE audit_events (
    id          BIGSERIAL PRIMARY KEY,
    at          BIGINT  NOT NULL,               -- Unix seconds
    actor_kind  TEXT    NOT NULL,               -- 'visitor', 'account' or 'operator'
    actor_id    BIGINT,                         -- the acting account, if any
    subject_id  BIGINT,                         -- the account the change is about
    action      TEXT    NOT NULL,
    result      TEXT    NOT NULL,               -- 'success' or 'refused'
    ip          BYTEA   NOT NULL,               -- nonce || AES-256-GCM ciphertext
    user_agent  BYTEA   NOT NULL,               -- nonce || AES-256-GCM ciphertext
    request_id  TEXT    NOT NULL,
    details     TEXT    NOT NULL                -- JSON, no personal data in plain
);
CREATE INDEX audit_events_subject ON audit_events (subject_id, id);

-- The hash chain over the events, in the order they were sealed. PostgreSQL ids
-- have gaps and commit out of order, so the order is fixed when a row is sealed.
CREATE TABLE audit_seals (
    seq       BIGINT  PRIMARY KEY,              -- 1, 2, 3, ... without gaps
    event_id  BIGINT  NOT NULL UNIQUE REFERENCES audit_events (id),
    hash      BYTEA   NOT NULL,                 -- SHA-256
    sealed_at BIGINT  NOT NULL
);

CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END
$$;
CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_seals_no_change BEFORE UPDATE OR DELETE ON audit_seals
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_seals_no_truncate BEFORE TRUNCATE ON audit_seals
    FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
