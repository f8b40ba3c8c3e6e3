//! The `pow_redemptions` table: the proof-of-work challenges already paid for a
//! send (docs/DESIGN.md §2), so one solution pays for one send across instances.

use super::{Conn, Timestamp};

/// Records `challenge_id` as redeemed until `expires_at` (Unix seconds). Returns
/// `false` when it already was: of concurrent redemptions of one challenge, on any
/// instance, exactly one gets `true` (the primary key decides).
pub async fn redeem(
    conn: &mut Conn,
    challenge_id: &str,
    expires_at: Timestamp,
) -> anyhow::Result<bool> {
    let done = sqlx::query(
        "INSERT INTO pow_redemptions (challenge_id, expires_at) VALUES ($1, $2) \
         ON CONFLICT (challenge_id) DO NOTHING",
    )
    .bind(challenge_id)
    .bind(expires_at)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// How long after its expiry a redeemed challenge's row is kept, in seconds: an
/// instance whose clock runs this much ahead of another's cannot purge a row the
/// other would still accept the challenge for.
pub const CLOCK_SKEW_MARGIN_SECS: i64 = 300;

/// Deletes the rows of challenges expired more than [`CLOCK_SKEW_MARGIN_SECS`]
/// before `now`; returns how many.
pub async fn delete_expired(conn: &mut Conn, now: Timestamp) -> anyhow::Result<u64> {
    let done = sqlx::query("DELETE FROM pow_redemptions WHERE expires_at < $1")
        .bind(now - CLOCK_SKEW_MARGIN_SECS)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected())
}
