//! The optional profile of Privacy Policy §1: real name, company name, contact
//! address and contact email (docs/DESIGN.md §5). Each is its own type with its rule,
//! shared by the browser and the server; an empty value means "not given".

use crate::i18n::Msg;
use serde::{Deserialize, Serialize};

/// Trims `input` and checks the rules every profile text shares: at most `max`
/// characters (Unicode scalar values, so a Chinese character counts one), and no
/// control character (C0, DEL, C1) or bidirectional override (U+202A–U+202E,
/// U+2066–U+2069), which would let a value disguise itself on an operator's screen.
/// `Ok(None)` for an empty value.
fn parse_text(input: &str, max: usize, too_long: Msg) -> Result<Option<String>, Msg> {
    let value = input.trim();
    if value.is_empty() {
        return Ok(None);
    }
    let disguising =
        |c: char| c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}');
    if value.chars().any(disguising) {
        return Err(Msg::ProfileControlCharacters);
    }
    if value.chars().count() > max {
        return Err(too_long);
    }
    Ok(Some(value.to_owned()))
}

macro_rules! profile_text {
    ($(#[$doc:meta])* $name:ident, max $max:literal, $too_long:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
        pub struct $name(String);

        impl $name {
            /// The most characters the value may have.
            pub const MAX_CHARS: usize = $max;

            /// Parses what the user typed, trimmed; `Ok(None)` when empty.
            ///
            /// Errors: [`Msg::ProfileControlCharacters`] for a control character or a
            /// bidirectional override; the field's "too long" message past
            /// [`Self::MAX_CHARS`] characters.
            pub fn parse(input: &str) -> Result<Option<Self>, Msg> {
                Ok(parse_text(input, $max, Msg::$too_long)?.map(Self))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
    };
}

profile_text!(
    /// The user's real name, as on an ID card or passport: up to 50 characters.
    RealName, max 50, RealNameTooLong
);
profile_text!(
    /// The company the user works for: up to 100 characters.
    CompanyName, max 100, CompanyTooLong
);
profile_text!(
    /// A postal address, one line: up to 200 characters.
    ContactAddress, max 200, AddressTooLong
);

/// A contact email address: at most 254 characters (RFC 5321 §4.5.3.1.3), the
/// syntax of RFC 5322 as the `email_address` crate checks it, and a domain with at
/// least one dot (a contact address must be reachable on the internet, so `a@localhost`
/// and `a@[127.0.0.1]` are refused).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactEmail(String);

impl ContactEmail {
    pub const MAX_CHARS: usize = 254;

    /// Parses what the user typed, trimmed; `Ok(None)` when empty.
    ///
    /// Errors: [`Msg::ProfileControlCharacters`]; [`Msg::EmailInvalid`] for a value
    /// that is no email address or is longer than 254 characters.
    pub fn parse(input: &str) -> Result<Option<Self>, Msg> {
        let Some(value) = parse_text(input, Self::MAX_CHARS, Msg::EmailInvalid)? else {
            return Ok(None);
        };
        let valid = email_address::EmailAddress::parse_with_options(
            &value,
            email_address::Options::default().without_display_text(),
        )
        .is_ok_and(|e| {
            let domain = e.domain();
            domain.contains('.') && !domain.starts_with('[') && !domain.ends_with('.')
        });
        if valid {
            Ok(Some(Self(value)))
        } else {
            Err(Msg::EmailInvalid)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A whole profile, each part optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    pub real_name: Option<RealName>,
    pub company: Option<CompanyName>,
    pub address: Option<ContactAddress>,
    pub email: Option<ContactEmail>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_means_not_given_and_values_are_trimmed() {
        assert_eq!(RealName::parse("  "), Ok(None));
        assert_eq!(RealName::parse(" 张三 ").unwrap().unwrap().as_str(), "张三");
        assert_eq!(ContactEmail::parse(""), Ok(None));
    }

    #[test]
    fn length_is_counted_in_characters() {
        let fifty_chinese = "张".repeat(50);
        assert!(RealName::parse(&fifty_chinese).unwrap().is_some());
        assert_eq!(RealName::parse(&"张".repeat(51)), Err(Msg::RealNameTooLong));
        assert!(CompanyName::parse(&"a".repeat(100)).unwrap().is_some());
        assert_eq!(
            CompanyName::parse(&"a".repeat(101)),
            Err(Msg::CompanyTooLong)
        );
        assert!(ContactAddress::parse(&"路".repeat(200)).unwrap().is_some());
        assert_eq!(
            ContactAddress::parse(&"路".repeat(201)),
            Err(Msg::AddressTooLong)
        );
    }

    #[test]
    fn control_characters_and_overrides_are_refused() {
        for bad in [
            "a\u{0}b",
            "a\nb",
            "a\tb",
            "a\u{7f}",
            "a\u{85}b",
            "x\u{202E}y",
            "x\u{2066}y",
        ] {
            assert_eq!(
                RealName::parse(bad),
                Err(Msg::ProfileControlCharacters),
                "{bad:?}"
            );
            assert_eq!(
                ContactEmail::parse(bad),
                Err(Msg::ProfileControlCharacters),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn email_syntax() {
        for good in [
            "user@example.com",
            "zhang.san+cloud@mail.example.cn",
            "a@b.co",
        ] {
            assert!(ContactEmail::parse(good).unwrap().is_some(), "{good}");
        }
        for bad in [
            "user",
            "user@",
            "@example.com",
            "user@localhost",
            "user@[127.0.0.1]",
            "a b@example.com",
            "user@@example.com",
            "Zhang <user@example.com>",
            "user@example.com.",
        ] {
            assert_eq!(ContactEmail::parse(bad), Err(Msg::EmailInvalid), "{bad}");
        }
        let long = format!("{}@example.com", "a".repeat(250));
        assert_eq!(ContactEmail::parse(&long), Err(Msg::EmailInvalid));
    }
}
