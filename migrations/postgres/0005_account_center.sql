-- The account center; the same as migrations/sqlite/0008.
ALTER TABLE consent_records ADD COLUMN granted BOOLEAN NOT NULL DEFAULT TRUE;
DROP INDEX consent_records_once;
CREATE UNIQUE INDEX consent_records_once ON consent_records (account_id, document, version)
    WHERE document <> 'marketing';
CREATE TABLE marketing_opt_ins_plain AS
    SELECT id AS account_id, created_at FROM accounts
    WHERE marketing_opt_in AND deleted_at IS NULL;
ALTER TABLE accounts DROP COLUMN marketing_opt_in;

CREATE TABLE profiles (
    account_id  BIGINT  PRIMARY KEY REFERENCES accounts (id),
    data        BYTEA   NOT NULL,
    updated_at  BIGINT  NOT NULL
);

CREATE TABLE misuse_reports (
    id          BIGSERIAL PRIMARY KEY,
    account_id  BIGINT  NOT NULL REFERENCES accounts (id),
    subject     TEXT    NOT NULL,
    reference   TEXT    NOT NULL,
    note        BYTEA   NOT NULL,
    created_at  BIGINT  NOT NULL,
    handled_at  BIGINT
);
CREATE INDEX misuse_reports_open ON misuse_reports (handled_at, created_at);

CREATE INDEX sign_in_attempts_at ON sign_in_attempts (at);
CREATE INDEX sessions_last_seen ON sessions (last_seen_at);
