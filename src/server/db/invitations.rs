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
        "INSERT INTO invitation_codes (code, quota, expires_at, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(&invitation.code)
    .bind(i64::from(invitation.quota))
    .bind(invitation.expires_at)
    .bind(invitation.created_at)
    .execute(conn)
    .await?;
    Ok(())
}
