-- Sign-in (DESIGN.md §3): throttling per phone and per IP, and the history of
-- every attempt. Times are Unix seconds (UTC).

-- Consecutive failed sign-ins per phone number, whether or not it has an account.
CREATE TABLE login_throttle (
    phone_index    BLOB    PRIMARY KEY,
    failures       INTEGER NOT NULL,
    last_failed_at INTEGER NOT NULL
);

-- Failed sign-ins per client IP, for the rolling-hour cap.
CREATE TABLE login_ip_failures (
    ip        TEXT    NOT NULL,
    failed_at INTEGER NOT NULL
);
CREATE INDEX login_ip_failures_ip ON login_ip_failures (ip, failed_at);

-- Every sign-in attempt: shown to the account's owner (last 20).
CREATE TABLE sign_in_attempts (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER REFERENCES accounts (id),
    at          INTEGER NOT NULL,
    ip          TEXT    NOT NULL,
    user_agent  TEXT    NOT NULL,
    method      TEXT    NOT NULL,   -- 'password', 'sms', 'sign-up', 'reset'
    outcome     TEXT    NOT NULL    -- 'success' or the reason of failure
);
CREATE INDEX sign_in_attempts_account ON sign_in_attempts (account_id, at);
