//! The `document_versions` table: each published version of the User Registration
//! Agreement and the Privacy Policy, numbered per kind, with its Chinese and
//! English Markdown exactly as published (docs/DESIGN.md §4).

use super::{to_u32, Conn, Flag, Timestamp};
use crate::domain::DocumentKind;
use sqlx::Row;

/// A published version, without its bodies.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DocumentVersionRow {
    #[sqlx(try_from = "String")]
    pub kind: DocumentKind,
    /// 1, 2, ... per kind.
    #[sqlx(try_from = "i64")]
    pub version: u32,
    /// What changed, for the notice banner and the consent page.
    pub summary_zh: String,
    pub summary_en: String,
    /// A material change: signed-in users must agree again once it is in force.
    #[sqlx(try_from = "Flag")]
    pub material: bool,
    /// In force from this instant on.
    pub effective_at: Timestamp,
    pub published_at: Timestamp,
}

/// A version about to be published.
#[derive(Debug, Clone)]
pub struct NewDocumentVersion {
    pub kind: DocumentKind,
    pub version: u32,
    /// Markdown, the operator's name filled in.
    pub body_zh: String,
    pub body_en: String,
    pub summary_zh: String,
    pub summary_en: String,
    pub material: bool,
    pub effective_at: Timestamp,
    pub published_at: Timestamp,
}

/// The newest version of `kind`: its number and when it takes effect.
pub async fn latest(
    conn: &mut Conn,
    kind: DocumentKind,
) -> anyhow::Result<Option<(u32, Timestamp)>> {
    let row = sqlx::query(
        "SELECT version, effective_at FROM document_versions WHERE kind = $1 \
         ORDER BY version DESC LIMIT 1",
    )
    .bind(kind.as_str())
    .fetch_optional(conn)
    .await?;
    row.map(|r| Ok((to_u32(r.try_get("version")?)?, r.try_get("effective_at")?)))
        .transpose()
}

/// Inserts the version; a (kind, version) that exists already is an error.
pub async fn insert(conn: &mut Conn, d: &NewDocumentVersion) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO document_versions (kind, version, body_zh, body_en, summary_zh, \
         summary_en, material, effective_at, published_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(d.kind.as_str())
    .bind(i64::from(d.version))
    .bind(&d.body_zh)
    .bind(&d.body_en)
    .bind(&d.summary_zh)
    .bind(&d.summary_en)
    .bind(d.material)
    .bind(d.effective_at)
    .bind(d.published_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Every published version of every document, by kind then version.
pub async fn all(conn: &mut Conn) -> anyhow::Result<Vec<DocumentVersionRow>> {
    Ok(sqlx::query_as(
        "SELECT kind, version, summary_zh, summary_en, material, effective_at, published_at \
         FROM document_versions ORDER BY kind, version",
    )
    .fetch_all(conn)
    .await?)
}

/// The Chinese and English Markdown of one version, if it exists.
pub async fn bodies(
    conn: &mut Conn,
    kind: DocumentKind,
    version: u32,
) -> anyhow::Result<Option<(String, String)>> {
    Ok(sqlx::query_as(
        "SELECT body_zh, body_en FROM document_versions WHERE kind = $1 AND version = $2",
    )
    .bind(kind.as_str())
    .bind(i64::from(version))
    .fetch_optional(conn)
    .await?)
}
