-- Crypto-shredding (docs/DESIGN.md §7); the same as migrations/sqlite/0007.
CREATE TABLE account_keys (
    account_id    BIGINT  PRIMARY KEY REFERENCES accounts (id),
    key_encrypted BYTEA   NOT NULL              -- nonce || AES-256-GCM of 32 bytes
);

-- A deleted account stays as a tombstone, for the rows that refer to it: its blind
-- index replaced by random bytes, its ciphertext and password hash emptied, its key
-- destroyed, and the time of deletion here.
ALTER TABLE accounts ADD COLUMN deleted_at BIGINT;

-- The consent ledger moves to that form; the server re-encrypts the plain rows at
-- its next start and drops consent_records_plain.
DROP TRIGGER consent_records_no_change ON consent_records;
DROP TRIGGER consent_records_no_truncate ON consent_records;
ALTER TABLE consent_records RENAME TO consent_records_plain;
ALTER TABLE consent_records_plain RENAME CONSTRAINT consent_records_pkey TO consent_records_plain_pkey;
ALTER TABLE consent_records_plain RENAME CONSTRAINT consent_records_account_id_fkey TO consent_records_plain_account_id_fkey;
ALTER TABLE consent_records_plain RENAME CONSTRAINT consent_records_document_check TO consent_records_plain_document_check;
ALTER INDEX consent_records_account RENAME TO consent_records_plain_account;
ALTER INDEX consent_records_once RENAME TO consent_records_plain_once;
ALTER SEQUENCE consent_records_id_seq RENAME TO consent_records_plain_id_seq;
CREATE TABLE consent_records (
    id          BIGSERIAL PRIMARY KEY,
    account_id  BIGINT  NOT NULL REFERENCES accounts (id),
    document    TEXT    NOT NULL CHECK (document IN ('agreement', 'privacy', 'marketing')),
    version     BIGINT  NOT NULL,
    accepted_at BIGINT  NOT NULL,
    ip          BYTEA   NOT NULL,               -- under the account's key
    user_agent  BYTEA   NOT NULL,               -- under the account's key
    method      TEXT    NOT NULL                -- 'sign-up' or 're-consent'
);
CREATE INDEX consent_records_account ON consent_records (account_id);
CREATE UNIQUE INDEX consent_records_once ON consent_records (account_id, document, version);
CREATE TRIGGER consent_records_no_change BEFORE UPDATE OR DELETE ON consent_records
    FOR EACH ROW EXECUTE FUNCTION consent_records_append_only();
CREATE TRIGGER consent_records_no_truncate BEFORE TRUNCATE ON consent_records
    FOR EACH STATEMENT EXECUTE FUNCTION consent_records_append_only();
