//! The `document_versions` table: each published version of the User Registration
//! Agreement and the Privacy Policy, numbered per kind, with its Chinese and
//! English Markdown exactly as published (docs/DESIGN.md §4).

use super::{to_u32, Conn, Flag, Timestamp};
use crate::domain::DocumentKind;
use crate::legal::rules::DocumentVersion;
use sqlx::Row;

/// A published version as stored, decoded by column name.
#[derive(sqlx::FromRow)]
struct VersionRow {
    #[sqlx(try_from = "String")]
    kind: DocumentKind,
    #[sqlx(try_from = "i64")]
    version: u32,
    summary_zh: String,
    summary_en: String,
    #[sqlx(try_from = "Flag")]
    material: bool,
    effective_at: Timestamp,
    published_at: Timestamp,
}

/// A version about to be published.
#[derive(Debug, Clone)]
pub struct NewDocumentVersion {
    pub kind: DocumentKind,
    /// The number it gets; `legal::server::publish_next` sets it to the next one.
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
pub async fn all(conn: &mut Conn) -> anyhow::Result<Vec<DocumentVersion>> {
    let rows: Vec<VersionRow> = sqlx::query_as(
        "SELECT kind, version, summary_zh, summary_en, material, effective_at, published_at \
         FROM document_versions ORDER BY kind, version",
    )
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| DocumentVersion {
            kind: r.kind,
            version: r.version,
            summary_zh: r.summary_zh,
            summary_en: r.summary_en,
            material: r.material,
            effective_at: r.effective_at,
            published_at: r.published_at,
        })
        .collect())
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
