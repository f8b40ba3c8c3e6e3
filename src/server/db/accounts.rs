//! The `accounts` table: one row per account, the phone number found by its blind
//! index and stored encrypted (docs/DESIGN.md §7), the password as an argon2id hash.

use super::{Conn, Flag, Timestamp};

/// An account's id (the `accounts.id` primary key).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, sqlx::Type)]
#[sqlx(transparent)]
pub struct AccountId(pub i64);

impl std::fmt::Display for AccountId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// An account as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Account {
    pub id: AccountId,
    /// HMAC-SHA256 blind index of the number (random bytes once deleted).
    pub phone_index: Vec<u8>,
    /// nonce || AES-256-GCM ciphertext of the normalized number.
    pub phone_encrypted: Vec<u8>,
    /// argon2id PHC string.
    pub password_hash: String,
    #[sqlx(try_from = "Flag")]
    pub suspended: bool,
    /// May use the admin area (docs/DESIGN.md §6), after a fresh confirmation.
    #[sqlx(try_from = "Flag")]
    pub admin: bool,
    pub created_at: Timestamp,
    /// Set when the account was deleted: a tombstone, no longer an account to use.
    pub deleted_at: Option<Timestamp>,
}

impl Account {
    /// Neither suspended nor deleted: may sign in and use the account area.
    pub fn usable(&self) -> bool {
        !self.suspended && self.deleted_at.is_none()
    }
}

/// An account about to be created.
#[derive(Debug, Clone)]
pub struct NewAccount {
    /// HMAC-SHA256 blind index of the number.
    pub phone_index: Vec<u8>,
    pub phone_encrypted: Vec<u8>,
    pub password_hash: String,
    /// The invitation code's row, when one was used.
    pub invitation_id: Option<i64>,
    pub created_at: Timestamp,
}

const COLUMNS: &str =
    "id, phone_index, phone_encrypted, password_hash, suspended, admin, created_at, deleted_at";

pub async fn by_id(conn: &mut Conn, id: AccountId) -> anyhow::Result<Option<Account>> {
    Ok(
        sqlx::query_as(&format!("SELECT {COLUMNS} FROM accounts WHERE id = $1"))
            .bind(id)
            .fetch_optional(conn)
            .await?,
    )
}

/// The account holding the number with blind index `phone_index`.
pub async fn by_phone(conn: &mut Conn, phone_index: &[u8]) -> anyhow::Result<Option<Account>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM accounts WHERE phone_index = $1"
    ))
    .bind(phone_index)
    .fetch_optional(conn)
    .await?)
}

/// Whether an account holds the number with blind index `phone_index`.
pub async fn phone_taken(conn: &mut Conn, phone_index: &[u8]) -> anyhow::Result<bool> {
    let found: Option<i64> = sqlx::query_scalar("SELECT id FROM accounts WHERE phone_index = $1")
        .bind(phone_index)
        .fetch_optional(conn)
        .await?;
    Ok(found.is_some())
}

/// Inserts the account. The unique blind index refuses a second account for one
/// number (an error here: check [`phone_taken`] in the same transaction first).
pub async fn insert(conn: &mut Conn, account: &NewAccount) -> anyhow::Result<AccountId> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO accounts (phone_index, phone_encrypted, password_hash, invitation_id, \
         created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(&account.phone_index)
    .bind(&account.phone_encrypted)
    .bind(&account.password_hash)
    .bind(account.invitation_id)
    .bind(account.created_at)
    .fetch_one(conn)
    .await?;
    Ok(AccountId(id))
}

/// Sets the password hash of a live account; `false` (nothing written) once it
/// was deleted.
pub async fn set_password_hash(
    conn: &mut Conn,
    id: AccountId,
    password_hash: &str,
) -> anyhow::Result<bool> {
    let done =
        sqlx::query("UPDATE accounts SET password_hash = $1 WHERE id = $2 AND deleted_at IS NULL")
            .bind(password_hash)
            .bind(id)
            .execute(conn)
            .await?;
    Ok(done.rows_affected() == 1)
}

/// Suspends or reinstates a live account; `false` (nothing written) once it was
/// deleted.
pub async fn set_suspended(
    conn: &mut Conn,
    id: AccountId,
    suspended: bool,
) -> anyhow::Result<bool> {
    let done =
        sqlx::query("UPDATE accounts SET suspended = $1 WHERE id = $2 AND deleted_at IS NULL")
            .bind(suspended)
            .bind(id)
            .execute(conn)
            .await?;
    Ok(done.rows_affected() == 1)
}

/// Grants or revokes the admin role of a live account; `false` (nothing written)
/// once it was deleted.
pub async fn set_admin(conn: &mut Conn, id: AccountId, admin: bool) -> anyhow::Result<bool> {
    let done = sqlx::query("UPDATE accounts SET admin = $1 WHERE id = $2 AND deleted_at IS NULL")
        .bind(admin)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// The accounts created with the invitation code of row `invitation_id`, oldest
/// first: `(phone ciphertext, created_at)`, the ciphertext empty for a deleted one.
pub async fn of_invitation(
    conn: &mut Conn,
    invitation_id: i64,
) -> anyhow::Result<Vec<(Vec<u8>, Timestamp)>> {
    Ok(sqlx::query_as(
        "SELECT phone_encrypted, created_at FROM accounts WHERE invitation_id = $1 ORDER BY id",
    )
    .bind(invitation_id)
    .fetch_all(conn)
    .await?)
}

/// Turns the account into a tombstone (docs/DESIGN.md §7): the row stays, since
/// the consent ledger and the audit log refer to it, but its blind index is
/// replaced by 32 random bytes (the number can sign up again and no lookup finds
/// it), its phone ciphertext and password hash are emptied, the admin role
/// dropped and `deleted_at` set. Returns `false` if it was a tombstone already.
/// Destroying its key and ending its sessions are the caller's, in the same
/// transaction.
pub async fn tombstone(conn: &mut Conn, id: AccountId, now: Timestamp) -> anyhow::Result<bool> {
    let random: [u8; 32] = rand::random();
    let done = sqlx::query(
        "UPDATE accounts SET phone_index = $1, phone_encrypted = $2, password_hash = '', \
         admin = FALSE, deleted_at = $3 WHERE id = $4 AND deleted_at IS NULL",
    )
    .bind(random.to_vec())
    .bind(Vec::<u8>::new())
    .bind(now)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Moves the live account from the number with blind index `from` to another:
/// its blind index and ciphertext together. `false` (nothing written) when the
/// account was deleted or moved meanwhile. The unique index refuses a number taken
/// meanwhile (check [`phone_taken`] in the same transaction, under the new
/// number's lock, first).
pub async fn set_phone(
    conn: &mut Conn,
    id: AccountId,
    from: &[u8],
    phone_index: &[u8],
    phone_encrypted: &[u8],
) -> anyhow::Result<bool> {
    let done = sqlx::query(
        "UPDATE accounts SET phone_index = $1, phone_encrypted = $2 \
         WHERE id = $3 AND phone_index = $4 AND deleted_at IS NULL",
    )
    .bind(phone_index)
    .bind(phone_encrypted)
    .bind(id)
    .bind(from)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The invitation code the account signed up with, if any.
pub async fn invitation_code_of(conn: &mut Conn, id: AccountId) -> anyhow::Result<Option<String>> {
    Ok(sqlx::query_scalar(
        "SELECT i.code FROM accounts a JOIN invitation_codes i ON i.id = a.invitation_id \
         WHERE a.id = $1",
    )
    .bind(id)
    .fetch_optional(conn)
    .await?)
}
