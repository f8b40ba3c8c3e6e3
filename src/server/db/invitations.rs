//! The `invitation_codes` table: codes the operator issues, each usable `quota`
//! times until it expires (docs/DESIGN.md §1). A use is counted with a conditional
//! update in the transaction that creates the account (docs/STYLE.md §9).

use super::{Conn, Timestamp};

/// An invitation code as the operator creates it.
#[derive(Debug, Clone)]
pub struct NewInvitation {
    /// Canonical Crockford base32, 8 characters.
    pub code: String,
    pub quota: u32,
    pub expires_at: Timestamp,
    pub created_at: Timestamp,
    /// The operator's note, encrypted under the data key.
    pub note: Option<Vec<u8>>,
}

/// An invitation code as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StoredInvitation {
    pub id: i64,
    pub code: String,
    pub quota: i64,
    pub used: i64,
    pub expires_at: Timestamp,
    /// `false` once withdrawn.
    #[sqlx(try_from = "super::Flag")]
    pub active: bool,
    pub created_at: Timestamp,
    /// The operator's note, encrypted under the data key.
    pub note: Option<Vec<u8>>,
}

const COLUMNS: &str = "id, code, quota, used, expires_at, active, created_at, note";

/// The newest `limit` codes, newest first.
pub async fn newest(conn: &mut Conn, limit: u32) -> anyhow::Result<Vec<StoredInvitation>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM invitation_codes ORDER BY id DESC LIMIT $1"
    ))
    .bind(i64::from(limit))
    .fetch_all(conn)
    .await?)
}

/// The code `code` (canonical form), if it exists.
pub async fn by_code(conn: &mut Conn, code: &str) -> anyhow::Result<Option<StoredInvitation>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM invitation_codes WHERE code = $1"
    ))
    .bind(code)
    .fetch_optional(conn)
    .await?)
}

/// Withdraws an active code: no sign-up uses it afterwards. `false` when it is
/// unknown or withdrawn already.
pub async fn withdraw(conn: &mut Conn, code: &str) -> anyhow::Result<bool> {
    let done = sqlx::query("UPDATE invitation_codes SET active = FALSE WHERE code = $1 AND active")
        .bind(code)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Whether `code` exists, is active, unexpired at `now` and not used up.
pub async fn usable(conn: &mut Conn, code: &str, now: Timestamp) -> anyhow::Result<bool> {
    let found: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM invitation_codes \
         WHERE code = $1 AND active AND expires_at > $2 AND used < quota",
    )
    .bind(code)
    .bind(now)
    .fetch_optional(conn)
    .await?;
    Ok(found.is_some())
}

/// Counts one use of `code` if it is usable at `now`; returns its row id, or `None`
/// when it is unknown, withdrawn, expired or used up.
pub async fn use_once(conn: &mut Conn, code: &str, now: Timestamp) -> anyhow::Result<Option<i64>> {
    Ok(sqlx::query_scalar(
        "UPDATE invitation_codes SET used = used + 1 \
         WHERE code = $1 AND active AND expires_at > $2 AND used < quota RETURNING id",
    )
    .bind(code)
    .bind(now)
    .fetch_optional(conn)
    .await?)
}

/// Inserts a new code; a code that exists already is an error (unique).
pub async fn insert(conn: &mut Conn, invitation: &NewInvitation) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO invitation_codes (code, quota, expires_at, created_at, note) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&invitation.code)
    .bind(i64::from(invitation.quota))
    .bind(invitation.expires_at)
    .bind(invitation.created_at)
    .bind(&invitation.note)
    .execute(conn)
    .await?;
    Ok(())
}
