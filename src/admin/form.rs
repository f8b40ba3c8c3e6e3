//! What the admin area's forms post, each with the `validate()` the page and the
//! server both run (docs/STYLE.md §2). Limits: a reason, a note and a summary 200
//! characters, a document text [`crate::domain::DOCUMENT_TEXT_MAX_BYTES`], an
//! invitation code's quota 1–100 000 accounts, an OpenID Connect client's name 64
//! characters and each of its addresses 2,000 bytes.

use crate::domain::{check_document_text, DocumentKind, InvitationMode, PhoneNumber, SmsCode};
use crate::form::{Field, FieldErrors};
use crate::i18n::Msg;
use serde::{Deserialize, Serialize};

/// The most characters of a reason, a note or a summary.
pub const SHORT_TEXT_MAX_CHARS: usize = 200;
/// The most accounts one invitation code may create.
pub const QUOTA_MAX: u32 = 100_000;

/// Whether `text` holds a control character other than a line break, or a
/// bidirectional override.
fn has_control(text: &str) -> bool {
    text.chars().any(|c| {
        (c.is_control() && c != '\n' && c != '\r')
            || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
    })
}

/// A short one-line text (a reason, a note, a summary): trimmed, at most
/// [`SHORT_TEXT_MAX_CHARS`], no control characters nor line breaks (`\r`, `\n`,
/// U+2028, U+2029); `empty` when it must be given.
fn short_text(text: &str, empty: Option<Msg>) -> Result<String, Msg> {
    let text = text.trim();
    if text.is_empty() {
        if let Some(msg) = empty {
            return Err(msg);
        }
    }
    let line_break = |c: char| matches!(c, '\n' | '\r' | '\u{2028}' | '\u{2029}');
    if has_control(text) || text.contains(line_break) {
        return Err(Msg::ProfileControlCharacters);
    }
    if text.chars().count() > SHORT_TEXT_MAX_CHARS {
        return Err(Msg::ShortTextTooLong);
    }
    Ok(text.to_owned())
}

/// Whether `text` is a calendar date written `YYYY-MM-DD` (month 1–12, day 1–31
/// within the month, leap years counted).
pub fn is_date(text: &str) -> bool {
    let b = text.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let s = text.get(r)?;
        s.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| s.parse().ok())
            .flatten()
    };
    let (Some(y), Some(m), Some(d)) = (num(0..4), num(5..7), num(8..10)) else {
        return false;
    };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&d)
}

/// The admin's password, to confirm it is them.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ConfirmPasswordForm {
    pub password: String,
}

impl std::fmt::Debug for ConfirmPasswordForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ConfirmPasswordForm { .. }")
    }
}

impl ConfirmPasswordForm {
    /// Errors: [`Msg::PasswordEmpty`] on `password`.
    pub fn validate(&self) -> Result<secrecy::SecretString, FieldErrors> {
        let mut errors = FieldErrors::default();
        if self.password.is_empty() {
            errors.0.insert(Field::Password, Msg::PasswordEmpty);
            return Err(errors);
        }
        Ok(secrecy::SecretString::from(self.password.clone()))
    }
}

/// An SMS code sent to the admin's own number, to confirm it is them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ConfirmCodeForm {
    pub code: String,
}

impl ConfirmCodeForm {
    /// Errors: [`Msg::CodeInvalid`] on `code`.
    pub fn validate(&self) -> Result<SmsCode, FieldErrors> {
        let mut errors = FieldErrors::default();
        errors
            .check(Field::Code, SmsCode::parse(&self.code))
            .ok_or(errors)
    }
}

/// An account looked up by its exact number.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FindAccountForm {
    pub phone: String,
}

impl FindAccountForm {
    /// Errors: the phone rules on `phone`.
    pub fn validate(&self) -> Result<PhoneNumber, FieldErrors> {
        let mut errors = FieldErrors::default();
        errors
            .check(Field::Phone, PhoneNumber::parse(&self.phone))
            .ok_or(errors)
    }
}

/// An account by its id.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct AccountRef {
    pub id: i64,
}

/// What an admin does to an account (docs/DESIGN.md §6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AccountAction {
    /// Every session ends; sign-in is refused with the suspension message.
    Suspend,
    Reinstate,
    EndSessions,
    /// The erasure of self-deletion (docs/DESIGN.md §7).
    Cancel,
}

/// An action on an account, with the admin's reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountActionForm {
    pub account: i64,
    pub action: AccountAction,
    /// Why: recorded in the audit log, so it must not hold personal data.
    pub reason: String,
}

impl AccountActionForm {
    /// Errors: on `reason`: [`Msg::ReasonEmpty`], [`Msg::ShortTextTooLong`],
    /// [`Msg::ProfileControlCharacters`].
    pub fn validate(&self) -> Result<String, FieldErrors> {
        let mut errors = FieldErrors::default();
        errors
            .check(
                Field::Reason,
                short_text(&self.reason, Some(Msg::ReasonEmpty)),
            )
            .ok_or(errors)
    }
}

/// A misuse report by its number.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct ReportRef {
    pub id: i64,
}

/// A new invitation code.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct InvitationForm {
    /// How many accounts it may create, as typed.
    pub quota: String,
    /// The last valid day, `YYYY-MM-DD` (until 23:59:59 China Standard Time).
    pub expires: String,
    /// What it was issued for (optional).
    pub note: String,
}

/// A new invitation code, its fields checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewInvitation {
    pub quota: u32,
    /// `YYYY-MM-DD`; whether it is past is the server's to say.
    pub expires: String,
    pub note: Option<String>,
}

impl InvitationForm {
    /// Errors: [`Msg::QuotaInvalid`] on `quota` (not a whole number 1–100 000);
    /// [`Msg::ExpiryInvalid`] on `expiry`; [`Msg::ShortTextTooLong`] or
    /// [`Msg::ProfileControlCharacters`] on `note`.
    pub fn validate(&self) -> Result<NewInvitation, FieldErrors> {
        let mut errors = FieldErrors::default();
        let quota = self
            .quota
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|q| (1..=QUOTA_MAX).contains(q))
            .ok_or(Msg::QuotaInvalid);
        let quota = errors.check(Field::Quota, quota);
        let expires = self.expires.trim();
        let expires = errors.check(
            Field::Expiry,
            is_date(expires)
                .then(|| expires.to_owned())
                .ok_or(Msg::ExpiryInvalid),
        );
        let note = errors.check(Field::Note, short_text(&self.note, None));
        match (quota, expires, note) {
            (Some(quota), Some(expires), Some(note)) if errors.is_empty() => Ok(NewInvitation {
                quota,
                expires,
                note: (!note.is_empty()).then_some(note),
            }),
            _ => Err(errors),
        }
    }
}

/// An invitation code by its text.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct InvitationRef {
    pub code: String,
}

/// A new version of a document, as `gatehouse docs publish` takes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublishForm {
    pub kind: DocumentKind,
    /// Markdown, starting with its title line (`# ...`).
    pub zh: String,
    pub en: String,
    /// `YYYY-MM-DD`, from 00:00 China Standard Time; not before today.
    pub effective: String,
    /// Users must agree again once it is in force.
    pub material: bool,
    pub summary_zh: String,
    pub summary_en: String,
}

impl Default for PublishForm {
    fn default() -> Self {
        Self {
            kind: DocumentKind::Agreement,
            zh: String::new(),
            en: String::new(),
            effective: String::new(),
            material: false,
            summary_zh: String::new(),
            summary_en: String::new(),
        }
    }
}

impl PublishForm {
    /// Errors, each on its field: [`Msg::DocumentTitleMissing`] or
    /// [`Msg::DocumentTooLong`] on `text-zh` and `text-en`; [`Msg::EffectiveInvalid`];
    /// [`Msg::SummaryEmpty`], [`Msg::ShortTextTooLong`] on the summaries. The
    /// server then refuses a date in the past or before the latest version's
    /// (as `gatehouse docs publish` does).
    pub fn validate(&self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::default();
        for (field, text) in [(Field::TextZh, &self.zh), (Field::TextEn, &self.en)] {
            errors.check(field, check_document_text(text));
        }
        let effective = self.effective.trim();
        errors.check(
            Field::Effective,
            is_date(effective)
                .then_some(())
                .ok_or(Msg::EffectiveInvalid),
        );
        for (field, text) in [
            (Field::SummaryZh, &self.summary_zh),
            (Field::SummaryEn, &self.summary_en),
        ] {
            errors.check(field, short_text(text, Some(Msg::SummaryEmpty)));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// The most characters of an OpenID Connect client's name.
pub const CLIENT_NAME_MAX_CHARS: usize = 64;
/// The most bytes of one redirect URI (as `crate::oidc::service` stores them).
pub const REDIRECT_URI_MAX_BYTES: usize = 2_000;

/// A new OpenID Connect client, as typed on `/admin/clients` (docs/DESIGN.md §11):
/// the addresses one per line.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ClientForm {
    /// What the consent screen and the admin area call it.
    pub name: String,
    /// Where codes go, one per line; at least one.
    pub redirect_uris: String,
    /// Where RP-initiated logout may return to, one per line (optional).
    pub post_logout_redirect_uris: String,
    /// A browser or native app: no secret, PKCE required.
    pub public: bool,
    /// The operator's own app: no consent screen.
    pub first_party: bool,
}

/// A new client, its fields checked: what `gatehouse oidc client add` takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientRegistration {
    pub name: String,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    pub public: bool,
    pub first_party: bool,
}

/// The addresses of a text box, one per line, trimmed, blank lines and repeats
/// left out. Each must read as an absolute `https://` or `http://` URL with a
/// host, without spaces or control characters, at most
/// [`REDIRECT_URI_MAX_BYTES`]; whether the server accepts it (`https`, or `http`
/// only on a loopback host or in development, no fragment) is the server's to say
/// (`crate::oidc::service::redirect_uri_allowed`).
fn uri_lines(text: &str) -> Result<Vec<String>, Msg> {
    let mut uris: Vec<String> = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let rest = line
            .strip_prefix("https://")
            .or_else(|| line.strip_prefix("http://"));
        let host_given = rest.is_some_and(|r| !r.is_empty() && !r.starts_with(['/', '?', '#']));
        let clean =
            !line.chars().any(|c| c.is_whitespace() || c.is_control()) && !has_control(line);
        if !host_given || !clean || line.len() > REDIRECT_URI_MAX_BYTES {
            return Err(Msg::RedirectUriInvalid);
        }
        if !uris.iter().any(|u| u == line) {
            uris.push(line.to_owned());
        }
    }
    Ok(uris)
}

impl ClientForm {
    /// Errors: [`Msg::ClientNameInvalid`] (empty or over 64 characters) or
    /// [`Msg::ProfileControlCharacters`] on `client-name`;
    /// [`Msg::RedirectUrisEmpty`] or [`Msg::RedirectUriInvalid`] on
    /// `redirect-uris`; [`Msg::RedirectUriInvalid`] on `post-logout-uris`.
    pub fn validate(&self) -> Result<ClientRegistration, FieldErrors> {
        let mut errors = FieldErrors::default();
        let name = self.name.trim();
        let name = if name.is_empty() || name.chars().count() > CLIENT_NAME_MAX_CHARS {
            Err(Msg::ClientNameInvalid)
        } else {
            short_text(name, None)
        };
        let name = errors.check(Field::ClientName, name);
        let redirect = uri_lines(&self.redirect_uris).and_then(|uris| {
            if uris.is_empty() {
                Err(Msg::RedirectUrisEmpty)
            } else {
                Ok(uris)
            }
        });
        let redirect = errors.check(Field::RedirectUris, redirect);
        let post_logout = errors.check(
            Field::PostLogoutUris,
            uri_lines(&self.post_logout_redirect_uris),
        );
        match (name, redirect, post_logout) {
            (Some(name), Some(redirect_uris), Some(post_logout_redirect_uris))
                if errors.is_empty() =>
            {
                Ok(ClientRegistration {
                    name,
                    redirect_uris,
                    post_logout_redirect_uris,
                    public: self.public,
                    first_party: self.first_party,
                })
            }
            _ => Err(errors),
        }
    }
}

/// The run-time settings an admin sets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SettingsForm {
    pub invitation_mode: InvitationMode,
}

/// Which audit events to show, as typed (each part optional).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AuditQuery {
    /// The account the events are about (its id).
    pub account: String,
    /// An action's name (`account-suspended`).
    pub action: String,
    /// `visitor`, `account`, `admin`, `operator`, `system`, or an account id (an
    /// account or admin acting).
    pub actor: String,
    /// From this day on (`YYYY-MM-DD`, China Standard Time).
    pub from: String,
    /// Up to and including this day.
    pub to: String,
    /// Only events older than this id (the next page).
    #[serde(default)]
    pub before: Option<i64>,
}

/// The actor part of an [`AuditQuery`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActorFilter {
    Kind(String),
    Account(i64),
}

/// An [`AuditQuery`] with its parts checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub account: Option<i64>,
    pub action: Option<String>,
    pub actor: Option<ActorFilter>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub before: Option<i64>,
}

/// The actor kinds the audit log records.
pub const ACTOR_KINDS: [&str; 5] = ["visitor", "account", "admin", "operator", "system"];

impl AuditQuery {
    /// Errors: [`Msg::AccountIdInvalid`] on `account` or `actor` (not a positive
    /// whole number nor an actor kind); [`Msg::DateInvalid`] on `from` and `to`;
    /// [`Msg::ActionUnknown`] on `action` (not lower-case letters and `-`).
    pub fn validate(&self) -> Result<AuditFilter, FieldErrors> {
        let mut errors = FieldErrors::default();
        let id = |text: &str| text.parse::<i64>().ok().filter(|n| *n > 0);
        let account = self.account.trim();
        let account = if account.is_empty() {
            Some(None)
        } else {
            errors.check(
                Field::Account,
                id(account).map(Some).ok_or(Msg::AccountIdInvalid),
            )
        };
        let action = self.action.trim();
        let action = if action.is_empty() {
            Some(None)
        } else {
            let ok =
                action.len() <= 40 && action.bytes().all(|b| b.is_ascii_lowercase() || b == b'-');
            errors.check(
                Field::Action,
                ok.then(|| Some(action.to_owned()))
                    .ok_or(Msg::ActionUnknown),
            )
        };
        let actor = self.actor.trim();
        let actor = if actor.is_empty() {
            Some(None)
        } else if ACTOR_KINDS.contains(&actor) {
            Some(Some(ActorFilter::Kind(actor.to_owned())))
        } else {
            errors.check(
                Field::Actor,
                id(actor)
                    .map(|n| Some(ActorFilter::Account(n)))
                    .ok_or(Msg::AccountIdInvalid),
            )
        };
        let mut day = |field, text: &str| {
            let text = text.trim();
            if text.is_empty() {
                Some(None)
            } else {
                errors.check(
                    field,
                    is_date(text)
                        .then(|| Some(text.to_owned()))
                        .ok_or(Msg::DateInvalid),
                )
            }
        };
        let from = day(Field::From, &self.from);
        let to = day(Field::To, &self.to);
        match (account, action, actor, from, to) {
            (Some(account), Some(action), Some(actor), Some(from), Some(to))
                if errors.is_empty() =>
            {
                Ok(AuditFilter {
                    account,
                    action,
                    actor,
                    from,
                    to,
                    before: self.before,
                })
            }
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_real_calendar_days() {
        for good in ["2026-12-31", "2028-02-29", "2000-02-29", "2027-01-01"] {
            assert!(is_date(good), "{good}");
        }
        for bad in [
            "2027-02-29",
            "1900-02-29",
            "2026-13-01",
            "2026-00-10",
            "2026-04-31",
            "2026-1-01",
            "2026/12/31",
            "２026-12-31",
            "",
            "2026-12-3a",
        ] {
            assert!(!is_date(bad), "{bad}");
        }
    }

    #[test]
    fn a_reason_is_required_and_short() {
        let form = |reason: &str| AccountActionForm {
            account: 7,
            action: AccountAction::Suspend,
            reason: reason.into(),
        };
        assert_eq!(
            form("  spam complaint ").validate().unwrap(),
            "spam complaint"
        );
        let refused = |reason: &str| form(reason).validate().unwrap_err().get(Field::Reason);
        assert_eq!(refused("   "), Some(Msg::ReasonEmpty));
        assert_eq!(refused(&"字".repeat(201)), Some(Msg::ShortTextTooLong));
        assert_eq!(refused("a\u{7}b"), Some(Msg::ProfileControlCharacters));
        for broken in [
            "two\nlines",
            "two\rlines",
            "two\u{2028}lines",
            "two\u{2029}lines",
        ] {
            assert_eq!(
                refused(broken),
                Some(Msg::ProfileControlCharacters),
                "{broken:?}"
            );
        }
        assert!(form(&"字".repeat(200)).validate().is_ok());
    }

    #[test]
    fn an_invitation_needs_a_quota_and_a_day() {
        let form = |quota: &str, expires: &str, note: &str| InvitationForm {
            quota: quota.into(),
            expires: expires.into(),
            note: note.into(),
        };
        let ok = form(" 5 ", "2027-01-31", "").validate().unwrap();
        assert_eq!((ok.quota, ok.note), (5, None));
        let noted = form("1", "2027-01-31", " partner A ").validate().unwrap();
        assert_eq!(noted.note.as_deref(), Some("partner A"));
        let errors = form("0", "31/01/2027", &"x".repeat(201))
            .validate()
            .unwrap_err();
        assert_eq!(errors.get(Field::Quota), Some(Msg::QuotaInvalid));
        assert_eq!(errors.get(Field::Expiry), Some(Msg::ExpiryInvalid));
        assert_eq!(errors.get(Field::Note), Some(Msg::ShortTextTooLong));
        for quota in ["", "-1", "1.5", "100001", "abc"] {
            let errors = form(quota, "2027-01-31", "").validate().unwrap_err();
            assert_eq!(errors.get(Field::Quota), Some(Msg::QuotaInvalid), "{quota}");
        }
        assert!(form("100000", "2027-01-31", "").validate().is_ok());
    }

    #[test]
    fn a_client_needs_a_name_and_absolute_redirect_uris() {
        let form = |name: &str, redirect: &str, logout: &str| ClientForm {
            name: name.into(),
            redirect_uris: redirect.into(),
            post_logout_redirect_uris: logout.into(),
            public: true,
            first_party: false,
        };
        let ok = form(
            " Console ",
            "https://console.example.com/cb\r\n\n  http://127.0.0.1:8080/cb \nhttps://console.example.com/cb",
            "",
        )
        .validate()
        .unwrap();
        assert_eq!(ok.name, "Console");
        assert_eq!(
            ok.redirect_uris,
            ["https://console.example.com/cb", "http://127.0.0.1:8080/cb"]
        );
        assert!(ok.post_logout_redirect_uris.is_empty());
        assert!(ok.public && !ok.first_party);
        let long = format!("https://a.example/{}", "x".repeat(REDIRECT_URI_MAX_BYTES));
        assert!(form(&"名".repeat(64), "https://a.example/", "")
            .validate()
            .is_ok());
        let errors = form(&"名".repeat(65), " \n ", "https://a.example/\nlogout")
            .validate()
            .unwrap_err();
        assert_eq!(errors.get(Field::ClientName), Some(Msg::ClientNameInvalid));
        assert_eq!(
            errors.get(Field::RedirectUris),
            Some(Msg::RedirectUrisEmpty)
        );
        assert_eq!(
            errors.get(Field::PostLogoutUris),
            Some(Msg::RedirectUriInvalid)
        );
        let name_of = |name: &str| {
            form(name, "https://a.example/", "")
                .validate()
                .unwrap_err()
                .get(Field::ClientName)
        };
        assert_eq!(name_of("   "), Some(Msg::ClientNameInvalid));
        assert_eq!(name_of("a\u{202E}b"), Some(Msg::ProfileControlCharacters));
        for bad in [
            "console.example.com/cb",
            "ftp://a.example/",
            "https://",
            "https:///path",
            "javascript:alert(1)",
            "https://a.example/c b",
            "https://a.example/\u{7}",
            long.as_str(),
        ] {
            let errors = form("App", bad, "").validate().unwrap_err();
            assert_eq!(
                errors.get(Field::RedirectUris),
                Some(Msg::RedirectUriInvalid),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn a_publication_names_each_bad_field() {
        let good = PublishForm {
            kind: DocumentKind::Privacy,
            zh: "# 隐私政策\n\n正文".into(),
            en: "# Privacy Policy\n\nBody".into(),
            effective: "2027-01-01".into(),
            material: true,
            summary_zh: "新增第 5 条".into(),
            summary_en: "Adds section 5".into(),
        };
        assert!(good.validate().is_ok());
        let bad = PublishForm {
            zh: "隐私政策".into(),
            en: format!(
                "# Title\n{}",
                "x".repeat(crate::domain::DOCUMENT_TEXT_MAX_BYTES)
            ),
            effective: "2027-02-30".into(),
            summary_zh: " ".into(),
            ..good.clone()
        };
        let errors = bad.validate().unwrap_err();
        assert_eq!(errors.get(Field::TextZh), Some(Msg::DocumentTitleMissing));
        assert_eq!(errors.get(Field::TextEn), Some(Msg::DocumentTooLong));
        assert_eq!(errors.get(Field::Effective), Some(Msg::EffectiveInvalid));
        assert_eq!(errors.get(Field::SummaryZh), Some(Msg::SummaryEmpty));
        assert_eq!(errors.get(Field::SummaryEn), None);
        assert!(check_document_text("#  \nbody").is_err());
        assert!(check_document_text("## Sub\n").is_err());
        assert!(check_document_text("\n# Title\n").is_ok());
    }

    #[test]
    fn an_audit_query_reads_each_part() {
        let q = AuditQuery {
            account: "42".into(),
            action: "account-suspended".into(),
            actor: "admin".into(),
            from: "2026-12-01".into(),
            to: "".into(),
            before: Some(100),
        };
        let f = q.validate().unwrap();
        assert_eq!(f.account, Some(42));
        assert_eq!(f.actor, Some(ActorFilter::Kind("admin".into())));
        assert_eq!((f.from.as_deref(), f.to), (Some("2026-12-01"), None));
        let by_id = AuditQuery {
            actor: "7".into(),
            ..AuditQuery::default()
        };
        assert_eq!(
            by_id.validate().unwrap().actor,
            Some(ActorFilter::Account(7))
        );
        let bad = AuditQuery {
            account: "x".into(),
            action: "DROP TABLE".into(),
            actor: "robot".into(),
            from: "yesterday".into(),
            to: "2026-02-30".into(),
            before: None,
        };
        let errors = bad.validate().unwrap_err();
        assert_eq!(errors.get(Field::Account), Some(Msg::AccountIdInvalid));
        assert_eq!(errors.get(Field::Action), Some(Msg::ActionUnknown));
        assert_eq!(errors.get(Field::Actor), Some(Msg::AccountIdInvalid));
        assert_eq!(errors.get(Field::From), Some(Msg::DateInvalid));
        assert_eq!(errors.get(Field::To), Some(Msg::DateInvalid));
        assert_eq!(
            AuditQuery::default().validate().unwrap(),
            AuditFilter::default()
        );
    }
}
