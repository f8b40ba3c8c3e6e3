//! The sign-in throttle's counts (docs/DESIGN.md §3): `login_throttle` (consecutive
//! failures per phone number, whether or not it has an account) and
//! `login_ip_failures` (failed sign-ins per client IP, for the rolling hour).

use super::{to_u32, Conn, Timestamp};
use crate::server::throttle::FailureCounts;
use sqlx::Row;

/// The phone's and the IP's failures at `now`.
pub async fn counts(
    conn: &mut Conn,
    phone_index: &[u8],
    ip: &str,
    now: Timestamp,
) -> anyhow::Result<FailureCounts> {
    let phone =
        sqlx::query("SELECT failures, last_failed_at FROM login_throttle WHERE phone_index = $1")
            .bind(phone_index)
            .fetch_optional(&mut *conn)
            .await?;
    let by_ip = sqlx::query(
        "SELECT COUNT(*) AS failures, MIN(failed_at) AS oldest FROM login_ip_failures \
         WHERE ip = $1 AND failed_at > $2",
    )
    .bind(ip)
    .bind(now - 3_600)
    .fetch_one(&mut *conn)
    .await?;
    Ok(FailureCounts {
        phone_failures: match &phone {
            Some(r) => to_u32(r.try_get("failures")?)?,
            None => 0,
        },
        phone_last_failed_at: phone.map(|r| r.try_get("last_failed_at")).transpose()?,
        ip_failures: to_u32(by_ip.try_get("failures")?)?,
        ip_oldest: by_ip.try_get("oldest")?,
    })
}

/// Counts one failure for the phone and one for the IP; returns the IP row, so the
/// charge can be taken back ([`refund`]).
pub async fn charge(
    conn: &mut Conn,
    phone_index: &[u8],
    ip: &str,
    now: Timestamp,
) -> anyhow::Result<i64> {
    sqlx::query(
        "INSERT INTO login_throttle (phone_index, failures, last_failed_at) VALUES ($1, 1, $2) \
         ON CONFLICT (phone_index) DO UPDATE \
         SET failures = login_throttle.failures + 1, last_failed_at = excluded.last_failed_at",
    )
    .bind(phone_index)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(sqlx::query_scalar(
        "INSERT INTO login_ip_failures (ip, failed_at) VALUES ($1, $2) RETURNING id",
    )
    .bind(ip)
    .bind(now)
    .fetch_one(conn)
    .await?)
}

/// Takes one charge back: one failure less for the phone (never below 0), and the
/// IP row `ip_row`, if given, removed.
pub async fn refund(
    conn: &mut Conn,
    phone_index: &[u8],
    ip_row: Option<i64>,
) -> anyhow::Result<()> {
    sqlx::query(
        "UPDATE login_throttle SET failures = CASE WHEN failures > 0 THEN failures - 1 ELSE 0 END \
         WHERE phone_index = $1",
    )
    .bind(phone_index)
    .execute(&mut *conn)
    .await?;
    delete_ip_row(conn, ip_row).await
}

/// A success: the phone's count is cleared, and the IP row `ip_row`, if given,
/// removed.
pub async fn clear(conn: &mut Conn, phone_index: &[u8], ip_row: Option<i64>) -> anyhow::Result<()> {
    sqlx::query("DELETE FROM login_throttle WHERE phone_index = $1")
        .bind(phone_index)
        .execute(&mut *conn)
        .await?;
    delete_ip_row(conn, ip_row).await
}

async fn delete_ip_row(conn: &mut Conn, ip_row: Option<i64>) -> anyhow::Result<()> {
    if let Some(row) = ip_row {
        sqlx::query("DELETE FROM login_ip_failures WHERE id = $1")
            .bind(row)
            .execute(conn)
            .await?;
    }
    Ok(())
}
