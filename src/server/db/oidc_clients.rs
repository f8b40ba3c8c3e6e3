//! The `oidc_clients` table: the relying parties registered with the OpenID
//! Connect provider (docs/DESIGN.md §11).

use super::{Conn, Flag, Timestamp};

/// A registered client.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ClientRow {
    pub client_id: String,
    pub name: String,
    /// HMAC-SHA256 of the secret (`DataKeys::blind_index("oidc client secret", ..)`);
    /// `None`: a public client (a browser or native app), which must use PKCE.
    pub secret_hash: Option<Vec<u8>>,
    /// JSON array of the redirect URIs, each matched exactly.
    pub redirect_uris: String,
    /// JSON array of the post-logout redirect URIs, each matched exactly.
    pub post_logout_redirect_uris: String,
    /// A client of the operator's own: no consent screen.
    #[sqlx(try_from = "Flag")]
    pub first_party: bool,
    pub created_at: Timestamp,
    /// When it was revoked: it gets no code and no token from then on.
    pub revoked_at: Option<Timestamp>,
}

const COLUMNS: &str = "client_id, name, secret_hash, redirect_uris, post_logout_redirect_uris, \
    first_party, created_at, revoked_at";

/// Stores a new client.
pub async fn insert(conn: &mut Conn, client: &ClientRow) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO oidc_clients (client_id, name, secret_hash, redirect_uris, \
         post_logout_redirect_uris, first_party, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&client.client_id)
    .bind(&client.name)
    .bind(&client.secret_hash)
    .bind(&client.redirect_uris)
    .bind(&client.post_logout_redirect_uris)
    .bind(client.first_party)
    .bind(client.created_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// The client `client_id`, revoked or not.
pub async fn by_id(conn: &mut Conn, client_id: &str) -> anyhow::Result<Option<ClientRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM oidc_clients WHERE client_id = $1"
    ))
    .bind(client_id)
    .fetch_optional(conn)
    .await?)
}

/// Every client, newest first.
pub async fn all(conn: &mut Conn) -> anyhow::Result<Vec<ClientRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM oidc_clients ORDER BY created_at DESC, client_id"
    ))
    .fetch_all(conn)
    .await?)
}

/// Marks the client revoked at `now`; false when it is unknown or already revoked.
pub async fn revoke(conn: &mut Conn, client_id: &str, now: Timestamp) -> anyhow::Result<bool> {
    let done = sqlx::query(
        "UPDATE oidc_clients SET revoked_at = $2 WHERE client_id = $1 AND revoked_at IS NULL",
    )
    .bind(client_id)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}
