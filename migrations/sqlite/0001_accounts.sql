-- Gatehouse schema, SQLite dialect. Times are Unix seconds (UTC).
-- Personal data is stored encrypted (AES-256-GCM); phone numbers are found and kept
-- unique through a keyed HMAC blind index (DESIGN.md §7).

CREATE TABLE invitation_codes (
    id          INTEGER PRIMARY KEY,
    code        TEXT    NOT NULL UNIQUE,          -- canonical Crockford base32, 8 chars
    quota       INTEGER NOT NULL CHECK (quota > 0),
    used        INTEGER NOT NULL DEFAULT 0 CHECK (used >= 0 AND used <= quota),
    expires_at  INTEGER NOT NULL,
    active      INTEGER NOT NULL DEFAULT 1,
    created_at  INTEGER NOT NULL
);

CREATE TABLE accounts (
    id                  INTEGER PRIMARY KEY,
    phone_index         BLOB    NOT NULL UNIQUE,  -- HMAC-SHA256 blind index
    phone_encrypted     BLOB    NOT NULL,         -- nonce || AES-256-GCM ciphertext
    password_hash       TEXT    NOT NULL,         -- argon2id PHC string
    invitation_id       INTEGER REFERENCES invitation_codes (id),
    marketing_opt_in    INTEGER NOT NULL DEFAULT 0,
    suspended           INTEGER NOT NULL DEFAULT 0,
    created_at          INTEGER NOT NULL
);

-- Consent records: append-only (DESIGN.md §4).
CREATE TABLE consent_records (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts (id),
    document    TEXT    NOT NULL CHECK (document IN ('agreement', 'privacy', 'marketing')),
    version     INTEGER NOT NULL,
    accepted_at INTEGER NOT NULL,
    ip          TEXT    NOT NULL,
    user_agent  TEXT    NOT NULL,
    method      TEXT    NOT NULL                  -- 'sign-up' or 're-consent'
);
CREATE INDEX consent_records_account ON consent_records (account_id);

-- One row per SMS code sent; the rows also count sends for the rate limits.
CREATE TABLE otp_codes (
    id          INTEGER PRIMARY KEY,
    phone_index BLOB    NOT NULL,
    purpose     TEXT    NOT NULL,
    code_hash   BLOB    NOT NULL,                 -- HMAC-SHA256 of (phone, purpose, code)
    ip          TEXT    NOT NULL,
    sent_at     INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,       -- wrong tries
    verified_at INTEGER,
    consumed_at INTEGER,
    replaced_at INTEGER                           -- a newer code for (phone, purpose) was sent
);
CREATE INDEX otp_codes_phone ON otp_codes (phone_index, sent_at);
CREATE INDEX otp_codes_ip ON otp_codes (ip, sent_at);
CREATE INDEX otp_codes_sent ON otp_codes (sent_at);

-- Wrong tries per phone across codes (10 per rolling hour, DESIGN.md §2).
CREATE TABLE otp_failures (
    phone_index BLOB    NOT NULL,
    failed_at   INTEGER NOT NULL
);
CREATE INDEX otp_failures_phone ON otp_failures (phone_index, failed_at);

-- tower-sessions records; the id is stored only as its SHA-256, the data encrypted.
CREATE TABLE sessions (
    id_hash      BLOB    PRIMARY KEY,
    account_id   INTEGER REFERENCES accounts (id),
    data         BLOB    NOT NULL,
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL
);
CREATE INDEX sessions_account ON sessions (account_id);
