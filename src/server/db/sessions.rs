//! The `sessions` table behind tower-sessions (`server::session`): each id stored
//! only as its SHA-256, the record's data encrypted, the account alongside so its
//! sessions can be ended together (docs/DESIGN.md §3).

use super::accounts::AccountId;
use super::{Conn, Timestamp};

/// A stored session.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionRow {
    /// The record's data, encrypted.
    pub data: Vec<u8>,
    pub account_id: Option<AccountId>,
    pub created_at: Timestamp,
    pub last_seen_at: Timestamp,
}

pub async fn load(conn: &mut Conn, id_hash: &[u8]) -> anyhow::Result<Option<SessionRow>> {
    Ok(sqlx::query_as(
        "SELECT data, account_id, created_at, last_seen_at FROM sessions WHERE id_hash = $1",
    )
    .bind(id_hash)
    .fetch_optional(conn)
    .await?)
}

/// Inserts a session; `false` when the id is taken.
pub async fn insert(conn: &mut Conn, id_hash: &[u8], row: &SessionRow) -> anyhow::Result<bool> {
    let done = sqlx::query(
        "INSERT INTO sessions (id_hash, account_id, data, created_at, last_seen_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id_hash) DO NOTHING",
    )
    .bind(id_hash)
    .bind(row.account_id)
    .bind(&row.data)
    .bind(row.created_at)
    .bind(row.last_seen_at)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Updates an existing session's data, account and `last_seen_at`; writes nothing
/// if the session was deleted meanwhile.
pub async fn save(conn: &mut Conn, id_hash: &[u8], row: &SessionRow) -> anyhow::Result<()> {
    sqlx::query(
        "UPDATE sessions SET account_id = $1, data = $2, last_seen_at = $3 WHERE id_hash = $4",
    )
    .bind(row.account_id)
    .bind(&row.data)
    .bind(row.last_seen_at)
    .bind(id_hash)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn touch(conn: &mut Conn, id_hash: &[u8], now: Timestamp) -> anyhow::Result<()> {
    sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id_hash = $2")
        .bind(now)
        .bind(id_hash)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn delete(conn: &mut Conn, id_hash: &[u8]) -> anyhow::Result<()> {
    sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
        .bind(id_hash)
        .execute(conn)
        .await?;
    Ok(())
}

/// Ends every session of the account; returns how many there were.
pub async fn delete_all_of(conn: &mut Conn, account: AccountId) -> anyhow::Result<u64> {
    let done = sqlx::query("DELETE FROM sessions WHERE account_id = $1")
        .bind(account)
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}

/// A stored session of an account, with its hashed id, for the account center.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AccountSession {
    pub id_hash: Vec<u8>,
    /// The record's data, encrypted.
    pub data: Vec<u8>,
    pub created_at: Timestamp,
    pub last_seen_at: Timestamp,
}

/// The account's stored sessions, newest sign-in first (expired ones included
/// until a request or the retention purge deletes them: filter by time).
pub async fn of_account(
    conn: &mut Conn,
    account: AccountId,
) -> anyhow::Result<Vec<AccountSession>> {
    Ok(sqlx::query_as(
        "SELECT id_hash, data, created_at, last_seen_at FROM sessions \
         WHERE account_id = $1 ORDER BY created_at DESC, last_seen_at DESC",
    )
    .bind(account)
    .fetch_all(conn)
    .await?)
}

/// Ends one session of the account; `false` when it has no such session.
pub async fn delete_of_account(
    conn: &mut Conn,
    account: AccountId,
    id_hash: &[u8],
) -> anyhow::Result<bool> {
    let done = sqlx::query("DELETE FROM sessions WHERE account_id = $1 AND id_hash = $2")
        .bind(account)
        .bind(id_hash)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Ends every session of the account but `keep`; returns how many there were.
pub async fn delete_others_of(
    conn: &mut Conn,
    account: AccountId,
    keep: &[u8],
) -> anyhow::Result<u64> {
    let done = sqlx::query("DELETE FROM sessions WHERE account_id = $1 AND id_hash <> $2")
        .bind(account)
        .bind(keep)
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}

/// Deletes the sessions not seen since `cutoff` (ended by the idle timeout, or
/// older than the retention period); returns how many.
pub async fn delete_unseen_since(conn: &mut Conn, cutoff: Timestamp) -> anyhow::Result<u64> {
    let done = sqlx::query("DELETE FROM sessions WHERE last_seen_at < $1")
        .bind(cutoff)
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}
