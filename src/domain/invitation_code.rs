use super::{fold_typed, TypedPattern};
use crate::i18n::Msg;
use serde::{Deserialize, Serialize};

/// An invitation code: 8 characters of Crockford base32 (docs/DESIGN.md §1).
///
/// Typed in any case; spaces and hyphens are ignored and, as Crockford's decoding
/// rule says, `O` reads as `0` and `I`/`L` as `1`. `U` is not in the alphabet.
/// Stored and compared in the canonical upper-case form, e.g. `7K3M9QXD`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct InvitationCode(String);

impl InvitationCode {
    /// Number of characters in a code.
    pub const LEN: usize = 8;
    /// The Crockford base32 alphabet codes are generated from.
    pub const ALPHABET: &'static [u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

    /// Parses what the user typed.
    ///
    /// Errors: [`Msg::InvitationIncorrect`] for anything that is not 8 Crockford
    /// base32 characters once spaces and hyphens are removed (empty included).
    pub fn parse(input: &str) -> Result<Self, Msg> {
        let code: Option<String> = fold_typed(input)
            .chars()
            .filter(|&c| c != '-')
            .map(|c| match c.to_ascii_uppercase() {
                'O' => Some('0'),
                'I' | 'L' => Some('1'),
                c if c.is_ascii() && Self::ALPHABET.contains(&(c as u8)) => Some(c),
                _ => None,
            })
            .collect();
        match code {
            Some(code) if code.len() == Self::LEN => Ok(Self(code)),
            _ => Err(Msg::InvitationIncorrect),
        }
    }

    /// The rule as an HTML `pattern` ([`TypedPattern`]): [`Self::LEN`] characters of
    /// the alphabet in either case, with `O`, `I` and `L` read as digits, so every
    /// letter but `U`; as typed, hyphens allowed.
    pub fn html_pattern() -> String {
        TypedPattern::new(true)
            .repeat("0-9A-TV-Za-tv-z", Self::LEN)
            .build()
    }

    /// Parses a code that may be left out ([`InvitationMode::Optional`]): nothing
    /// but white space is no code.
    ///
    /// Errors: [`Msg::InvitationIncorrect`] as [`Self::parse`] for anything else.
    pub fn parse_optional(input: &str) -> Result<Option<Self>, Msg> {
        if input.trim().is_empty() {
            Ok(None)
        } else {
            Self::parse(input).map(Some)
        }
    }

    /// [`Self::html_pattern`] for [`Self::parse_optional`]: also nothing but white
    /// space (`\s` is the browser's, with U+0085, which `trim` also removes).
    pub fn html_pattern_optional() -> String {
        format!(r"(?:{})|[\s\u0085]*", Self::html_pattern())
    }

    /// The canonical form, e.g. `7K3M9QXD`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Whether the sign-up form asks for an invitation code (operator setting
/// `GATEHOUSE_INVITATION_MODE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InvitationMode {
    /// No field on the form; a code sent anyway is ignored.
    Off,
    /// The field is shown; empty is fine, a typed code must be valid.
    #[default]
    Optional,
    /// A valid code is needed to sign up.
    Required,
}

impl InvitationMode {
    /// Every mode, as the admin area offers them.
    pub const ALL: [Self; 3] = [Self::Off, Self::Optional, Self::Required];

    /// The stored and configured name: `off`, `optional`, `required`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Off => "off",
            Self::Optional => "optional",
            Self::Required => "required",
        }
    }

    /// The mode named `name` ([`Self::as_str`]), if any.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_any_case_and_ignores_spaces() {
        assert_eq!(
            InvitationCode::parse("7K3M9QXD").unwrap().as_str(),
            "7K3M9QXD"
        );
        assert_eq!(
            InvitationCode::parse("7k3m9qxd").unwrap().as_str(),
            "7K3M9QXD"
        );
        assert_eq!(
            InvitationCode::parse(" 7k3m 9qxd ").unwrap().as_str(),
            "7K3M9QXD"
        );
        assert_eq!(
            InvitationCode::parse("7K3M-9QXD").unwrap().as_str(),
            "7K3M9QXD"
        );
    }

    #[test]
    fn accepts_full_width_forms_as_a_chinese_ime_types_them() {
        assert_eq!(
            InvitationCode::parse("７ｋ３ｍ　９ＱＸＤ")
                .unwrap()
                .as_str(),
            "7K3M9QXD"
        );
        assert_eq!(
            InvitationCode::parse("\u{202D}7K3M－9QXD\u{202C}")
                .unwrap()
                .as_str(),
            "7K3M9QXD"
        );
    }

    #[test]
    fn reads_ambiguous_letters_as_crockford_does() {
        assert_eq!(
            InvitationCode::parse("OIL00000").unwrap().as_str(),
            "01100000"
        );
    }

    #[test]
    fn rejects_wrong_length_and_foreign_characters() {
        for bad in [
            "7K3M9QX",
            "7K3M9QXDA",
            "7K3M9QXU",
            "7K3M9QX!",
            "",
            "٧K3M9QXD",
        ] {
            assert_eq!(
                InvitationCode::parse(bad),
                Err(Msg::InvitationIncorrect),
                "{bad:?}"
            );
        }
    }
}
