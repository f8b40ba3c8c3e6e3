//! The `oidc_signing_keys` table: the OpenID Connect provider's RS256 keys
//! (docs/DESIGN.md §11), the private half sealed under the data key.

use super::{Conn, Timestamp};

/// One stored key.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SigningKeyRow {
    /// RFC 7638 thumbprint of the public key (43 base64url characters).
    pub kid: String,
    /// PKCS#1 DER, nonce || AES-256-GCM under the data key.
    pub private_key: Vec<u8>,
    /// The public JWK, JSON.
    pub public_jwk: String,
    /// Published from then on (Unix seconds).
    pub created_at: Timestamp,
    /// Signs from then on (Unix seconds): later than `created_at` after a rotation,
    /// so relying parties have fetched the key before they meet it.
    pub signs_from: Timestamp,
}

/// Stores a key; false when one with the same `kid` exists.
pub async fn insert(conn: &mut Conn, key: &SigningKeyRow) -> anyhow::Result<bool> {
    let done = sqlx::query(
        "INSERT INTO oidc_signing_keys (kid, private_key, public_jwk, created_at, signs_from) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (kid) DO NOTHING",
    )
    .bind(&key.kid)
    .bind(&key.private_key)
    .bind(&key.public_jwk)
    .bind(key.created_at)
    .bind(key.signs_from)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Every stored key, the one that signs latest first.
pub async fn all(conn: &mut Conn) -> anyhow::Result<Vec<SigningKeyRow>> {
    Ok(sqlx::query_as(
        "SELECT kid, private_key, public_jwk, created_at, signs_from FROM oidc_signing_keys \
         ORDER BY signs_from DESC, created_at DESC, kid",
    )
    .fetch_all(conn)
    .await?)
}

/// Deletes the keys named.
pub async fn delete(conn: &mut Conn, kids: &[String]) -> anyhow::Result<u64> {
    let mut n = 0;
    for kid in kids {
        n += sqlx::query("DELETE FROM oidc_signing_keys WHERE kid = $1")
            .bind(kid)
            .execute(&mut *conn)
            .await?
            .rows_affected();
    }
    Ok(n)
}
