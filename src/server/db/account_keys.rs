//! The `account_keys` table: each account's own key (docs/DESIGN.md §7), stored
//! encrypted under the data key. The one place an account's append-only rows can
//! be read from; deleting the row erases them (crypto-shredding).

use super::accounts::AccountId;
use super::Conn;
use crate::server::crypto::{AccountKey, DataKeys};

/// Nothing more is written under the key of an account that was deleted (or never
/// existed): its key is gone, and making a new one would make readable again what
/// a request still in flight meant to write (a profile, an address).
#[derive(Debug, thiserror::Error)]
#[error("account {0} is deleted: nothing is written under its key any more")]
pub struct AccountGone(pub AccountId);

/// The account's key, made and stored first if it has none (an account created
/// before keys existed gets one when its next row is written).
///
/// Errors: [`AccountGone`] for a deleted or missing account without a key;
/// storage failures; a stored key that does not decrypt under the data key.
pub async fn for_writing(
    conn: &mut Conn,
    keys: &DataKeys,
    account: AccountId,
) -> anyhow::Result<AccountKey> {
    if let Some(key) = for_reading(conn, keys, account).await? {
        return Ok(key);
    }
    let live: Option<Option<i64>> =
        sqlx::query_scalar("SELECT deleted_at FROM accounts WHERE id = $1")
            .bind(account)
            .fetch_optional(&mut *conn)
            .await?;
    if !matches!(live, Some(None)) {
        return Err(AccountGone(account).into());
    }
    let (key, bytes) = AccountKey::generate();
    let stored = sqlx::query(
        "INSERT INTO account_keys (account_id, key_encrypted) VALUES ($1, $2) \
         ON CONFLICT (account_id) DO NOTHING",
    )
    .bind(account)
    .bind(keys.encrypt(&bytes))
    .execute(&mut *conn)
    .await?;
    if stored.rows_affected() == 1 {
        return Ok(key);
    }
    // A concurrent writer stored its own first: use that one.
    for_reading(conn, keys, account)
        .await?
        .ok_or_else(|| anyhow::anyhow!("account {account}'s key vanished while it was made"))
}

/// The account's key, or `None` once it was destroyed (or never made).
///
/// Errors: storage failures; a stored key that does not decrypt under the data key.
pub async fn for_reading(
    conn: &mut Conn,
    keys: &DataKeys,
    account: AccountId,
) -> anyhow::Result<Option<AccountKey>> {
    let stored: Option<Vec<u8>> =
        sqlx::query_scalar("SELECT key_encrypted FROM account_keys WHERE account_id = $1")
            .bind(account)
            .fetch_optional(conn)
            .await?;
    stored
        .map(|wrapped| AccountKey::from_bytes(&keys.decrypt(&wrapped)?))
        .transpose()
}

/// Destroys the account's key: its append-only rows keep their ciphertext (and
/// the audit chain still verifies) but no longer decrypt. Returns whether there
/// was a key.
pub async fn destroy(conn: &mut Conn, account: AccountId) -> anyhow::Result<bool> {
    let done = sqlx::query("DELETE FROM account_keys WHERE account_id = $1")
        .bind(account)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}
