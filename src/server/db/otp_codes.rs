//! The `otp_codes` table (one row per SMS code sent; the rows also count the sends
//! for the rate limits) and `otp_failures` (wrong tries per phone across codes),
//! docs/DESIGN.md §2. Codes are stored only as a keyed hash.

use super::{to_u32, Conn, Timestamp};
use crate::domain::OtpPurpose;
use crate::server::otp::rules::SendHistory;
use sqlx::Row;

/// A code's id (the `otp_codes.id` primary key).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, sqlx::Type)]
#[sqlx(transparent)]
pub struct OtpId(pub i64);

/// A code about to be stored.
#[derive(Debug, Clone)]
pub struct NewOtp {
    pub phone_index: Vec<u8>,
    pub purpose: OtpPurpose,
    /// HMAC-SHA256 of (phone, purpose, code).
    pub code_hash: Vec<u8>,
    /// The rate-limit key of the client that asked for it.
    pub ip: String,
    pub sent_at: Timestamp,
    pub expires_at: Timestamp,
}

/// The live code of a (phone, purpose): not replaced, consumed or withdrawn.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LiveOtp {
    pub id: OtpId,
    pub code_hash: Vec<u8>,
    pub expires_at: Timestamp,
    /// Wrong tries so far.
    pub attempts: i64,
}

/// The sends that count against this phone, this IP and the service at `now`.
pub async fn send_history(
    conn: &mut Conn,
    phone_index: &[u8],
    purpose: OtpPurpose,
    ip: &str,
    now: Timestamp,
) -> anyhow::Result<SendHistory> {
    #[derive(sqlx::FromRow)]
    struct Send {
        sent_at: Timestamp,
        #[sqlx(try_from = "String")]
        purpose: OtpPurpose,
        withdrawn_at: Option<Timestamp>,
    }
    let phone: Vec<Send> = sqlx::query_as(
        "SELECT sent_at, purpose, withdrawn_at FROM otp_codes \
         WHERE phone_index = $1 AND sent_at > $2 ORDER BY sent_at",
    )
    .bind(phone_index)
    .bind(now - 86_400)
    .fetch_all(&mut *conn)
    .await?;
    let last_same_purpose = phone
        .iter()
        .filter(|s| s.purpose == purpose && s.withdrawn_at.is_none())
        .map(|s| s.sent_at)
        .next_back();
    let ip: Vec<Timestamp> = sqlx::query_scalar(
        "SELECT sent_at FROM otp_codes WHERE ip = $1 AND sent_at > $2 ORDER BY sent_at",
    )
    .bind(ip)
    .bind(now - 3_600)
    .fetch_all(&mut *conn)
    .await?;
    let total = sqlx::query(
        "SELECT COUNT(*) AS sends, MIN(sent_at) AS oldest FROM otp_codes WHERE sent_at > $1",
    )
    .bind(now - 3_600)
    .fetch_one(&mut *conn)
    .await?;
    Ok(SendHistory {
        phone: phone.iter().map(|s| s.sent_at).collect(),
        last_same_purpose,
        ip,
        global_count: to_u32(total.try_get("sends")?)?,
        global_oldest: total.try_get("oldest")?,
    })
}

/// Marks every live code of (phone, purpose) replaced at `now` (a newer one is
/// being sent).
pub async fn replace_live(
    conn: &mut Conn,
    phone_index: &[u8],
    purpose: OtpPurpose,
    now: Timestamp,
) -> anyhow::Result<()> {
    sqlx::query(
        "UPDATE otp_codes SET replaced_at = $1 WHERE phone_index = $2 AND purpose = $3 \
         AND replaced_at IS NULL AND consumed_at IS NULL",
    )
    .bind(now)
    .bind(phone_index)
    .bind(purpose.as_str())
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn insert(conn: &mut Conn, otp: &NewOtp) -> anyhow::Result<OtpId> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO otp_codes (phone_index, purpose, code_hash, ip, sent_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(&otp.phone_index)
    .bind(otp.purpose.as_str())
    .bind(&otp.code_hash)
    .bind(&otp.ip)
    .bind(otp.sent_at)
    .bind(otp.expires_at)
    .fetch_one(conn)
    .await?;
    Ok(OtpId(id))
}

/// Withdraws a code whose SMS could not be sent, unless it was verified or consumed
/// meanwhile: it can no longer be verified and starts no cooldown, but still counts
/// against the send caps; the code it replaced is live again.
pub async fn withdraw(conn: &mut Conn, id: OtpId, now: Timestamp) -> anyhow::Result<()> {
    #[derive(sqlx::FromRow)]
    struct Withdrawn {
        phone_index: Vec<u8>,
        purpose: String,
        sent_at: Timestamp,
    }
    let withdrawn: Option<Withdrawn> = sqlx::query_as(
        "UPDATE otp_codes SET withdrawn_at = $1 WHERE id = $2 AND withdrawn_at IS NULL \
         AND verified_at IS NULL AND consumed_at IS NULL RETURNING phone_index, purpose, sent_at",
    )
    .bind(now)
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(w) = withdrawn {
        sqlx::query(
            "UPDATE otp_codes SET replaced_at = NULL WHERE phone_index = $1 AND purpose = $2 \
             AND replaced_at = $3 AND withdrawn_at IS NULL",
        )
        .bind(&w.phone_index)
        .bind(&w.purpose)
        .bind(w.sent_at)
        .execute(conn)
        .await?;
    }
    Ok(())
}

/// Wrong tries for this phone since `since`, across its codes.
pub async fn phone_failures_since(
    conn: &mut Conn,
    phone_index: &[u8],
    since: Timestamp,
) -> anyhow::Result<u32> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM otp_failures WHERE phone_index = $1 AND failed_at > $2",
    )
    .bind(phone_index)
    .bind(since)
    .fetch_one(conn)
    .await?;
    to_u32(n)
}

/// The live code of (phone, purpose), the newest if several.
pub async fn live(
    conn: &mut Conn,
    phone_index: &[u8],
    purpose: OtpPurpose,
) -> anyhow::Result<Option<LiveOtp>> {
    Ok(sqlx::query_as(
        "SELECT id, code_hash, expires_at, attempts FROM otp_codes \
         WHERE phone_index = $1 AND purpose = $2 AND replaced_at IS NULL AND consumed_at IS NULL \
         AND withdrawn_at IS NULL ORDER BY id DESC LIMIT 1",
    )
    .bind(phone_index)
    .bind(purpose.as_str())
    .fetch_optional(conn)
    .await?)
}

/// Marks the code verified (once: a second verification keeps the first time).
pub async fn mark_verified(conn: &mut Conn, id: OtpId, now: Timestamp) -> anyhow::Result<()> {
    sqlx::query("UPDATE otp_codes SET verified_at = COALESCE(verified_at, $1) WHERE id = $2")
        .bind(now)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Counts a wrong try on the code and on its phone.
pub async fn count_wrong_try(
    conn: &mut Conn,
    id: OtpId,
    phone_index: &[u8],
    now: Timestamp,
) -> anyhow::Result<()> {
    sqlx::query("UPDATE otp_codes SET attempts = attempts + 1 WHERE id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("INSERT INTO otp_failures (phone_index, failed_at) VALUES ($1, $2)")
        .bind(phone_index)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

/// Consumes verified, live code `id`; `false` if it was consumed, replaced or never
/// verified (a concurrent request won).
pub async fn consume(conn: &mut Conn, id: OtpId, now: Timestamp) -> anyhow::Result<bool> {
    let done = sqlx::query(
        "UPDATE otp_codes SET consumed_at = $1 WHERE id = $2 AND consumed_at IS NULL \
         AND replaced_at IS NULL AND verified_at IS NOT NULL",
    )
    .bind(now)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Sends in the rolling hour before `now`: (from the rate-limit key `ip`, in
/// total). What the proof of work's difficulty follows (src/server/otp/pow.rs).
/// Two counts, each answered from its covering index (`otp_codes_ip`,
/// `otp_codes_sent`).
pub async fn sends_last_hour(
    conn: &mut Conn,
    ip: &str,
    now: Timestamp,
) -> anyhow::Result<(u32, u32)> {
    let from_ip: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM otp_codes WHERE ip = $1 AND sent_at > $2")
            .bind(ip)
            .bind(now - 3_600)
            .fetch_one(&mut *conn)
            .await?;
    let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM otp_codes WHERE sent_at > $1")
        .bind(now - 3_600)
        .fetch_one(&mut *conn)
        .await?;
    Ok((to_u32(from_ip)?, to_u32(total)?))
}

/// Deletes the codes sent and the wrong tries made before `cutoff` (retention);
/// returns how many rows. The rate limits look back a day at most, so a cutoff of
/// days changes none of them.
pub async fn delete_before(conn: &mut Conn, cutoff: Timestamp) -> anyhow::Result<u64> {
    let codes = sqlx::query("DELETE FROM otp_codes WHERE sent_at < $1")
        .bind(cutoff)
        .execute(&mut *conn)
        .await?;
    let failures = sqlx::query("DELETE FROM otp_failures WHERE failed_at < $1")
        .bind(cutoff)
        .execute(conn)
        .await?;
    Ok(codes.rows_affected() + failures.rows_affected())
}

/// Unlinks the codes of a number from it (erasure of its account): their blind
/// index becomes 32 random bytes, so they still count toward the per-IP and
/// service-wide caps but no longer name the number (whose own cooldown and caps
/// start afresh), and the number's wrong tries are deleted.
pub async fn anonymize_phone(conn: &mut Conn, phone_index: &[u8]) -> anyhow::Result<()> {
    let random: [u8; 32] = rand::random();
    sqlx::query("UPDATE otp_codes SET phone_index = $1 WHERE phone_index = $2")
        .bind(random.to_vec())
        .bind(phone_index)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM otp_failures WHERE phone_index = $1")
        .bind(phone_index)
        .execute(conn)
        .await?;
    Ok(())
}
