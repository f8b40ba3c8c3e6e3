-- The OpenID Connect provider (docs/DESIGN.md §11, issue 15).

-- Signing keys (RS256). The private key is PKCS#1 DER sealed with AES-256-GCM under
-- the data key; the public half is the JWK published at /jwks. A key is published
-- from created_at and signs from signs_from (a rotation publishes before it signs).
CREATE TABLE oidc_signing_keys (
    kid         TEXT    PRIMARY KEY,
    private_key BLOB    NOT NULL,
    public_jwk  TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    signs_from  INTEGER NOT NULL
);

-- Registered relying parties. secret_hash is an HMAC-SHA256 of the secret under a
-- key derived from the data key (NULL: a public client, PKCE required). The URI
-- lists are JSON arrays, matched exactly.
CREATE TABLE oidc_clients (
    client_id                 TEXT    PRIMARY KEY,
    name                      TEXT    NOT NULL,
    secret_hash               BLOB,
    redirect_uris             TEXT    NOT NULL,
    post_logout_redirect_uris TEXT    NOT NULL,
    first_party               INTEGER NOT NULL DEFAULT 0,
    created_at                INTEGER NOT NULL,
    revoked_at                INTEGER
);

-- The `sub` each account is known by: random, never the phone number, the same
-- when the number changes.
CREATE TABLE oidc_subjects (
    account_id INTEGER PRIMARY KEY REFERENCES accounts (id),
    subject    TEXT    NOT NULL UNIQUE
);

-- Authorization requests waiting for the visitor to sign in, agree or consent,
-- under an opaque id (stored as its SHA-256).
CREATE TABLE oidc_requests (
    id_hash    BLOB    PRIMARY KEY,
    client_id  TEXT    NOT NULL REFERENCES oidc_clients (client_id),
    params     TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX oidc_requests_expires ON oidc_requests (expires_at);

-- Authorization codes (stored as SHA-256), single use; `family` names the refresh
-- tokens the exchange issued, revoked if the code is presented again.
CREATE TABLE oidc_codes (
    code_hash  BLOB    PRIMARY KEY,
    client_id  TEXT    NOT NULL REFERENCES oidc_clients (client_id),
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    grant_data TEXT    NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER,
    family     TEXT
);
CREATE INDEX oidc_codes_expires ON oidc_codes (expires_at);

-- Refresh tokens (stored as SHA-256). Each use rotates: the token is marked used
-- and a new one of the same family issued; a used one presented again revokes the
-- family (OAuth 2.0 Security BCP, refresh token rotation).
CREATE TABLE oidc_refresh_tokens (
    token_hash BLOB    PRIMARY KEY,
    family     TEXT    NOT NULL,
    client_id  TEXT    NOT NULL REFERENCES oidc_clients (client_id),
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    grant_data TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER,
    revoked_at INTEGER
);
CREATE INDEX oidc_refresh_tokens_family ON oidc_refresh_tokens (family);
CREATE INDEX oidc_refresh_tokens_account ON oidc_refresh_tokens (account_id);
CREATE INDEX oidc_refresh_tokens_expires ON oidc_refresh_tokens (expires_at);

-- What an account allowed a third-party client (the consent screen); listed and
-- revocable in the account center.
CREATE TABLE oidc_grants (
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    client_id  TEXT    NOT NULL REFERENCES oidc_clients (client_id),
    scope      TEXT    NOT NULL,
    granted_at INTEGER NOT NULL,
    PRIMARY KEY (account_id, client_id)
);
