//! What the account center's pages and server functions exchange.

use crate::domain::{DocumentKind, Profile};
use crate::i18n::Msg;
use serde::{Deserialize, Serialize};

/// What the account center shows (`GET /api/account`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountSummary {
    /// e.g. `138****8000`.
    pub masked_phone: String,
    /// China Standard Time, `YYYY-MM-DD HH:MM:SS`.
    pub created_at: String,
    pub profile: ProfileView,
    pub marketing: MarketingView,
    /// The account's live sessions, newest sign-in first.
    pub sessions: Vec<SessionEntry>,
    /// The newest 20 sign-in attempts, newest first.
    pub sign_ins: Vec<SignInEntry>,
    /// Every document version the user accepted, oldest first (the consent
    /// ledger, docs/DESIGN.md §4).
    pub consents: Vec<ConsentEntry>,
}

/// The profile as saved: each part as stored, empty when not given.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ProfileView {
    pub real_name: String,
    pub company: String,
    pub address: String,
    pub email: String,
}

impl From<&Profile> for ProfileView {
    fn from(p: &Profile) -> Self {
        let text = |v: Option<&str>| v.unwrap_or_default().to_owned();
        Self {
            real_name: text(p.real_name.as_ref().map(|v| v.as_str())),
            company: text(p.company.as_ref().map(|v| v.as_str())),
            address: text(p.address.as_ref().map(|v| v.as_str())),
            email: text(p.email.as_ref().map(|v| v.as_str())),
        }
    }
}

/// The current marketing choice: the newest row of the consent ledger.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MarketingView {
    pub granted: bool,
    /// When the current choice was made (China Standard Time); `None` if never.
    pub since: Option<String>,
}

/// One live session of the account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionEntry {
    /// The session's public id (32 hex digits), never its session id.
    pub id: String,
    /// Browser name and major version, e.g. `Chrome 156`; empty if not recorded.
    pub browser: String,
    pub ip: String,
    /// China Standard Time, `YYYY-MM-DD HH:MM:SS`.
    pub signed_in_at: String,
    pub last_active_at: String,
    /// The session of the browser asking.
    pub current: bool,
}

/// One row of the user's consent record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConsentEntry {
    pub kind: DocumentKind,
    pub version: u32,
    /// China Standard Time, `YYYY-MM-DD HH:MM:SS`.
    pub at: String,
    /// [`Msg::MethodSignUp`] or [`Msg::MethodReconsent`].
    pub method: Msg,
}

/// One line of the sign-in history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignInEntry {
    /// The attempt's id, what a misuse report names.
    pub id: i64,
    /// China Standard Time, `YYYY-MM-DD HH:MM:SS`.
    pub at: String,
    pub ip: String,
    /// Browser name and major version, e.g. `Chrome 156`.
    pub browser: String,
    pub method: Msg,
    pub outcome: Msg,
}

/// The phone number was changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PhoneChanged {
    /// The new number as pages show it, e.g. `139****0000`.
    pub masked_phone: String,
    /// How many other sessions were ended.
    pub sessions_ended: u64,
}

/// A misuse report was stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportFiled {
    /// The report's number, to quote to customer service.
    pub id: i64,
}
