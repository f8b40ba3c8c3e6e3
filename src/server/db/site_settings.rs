//! The `site_settings` table: settings an admin changes at run time (docs/DESIGN.md
//! §6), one row per name. A name without a row keeps its configured value.

use super::{Conn, Timestamp};

/// The stored value of `name`, if an admin ever set it.
pub async fn get(conn: &mut Conn, name: &str) -> anyhow::Result<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT value FROM site_settings WHERE name = $1")
            .bind(name)
            .fetch_optional(conn)
            .await?,
    )
}

/// Stores `value` as `name`'s, replacing what was there.
pub async fn set(conn: &mut Conn, name: &str, value: &str, now: Timestamp) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO site_settings (name, value, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
    )
    .bind(name)
    .bind(value)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}
