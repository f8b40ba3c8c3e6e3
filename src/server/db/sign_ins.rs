//! The sign-in history, `sign_in_attempts`: every attempt with its method and
//! outcome, shown to the account's owner (docs/DESIGN.md §3, §5).

use super::accounts::AccountId;
use super::{stored_names, Conn, Timestamp};

/// How a sign-in was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInMethod {
    Password,
    Sms,
    /// The sign-in that follows creating the account.
    SignUp,
    /// The sign-in that follows a password reset.
    Reset,
}

stored_names!(SignInMethod {
    Password => "password",
    Sms => "sms",
    SignUp => "sign-up",
    Reset => "reset",
});

/// How an attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInOutcome {
    Success,
    WrongPassword,
    /// A number without an account, by password (told apart only here).
    UnknownPhone,
    WrongCode,
    Throttled,
    Suspended,
    /// A verified code for a number without an account.
    NoAccount,
    /// The verified code was consumed meanwhile by a concurrent request.
    CodeUsed,
}

stored_names!(SignInOutcome {
    Success => "success",
    WrongPassword => "wrong-password",
    UnknownPhone => "unknown-phone",
    WrongCode => "wrong-code",
    Throttled => "throttled",
    Suspended => "suspended",
    NoAccount => "no-account",
    CodeUsed => "code-used",
});

/// One sign-in attempt.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SignInAttempt {
    pub account_id: Option<AccountId>,
    pub at: Timestamp,
    pub ip: String,
    pub user_agent: String,
    #[sqlx(try_from = "String")]
    pub method: SignInMethod,
    #[sqlx(try_from = "String")]
    pub outcome: SignInOutcome,
}

pub async fn insert(conn: &mut Conn, a: &SignInAttempt) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO sign_in_attempts (account_id, at, ip, user_agent, method, outcome) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(a.account_id)
    .bind(a.at)
    .bind(&a.ip)
    .bind(&a.user_agent)
    .bind(a.method.as_str())
    .bind(a.outcome.as_str())
    .execute(conn)
    .await?;
    Ok(())
}

/// A stored attempt with its id (what a misuse report names).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StoredSignIn {
    pub id: i64,
    #[sqlx(flatten)]
    pub attempt: SignInAttempt,
}

/// The account's newest `limit` attempts, newest first.
pub async fn recent(
    conn: &mut Conn,
    account: AccountId,
    limit: u32,
) -> anyhow::Result<Vec<StoredSignIn>> {
    Ok(sqlx::query_as(
        "SELECT id, account_id, at, ip, user_agent, method, outcome FROM sign_in_attempts \
         WHERE account_id = $1 ORDER BY at DESC, id DESC LIMIT $2",
    )
    .bind(account)
    .bind(i64::from(limit))
    .fetch_all(conn)
    .await?)
}

/// Deletes the account's sign-in history (an ordinary table: erasure deletes it).
pub async fn delete_all_of(conn: &mut Conn, account: AccountId) -> anyhow::Result<u64> {
    let done = sqlx::query("DELETE FROM sign_in_attempts WHERE account_id = $1")
        .bind(account)
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}

/// Deletes the attempts made before `cutoff` (retention); returns how many.
pub async fn delete_before(conn: &mut Conn, cutoff: Timestamp) -> anyhow::Result<u64> {
    let done = sqlx::query("DELETE FROM sign_in_attempts WHERE at < $1")
        .bind(cutoff)
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}
