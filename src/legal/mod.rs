//! The User Registration Agreement and the Privacy Policy (DESIGN.md §4): numbered
//! versions of each kind, the consent ledger, re-consent after a material change,
//! and the notice banner after any change.
//!
//! - `/legal/{kind}` shows the version in force, `/legal/{kind}/{n}` any version,
//!   both with the list of every version; the sign-up dialog shows the version in
//!   force.
//! - Once a material version is in force, every account server function answers
//!   403 [`Msg::ReconsentRequired`] to a user who has not accepted it
//!   (`RequestContext::require_account`); the page sends them to `/consent`.
//! - Versions are published with `gatehouse docs publish` ([`server::publish`]).

mod consent_page;
mod page;
#[cfg(feature = "server")]
pub mod server;

pub use consent_page::ConsentPage;
pub use page::{LegalDialog, LegalPage, NoticeBanner};

use crate::error::ApiError;
use crate::i18n::{Lang, Msg};
use dioxus::prelude::*;
use serde::{Deserialize, Serialize};

/// Which document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DocumentKind {
    Agreement,
    Privacy,
}

impl DocumentKind {
    /// Both kinds, in the order pages list them.
    pub const ALL: [Self; 2] = [Self::Agreement, Self::Privacy];

    /// The name in addresses, the database and consent records.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Agreement => "agreement",
            Self::Privacy => "privacy",
        }
    }

    /// The document's name in the catalog.
    pub fn title(self) -> Msg {
        match self {
            Self::Agreement => Msg::AgreementTitle,
            Self::Privacy => Msg::PrivacyTitle,
        }
    }
}

/// `agreement` or `privacy` in an address.
impl std::str::FromStr for DocumentKind {
    type Err = UnknownDocument;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == text)
            .ok_or(UnknownDocument)
    }
}

impl std::fmt::Display for DocumentKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An address segment that names no document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("no such document")]
pub struct UnknownDocument;

/// A text in both languages, for what the browser shows without asking again when
/// the visitor switches language.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Localized {
    pub zh: String,
    pub en: String,
}

impl Localized {
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.zh,
            Lang::En => &self.en,
        }
    }
}

/// Where a version stands at the time of the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum VersionStatus {
    /// Published with an effective date still ahead.
    Upcoming,
    /// The newest version whose effective date has come.
    InForce,
    /// A newer version is in force.
    Superseded,
}

impl VersionStatus {
    pub fn label(self) -> Msg {
        match self {
            Self::Upcoming => Msg::VersionUpcoming,
            Self::InForce => Msg::VersionInForce,
            Self::Superseded => Msg::VersionSuperseded,
        }
    }
}

/// One version in a document's history list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VersionEntry {
    pub kind: DocumentKind,
    pub version: u32,
    /// Effective date in China Standard Time, `YYYY-MM-DD`.
    pub effective: String,
    pub material: bool,
    pub status: VersionStatus,
    /// What changed.
    pub summary: Localized,
}

/// A document version ready to show: its HTML is rendered from the stored Markdown
/// on the server and sanitized.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LegalDocument {
    pub entry: VersionEntry,
    pub title: String,
    /// Safe HTML: raw HTML in the source is shown as text, never passed through,
    /// and links keep only safe schemes.
    pub html: String,
    /// Every version of this kind, newest first.
    pub history: Vec<VersionEntry>,
}

/// `POST /api/legal/document`: version `version` of `kind` in `lang`, or the
/// version in force when `version` is `None`.
///
/// Errors: 404 [`Msg::DocumentNotFound`] for a version never published (or no
/// version in force yet); 500 when storage fails.
#[post("/api/legal/document", ctx: crate::server::http::RequestContext)]
pub async fn legal_document(
    kind: DocumentKind,
    version: Option<u32>,
    lang: Lang,
) -> Result<LegalDocument, ApiError> {
    server::document(&ctx, kind, version, lang).await
}

/// `GET /api/legal/notices`: per document, the version in force if it took effect
/// in the last `GATEHOUSE_LEGAL_NOTICE_DAYS` days (30), except version 1 and those
/// this browser dismissed (cookie [`NOTICE_COOKIE`]).
///
/// Errors: 500 when storage fails.
#[get("/api/legal/notices", ctx: crate::server::http::RequestContext, headers: dioxus::server::axum::http::HeaderMap)]
pub async fn legal_notices() -> Result<Vec<VersionEntry>, ApiError> {
    let cookies = headers
        .get_all("cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join(";");
    server::notices(&ctx, &dismissed_notices(&cookies)).await
}

/// The cookie remembering which notices this browser dismissed: notice ids
/// ([`notice_id`]) joined by `.`, kept for a year.
pub const NOTICE_COOKIE: &str = "gatehouse_notices";

/// A notice's id in [`NOTICE_COOKIE`]: `agreement-2`.
pub fn notice_id(kind: DocumentKind, version: u32) -> String {
    format!("{kind}-{version}")
}

/// The notice ids a `Cookie` header dismisses.
pub fn dismissed_notices(cookie_header: &str) -> Vec<String> {
    cookie_header
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .filter(|(name, _)| *name == NOTICE_COOKIE)
        .flat_map(|(_, value)| value.split('.').map(str::to_owned))
        .collect()
}

/// `GET /api/consent`: the documents the signed-in user must agree to again
/// before any account page, each at the version in force; empty when none.
///
/// Errors: 401 without a valid session; 500 when storage fails.
#[get("/api/consent", ctx: crate::server::http::RequestContext)]
pub async fn consent_due() -> Result<Vec<VersionEntry>, ApiError> {
    let account = ctx.require_signed_in().await?;
    server::due_entries(&ctx, account.id).await
}

/// `POST /api/consent`: "Agree and Continue". Records, in the consent ledger, the
/// versions the page showed (`accepted`: kind and version), method `re-consent`,
/// with this request's IP and browser; a version already recorded is not written
/// twice, so agreeing again succeeds without writing.
///
/// Errors: 401 without a valid session; 409 [`Msg::DocumentsChanged`] when
/// `accepted` leaves out a document due now or names a version not in force (a
/// newer version took effect while the page was open); 500 when storage fails.
#[post("/api/consent", ctx: crate::server::http::RequestContext)]
pub async fn accept_consent(accepted: Vec<(DocumentKind, u32)>) -> Result<(), ApiError> {
    let account = ctx.require_signed_in().await?;
    server::accept(&ctx, account.id, accepted).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_parse_from_their_address_segment_only() {
        for kind in DocumentKind::ALL {
            assert_eq!(kind.as_str().parse::<DocumentKind>(), Ok(kind));
            assert_eq!(kind.to_string(), kind.as_str());
        }
        assert_eq!("Privacy".parse::<DocumentKind>(), Err(UnknownDocument));
        assert_eq!("terms".parse::<DocumentKind>(), Err(UnknownDocument));
    }

    #[test]
    fn dismissed_notices_come_from_their_cookie_only() {
        let header = "gatehouse_lang=en; gatehouse_notices=agreement-2.privacy-3; other=privacy-4";
        assert_eq!(dismissed_notices(header), ["agreement-2", "privacy-3"]);
        assert!(dismissed_notices("gatehouse_lang=en").is_empty());
        assert_eq!(
            notice_id(DocumentKind::Privacy, 3),
            dismissed_notices(header)[1]
        );
    }
}
