//! Which document (docs/DESIGN.md §4): the User Registration Agreement or the Privacy
//! Policy, as addresses, the database and consent records name them.

use crate::i18n::Msg;
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

/// The most bytes of one language's text of a document version (UTF-8), 128 KiB:
/// the longest agreement of a mainland cloud provider is under 60 KiB.
pub const DOCUMENT_TEXT_MAX_BYTES: usize = 128 * 1024;

/// The rule of a document version's text (docs/DESIGN.md §4), the same for
/// `gatehouse docs publish` and the admin area: Markdown of at most
/// [`DOCUMENT_TEXT_MAX_BYTES`] whose first line is its title (`# ` and the title).
///
/// Errors: [`Msg::DocumentTooLong`]; [`Msg::DocumentTitleMissing`].
pub fn check_document_text(text: &str) -> Result<(), Msg> {
    if text.len() > DOCUMENT_TEXT_MAX_BYTES {
        return Err(Msg::DocumentTooLong);
    }
    let titled = text
        .trim_start()
        .strip_prefix("# ")
        .is_some_and(|rest| !rest.lines().next().unwrap_or("").trim().is_empty());
    if titled {
        Ok(())
    } else {
        Err(Msg::DocumentTitleMissing)
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
}
