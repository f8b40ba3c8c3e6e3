use crate::i18n::Msg;
use secrecy::{ExposeSecret, SecretString};

/// A password that meets the sign-up rule (docs/DESIGN.md §1): 8–16 characters, each a
/// printable ASCII character other than space (letter, digit or ASCII punctuation),
/// with at least two of the three kinds. Nothing is ever truncated.
///
/// Held as a [`SecretString`]: `Debug` prints no characters.
#[derive(Debug, Clone)]
pub struct Password(SecretString);

/// How far a typed password meets each part of the rule, for the live checklist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PasswordChecklist {
    /// 8 to 16 characters.
    pub length: bool,
    /// At least two of number / letter / symbol.
    pub kinds: bool,
    /// No character outside printable ASCII (no space, no Chinese, no emoji).
    pub charset: bool,
}

impl PasswordChecklist {
    /// Shortest allowed password, in characters.
    pub const MIN: usize = 8;
    /// Longest allowed password, in characters.
    pub const MAX: usize = 16;

    /// Checks each part of the rule on what was typed so far.
    pub fn of(input: &str) -> Self {
        let length = (Self::MIN..=Self::MAX).contains(&input.chars().count());
        let charset = input.chars().all(|c| c.is_ascii_graphic());
        let kinds = [
            input.chars().any(|c| c.is_ascii_digit()),
            input.chars().any(|c| c.is_ascii_alphabetic()),
            input.chars().any(|c| c.is_ascii_punctuation()),
        ]
        .into_iter()
        .filter(|present| *present)
        .count()
            >= 2;
        Self {
            length,
            kinds,
            charset,
        }
    }

    /// Whether the whole rule is met.
    pub fn passes(self) -> bool {
        self.length && self.kinds && self.charset
    }
}

impl Password {
    /// Parses a new password.
    ///
    /// Errors: [`Msg::PasswordEmpty`] when empty, [`Msg::PasswordRule`] when any part of
    /// the rule fails.
    pub fn parse(input: &str) -> Result<Self, Msg> {
        if input.is_empty() {
            Err(Msg::PasswordEmpty)
        } else if PasswordChecklist::of(input).passes() {
            Ok(Self(SecretString::from(input.to_owned())))
        } else {
            Err(Msg::PasswordRule)
        }
    }

    /// The characters, for hashing only.
    pub fn expose_secret(&self) -> &str {
        self.0.expose_secret()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accepted(p: &str) -> bool {
        Password::parse(p).is_ok()
    }

    #[test]
    fn length_boundaries() {
        assert!(!accepted("abc1234")); // 7
        assert!(accepted("abcd1234")); // 8
        assert!(accepted("abcdefgh12345678")); // 16
        assert!(!accepted("abcdefgh123456789")); // 17
        assert_eq!(
            Password::parse("abcdefgh123456789").unwrap_err(),
            Msg::PasswordRule
        );
    }

    #[test]
    fn every_pair_of_kinds_is_enough() {
        assert!(accepted("abcd1234")); // letter + digit
        assert!(accepted("abcd!@#$")); // letter + symbol
        assert!(accepted("1234!@#$")); // digit + symbol
        assert!(accepted("Ab1!Ab1!")); // all three
    }

    #[test]
    fn a_single_kind_is_not() {
        assert!(!accepted("abcdefgh"));
        assert!(!accepted("ABCDEFGH"));
        assert!(!accepted("12345678"));
        assert!(!accepted("!@#$%^&*"));
    }

    #[test]
    fn spaces_and_non_ascii_are_refused() {
        assert!(!accepted("abcd 1234"));
        assert!(!accepted("密码abcd1234"));
        assert!(!accepted("abcd1234😀"));
        assert!(!accepted("abcd1234\t"));
        assert!(!PasswordChecklist::of("abcd 1234").charset);
    }

    #[test]
    fn empty_has_its_own_message() {
        assert_eq!(Password::parse("").unwrap_err(), Msg::PasswordEmpty);
    }

    #[test]
    fn checklist_reports_each_part() {
        let c = PasswordChecklist::of("abc");
        assert!(!c.length && !c.kinds && c.charset);
        let c = PasswordChecklist::of("abc1");
        assert!(!c.length && c.kinds && c.charset);
        assert!(PasswordChecklist::of("abcd1234").passes());
    }

    #[test]
    fn debug_hides_the_password() {
        let p = Password::parse("abcd1234").unwrap();
        assert!(!format!("{p:?}").contains("abcd"));
    }
}
