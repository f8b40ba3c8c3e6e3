//! The storage seam (STYLE 9): the rest of the server talks to [`Storage`]; each
//! database is one implementation. SQLite is the embedded default.

mod sqlite;

pub use sqlite::SqliteStorage;

use crate::server::otp::{SendLimits, SendRefused};
use async_trait::async_trait;

/// Unix seconds (UTC), the unit every stored time uses.
pub type Timestamp = i64;

/// The sends that count against a phone, an IP and the service (DESIGN.md §2).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SendHistory {
    /// Send times for this phone in the last 24 hours, oldest first.
    pub phone: Vec<Timestamp>,
    /// Send times from this IP in the last hour, oldest first.
    pub ip: Vec<Timestamp>,
    /// Sends in total in the last hour, and the oldest of them.
    pub global_count: u32,
    pub global_oldest: Option<Timestamp>,
}

/// A code about to be stored.
#[derive(Debug, Clone)]
pub struct NewOtp {
    pub phone_index: Vec<u8>,
    pub purpose: &'static str,
    pub code_hash: Vec<u8>,
    pub ip: String,
    pub sent_at: Timestamp,
    pub expires_at: Timestamp,
}

/// The live code of a (phone, purpose).
#[derive(Debug, Clone)]
pub struct StoredOtp {
    pub id: i64,
    pub code_hash: Vec<u8>,
    pub expires_at: Timestamp,
    pub attempts: u32,
}

/// Everything written when an account is created, in one transaction.
#[derive(Debug, Clone)]
pub struct NewAccountRecord {
    pub phone_index: Vec<u8>,
    pub phone_encrypted: Vec<u8>,
    pub password_hash: String,
    /// The verified code this sign-up consumes.
    pub otp_id: i64,
    /// Canonical invitation code to use up, if one was given.
    pub invitation: Option<String>,
    pub marketing_opt_in: bool,
    pub created_at: Timestamp,
    /// (document, version) accepted at sign-up.
    pub consents: Vec<(&'static str, u32)>,
    pub ip: String,
    pub user_agent: String,
}

/// Why an account was not created; the transaction wrote nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CreateRefused {
    /// The code was consumed by a concurrent sign-up.
    CodeUsed,
    PhoneTaken,
    /// Unknown, expired, suspended or used-up invitation code.
    InvitationIncorrect,
}

/// An account as pages see it.
#[derive(Debug, Clone)]
pub struct AccountRow {
    pub id: i64,
    pub phone_encrypted: Vec<u8>,
    pub suspended: bool,
    pub created_at: Timestamp,
}

/// A stored session.
#[derive(Debug, Clone)]
pub struct SessionRow {
    /// The record's data, encrypted.
    pub data: Vec<u8>,
    pub account_id: Option<i64>,
    pub created_at: Timestamp,
    pub last_seen_at: Timestamp,
}

/// An invitation code as the operator creates it.
#[derive(Debug, Clone)]
pub struct NewInvitation {
    pub code: String,
    pub quota: u32,
    pub expires_at: Timestamp,
    pub created_at: Timestamp,
}

/// What Gatehouse stores, whatever the database. Every method that writes twice
/// runs one transaction.
#[async_trait]
pub trait Storage: Send + Sync + std::fmt::Debug + 'static {
    /// Applies pending migrations.
    async fn migrate(&self) -> anyhow::Result<()>;

    /// The sends counted by the rate limits at `now`.
    async fn send_history(
        &self,
        phone_index: &[u8],
        ip: &str,
        now: Timestamp,
    ) -> anyhow::Result<SendHistory>;

    /// In one transaction: reads the send history, lets `limits` decide, and if they
    /// allow, stores the code and marks older codes of (phone, purpose) replaced.
    /// Returns the new code's id, or the refusal.
    async fn issue_otp(
        &self,
        otp: NewOtp,
        limits: &SendLimits,
    ) -> anyhow::Result<Result<i64, SendRefused>>;

    /// Deletes a code whose SMS could not be sent (it then counts for nothing).
    async fn withdraw_otp(&self, id: i64) -> anyhow::Result<()>;

    /// The newest code of (phone, purpose) not replaced and not consumed.
    async fn live_otp(
        &self,
        phone_index: &[u8],
        purpose: &str,
    ) -> anyhow::Result<Option<StoredOtp>>;

    /// Wrong tries for a phone since `since`, across all its codes.
    async fn otp_failures_since(&self, phone_index: &[u8], since: Timestamp)
        -> anyhow::Result<u32>;

    /// Counts a wrong try on code `id` and on its phone; returns the code's tries.
    async fn record_otp_failure(
        &self,
        id: i64,
        phone_index: &[u8],
        now: Timestamp,
    ) -> anyhow::Result<u32>;

    /// Marks code `id` verified (not consumed).
    async fn mark_otp_verified(&self, id: i64, now: Timestamp) -> anyhow::Result<()>;

    /// Whether an account holds this phone.
    async fn phone_registered(&self, phone_index: &[u8]) -> anyhow::Result<bool>;

    /// Creates the account in one transaction: consumes the code, uses the
    /// invitation (`used < quota`), inserts the account and its consent records.
    async fn create_account(
        &self,
        record: NewAccountRecord,
    ) -> anyhow::Result<Result<i64, CreateRefused>>;

    async fn account(&self, id: i64) -> anyhow::Result<Option<AccountRow>>;

    async fn create_invitation(&self, invitation: NewInvitation) -> anyhow::Result<()>;

    async fn load_session(&self, id_hash: &[u8]) -> anyhow::Result<Option<SessionRow>>;

    /// Inserts a session; `false` when the id is taken.
    async fn insert_session(&self, id_hash: &[u8], row: SessionRow) -> anyhow::Result<bool>;

    /// Inserts or replaces a session, keeping its `created_at`.
    async fn save_session(&self, id_hash: &[u8], row: SessionRow) -> anyhow::Result<()>;

    async fn touch_session(&self, id_hash: &[u8], now: Timestamp) -> anyhow::Result<()>;

    async fn delete_session(&self, id_hash: &[u8]) -> anyhow::Result<()>;
}
