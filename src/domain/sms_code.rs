use super::{fold_typed, TypedPattern};
use crate::i18n::Msg;
use serde::{Deserialize, Serialize};

/// A one-time password (OTP) sent by SMS: exactly 6 ASCII digits (docs/DESIGN.md §2).
///
/// The digits are a secret: `Debug` does not print them.
#[derive(Clone, PartialEq, Eq)]
pub struct SmsCode(String);

impl SmsCode {
    /// Number of digits in a code.
    pub const LEN: usize = 6;

    /// Parses what the user typed, folded first ([`fold_typed`]): spaces anywhere
    /// (`723 738`) and full-width digits (`８９４１６０`) are accepted.
    ///
    /// Errors: [`Msg::CodeInvalid`] for anything but exactly 6 digits (empty included).
    pub fn parse(input: &str) -> Result<Self, Msg> {
        let folded = fold_typed(input);
        let code = folded.as_str();
        if code.len() == Self::LEN && code.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(code.to_owned()))
        } else {
            Err(Msg::CodeInvalid)
        }
    }

    /// The rule as an HTML `pattern` ([`TypedPattern`]): [`Self::LEN`] digits, as typed.
    pub fn html_pattern() -> String {
        TypedPattern::new(false).repeat("0-9", Self::LEN).build()
    }

    /// The digits, for hashing and comparison only.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for SmsCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SmsCode(******)")
    }
}

/// What an SMS code is for; a code only works for the purpose it was sent for
/// (docs/DESIGN.md §2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OtpPurpose {
    Register,
    Login,
    Reset,
    ChangePhone,
    Delete,
    /// An admin confirming it is them before the admin area (docs/DESIGN.md §6).
    AdminConfirm,
}

impl OtpPurpose {
    /// Every purpose.
    pub const ALL: [Self; 6] = [
        Self::Register,
        Self::Login,
        Self::Reset,
        Self::ChangePhone,
        Self::Delete,
        Self::AdminConfirm,
    ];

    /// The name stored in the database and written to the development outbox.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Register => "register",
            Self::Login => "login",
            Self::Reset => "reset",
            Self::ChangePhone => "change-phone",
            Self::Delete => "delete",
            Self::AdminConfirm => "admin-confirm",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_exactly_six_digits() {
        assert_eq!(SmsCode::parse("012345").unwrap().expose_secret(), "012345");
        assert_eq!(
            SmsCode::parse(" 999999 ").unwrap().expose_secret(),
            "999999"
        );
    }

    #[test]
    fn accepts_codes_typed_with_spaces_or_full_width_digits() {
        assert_eq!(SmsCode::parse("723 738").unwrap().expose_secret(), "723738");
        assert_eq!(
            SmsCode::parse("８９４１６０").unwrap().expose_secret(),
            "894160"
        );
        assert_eq!(
            SmsCode::parse("\u{200B}894\u{3000}160\u{00A0}")
                .unwrap()
                .expose_secret(),
            "894160"
        );
    }

    #[test]
    fn rejects_five_and_seven_digits_letters_and_empty() {
        for bad in [
            "12345",
            "1234567",
            "12345a",
            "",
            "12 345",
            "١٢٣٤٥٦",
            "12-345",
        ] {
            assert_eq!(SmsCode::parse(bad), Err(Msg::CodeInvalid), "{bad:?}");
        }
    }

    #[test]
    fn debug_hides_the_digits() {
        assert!(!format!("{:?}", SmsCode::parse("123456").unwrap()).contains("123"));
    }
}
