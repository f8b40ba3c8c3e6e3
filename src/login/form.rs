//! Sign-in and password-reset payloads and their `validate()` (docs/DESIGN.md §3). The
//! rules are the sign-up types'; nothing here repeats one.

use crate::domain::{Password, PhoneNumber, SmsCode};
use crate::form::{Field, FieldErrors};
use crate::i18n::Msg;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

/// Phone number and password.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PasswordLoginForm {
    pub phone: String,
    pub password: String,
}

impl std::fmt::Debug for PasswordLoginForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PasswordLoginForm(..)")
    }
}

impl PasswordLoginForm {
    /// The password is only checked for presence: a stored password may predate
    /// today's creation rule, and the rule must not hint at what is stored.
    ///
    /// Errors: phone empty or malformed; password empty.
    pub fn validate(&self) -> Result<(PhoneNumber, SecretString), FieldErrors> {
        let mut errors = FieldErrors::default();
        let phone = errors.check(Field::Phone, PhoneNumber::parse(&self.phone));
        let password = if self.password.is_empty() {
            errors.0.insert(Field::Password, Msg::PasswordEmpty);
            None
        } else {
            Some(SecretString::from(self.password.clone()))
        };
        match (phone, password) {
            (Some(phone), Some(password)) => Ok((phone, password)),
            _ => Err(errors),
        }
    }
}

/// Phone number and SMS code (purpose `login`).
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CodeLoginForm {
    pub phone: String,
    pub code: String,
}

impl std::fmt::Debug for CodeLoginForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CodeLoginForm(..)")
    }
}

impl CodeLoginForm {
    /// Errors: phone empty or malformed; code not 6 digits.
    pub fn validate(&self) -> Result<(PhoneNumber, SmsCode), FieldErrors> {
        let mut errors = FieldErrors::default();
        let phone = errors.check(Field::Phone, PhoneNumber::parse(&self.phone));
        let code = errors.check(Field::Code, SmsCode::parse(&self.code));
        match (phone, code) {
            (Some(phone), Some(code)) => Ok((phone, code)),
            _ => Err(errors),
        }
    }
}

/// Phone number, SMS code (purpose `reset`) and the new password.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ResetForm {
    pub phone: String,
    pub code: String,
    pub password: String,
}

impl std::fmt::Debug for ResetForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ResetForm(..)")
    }
}

impl ResetForm {
    /// Errors: every failing field; the new password follows the sign-up rule.
    pub fn validate(&self) -> Result<(PhoneNumber, SmsCode, Password), FieldErrors> {
        let mut errors = FieldErrors::default();
        let phone = errors.check(Field::Phone, PhoneNumber::parse(&self.phone));
        let code = errors.check(Field::Code, SmsCode::parse(&self.code));
        let password = errors.check(
            Field::Password,
            Password::parse_for(&self.password, phone.as_ref()),
        );
        match (phone, code, password) {
            (Some(phone), Some(code), Some(password)) => Ok((phone, code, password)),
            _ => Err(errors),
        }
    }
}

/// The page to return to after sign-in, if `next` is a same-site relative path:
/// it starts with one `/`, and has no `//`, backslash, scheme or control character
/// anywhere that a browser could read as another host (OWASP Unvalidated Redirects).
pub fn safe_next(next: &str) -> Option<&str> {
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && !next.contains('\\')
        && !next.chars().any(|c| c.is_control() || c.is_whitespace())
        && !next.split(['?', '#']).next().unwrap_or("").contains(':');
    ok.then_some(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_accepts_only_same_site_relative_paths() {
        assert_eq!(safe_next("/account"), Some("/account"));
        assert_eq!(safe_next("/account?tab=1#x"), Some("/account?tab=1#x"));
        for bad in [
            "https://evil.example/",
            "//evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "javascript:alert(1)",
            "/x:y",
            "account",
            "",
            "/\tevil",
        ] {
            assert_eq!(safe_next(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn login_password_is_only_required_not_ruled() {
        let f = PasswordLoginForm {
            phone: "13800138000".into(),
            password: "x".into(),
        };
        assert!(f.validate().is_ok());
        let f = PasswordLoginForm {
            phone: "1".into(),
            password: String::new(),
        };
        let e = f.validate().unwrap_err();
        assert_eq!(e.get(Field::Phone), Some(Msg::PhoneInvalid));
        assert_eq!(e.get(Field::Password), Some(Msg::PasswordEmpty));
    }

    #[test]
    fn reset_uses_the_sign_up_password_rule() {
        let f = ResetForm {
            phone: "13800138000".into(),
            code: "123456".into(),
            password: "abcdefgh".into(),
        };
        assert_eq!(
            f.validate().unwrap_err().get(Field::Password),
            Some(Msg::PasswordRule)
        );
        let e = CodeLoginForm::default().validate().unwrap_err();
        assert_eq!(e.get(Field::Code), Some(Msg::CodeInvalid));
    }
}
