//! The sign-up form's payloads and their `validate()` (docs/DESIGN.md §1), run by the page
//! as the user types and by the server functions on every request.

use crate::domain::pow::PowSolution;
use crate::domain::DocumentKind;
use crate::domain::{InvitationCode, InvitationMode, Password, PhoneNumber, SmsCode};
use crate::form::{Field, FieldErrors};
use crate::i18n::Msg;
use serde::{Deserialize, Serialize};

/// What the "Send code" button posts.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SendCodeForm {
    pub phone: String,
    /// The solved challenge the public send-code functions require (docs/DESIGN.md
    /// §2); the account center's, behind a session, take none.
    #[serde(default)]
    pub pow: Option<PowSolution>,
}

impl SendCodeForm {
    /// Errors: the phone field's message.
    pub fn validate(&self) -> Result<PhoneNumber, FieldErrors> {
        let mut errors = FieldErrors::default();
        match errors.check(Field::Phone, PhoneNumber::parse(&self.phone)) {
            Some(phone) => Ok(phone),
            None => Err(errors),
        }
    }
}

/// What the sign-up form posts: every field as typed.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RegisterForm {
    pub phone: String,
    pub code: String,
    pub password: String,
    #[serde(default)]
    pub invitation: String,
    /// "I have read and agree to the User Registration Agreement and the Privacy Policy".
    pub consent: bool,
    /// "Send me service updates and offers by SMS" (separate, unticked by default).
    #[serde(default)]
    pub marketing: bool,
    /// The document versions the page showed, (kind, version) for each kind: what
    /// the consent above agrees to. The server records them only if they are the
    /// versions in force (docs/DESIGN.md §4).
    #[serde(default)]
    pub documents: Vec<(DocumentKind, u32)>,
    /// The invitation mode the page showed; a sign-up under another mode than the
    /// one in force now is refused with 409 (docs/DESIGN.md §6). `None` (a client
    /// that does not say) is judged by the mode in force.
    #[serde(default)]
    pub invitation_mode: Option<InvitationMode>,
}

/// The password is a secret: never printed.
impl std::fmt::Debug for RegisterForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegisterForm")
            .field("consent", &self.consent)
            .field("marketing", &self.marketing)
            .finish_non_exhaustive()
    }
}

/// A sign-up whose every field passed its rule.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub phone: PhoneNumber,
    pub code: SmsCode,
    pub password: Password,
    /// `None` when the mode is off or the optional field was left empty.
    pub invitation: Option<InvitationCode>,
    pub marketing: bool,
    /// The (kind, version) pairs the consent agrees to, sorted.
    pub documents: Vec<(DocumentKind, u32)>,
    /// The invitation mode the form was judged under; the server refuses the
    /// sign-up when another is in force by the time it writes (docs/DESIGN.md §6).
    pub invitation_mode: InvitationMode,
}

impl RegisterForm {
    /// Parses every field under the operator's invitation mode.
    ///
    /// Errors: every failing field at once — phone, code, password, invitation
    /// (required and empty, or typed and malformed) and consent (not ticked).
    pub fn validate(&self, mode: InvitationMode) -> Result<NewAccount, FieldErrors> {
        let mut errors = FieldErrors::default();
        let phone = errors.check(Field::Phone, PhoneNumber::parse(&self.phone));
        let code = errors.check(Field::Code, SmsCode::parse(&self.code));
        let password = errors.check(
            Field::Password,
            Password::parse_for(&self.password, phone.as_ref()),
        );
        let invitation = match mode {
            InvitationMode::Off => Some(None),
            InvitationMode::Optional => errors.check(
                Field::Invitation,
                InvitationCode::parse_optional(&self.invitation),
            ),
            _ => errors
                .check(Field::Invitation, InvitationCode::parse(&self.invitation))
                .map(Some),
        };
        if !self.consent {
            errors.0.insert(Field::Consent, Msg::ConsentRequired);
        }
        match (phone, code, password, invitation) {
            (Some(phone), Some(code), Some(password), Some(invitation)) if errors.is_empty() => {
                Ok(NewAccount {
                    phone,
                    code,
                    password,
                    invitation,
                    invitation_mode: mode,
                    marketing: self.marketing,
                    documents: crate::form::sorted_unique(self.documents.iter().copied()),
                })
            }
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> RegisterForm {
        RegisterForm {
            phone: "138 0013 8000".into(),
            code: "123456".into(),
            password: "kqzv1234".into(),
            invitation: String::new(),
            consent: true,
            marketing: false,
            documents: vec![(DocumentKind::Privacy, 2), (DocumentKind::Agreement, 1)],
            invitation_mode: Some(InvitationMode::Optional),
        }
    }

    #[test]
    fn a_good_form_gives_domain_values() {
        let account = form().validate(InvitationMode::Optional).unwrap();
        assert_eq!(account.phone.as_str(), "13800138000");
        assert!(account.invitation.is_none());
        // The versions agreed to, in one order whatever the page sent.
        assert_eq!(
            account.documents,
            [(DocumentKind::Agreement, 1), (DocumentKind::Privacy, 2)]
        );
    }

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let bad = RegisterForm {
            phone: "123".into(),
            code: "12".into(),
            password: "short".into(),
            invitation: "??".into(),
            consent: false,
            marketing: false,
            documents: Vec::new(),
            invitation_mode: None,
        };
        let errors = bad.validate(InvitationMode::Optional).unwrap_err();
        assert_eq!(errors.get(Field::Phone), Some(Msg::PhoneInvalid));
        assert_eq!(errors.get(Field::Code), Some(Msg::CodeInvalid));
        assert_eq!(errors.get(Field::Password), Some(Msg::PasswordRule));
        assert_eq!(
            errors.get(Field::Invitation),
            Some(Msg::InvitationIncorrect)
        );
        assert_eq!(errors.get(Field::Consent), Some(Msg::ConsentRequired));
    }

    #[test]
    fn invitation_modes() {
        let mut f = form();
        assert!(f.validate(InvitationMode::Required).is_err());
        f.invitation = "7k3m 9qxd".into();
        let account = f.validate(InvitationMode::Required).unwrap();
        assert_eq!(account.invitation.unwrap().as_str(), "7K3M9QXD");
        f.invitation = "bad".into();
        assert!(f.validate(InvitationMode::Optional).is_err());
        assert!(f
            .validate(InvitationMode::Off)
            .unwrap()
            .invitation
            .is_none());
    }

    #[test]
    fn consent_must_be_ticked_and_marketing_is_separate() {
        let mut f = form();
        f.consent = false;
        f.marketing = true;
        let errors = f.validate(InvitationMode::Optional).unwrap_err();
        assert_eq!(errors.0.len(), 1);
        assert_eq!(errors.get(Field::Consent), Some(Msg::ConsentRequired));
    }

    #[test]
    fn debug_hides_the_password() {
        assert!(!format!("{:?}", form()).contains("kqzv1234"));
    }
}
