//! What the OpenID Connect provider hands out and remembers for an account
//! (docs/DESIGN.md §11): the `sub` it is known by (`oidc_subjects`), authorization
//! requests waiting for a sign-in (`oidc_requests`), codes (`oidc_codes`), refresh
//! tokens (`oidc_refresh_tokens`) and the scopes it allowed third-party clients
//! (`oidc_grants`). Codes, request ids and tokens are stored as SHA-256 only.

use super::accounts::AccountId;
use super::{Conn, Db, Lock, Timestamp};

/// The `sub` of `account`, made from `fresh` on first use (a random value the
/// caller draws); the same ever after.
pub async fn subject(conn: &mut Conn, account: AccountId, fresh: &str) -> anyhow::Result<String> {
    sqlx::query(
        "INSERT INTO oidc_subjects (account_id, subject) VALUES ($1, $2) \
         ON CONFLICT (account_id) DO NOTHING",
    )
    .bind(account)
    .bind(fresh)
    .execute(&mut *conn)
    .await?;
    Ok(
        sqlx::query_scalar("SELECT subject FROM oidc_subjects WHERE account_id = $1")
            .bind(account)
            .fetch_one(conn)
            .await?,
    )
}

/// The account known by `subject`, if any.
pub async fn account_of_subject(
    conn: &mut Conn,
    subject: &str,
) -> anyhow::Result<Option<AccountId>> {
    Ok(
        sqlx::query_scalar("SELECT account_id FROM oidc_subjects WHERE subject = $1")
            .bind(subject)
            .fetch_optional(conn)
            .await?
            .map(AccountId),
    )
}

/// A pending authorization request.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RequestRow {
    pub client_id: String,
    /// JSON of the request's parameters (`oidc::authorize::Params`).
    pub params: String,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
}

/// Stores a pending request under the SHA-256 of its id.
pub async fn insert_request(
    conn: &mut Conn,
    id_hash: &[u8],
    row: &RequestRow,
) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO oidc_requests (id_hash, client_id, params, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(id_hash)
    .bind(&row.client_id)
    .bind(&row.params)
    .bind(row.created_at)
    .bind(row.expires_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// The pending request stored under `id_hash`, if it has not expired at `now`.
pub async fn request(
    conn: &mut Conn,
    id_hash: &[u8],
    now: Timestamp,
) -> anyhow::Result<Option<RequestRow>> {
    Ok(sqlx::query_as(
        "SELECT client_id, params, created_at, expires_at FROM oidc_requests \
         WHERE id_hash = $1 AND expires_at > $2",
    )
    .bind(id_hash)
    .bind(now)
    .fetch_optional(conn)
    .await?)
}

/// Deletes the pending request (answered); false when it was gone already.
pub async fn delete_request(conn: &mut Conn, id_hash: &[u8]) -> anyhow::Result<bool> {
    let done = sqlx::query("DELETE FROM oidc_requests WHERE id_hash = $1")
        .bind(id_hash)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// An authorization code as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CodeRow {
    pub client_id: String,
    pub account_id: AccountId,
    /// JSON of what the code grants (`oidc::Grant`).
    pub grant_data: String,
    pub expires_at: Timestamp,
    pub used_at: Option<Timestamp>,
    /// The refresh-token family its exchange issued.
    pub family: Option<String>,
}

/// Stores a code under its SHA-256.
pub async fn insert_code(conn: &mut Conn, code_hash: &[u8], row: &CodeRow) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO oidc_codes (code_hash, client_id, account_id, grant_data, expires_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(code_hash)
    .bind(&row.client_id)
    .bind(row.account_id)
    .bind(&row.grant_data)
    .bind(row.expires_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// The code stored under `code_hash`, used or not, expired or not.
pub async fn code(conn: &mut Conn, code_hash: &[u8]) -> anyhow::Result<Option<CodeRow>> {
    Ok(sqlx::query_as(
        "SELECT client_id, account_id, grant_data, expires_at, used_at, family FROM oidc_codes \
         WHERE code_hash = $1",
    )
    .bind(code_hash)
    .fetch_optional(conn)
    .await?)
}

/// Marks the code used at `now`, naming the refresh family its exchange issued;
/// false when it was used already (a concurrent exchange won).
pub async fn use_code(
    conn: &mut Conn,
    code_hash: &[u8],
    family: &str,
    now: Timestamp,
) -> anyhow::Result<bool> {
    let done = sqlx::query(
        "UPDATE oidc_codes SET used_at = $2, family = $3 WHERE code_hash = $1 AND used_at IS NULL",
    )
    .bind(code_hash)
    .bind(now)
    .bind(family)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A refresh token as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RefreshRow {
    pub family: String,
    pub client_id: String,
    pub account_id: AccountId,
    /// JSON of what the token grants (`oidc::Grant`).
    pub grant_data: String,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    pub used_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
}

/// Stores a refresh token under its SHA-256.
pub async fn insert_refresh(
    conn: &mut Conn,
    token_hash: &[u8],
    row: &RefreshRow,
) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO oidc_refresh_tokens (token_hash, family, client_id, account_id, grant_data, \
         created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(token_hash)
    .bind(&row.family)
    .bind(&row.client_id)
    .bind(row.account_id)
    .bind(&row.grant_data)
    .bind(row.created_at)
    .bind(row.expires_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// The refresh token stored under `token_hash`, in whatever state.
pub async fn refresh(conn: &mut Conn, token_hash: &[u8]) -> anyhow::Result<Option<RefreshRow>> {
    Ok(sqlx::query_as(
        "SELECT family, client_id, account_id, grant_data, created_at, expires_at, used_at, \
         revoked_at FROM oidc_refresh_tokens WHERE token_hash = $1",
    )
    .bind(token_hash)
    .fetch_optional(conn)
    .await?)
}

/// Marks the refresh token used (rotated) at `now`; false when it was used or
/// revoked already.
pub async fn use_refresh(
    conn: &mut Conn,
    token_hash: &[u8],
    now: Timestamp,
) -> anyhow::Result<bool> {
    let done = sqlx::query(
        "UPDATE oidc_refresh_tokens SET used_at = $2 WHERE token_hash = $1 \
         AND used_at IS NULL AND revoked_at IS NULL",
    )
    .bind(token_hash)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Revokes every refresh token of `family`; how many were live.
pub async fn revoke_family(conn: &mut Conn, family: &str, now: Timestamp) -> anyhow::Result<u64> {
    Ok(sqlx::query(
        "UPDATE oidc_refresh_tokens SET revoked_at = $2 WHERE family = $1 AND revoked_at IS NULL \
         AND used_at IS NULL",
    )
    .bind(family)
    .bind(now)
    .execute(conn)
    .await?
    .rows_affected())
}

/// Revokes every live refresh token of `account`, or only those issued to
/// `client` when given, and deletes its codes not exchanged yet; how many tokens
/// there were. Signing out of Gatehouse, a password change or reset, suspension
/// and a withdrawn consent call it in their own transaction (docs/DESIGN.md §11),
/// holding [`Lock::OidcAccount`] so a rotation in flight cannot add a token it
/// misses.
pub async fn revoke_account(
    db: &Db,
    conn: &mut Conn,
    account: AccountId,
    client: Option<&str>,
    now: Timestamp,
) -> anyhow::Result<u64> {
    db.lock(conn, Lock::OidcAccount(account.0)).await?;
    sqlx::query(
        "DELETE FROM oidc_codes WHERE account_id = $1 AND ($2 IS NULL OR client_id = $2) \
         AND used_at IS NULL",
    )
    .bind(account)
    .bind(client)
    .execute(&mut *conn)
    .await?;
    Ok(sqlx::query(
        "UPDATE oidc_refresh_tokens SET revoked_at = $2 WHERE account_id = $1 \
         AND ($3 IS NULL OR client_id = $3) AND revoked_at IS NULL AND used_at IS NULL",
    )
    .bind(account)
    .bind(now)
    .bind(client)
    .execute(conn)
    .await?
    .rows_affected())
}

/// Revokes every live refresh token issued to `client`; how many there were.
pub async fn revoke_client(conn: &mut Conn, client: &str, now: Timestamp) -> anyhow::Result<u64> {
    Ok(sqlx::query(
        "UPDATE oidc_refresh_tokens SET revoked_at = $2 WHERE client_id = $1 \
         AND revoked_at IS NULL AND used_at IS NULL",
    )
    .bind(client)
    .bind(now)
    .execute(conn)
    .await?
    .rows_affected())
}

/// The scopes `account` allowed `client` (space-separated) and when (Unix
/// seconds), if it did.
pub async fn granted_scope(
    conn: &mut Conn,
    account: AccountId,
    client: &str,
) -> anyhow::Result<Option<(String, Timestamp)>> {
    Ok(sqlx::query_as(
        "SELECT scope, granted_at FROM oidc_grants WHERE account_id = $1 AND client_id = $2",
    )
    .bind(account)
    .bind(client)
    .fetch_optional(conn)
    .await?)
}

/// Records that `account` allowed `client` the scopes `scope` at `now`, replacing
/// what it allowed before.
pub async fn grant(
    conn: &mut Conn,
    account: AccountId,
    client: &str,
    scope: &str,
    now: Timestamp,
) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO oidc_grants (account_id, client_id, scope, granted_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (account_id, client_id) DO UPDATE SET scope = $3, granted_at = $4",
    )
    .bind(account)
    .bind(client)
    .bind(scope)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// A grant as the account center lists it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct GrantRow {
    pub client_id: String,
    pub name: String,
    pub scope: String,
    pub granted_at: Timestamp,
}

/// What `account` allowed third-party clients, newest first.
pub async fn grants_of(conn: &mut Conn, account: AccountId) -> anyhow::Result<Vec<GrantRow>> {
    Ok(sqlx::query_as(
        "SELECT g.client_id, c.name, g.scope, g.granted_at FROM oidc_grants g \
         JOIN oidc_clients c ON c.client_id = g.client_id WHERE g.account_id = $1 \
         ORDER BY g.granted_at DESC, g.client_id",
    )
    .bind(account)
    .fetch_all(conn)
    .await?)
}

/// Deletes what `account` allowed `client`; false when there was nothing.
pub async fn revoke_grant(
    conn: &mut Conn,
    account: AccountId,
    client: &str,
) -> anyhow::Result<bool> {
    let done = sqlx::query("DELETE FROM oidc_grants WHERE account_id = $1 AND client_id = $2")
        .bind(account)
        .bind(client)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Deletes everything of `account` but its `sub` (erasure; the `sub` is random
/// and stays so that it is never given to another account).
pub async fn delete_all_of(conn: &mut Conn, account: AccountId) -> anyhow::Result<()> {
    for table in ["oidc_grants", "oidc_refresh_tokens", "oidc_codes"] {
        sqlx::query(&format!("DELETE FROM {table} WHERE account_id = $1"))
            .bind(account)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Deletes (retention) requests expired at `now`, and codes and refresh tokens
/// expired a day before it (kept that long so a used one presented again is still
/// recognized); how many rows went.
pub async fn purge_expired(conn: &mut Conn, now: Timestamp) -> anyhow::Result<u64> {
    let mut n = 0;
    for (table, cutoff) in [
        ("oidc_requests", now),
        ("oidc_codes", now - 86_400),
        ("oidc_refresh_tokens", now - 86_400),
    ] {
        n += sqlx::query(&format!("DELETE FROM {table} WHERE expires_at < $1"))
            .bind(cutoff)
            .execute(&mut *conn)
            .await?
            .rows_affected();
    }
    Ok(n)
}
