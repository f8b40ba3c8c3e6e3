//! The account center's payloads and their `validate()` (docs/DESIGN.md §5): each
//! field parsed by its domain type, every field's error at once.

use crate::domain::{
    CompanyName, ContactAddress, ContactEmail, Password, PhoneNumber, Profile, RealName, SmsCode,
};
use crate::form::{Field, FieldErrors};
use crate::i18n::Msg;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

/// The profile as typed; an empty field means "not given".
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ProfileForm {
    pub real_name: String,
    pub company: String,
    pub address: String,
    pub email: String,
}

impl ProfileForm {
    /// Errors: a part longer than its limit, a control character, an email
    /// address that is none (each under its field).
    pub fn validate(&self) -> Result<Profile, FieldErrors> {
        let mut errors = FieldErrors::default();
        let real_name = errors.check(Field::RealName, RealName::parse(&self.real_name));
        let company = errors.check(Field::Company, CompanyName::parse(&self.company));
        let address = errors.check(Field::Address, ContactAddress::parse(&self.address));
        let email = errors.check(Field::Email, ContactEmail::parse(&self.email));
        match (real_name, company, address, email) {
            (Some(real_name), Some(company), Some(address), Some(email)) => Ok(Profile {
                real_name,
                company,
                address,
                email,
            }),
            _ => Err(errors),
        }
    }
}

/// The current password and the new one.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChangePasswordForm {
    pub current_password: String,
    pub password: String,
}

impl std::fmt::Debug for ChangePasswordForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ChangePasswordForm(..)")
    }
}

impl ChangePasswordForm {
    /// The current password is only checked for presence (as at sign-in); the
    /// new one follows the sign-up rule (docs/DESIGN.md §1).
    ///
    /// Errors: current password empty; new password empty or against the rule.
    pub fn validate(&self) -> Result<(SecretString, Password), FieldErrors> {
        let mut errors = FieldErrors::default();
        let current = if self.current_password.is_empty() {
            errors.0.insert(Field::CurrentPassword, Msg::PasswordEmpty);
            None
        } else {
            Some(SecretString::from(self.current_password.clone()))
        };
        let password = errors.check(Field::Password, Password::parse(&self.password));
        match (current, password) {
            (Some(current), Some(password)) => Ok((current, password)),
            _ => Err(errors),
        }
    }
}

/// The number to move to, for its code.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NewPhoneForm {
    pub new_phone: String,
    /// A solved challenge (purpose `change-phone`): the number is any the user
    /// types, so this send is paid for like the public ones (docs/DESIGN.md §2).
    #[serde(default)]
    pub pow: Option<crate::domain::pow::PowSolution>,
}

impl NewPhoneForm {
    /// Errors: the number empty or malformed (under `new-phone`).
    pub fn validate(&self) -> Result<PhoneNumber, FieldErrors> {
        let mut errors = FieldErrors::default();
        errors
            .check(Field::NewPhone, PhoneNumber::parse(&self.new_phone))
            .ok_or(errors)
    }
}

/// The code sent to the current number, the new number and the code sent to it
/// (both purpose `change-phone`).
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChangePhoneForm {
    pub code: String,
    pub new_phone: String,
    pub new_code: String,
}

impl std::fmt::Debug for ChangePhoneForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ChangePhoneForm(..)")
    }
}

/// A phone change whose fields passed their rules.
#[derive(Debug, Clone)]
pub struct PhoneChange {
    /// The code sent to the account's current number.
    pub code: SmsCode,
    pub new_phone: PhoneNumber,
    /// The code sent to the new number.
    pub new_code: SmsCode,
}

impl ChangePhoneForm {
    /// Errors: a code that is not 6 digits; the new number empty or malformed.
    pub fn validate(&self) -> Result<PhoneChange, FieldErrors> {
        let mut errors = FieldErrors::default();
        let code = errors.check(Field::Code, SmsCode::parse(&self.code));
        let phone = errors.check(Field::NewPhone, PhoneNumber::parse(&self.new_phone));
        let new_code = errors.check(Field::NewCode, SmsCode::parse(&self.new_code));
        match (code, phone, new_code) {
            (Some(code), Some(new_phone), Some(new_code)) => Ok(PhoneChange {
                code,
                new_phone,
                new_code,
            }),
            _ => Err(errors),
        }
    }
}

/// The code sent to the account's number (purpose `delete`).
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DeleteAccountForm {
    pub code: String,
}

impl std::fmt::Debug for DeleteAccountForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DeleteAccountForm(..)")
    }
}

impl DeleteAccountForm {
    /// Errors: a code that is not 6 digits.
    pub fn validate(&self) -> Result<SmsCode, FieldErrors> {
        let mut errors = FieldErrors::default();
        errors
            .check(Field::Code, SmsCode::parse(&self.code))
            .ok_or(errors)
    }
}

/// The marketing switch.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct MarketingForm {
    pub granted: bool,
}

/// One session to end, by its public id.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EndSessionForm {
    pub session: String,
}

/// What a misuse report is about.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReportAbout {
    Session,
    SignIn,
    #[default]
    Other,
}

/// "I don't recognize this activity".
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ReportForm {
    pub about: ReportAbout,
    /// The session's public id or the sign-in's id; empty for `other`.
    pub reference: String,
    pub note: String,
}

/// The most characters a report's note may have.
pub const REPORT_MAX_CHARS: usize = 500;

impl ReportForm {
    /// The note is optional, up to 500 characters; line breaks are kept, other
    /// control characters refused. The reference is at most 32 ASCII
    /// letters and digits.
    ///
    /// Errors: under `report`: [`Msg::ReportTooLong`], [`Msg::ProfileControlCharacters`];
    /// a malformed reference reads as [`Msg::BadRequest`] (the page never sends one).
    pub fn validate(&self) -> Result<(ReportAbout, String, String), FieldErrors> {
        let mut errors = FieldErrors::default();
        let note = self.note.trim();
        if note
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\r')
        {
            errors
                .0
                .insert(Field::Report, Msg::ProfileControlCharacters);
        } else if note.chars().count() > REPORT_MAX_CHARS {
            errors.0.insert(Field::Report, Msg::ReportTooLong);
        }
        let reference_ok = self.reference.len() <= 32
            && self.reference.bytes().all(|b| b.is_ascii_alphanumeric())
            && (self.about == ReportAbout::Other) == self.reference.is_empty();
        if !reference_ok {
            errors.0.insert(Field::Report, Msg::BadRequest);
        }
        if errors.is_empty() {
            Ok((self.about, self.reference.clone(), note.to_owned()))
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_profile_names_each_bad_field() {
        let form = ProfileForm {
            real_name: "张".repeat(51),
            company: "Acme".into(),
            address: "a\u{7}b".into(),
            email: "nobody".into(),
        };
        let errors = form.validate().unwrap_err();
        assert_eq!(errors.get(Field::RealName), Some(Msg::RealNameTooLong));
        assert_eq!(errors.get(Field::Company), None);
        assert_eq!(
            errors.get(Field::Address),
            Some(Msg::ProfileControlCharacters)
        );
        assert_eq!(errors.get(Field::Email), Some(Msg::EmailInvalid));
        let empty = ProfileForm::default().validate().unwrap();
        assert_eq!(empty, Profile::default());
    }

    #[test]
    fn a_new_password_follows_the_sign_up_rule() {
        let form = ChangePasswordForm {
            current_password: String::new(),
            password: "short".into(),
        };
        let errors = form.validate().unwrap_err();
        assert_eq!(errors.get(Field::CurrentPassword), Some(Msg::PasswordEmpty));
        assert_eq!(errors.get(Field::Password), Some(Msg::PasswordRule));
        let common = ChangePasswordForm {
            current_password: "anything".into(),
            password: "abc12345".into(),
        };
        let errors = common.validate().unwrap_err();
        assert_eq!(errors.get(Field::Password), Some(Msg::PasswordCommon));
        let ok = ChangePasswordForm {
            current_password: "anything".into(),
            password: "kqzv2345".into(),
        };
        assert!(ok.validate().is_ok());
    }

    #[test]
    fn a_phone_change_needs_two_codes_and_a_number() {
        let errors = ChangePhoneForm {
            code: "12345".into(),
            new_phone: "12345678901".into(),
            new_code: "abcdef".into(),
        }
        .validate()
        .unwrap_err();
        assert_eq!(errors.get(Field::Code), Some(Msg::CodeInvalid));
        assert_eq!(errors.get(Field::NewPhone), Some(Msg::PhoneInvalid));
        assert_eq!(errors.get(Field::NewCode), Some(Msg::CodeInvalid));
        assert!(ChangePhoneForm {
            code: "123456".into(),
            new_phone: "13900139000".into(),
            new_code: "654321".into(),
        }
        .validate()
        .is_ok());
    }

    #[test]
    fn a_report_note_is_bounded() {
        let report = |about, reference: &str, note: &str| ReportForm {
            about,
            reference: reference.into(),
            note: note.into(),
        };
        assert!(report(ReportAbout::Other, "", "").validate().is_ok());
        assert!(report(ReportAbout::SignIn, "42", "not me\nat night")
            .validate()
            .is_ok());
        let long = "字".repeat(REPORT_MAX_CHARS + 1);
        assert_eq!(
            report(ReportAbout::Other, "", &long)
                .validate()
                .unwrap_err()
                .get(Field::Report),
            Some(Msg::ReportTooLong)
        );
        assert!(report(ReportAbout::Session, "", "").validate().is_err());
        assert!(report(ReportAbout::Session, "../x", "").validate().is_err());
        assert!(report(ReportAbout::Other, "", "a\u{0}").validate().is_err());
    }
}
