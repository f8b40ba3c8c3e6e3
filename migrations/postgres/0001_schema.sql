-- Gatehouse schema, PostgreSQL dialect: the same tables, columns and meaning as
-- migrations/sqlite (0001 to 0004 there). Times are Unix seconds (UTC) in BIGINT.
-- Personal data is stored encrypted (AES-256-GCM); phone numbers are found and kept
-- unique through a keyed HMAC blind index (DESIGN.md §7).

CREATE TABLE invitation_codes (
    id          BIGSERIAL PRIMARY KEY,
    code        TEXT    NOT NULL UNIQUE,          -- canonical Crockford base32, 8 chars
    quota       BIGINT  NOT NULL CHECK (quota > 0),
    used        BIGINT  NOT NULL DEFAULT 0 CHECK (used >= 0 AND used <= quota),
    expires_at  BIGINT  NOT NULL,
    active      BOOLEAN NOT NULL DEFAULT TRUE,
    created_at  BIGINT  NOT NULL
);

CREATE TABLE accounts (
    id                  BIGSERIAL PRIMARY KEY,
    phone_index         BYTEA   NOT NULL UNIQUE,  -- HMAC-SHA256 blind index
    phone_encrypted     BYTEA   NOT NULL,         -- nonce || AES-256-GCM ciphertext
    password_hash       TEXT    NOT NULL,         -- argon2id PHC string
    invitation_id       BIGINT  REFERENCES invitation_codes (id),
    marketing_opt_in    BOOLEAN NOT NULL DEFAULT FALSE,
    suspended           BOOLEAN NOT NULL DEFAULT FALSE,
    created_at          BIGINT  NOT NULL
);

-- Consent records: append-only (DESIGN.md §4).
CREATE TABLE consent_records (
    id          BIGSERIAL PRIMARY KEY,
    account_id  BIGINT  NOT NULL REFERENCES accounts (id),
    document    TEXT    NOT NULL CHECK (document IN ('agreement', 'privacy', 'marketing')),
    version     BIGINT  NOT NULL,
    accepted_at BIGINT  NOT NULL,
    ip          TEXT    NOT NULL,
    user_agent  TEXT    NOT NULL,
    method      TEXT    NOT NULL                  -- 'sign-up' or 're-consent'
);
CREATE INDEX consent_records_account ON consent_records (account_id);

-- One row per SMS code sent; the rows also count sends for the rate limits.
CREATE TABLE otp_codes (
    id          BIGSERIAL PRIMARY KEY,
    phone_index BYTEA   NOT NULL,
    purpose     TEXT    NOT NULL,
    code_hash   BYTEA   NOT NULL,                 -- HMAC-SHA256 of (phone, purpose, code)
    ip          TEXT    NOT NULL,
    sent_at     BIGINT  NOT NULL,
    expires_at  BIGINT  NOT NULL,
    attempts    BIGINT  NOT NULL DEFAULT 0,       -- wrong tries
    verified_at BIGINT,
    consumed_at BIGINT,
    replaced_at BIGINT,                           -- a newer code for (phone, purpose) was sent
    withdrawn_at BIGINT                           -- its SMS could not be sent
);
CREATE INDEX otp_codes_phone ON otp_codes (phone_index, sent_at);
CREATE INDEX otp_codes_ip ON otp_codes (ip, sent_at);
CREATE INDEX otp_codes_sent ON otp_codes (sent_at);

-- Wrong tries per phone across codes (10 per rolling hour, DESIGN.md §2).
CREATE TABLE otp_failures (
    phone_index BYTEA   NOT NULL,
    failed_at   BIGINT  NOT NULL
);
CREATE INDEX otp_failures_phone ON otp_failures (phone_index, failed_at);

-- tower-sessions records; the id is stored only as its SHA-256, the data encrypted.
CREATE TABLE sessions (
    id_hash      BYTEA   PRIMARY KEY,
    account_id   BIGINT  REFERENCES accounts (id),
    data         BYTEA   NOT NULL,
    created_at   BIGINT  NOT NULL,
    last_seen_at BIGINT  NOT NULL
);
CREATE INDEX sessions_account ON sessions (account_id);

-- Sign-in (DESIGN.md §3): consecutive failures per phone number, whether or not it
-- has an account.
CREATE TABLE login_throttle (
    phone_index    BYTEA   PRIMARY KEY,
    failures       BIGINT  NOT NULL,
    last_failed_at BIGINT  NOT NULL
);

-- Failed sign-ins per client IP, for the rolling-hour cap.
CREATE TABLE login_ip_failures (
    id        BIGSERIAL PRIMARY KEY,
    ip        TEXT    NOT NULL,
    failed_at BIGINT  NOT NULL
);
CREATE INDEX login_ip_failures_ip ON login_ip_failures (ip, failed_at);

-- Every sign-in attempt: shown to the account's owner (last 20).
CREATE TABLE sign_in_attempts (
    id          BIGSERIAL PRIMARY KEY,
    account_id  BIGINT  REFERENCES accounts (id),
    at          BIGINT  NOT NULL,
    ip          TEXT    NOT NULL,
    user_agent  TEXT    NOT NULL,
    method      TEXT    NOT NULL,   -- 'password', 'sms', 'sign-up', 'reset'
    outcome     TEXT    NOT NULL    -- 'success' or the reason of failure
);
CREATE INDEX sign_in_attempts_account ON sign_in_attempts (account_id, at);
