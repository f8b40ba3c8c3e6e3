//! The `misuse_reports` table: "I don't recognize this activity" from the account
//! center (docs/DESIGN.md §5), kept for the operator. The user's note is encrypted
//! under the account's key.

use super::account_keys;
use super::accounts::AccountId;
use super::{stored_names, Conn, Timestamp};
use crate::server::crypto::DataKeys;

/// What a report is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReportSubject {
    /// A live session, named by its public id.
    Session,
    /// A row of the sign-in history, named by its id.
    SignIn,
    /// Anything else; the note says what.
    Other,
}

stored_names!(ReportSubject {
    Session => "session",
    SignIn => "sign-in",
    Other => "other",
});

/// A report about to be stored.
#[derive(Debug, Clone)]
pub struct NewReport {
    pub account_id: AccountId,
    pub subject: ReportSubject,
    /// The session's public id, the sign-in's id, or empty.
    pub reference: String,
    pub note: String,
    pub created_at: Timestamp,
}

/// Stores the report; returns its id (the number the user is told).
///
/// Errors: storage failures.
pub async fn insert(conn: &mut Conn, keys: &DataKeys, r: &NewReport) -> anyhow::Result<i64> {
    let key = account_keys::for_writing(conn, keys, r.account_id).await?;
    Ok(sqlx::query_scalar(
        "INSERT INTO misuse_reports (account_id, subject, reference, note, created_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(r.account_id)
    .bind(r.subject.as_str())
    .bind(&r.reference)
    .bind(key.encrypt(r.note.as_bytes()))
    .bind(r.created_at)
    .fetch_one(conn)
    .await?)
}

/// A stored report, as the account's download shows it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StoredReport {
    pub id: i64,
    #[sqlx(try_from = "String")]
    pub subject: ReportSubject,
    pub reference: String,
    pub note: Vec<u8>,
    pub created_at: Timestamp,
    pub handled_at: Option<Timestamp>,
}

/// The account's reports, oldest first (notes still encrypted).
pub async fn of_account(conn: &mut Conn, account: AccountId) -> anyhow::Result<Vec<StoredReport>> {
    Ok(sqlx::query_as(
        "SELECT id, subject, reference, note, created_at, handled_at FROM misuse_reports \
         WHERE account_id = $1 ORDER BY id",
    )
    .bind(account)
    .fetch_all(conn)
    .await?)
}

/// A report as the admin area lists it: with its account (notes still encrypted,
/// under that account's key).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ListedReport {
    pub account_id: AccountId,
    #[sqlx(flatten)]
    pub report: StoredReport,
}

/// The open reports, oldest first, then the `handled` most recently handled ones,
/// newest first; at most `limit` open ones.
pub async fn for_admin(
    conn: &mut Conn,
    limit: u32,
    handled: u32,
) -> anyhow::Result<Vec<ListedReport>> {
    let mut open: Vec<ListedReport> = sqlx::query_as(
        "SELECT account_id, id, subject, reference, note, created_at, handled_at \
         FROM misuse_reports WHERE handled_at IS NULL ORDER BY id LIMIT $1",
    )
    .bind(i64::from(limit))
    .fetch_all(&mut *conn)
    .await?;
    let done: Vec<ListedReport> = sqlx::query_as(
        "SELECT account_id, id, subject, reference, note, created_at, handled_at \
         FROM misuse_reports WHERE handled_at IS NOT NULL ORDER BY handled_at DESC, id DESC \
         LIMIT $1",
    )
    .bind(i64::from(handled))
    .fetch_all(conn)
    .await?;
    open.extend(done);
    Ok(open)
}

/// Marks an open report handled at `now`; returns its account, or `None` when it
/// is unknown or handled already.
pub async fn mark_handled(
    conn: &mut Conn,
    id: i64,
    now: Timestamp,
) -> anyhow::Result<Option<AccountId>> {
    Ok(sqlx::query_scalar(
        "UPDATE misuse_reports SET handled_at = $1 WHERE id = $2 AND handled_at IS NULL \
         RETURNING account_id",
    )
    .bind(now)
    .bind(id)
    .fetch_optional(conn)
    .await?)
}
