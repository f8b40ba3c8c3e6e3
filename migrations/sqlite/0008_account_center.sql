-- The account center (docs/DESIGN.md §5, issue 12).

-- Marketing consent becomes a ledger of its own: every switch on or off is a row
-- (document 'marketing', version 1, `granted` 1 or 0), so the once-per-version key
-- holds for the documents only, and the lone accounts column goes. The opt-ins it
-- held are kept aside here; the server writes them into the ledger at its next
-- start, after any older plain consent rows have moved with their ids, and drops
-- marketing_opt_ins_plain (src/server/db/consents.rs: migrate_marketing_opt_ins).
ALTER TABLE consent_records ADD COLUMN granted INTEGER NOT NULL DEFAULT 1;
DROP INDEX consent_records_once;
CREATE UNIQUE INDEX consent_records_once ON consent_records (account_id, document, version)
    WHERE document <> 'marketing';
CREATE TABLE marketing_opt_ins_plain AS
    SELECT id AS account_id, created_at FROM accounts
    WHERE marketing_opt_in = 1 AND deleted_at IS NULL;
ALTER TABLE accounts DROP COLUMN marketing_opt_in;

-- The optional profile (§1 of the Privacy Policy): one JSON object encrypted under
-- the account's key, so destroying the key erases it with the rest.
CREATE TABLE profiles (
    account_id  INTEGER PRIMARY KEY REFERENCES accounts (id),
    data        BLOB    NOT NULL,               -- nonce || AES-256-GCM of the JSON
    updated_at  INTEGER NOT NULL
);

-- "I don't recognize this activity": reports for the operator (issue 13 reads them).
CREATE TABLE misuse_reports (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts (id),
    subject     TEXT    NOT NULL,               -- 'session', 'sign-in' or 'other'
    reference   TEXT    NOT NULL,               -- the session's public id or the sign-in's id
    note        BLOB    NOT NULL,               -- under the account's key
    created_at  INTEGER NOT NULL,
    handled_at  INTEGER
);
CREATE INDEX misuse_reports_open ON misuse_reports (handled_at, created_at);

-- Retention (docs/DESIGN.md §7): the periodic purge deletes by these times.
CREATE INDEX sign_in_attempts_at ON sign_in_attempts (at);
CREATE INDEX sessions_last_seen ON sessions (last_seen_at);
