//! What the legal pages and their server functions exchange: versions as pages
//! list them, a rendered document, and the notice banner's cookie.

use crate::domain::DocumentKind;
use crate::i18n::{Lang, Msg};
use serde::{Deserialize, Serialize};

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

#[cfg(test)]
mod tests {
    use super::*;

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
