//! What the admin area's pages and server functions exchange (docs/DESIGN.md §6).
//! Times are China Standard Time, `YYYY-MM-DD HH:MM`; numbers are masked.

use crate::account::{ConsentEntry, SessionEntry, SignInEntry};
use crate::domain::{DocumentKind, InvitationMode};
use crate::legal::LegalDocument;
use serde::{Deserialize, Serialize};

/// Where the asking admin stands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdminStatus {
    /// The admin's own number, masked.
    pub masked_phone: String,
    /// Seconds left of the last confirmation (0: confirm before anything else).
    pub confirmed_secs_left: u64,
}

/// An account found by its number.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountFound {
    /// The account's id: `/admin/accounts/{id}`.
    pub id: i64,
}

/// Whether an account can be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AccountStatus {
    Active,
    Suspended,
    /// Cancelled or deleted: a tombstone without personal data.
    Deleted,
}

/// One row of the audit log as the admin area shows it (address and browser stay
/// encrypted).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditRow {
    pub id: i64,
    pub at: String,
    /// `visitor`, `account`, `admin`, `operator` or `system`.
    pub actor: String,
    pub actor_id: Option<i64>,
    pub subject_id: Option<i64>,
    pub action: String,
    /// `success` or `refused`.
    pub result: String,
    pub request_id: String,
    /// JSON without personal data.
    pub details: String,
}

/// An account as its admin page shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdminAccountView {
    pub id: i64,
    /// Masked; empty once deleted.
    pub masked_phone: String,
    pub status: AccountStatus,
    pub admin: bool,
    pub created_at: String,
    /// The invitation code it signed up with.
    pub invitation_code: Option<String>,
    /// Newest first (empty once deleted).
    pub sign_ins: Vec<SignInEntry>,
    pub sessions: Vec<SessionEntry>,
    pub consents: Vec<ConsentEntry>,
    /// Its newest audit events, newest first.
    pub events: Vec<AuditRow>,
}

/// A misuse report from a user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportRow {
    pub id: i64,
    pub account_id: i64,
    /// `session`, `sign-in` or `other`.
    pub subject: String,
    /// The session's public id or the sign-in's id.
    pub reference: String,
    /// The user's words (empty once the account was deleted: its key is gone).
    pub note: String,
    pub created_at: String,
    pub handled_at: Option<String>,
}

/// An invitation code as the list shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InvitationRow {
    pub code: String,
    pub quota: u32,
    pub used: u32,
    /// Uses left: 0 when used up, withdrawn or expired.
    pub left: u32,
    pub expires_at: String,
    pub expired: bool,
    pub active: bool,
    pub note: String,
    pub created_at: String,
}

/// One account created with an invitation code.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InvitationUse {
    /// Masked; empty once the account was deleted.
    pub masked_phone: String,
    pub at: String,
}

/// A document version before it is published, as users will see it: the same
/// rendering, the same page parts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocumentPreview {
    /// The Chinese text, then the English.
    pub documents: Vec<LegalDocument>,
}

/// A document version published.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Published {
    pub kind: DocumentKind,
    pub version: u32,
}

/// The run-time settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SettingsView {
    pub invitation_mode: InvitationMode,
}

/// One page of the audit log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditPage {
    pub rows: Vec<AuditRow>,
    /// The `before` of the next (older) page, when there is one.
    pub older: Option<i64>,
    /// Every action name, for the filter.
    pub actions: Vec<String>,
}

/// What checking the audit chain found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChainStatus {
    /// Links checked and whole.
    pub sealed: u64,
    /// Events not sealed yet.
    pub unsealed: u64,
    /// The first broken link, described; `None` when the chain holds.
    pub broken: Option<String>,
}
