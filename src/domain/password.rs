use super::PhoneNumber;
use crate::i18n::Msg;
use secrecy::{ExposeSecret, SecretString};

/// The common passwords refused (docs/DESIGN.md §1; NIST SP 800-63B §5.1.1.2): one per
/// line, lower case, sorted by byte, each one the rest of the rule would accept. Built
/// by `scripts/common_passwords.py` from zxcvbn's list of leaked passwords (MIT) and
/// the habits of Chinese users (`5201314`, `woaini`, `qq123456`, pinyin surnames with
/// digits, keyboard walks, repeated digits). About 11,400 entries, 117 KB raw.
///
/// The server compiles it in. The wasm does not (it would be a tenth of it, docs/DESIGN.md
/// §8 "Page weight"): the browser downloads the same file as an asset once the page
/// runs (`components::use_common_passwords`) and hands it to [`set_common_passwords`];
/// until then the browser's check finds no password common and the server's refusal
/// ([`Msg::PasswordCommon`], 422) is what the visitor sees.
#[cfg(feature = "server")]
fn common_passwords() -> &'static str {
    include_str!("common_passwords.txt")
}

#[cfg(not(feature = "server"))]
static BROWSER_COMMON_PASSWORDS: std::sync::OnceLock<String> = std::sync::OnceLock::new();

#[cfg(not(feature = "server"))]
fn common_passwords() -> &'static str {
    BROWSER_COMMON_PASSWORDS.get().map_or("", String::as_str)
}

/// In the browser: the common-password list (the text of `common_passwords.txt`) as
/// downloaded; the first one given is kept.
#[cfg(not(feature = "server"))]
pub fn set_common_passwords(list: String) {
    let _ = BROWSER_COMMON_PASSWORDS.set(list);
}

/// Whether `input`, lower-cased, is on the common-password list. A scan of the sorted
/// list that stops at the first entry past `input`. In the browser, `false` until the
/// list has arrived.
pub fn is_common_password(input: &str) -> bool {
    let lowered = input.to_ascii_lowercase();
    common_passwords()
        .lines()
        .take_while(|entry| *entry <= lowered.as_str())
        .any(|entry| entry == lowered)
}

/// Whether `input` carries the account's phone number: its last 8 digits (and so the
/// whole 11) anywhere in the password (docs/DESIGN.md §1).
pub fn contains_phone(input: &str, phone: &PhoneNumber) -> bool {
    input.contains(&phone.as_str()[3..])
}

/// A password that meets the sign-up rule (docs/DESIGN.md §1): 8–16 characters, each a
/// printable ASCII character other than space (letter, digit or ASCII punctuation),
/// with at least two of the three kinds, not on the common-password list
/// ([`is_common_password`]) and, where the account's number is known, not carrying it
/// ([`contains_phone`]). Nothing is ever truncated.
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
    /// Something typed, not a common password and not carrying the phone number.
    pub uncommon: bool,
}

impl PasswordChecklist {
    /// Shortest allowed password, in characters.
    pub const MIN: usize = 8;
    /// Longest allowed password, in characters.
    pub const MAX: usize = 16;

    /// Checks each part of the rule on what was typed so far; `phone` is the number
    /// the account has or will have, when the page knows it.
    pub fn of(input: &str, phone: Option<&PhoneNumber>) -> Self {
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
        let uncommon = !input.is_empty()
            && !is_common_password(input)
            && !phone.is_some_and(|p| contains_phone(input, p));
        Self {
            length,
            kinds,
            charset,
            uncommon,
        }
    }

    /// The length, kinds and characters parts of the rule as an HTML `pattern`, for
    /// the browser's own check before the wasm runs (docs/DESIGN.md §8, "Before the
    /// wasm"). Passwords are not folded, so this is a plain pattern: [`Self::MIN`] to
    /// [`Self::MAX`] printable ASCII characters with two of digit, letter and symbol.
    /// The common-password and phone-number parts need the wasm (or the server).
    pub fn html_pattern() -> String {
        let (digit, letter, symbol) = ("(?=.*[0-9])", "(?=.*[A-Za-z])", "(?=.*[^0-9A-Za-z])");
        format!(
            r"(?:{digit}{letter}|{digit}{symbol}|{letter}{symbol})[\x21-\x7E]{{{},{}}}",
            Self::MIN,
            Self::MAX
        )
    }

    /// Whether the whole rule is met.
    pub fn passes(self) -> bool {
        self.length && self.kinds && self.charset && self.uncommon
    }
}

impl Password {
    /// Parses a new password where the account's number is not known (the account
    /// center knows only the masked number: the server checks it with
    /// [`Self::check_phone`]).
    ///
    /// Errors: [`Msg::PasswordEmpty`] when empty, [`Msg::PasswordRule`] when length,
    /// kinds or characters fail, [`Msg::PasswordCommon`] for a common password.
    pub fn parse(input: &str) -> Result<Self, Msg> {
        let checklist = PasswordChecklist::of(input, None);
        if input.is_empty() {
            Err(Msg::PasswordEmpty)
        } else if !(checklist.length && checklist.kinds && checklist.charset) {
            Err(Msg::PasswordRule)
        } else if !checklist.uncommon {
            Err(Msg::PasswordCommon)
        } else {
            Ok(Self(SecretString::from(input.to_owned())))
        }
    }

    /// Parses a new password for the account of `phone` (sign-up, reset).
    ///
    /// Errors: as [`Self::parse`], then [`Msg::PasswordHasPhone`].
    pub fn parse_for(input: &str, phone: Option<&PhoneNumber>) -> Result<Self, Msg> {
        let password = Self::parse(input)?;
        match phone {
            Some(phone) => password.check_phone(phone).map(|()| password),
            None => Ok(password),
        }
    }

    /// Errors: [`Msg::PasswordHasPhone`] when the password carries `phone`.
    pub fn check_phone(&self, phone: &PhoneNumber) -> Result<(), Msg> {
        if contains_phone(self.expose_secret(), phone) {
            Err(Msg::PasswordHasPhone)
        } else {
            Ok(())
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
        assert!(!accepted("kqzv123")); // 7
        assert!(accepted("kqzv1234")); // 8
        assert!(accepted("abcdefgh12345678")); // 16
        assert!(!accepted("abcdefgh123456789")); // 17
        assert_eq!(
            Password::parse("abcdefgh123456789").unwrap_err(),
            Msg::PasswordRule
        );
    }

    #[test]
    fn every_pair_of_kinds_is_enough() {
        assert!(accepted("kqzv1234")); // letter + digit
        assert!(accepted("kqzv!@#$")); // letter + symbol
        assert!(accepted("1739!@#$")); // digit + symbol
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
        assert!(!accepted("kqzv 1234"));
        assert!(!accepted("密码kqzv1234"));
        assert!(!accepted("kqzv1234😀"));
        assert!(!accepted("kqzv1234\t"));
        assert!(!PasswordChecklist::of("kqzv 1234", None).charset);
    }

    #[test]
    fn empty_has_its_own_message() {
        assert_eq!(Password::parse("").unwrap_err(), Msg::PasswordEmpty);
    }

    #[test]
    fn checklist_reports_each_part() {
        let c = PasswordChecklist::of("abc", None);
        assert!(!c.length && !c.kinds && c.charset && c.uncommon);
        let c = PasswordChecklist::of("abc1", None);
        assert!(!c.length && c.kinds && c.charset);
        assert!(PasswordChecklist::of("kqzv1234", None).passes());
        assert!(!PasswordChecklist::of("", None).uncommon);
        let c = PasswordChecklist::of("qq123456", None);
        assert!(c.length && c.kinds && c.charset && !c.uncommon && !c.passes());
    }

    #[test]
    fn common_passwords_are_refused_in_any_case() {
        for p in [
            "abcd1234",
            "Abcd1234",
            "password1",
            "P@ssw0rd",
            "qq123456",
            "1qaz2wsx",
            "1QAZ2WSX",
            "1q2w3e4r",
            "qwer1234",
            "woaini1314",
            "5201314a",
            "a5201314",
            "wang123456",
            "123456zhang",
            "88888888a",
            "111111111a",
            "1qaz@wsx",
        ] {
            assert_eq!(Password::parse(p).unwrap_err(), Msg::PasswordCommon, "{p}");
        }
        // The first and last entries of the sorted list are found.
        let first = common_passwords().lines().next().unwrap();
        let last = common_passwords().lines().last().unwrap();
        assert!(is_common_password(first) && is_common_password(last));
        assert!(!is_common_password("kqzv1234") && !is_common_password(""));
    }

    #[test]
    fn the_list_is_sorted_lower_case_and_within_the_rule() {
        let entries: Vec<&str> = common_passwords().lines().collect();
        assert!(entries.len() > 10_000);
        assert!(
            entries.windows(2).all(|w| w[0] < w[1]),
            "sorted, no repeats"
        );
        for e in entries {
            let c = PasswordChecklist::of(e, None);
            assert!(c.length && c.kinds && c.charset, "{e}");
            assert_eq!(e, e.to_ascii_lowercase());
        }
    }

    #[test]
    fn the_phone_number_or_its_last_8_digits_are_refused() {
        let phone = PhoneNumber::parse("13812345678").unwrap();
        for p in [
            "a13812345678",
            "12345678kq!",
            "kq!12345678",
            "Zz13812345678!",
        ] {
            assert_eq!(
                Password::parse_for(p, Some(&phone)).unwrap_err(),
                Msg::PasswordHasPhone,
                "{p}"
            );
            assert!(!PasswordChecklist::of(p, Some(&phone)).uncommon);
        }
        // Seven of its digits, or another number, are fine.
        assert!(Password::parse_for("kq!2345678", Some(&phone)).is_ok());
        assert!(Password::parse_for("a13912345679", Some(&phone)).is_ok());
        assert!(Password::parse_for("a13812345678", None).is_ok());
        // The list is checked first: a common password gets its own message.
        assert_eq!(
            Password::parse_for("qq123456", Some(&phone)).unwrap_err(),
            Msg::PasswordCommon
        );
    }

    #[test]
    fn debug_hides_the_password() {
        let p = Password::parse("kqzv1234").unwrap();
        assert!(!format!("{p:?}").contains("kqzv"));
    }
}
