-- Crypto-shredding (docs/DESIGN.md §7): personal data in append-only rows (the IP
-- and browser of consent records and audit events) is encrypted under a key of the
-- account's own; deleting the account deletes its key, which erases that data
-- without changing a row. The key is stored encrypted under the data key.
CREATE TABLE account_keys (
    account_id    INTEGER PRIMARY KEY REFERENCES accounts (id),
    key_encrypted BLOB    NOT NULL              -- nonce || AES-256-GCM of 32 bytes
);

-- A deleted account stays as a tombstone, for the rows that refer to it: its blind
-- index replaced by random bytes, its ciphertext and password hash emptied, its key
-- destroyed, and the time of deletion here.
ALTER TABLE accounts ADD COLUMN deleted_at INTEGER;

-- The consent ledger moves to that form. Its plain rows are kept aside here; the
-- server re-encrypts them into the new table at its next start and then drops
-- consent_records_plain (src/server/db/consents.rs: migrate_plain_rows).
DROP TRIGGER consent_records_no_update;
DROP TRIGGER consent_records_no_delete;
DROP INDEX consent_records_once;
DROP INDEX consent_records_account;
ALTER TABLE consent_records RENAME TO consent_records_plain;
CREATE TABLE consent_records (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts (id),
    document    TEXT    NOT NULL CHECK (document IN ('agreement', 'privacy', 'marketing')),
    version     INTEGER NOT NULL,
    accepted_at INTEGER NOT NULL,
    ip          BLOB    NOT NULL,               -- under the account's key
    user_agent  BLOB    NOT NULL,               -- under the account's key
    method      TEXT    NOT NULL                -- 'sign-up' or 're-consent'
);
CREATE INDEX consent_records_account ON consent_records (account_id);
CREATE UNIQUE INDEX consent_records_once ON consent_records (account_id, document, version);
CREATE TRIGGER consent_records_no_update BEFORE UPDATE ON consent_records
BEGIN
    SELECT RAISE(ABORT, 'consent_records is append-only');
END;
CREATE TRIGGER consent_records_no_delete BEFORE DELETE ON consent_records
BEGIN
    SELECT RAISE(ABORT, 'consent_records is append-only');
END;
