//! The consent ledger, `consent_records`: which version of which document an
//! account accepted, when, from where and how (docs/DESIGN.md §4). Append-only: the
//! database refuses UPDATE and DELETE (and TRUNCATE on PostgreSQL).

use super::accounts::AccountId;
use super::{stored_names, to_u32, Conn, Timestamp};
use crate::domain::DocumentKind;

/// How a consent was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsentMethod {
    /// Ticked on the sign-up form.
    SignUp,
    /// "Agree and Continue" on the consent page.
    Reconsent,
}

stored_names!(ConsentMethod {
    SignUp => "sign-up",
    Reconsent => "re-consent",
});

/// One row of the ledger, as its account sees it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ConsentRow {
    #[sqlx(try_from = "String")]
    pub document: DocumentKind,
    #[sqlx(try_from = "i64")]
    pub version: u32,
    pub accepted_at: Timestamp,
    #[sqlx(try_from = "String")]
    pub method: ConsentMethod,
}

/// Consents given together.
#[derive(Debug, Clone)]
pub struct NewConsents {
    pub account_id: AccountId,
    /// (document, version) pairs.
    pub documents: Vec<(DocumentKind, u32)>,
    pub accepted_at: Timestamp,
    pub ip: String,
    pub user_agent: String,
    pub method: ConsentMethod,
}

/// Appends the rows, skipping a (document, version) the account has already
/// accepted, so concurrent agreements write it once. Returns how many were written.
pub async fn append(conn: &mut Conn, c: &NewConsents) -> anyhow::Result<u32> {
    let mut written = 0;
    for (document, version) in &c.documents {
        let done = sqlx::query(
            "INSERT INTO consent_records (account_id, document, version, accepted_at, ip, \
             user_agent, method) VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (account_id, document, version) DO NOTHING",
        )
        .bind(c.account_id)
        .bind(document.as_str())
        .bind(i64::from(*version))
        .bind(c.accepted_at)
        .bind(&c.ip)
        .bind(&c.user_agent)
        .bind(c.method.as_str())
        .execute(&mut *conn)
        .await?;
        written += to_u32(done.rows_affected() as i64)?;
    }
    Ok(written)
}

/// The account's ledger, oldest first. Rows of documents this version does not
/// know (`marketing`, which the schema allows for later) are left out.
pub async fn of_account(conn: &mut Conn, account: AccountId) -> anyhow::Result<Vec<ConsentRow>> {
    Ok(sqlx::query_as(
        "SELECT document, version, accepted_at, method FROM consent_records \
         WHERE account_id = $1 AND document IN ('agreement', 'privacy') ORDER BY accepted_at, id",
    )
    .bind(account)
    .fetch_all(conn)
    .await?)
}

/// When `document` was first accepted by anyone, if ever.
pub async fn first_accepted_at(
    conn: &mut Conn,
    document: DocumentKind,
) -> anyhow::Result<Option<Timestamp>> {
    Ok(
        sqlx::query_scalar("SELECT MIN(accepted_at) FROM consent_records WHERE document = $1")
            .bind(document.as_str())
            .fetch_one(conn)
            .await?,
    )
}
