use super::{fold_typed, TypedPattern};
use crate::i18n::Msg;
use serde::{Deserialize, Serialize};

/// A mainland China (+86) mobile number, normalized to its 11 ASCII digits.
///
/// Rule (docs/DESIGN.md §1): the whole value matches `1[3-9][0-9]{9}`. No per-carrier
/// prefix list is kept, because new blocks (16x, 19x, ...) keep opening. The input may
/// carry spaces, dashes and a `+86`, `0086` or `86` country prefix; they are stripped.
/// It is first folded as typed ([`fold_typed`]): full-width digits, no-break spaces and
/// the directional marks contact apps add are accepted.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PhoneNumber(String);

impl PhoneNumber {
    /// Parses what the user typed.
    ///
    /// Errors: [`Msg::PhoneEmpty`] when nothing but spaces was typed,
    /// [`Msg::PhoneInvalid`] for anything that is not an 11-digit mainland mobile number.
    pub fn parse(input: &str) -> Result<Self, Msg> {
        let compact: String = fold_typed(input).chars().filter(|&c| c != '-').collect();
        if compact.is_empty() {
            return Err(Msg::PhoneEmpty);
        }
        let national = ["+86", "0086"]
            .iter()
            .find_map(|prefix| compact.strip_prefix(prefix))
            .or_else(|| compact.strip_prefix("86").filter(|rest| rest.len() == 11))
            .unwrap_or(&compact);
        let bytes = national.as_bytes();
        let well_formed = bytes.len() == 11
            && bytes[0] == b'1'
            && (b'3'..=b'9').contains(&bytes[1])
            && bytes.iter().all(u8::is_ascii_digit);
        if well_formed {
            Ok(Self(national.to_owned()))
        } else {
            Err(Msg::PhoneInvalid)
        }
    }

    /// The rule as an HTML `pattern` ([`TypedPattern`]), for the browser's own
    /// check before the wasm runs: an optional `+86`, `0086` or `86`, then
    /// `1[3-9][0-9]{9}`, as typed.
    pub fn html_pattern() -> String {
        TypedPattern::new(true)
            .optional(&["+86", "0086", "86"])
            .one("1")
            .one("3-9")
            .repeat("0-9", 9)
            .build()
    }

    /// The 11 digits, e.g. `13800138000`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The number as shown on pages: first 3 and last 4 digits, e.g. `138****8000`.
    pub fn masked(&self) -> String {
        format!("{}****{}", &self.0[..3], &self.0[7..])
    }
}

/// Phone numbers are personal data: debug output shows only the masked form.
impl std::fmt::Debug for PhoneNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PhoneNumber({})", self.masked())
    }
}

impl TryFrom<String> for PhoneNumber {
    type Error = &'static str;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value).map_err(|_| "not a mainland China mobile number")
    }
}

impl From<PhoneNumber> for String {
    fn from(value: PhoneNumber) -> Self {
        value.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(input: &str) -> String {
        PhoneNumber::parse(input)
            .unwrap_or_else(|e| panic!("{input:?} rejected: {e:?}"))
            .as_str()
            .to_owned()
    }

    fn err(input: &str) -> Msg {
        PhoneNumber::parse(input).expect_err(input)
    }

    #[test]
    fn accepts_eleven_digit_mobile_numbers_of_every_block() {
        for n in [
            "13800138000",
            "14512345678",
            "15012345678",
            "16612345678",
            "17012345678",
            "18912345678",
            "19112345678",
            "19912345678",
        ] {
            assert_eq!(ok(n), n);
        }
    }

    #[test]
    fn strips_country_prefixes_spaces_and_dashes() {
        assert_eq!(ok("+8613800138000"), "13800138000");
        assert_eq!(ok("008613800138000"), "13800138000");
        assert_eq!(ok("8613800138000"), "13800138000");
        assert_eq!(ok("+86 138 0013 8000"), "13800138000");
        assert_eq!(ok("138-0013-8000"), "13800138000");
        assert_eq!(ok("  13800138000  "), "13800138000");
    }

    #[test]
    fn accepts_numbers_as_contact_apps_and_chinese_imes_type_them() {
        assert_eq!(ok("\u{202D}138 0013 8000\u{202C}"), "13800138000");
        assert_eq!(ok("138\u{00A0}0013\u{00A0}8000"), "13800138000");
        assert_eq!(ok("１３８００１３８０００"), "13800138000");
        assert_eq!(ok("＋８６　１３８－００１３－８０００"), "13800138000");
        assert_eq!(ok("\u{2066}+86\u{200B}13800138000\u{2069}"), "13800138000");
    }

    #[test]
    fn rejects_wrong_lengths() {
        assert_eq!(err("1380013800"), Msg::PhoneInvalid); // 10 digits
        assert_eq!(err("138001380001"), Msg::PhoneInvalid); // 12 digits
        assert_eq!(err("+861380013800"), Msg::PhoneInvalid); // prefix + 10 digits
    }

    #[test]
    fn rejects_blocks_that_are_not_mobile() {
        assert_eq!(err("12800138000"), Msg::PhoneInvalid);
        assert_eq!(err("10800138000"), Msg::PhoneInvalid);
        assert_eq!(err("23800138000"), Msg::PhoneInvalid);
    }

    #[test]
    fn rejects_letters_and_non_ascii_digits() {
        assert_eq!(err("13800138000a"), Msg::PhoneInvalid);
        assert_eq!(err("1380013800a"), Msg::PhoneInvalid);
        assert_eq!(err("١٣٨٠٠١٣٨٠٠٠"), Msg::PhoneInvalid); // Arabic-Indic
        assert_eq!(err("१३८००१३८०००"), Msg::PhoneInvalid); // Devanagari
        assert_eq!(err("+1 13800138000"), Msg::PhoneInvalid);
    }

    #[test]
    fn empty_input_has_its_own_message() {
        assert_eq!(err(""), Msg::PhoneEmpty);
        assert_eq!(err("   "), Msg::PhoneEmpty);
    }

    #[test]
    fn masks_the_middle_four_digits() {
        let phone = PhoneNumber::parse("13800138000").unwrap();
        assert_eq!(phone.masked(), "138****8000");
        assert_eq!(format!("{phone:?}"), "PhoneNumber(138****8000)");
    }
}
