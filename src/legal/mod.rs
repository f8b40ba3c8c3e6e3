//! The User Registration Agreement and the Privacy Policy (DESIGN.md §4): version 1
//! of each, in Chinese and English, with the operator's name filled in. Shown at
//! `/legal/agreement` and `/legal/privacy` and in the sign-up dialog.

mod page;

pub use page::{LegalDialog, LegalPage};

use crate::error::ApiError;
use crate::i18n::Lang;
use dioxus::prelude::*;
use serde::{Deserialize, Serialize};

/// Which document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DocumentKind {
    Agreement,
    Privacy,
}

impl DocumentKind {
    /// The name stored in consent records.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Agreement => "agreement",
            Self::Privacy => "privacy",
        }
    }

    /// The version in force; recorded with each consent.
    pub fn current_version(self) -> u32 {
        1
    }
}

/// A document ready to show: its HTML is rendered from Markdown on the server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LegalDocument {
    pub kind: DocumentKind,
    pub version: u32,
    /// Effective date, `YYYY-MM-DD`.
    pub effective: String,
    pub title: String,
    /// Safe HTML: raw HTML in the source is escaped, never passed through.
    pub html: String,
}

/// The version in force of `kind` in `lang`.
#[post("/api/legal/document", ctx: crate::server::http::RequestContext)]
pub async fn legal_document(kind: DocumentKind, lang: Lang) -> Result<LegalDocument, ApiError> {
    Ok(render::document(kind, lang, &ctx.state.settings))
}

#[cfg(feature = "server")]
mod render {
    use super::*;
    use crate::server::Settings;
    use pulldown_cmark::{html, Event, Parser};

    const EFFECTIVE: &str = "2026-11-29";

    fn source(kind: DocumentKind, lang: Lang) -> &'static str {
        match (kind, lang) {
            (DocumentKind::Agreement, Lang::Zh) => include_str!("../../legal/v1/agreement.zh.md"),
            (DocumentKind::Agreement, Lang::En) => include_str!("../../legal/v1/agreement.en.md"),
            (DocumentKind::Privacy, Lang::Zh) => include_str!("../../legal/v1/privacy.zh.md"),
            (DocumentKind::Privacy, Lang::En) => include_str!("../../legal/v1/privacy.en.md"),
        }
    }

    /// Markdown to HTML with any raw HTML turned into text.
    pub fn markdown(text: &str) -> String {
        let events = Parser::new(text).map(|event| match event {
            Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
            other => other,
        });
        let mut out = String::new();
        html::push_html(&mut out, events);
        out
    }

    pub fn document(kind: DocumentKind, lang: Lang, settings: &Settings) -> LegalDocument {
        let text = source(kind, lang)
            .replace("{company}", &settings.company)
            .replace("{hotline}", &settings.hotline);
        let title = text
            .lines()
            .find_map(|l| l.strip_prefix("# "))
            .unwrap_or_default()
            .trim()
            .to_owned();
        // The title is shown by the page; the body starts after it.
        let body = text.split_once('\n').map_or("", |(_, rest)| rest);
        LegalDocument {
            kind,
            version: kind.current_version(),
            effective: EFFECTIVE.into(),
            title,
            html: markdown(body),
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn raw_html_is_inert() {
            let html = markdown("Hi <script>alert(1)</script> <img src=x onerror=alert(1)>");
            assert!(!html.contains("<script"), "{html}");
            assert!(!html.contains("<img"), "{html}");
        }

        #[test]
        fn company_is_filled_in_every_document() {
            let settings = Settings {
                company: "Example Cloud Ltd.".into(),
                ..Settings::default()
            };
            for kind in [DocumentKind::Agreement, DocumentKind::Privacy] {
                for lang in [Lang::Zh, Lang::En] {
                    let doc = document(kind, lang, &settings);
                    assert!(doc.html.contains("Example Cloud Ltd."), "{kind:?} {lang:?}");
                    assert!(!doc.html.contains("{company}"));
                    assert!(!doc.title.is_empty());
                }
            }
        }
    }
}
