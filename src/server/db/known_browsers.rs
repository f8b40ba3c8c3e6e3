//! The `known_browsers` table: the browsers each account has signed in from, each
//! named by the blind index of its User-Agent string (docs/DESIGN.md §3).
//! A sign-in from a browser the account has not used before sends it a security
//! notice (src/server/notices.rs).

use super::accounts::AccountId;
use super::{Conn, Timestamp};

/// What [`remember`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seen {
    /// The account has used this browser before.
    Known,
    /// A browser new to an account that knew others: worth a notice.
    New,
    /// The account's first recorded browser (its sign-up, or its first sign-in
    /// since browsers are recorded): no notice.
    First,
}

/// Records that `account` used the browser of `browser_index` at `now` (Unix
/// seconds) and says whether it had before. Concurrent calls for one new browser
/// record it once; at most one of them answers `New` or `First`.
pub async fn remember(
    conn: &mut Conn,
    account: AccountId,
    browser_index: &[u8],
    now: Timestamp,
) -> anyhow::Result<Seen> {
    let seen = sqlx::query(
        "UPDATE known_browsers SET last_seen = $3 WHERE account_id = $1 AND browser_index = $2",
    )
    .bind(account)
    .bind(browser_index)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    if seen.rows_affected() > 0 {
        return Ok(Seen::Known);
    }
    let others: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM known_browsers WHERE account_id = $1")
            .bind(account)
            .fetch_one(&mut *conn)
            .await?;
    let added = sqlx::query(
        "INSERT INTO known_browsers (account_id, browser_index, first_seen, last_seen) \
         VALUES ($1, $2, $3, $3) ON CONFLICT (account_id, browser_index) DO NOTHING",
    )
    .bind(account)
    .bind(browser_index)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(match (added.rows_affected(), others) {
        (0, _) => Seen::Known,
        (_, 0) => Seen::First,
        _ => Seen::New,
    })
}

/// Forgets every browser of `account` (its erasure).
pub async fn delete_all_of(conn: &mut Conn, account: AccountId) -> anyhow::Result<u64> {
    let done = sqlx::query("DELETE FROM known_browsers WHERE account_id = $1")
        .bind(account)
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}

/// Forgets the browsers not used since `cutoff` (retention, with sign-in history).
pub async fn delete_unseen_since(conn: &mut Conn, cutoff: Timestamp) -> anyhow::Result<u64> {
    let done = sqlx::query("DELETE FROM known_browsers WHERE last_seen < $1")
        .bind(cutoff)
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}
