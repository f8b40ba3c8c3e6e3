//! The shape every form shares: a payload of plain strings whose `validate()` returns
//! the domain values or every field's error at once (docs/STYLE.md §2).

use crate::i18n::{Lang, Msg};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A form field, as named in payloads, `FieldErrors` and the page's element ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Field {
    Phone,
    Code,
    Password,
    Invitation,
    Consent,
    RealName,
    Company,
    Address,
    Email,
    CurrentPassword,
    NewPhone,
    NewCode,
    Report,
    Reason,
    Quota,
    Expiry,
    Note,
    TextZh,
    TextEn,
    Effective,
    SummaryZh,
    SummaryEn,
    Account,
    Action,
    Actor,
    From,
    To,
    ClientName,
    RedirectUris,
    PostLogoutUris,
}

impl Field {
    /// The element id of the field's input on the page; its error has id `{id}-error`.
    pub fn id(self) -> &'static str {
        match self {
            Self::Phone => "phone",
            Self::Code => "code",
            Self::Password => "password",
            Self::Invitation => "invitation",
            Self::Consent => "consent",
            Self::RealName => "real-name",
            Self::Company => "company",
            Self::Address => "address",
            Self::Email => "email",
            Self::CurrentPassword => "current-password",
            Self::NewPhone => "new-phone",
            Self::NewCode => "new-code",
            Self::Report => "report",
            Self::Reason => "reason",
            Self::Quota => "quota",
            Self::Expiry => "expiry",
            Self::Note => "note",
            Self::TextZh => "text-zh",
            Self::TextEn => "text-en",
            Self::Effective => "effective",
            Self::SummaryZh => "summary-zh",
            Self::SummaryEn => "summary-en",
            Self::Account => "account",
            Self::Action => "action",
            Self::Actor => "actor",
            Self::From => "from",
            Self::To => "to",
            Self::ClientName => "client-name",
            Self::RedirectUris => "redirect-uris",
            Self::PostLogoutUris => "post-logout-uris",
        }
    }
}

/// Field → message key for every field that failed its rule.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldErrors(pub BTreeMap<Field, Msg>);

impl FieldErrors {
    /// Records the error of `field` if `result` failed and returns its value otherwise.
    pub fn check<T>(&mut self, field: Field, result: Result<T, Msg>) -> Option<T> {
        result.map_err(|msg| self.0.insert(field, msg)).ok()
    }

    /// The message of `field`, if it failed.
    pub fn get(&self, field: Field) -> Option<Msg> {
        self.0.get(&field).copied()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Each failed field with its message in `lang`, for API responses.
    pub fn localized(&self, lang: Lang) -> BTreeMap<Field, String> {
        self.0
            .iter()
            .map(|(field, msg)| (*field, msg.text(lang).to_owned()))
            .collect()
    }
}

/// `items` in ascending order, each once. Kept small for the wasm: one binary
/// search and insert per item instead of the standard library's sort, whose code
/// is generated anew for every element type (about 5 KB each).
pub fn sorted_unique<T: Ord>(items: impl IntoIterator<Item = T>) -> Vec<T> {
    let mut list = Vec::new();
    for item in items {
        if let Err(at) = list.binary_search(&item) {
            list.insert(at, item);
        }
    }
    list
}

#[cfg(test)]
mod tests {
    use super::sorted_unique;

    #[test]
    fn sorted_unique_orders_and_drops_repeats() {
        assert_eq!(sorted_unique([3, 1, 3, 2, 1]), vec![1, 2, 3]);
        assert_eq!(
            sorted_unique(["b".to_owned(), "a".to_owned(), "b".to_owned()]),
            ["a", "b"]
        );
        assert_eq!(sorted_unique(Vec::<u8>::new()), Vec::<u8>::new());
    }
}
