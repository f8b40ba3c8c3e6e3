//! The `profiles` table: the optional profile of Privacy Policy §1 (docs/DESIGN.md
//! §5), one JSON object per account encrypted under the account's own key, so the
//! database holds none of it in plain text and destroying the key erases it.

use super::account_keys;
use super::accounts::AccountId;
use super::{Conn, Timestamp};
use crate::domain::Profile;
use crate::server::crypto::{AccountKey, DataKeys};

/// Writes the account's profile (replacing the one before).
///
/// Errors: storage failures.
pub async fn save(
    conn: &mut Conn,
    keys: &DataKeys,
    account: AccountId,
    profile: &Profile,
    now: Timestamp,
) -> anyhow::Result<()> {
    let key = account_keys::for_writing(conn, keys, account).await?;
    let data = key.encrypt(&serde_json::to_vec(profile)?);
    sqlx::query(
        "INSERT INTO profiles (account_id, data, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (account_id) DO UPDATE SET data = excluded.data, \
         updated_at = excluded.updated_at",
    )
    .bind(account)
    .bind(data)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// The account's profile; empty when it never saved one.
///
/// Errors: storage failures; a row that does not decrypt under `key` or parse.
pub async fn of_account(
    conn: &mut Conn,
    key: &AccountKey,
    account: AccountId,
) -> anyhow::Result<Profile> {
    let data: Option<Vec<u8>> =
        sqlx::query_scalar("SELECT data FROM profiles WHERE account_id = $1")
            .bind(account)
            .fetch_optional(conn)
            .await?;
    match data {
        Some(data) => Ok(serde_json::from_slice(&key.decrypt(&data)?)?),
        None => Ok(Profile::default()),
    }
}

/// Deletes the account's profile (erasure).
pub async fn delete(conn: &mut Conn, account: AccountId) -> anyhow::Result<()> {
    sqlx::query("DELETE FROM profiles WHERE account_id = $1")
        .bind(account)
        .execute(conn)
        .await?;
    Ok(())
}
