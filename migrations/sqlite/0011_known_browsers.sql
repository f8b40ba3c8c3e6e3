-- The browsers each account has signed in from (docs/DESIGN.md §3, issue 14): a
-- sign-in from a browser not in the list sends the account a security notice. A
-- browser is named by its User-Agent string, stored here only as a blind index.
-- Purged with sign-in history (retention) and on erasure.
CREATE TABLE known_browsers (
    account_id    INTEGER NOT NULL REFERENCES accounts (id),
    browser_index BLOB    NOT NULL,
    first_seen    INTEGER NOT NULL,
    last_seen     INTEGER NOT NULL,
    PRIMARY KEY (account_id, browser_index)
);
CREATE INDEX known_browsers_last_seen ON known_browsers (last_seen);
