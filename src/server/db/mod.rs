//! The storage seam (STYLE 9): the rest of the server talks to [`Storage`]; each
//! database is one expansion of the same SQL ([`sql`]). SQLite is the embedded
//! default; PostgreSQL serves several instances.

#[macro_use]
mod sql;
mod postgres;
mod sqlite;

pub use postgres::PostgresStorage;
pub use sqlite::SqliteStorage;

use crate::server::otp::{OtpRejected, SendLimits, SendRefused, VerifyRules};
use crate::server::throttle::{LoginThrottle, Throttled};
use async_trait::async_trait;

/// Unix seconds (UTC), the unit every stored time uses.
pub type Timestamp = i64;

/// The sends that count against a phone, an IP and the service (DESIGN.md §2).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SendHistory {
    /// Send times for this phone in the last 24 hours, any purpose, oldest first
    /// (withdrawn codes included).
    pub phone: Vec<Timestamp>,
    /// The last delivered send for this phone and the purpose at hand (the
    /// cooldown's start; a withdrawn code starts none).
    pub last_same_purpose: Option<Timestamp>,
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
    /// (document, version) accepted at sign-up: the versions in force.
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

/// An account as sign-in sees it.
#[derive(Debug, Clone)]
pub struct LoginAccount {
    pub id: i64,
    /// argon2id PHC string.
    pub password_hash: String,
    pub suspended: bool,
}

/// One sign-in attempt, as recorded and as shown to the account's owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignInAttempt {
    pub account_id: Option<i64>,
    pub at: Timestamp,
    pub ip: String,
    pub user_agent: String,
    /// `password`, `sms`, `sign-up` or `reset`.
    pub method: String,
    /// `success`, or why it failed (`wrong-password`, `unknown-phone`, `throttled`, ...).
    pub outcome: String,
}

/// A published version of a document, without its bodies (DESIGN.md §4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentVersionRow {
    /// `agreement` or `privacy`.
    pub kind: String,
    /// 1, 2, ... per kind.
    pub version: u32,
    /// What changed, for the notice banner and the consent page.
    pub summary_zh: String,
    pub summary_en: String,
    /// A material change: signed-in users must agree again once it is in force.
    pub material: bool,
    /// In force from this instant on.
    pub effective_at: Timestamp,
    pub published_at: Timestamp,
}

/// A document version about to be published.
#[derive(Debug, Clone)]
pub struct NewDocumentVersion {
    /// `agreement` or `privacy`.
    pub kind: &'static str,
    /// `Some(n)`: publish only if the next number is `n` (the first start's
    /// version 1, which concurrent instances may race to write).
    pub expected_version: Option<u32>,
    /// Markdown, the operator's name filled in.
    pub body_zh: String,
    pub body_en: String,
    pub summary_zh: String,
    pub summary_en: String,
    pub material: bool,
    pub effective_at: Timestamp,
    pub published_at: Timestamp,
}

/// Why a version was not published; nothing was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PublishRefused {
    /// The next number is not the expected one (another instance published it).
    VersionTaken,
    /// Versions take effect in order: this one would take effect before the
    /// latest version of its kind, which takes effect at `latest`.
    EffectiveBeforeLatest { latest: Timestamp },
}

/// One row of the consent ledger, as its account sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentRow {
    /// `agreement` or `privacy`.
    pub document: String,
    pub version: u32,
    pub accepted_at: Timestamp,
    /// `sign-up` or `re-consent`.
    pub method: String,
}

/// Consents given together, appended to the ledger in one transaction.
#[derive(Debug, Clone)]
pub struct NewConsents {
    pub account_id: i64,
    /// (document, version) pairs.
    pub documents: Vec<(&'static str, u32)>,
    pub accepted_at: Timestamp,
    pub ip: String,
    pub user_agent: String,
    /// `sign-up` or `re-consent`.
    pub method: &'static str,
}

/// Opens the database `url` names: `sqlite:` (a file, created if missing) or
/// `postgres:`/`postgresql:` (an existing database). Does not migrate.
///
/// Errors: another scheme, an unparsable URL, or a database that cannot be reached.
pub async fn open(url: &str) -> anyhow::Result<std::sync::Arc<dyn Storage>> {
    Ok(match Backend::of(url) {
        Some(Backend::Sqlite) => std::sync::Arc::new(SqliteStorage::open(url).await?),
        Some(Backend::Postgres) => std::sync::Arc::new(PostgresStorage::open(url).await?),
        None => anyhow::bail!("GATEHOUSE_DATABASE_URL must start with sqlite: or postgres:"),
    })
}

/// The databases Gatehouse runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The backend a database URL names, by its scheme; `None` for any other.
    pub fn of(url: &str) -> Option<Self> {
        if url.starts_with("sqlite:") {
            Some(Self::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Some(Self::Postgres)
        } else {
            None
        }
    }
}

/// What Gatehouse stores, whatever the database. Every method that writes twice
/// runs one transaction.
#[async_trait]
pub trait Storage: Send + Sync + std::fmt::Debug + 'static {
    /// Applies pending migrations.
    async fn migrate(&self) -> anyhow::Result<()>;

    /// Whether the database answers a trivial query (for `/healthz`).
    async fn ping(&self) -> anyhow::Result<()>;

    /// Closes every connection after the in-flight queries finish (graceful
    /// shutdown); later calls fail.
    async fn close(&self);

    /// The sends counted by the rate limits at `now` for a code of `purpose`.
    async fn send_history(
        &self,
        phone_index: &[u8],
        purpose: &str,
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

    /// Withdraws a code whose SMS could not be sent, unless it was verified or
    /// consumed meanwhile: it can no longer be verified and starts no cooldown, but
    /// still counts against the send caps; the code it replaced is live again.
    async fn withdraw_otp(&self, id: i64, now: Timestamp) -> anyhow::Result<()>;

    /// Checks a typed code in one transaction (so concurrent guesses cannot all pass
    /// the limits): the phone's wrong tries in the budget window, the live code of
    /// (phone, purpose), its expiry and tries; then `matches` on its stored hash. A
    /// wrong try is counted on the code and the phone; a right one marks the code
    /// verified, not consumed. Returns the verified code's id or the rejection.
    async fn verify_otp(
        &self,
        phone_index: &[u8],
        purpose: &str,
        now: Timestamp,
        rules: &VerifyRules,
        matches: &(dyn for<'b> Fn(&'b [u8]) -> bool + Send + Sync),
    ) -> anyhow::Result<Result<i64, OtpRejected>>;

    /// Whether an account holds this phone.
    async fn phone_registered(&self, phone_index: &[u8]) -> anyhow::Result<bool>;

    /// Creates the account in one transaction: consumes the code, uses the
    /// invitation (`used < quota`), inserts the account and its consent records.
    async fn create_account(
        &self,
        record: NewAccountRecord,
    ) -> anyhow::Result<Result<i64, CreateRefused>>;

    async fn account(&self, id: i64) -> anyhow::Result<Option<AccountRow>>;

    /// Whether `code` exists, is active, unexpired at `now` and not used up.
    async fn invitation_usable(&self, code: &str, now: Timestamp) -> anyhow::Result<bool>;

    async fn create_invitation(&self, invitation: NewInvitation) -> anyhow::Result<()>;

    async fn account_by_phone(&self, phone_index: &[u8]) -> anyhow::Result<Option<LoginAccount>>;

    /// Suspends or reinstates an account; suspending also ends its sessions.
    async fn set_suspended(&self, account_id: i64, suspended: bool) -> anyhow::Result<()>;

    /// Charges one sign-in attempt before it is tried, in one transaction: refuses
    /// if the phone or the IP is throttled, else counts a failure for both (so
    /// concurrent attempts cannot all pass the check). Returns the IP row to settle.
    async fn charge_login_attempt(
        &self,
        phone_index: &[u8],
        ip: &str,
        now: Timestamp,
        throttle: &LoginThrottle,
    ) -> anyhow::Result<Result<i64, Throttled>>;

    /// Settles a charged attempt that was not a wrong credential: a success clears
    /// the phone's count, anything else takes the one charge back.
    /// (`ip_row` None: a success that was not charged, such as a password reset.)
    async fn settle_login_attempt(
        &self,
        phone_index: &[u8],
        ip_row: Option<i64>,
        success: bool,
    ) -> anyhow::Result<()>;

    async fn record_sign_in(&self, attempt: SignInAttempt) -> anyhow::Result<()>;

    /// The account's newest `limit` sign-in attempts, newest first.
    async fn sign_in_history(
        &self,
        account_id: i64,
        limit: u32,
    ) -> anyhow::Result<Vec<SignInAttempt>>;

    /// Consumes verified code `id`; `false` if a concurrent request already did.
    async fn consume_otp(&self, id: i64, now: Timestamp) -> anyhow::Result<bool>;

    /// In one transaction: consumes the code, sets the new password hash and ends
    /// every session of the account. `false` if the code was already consumed.
    async fn reset_password(
        &self,
        account_id: i64,
        otp_id: i64,
        password_hash: &str,
        now: Timestamp,
    ) -> anyhow::Result<bool>;

    async fn load_session(&self, id_hash: &[u8]) -> anyhow::Result<Option<SessionRow>>;

    /// Inserts a session; `false` when the id is taken.
    async fn insert_session(&self, id_hash: &[u8], row: SessionRow) -> anyhow::Result<bool>;

    /// Updates an existing session's data, account and `last_seen_at`; writes nothing
    /// if the session was deleted meanwhile.
    async fn save_session(&self, id_hash: &[u8], row: SessionRow) -> anyhow::Result<()>;

    async fn touch_session(&self, id_hash: &[u8], now: Timestamp) -> anyhow::Result<()>;

    async fn delete_session(&self, id_hash: &[u8]) -> anyhow::Result<()>;

    /// Publishes a document version as the next number of its kind, in one
    /// transaction. Returns the number given, or why it was refused.
    async fn publish_document(
        &self,
        doc: NewDocumentVersion,
    ) -> anyhow::Result<Result<u32, PublishRefused>>;

    /// Every published version of every document, by kind then version.
    async fn document_versions(&self) -> anyhow::Result<Vec<DocumentVersionRow>>;

    /// The Chinese and English Markdown of one version, if it exists.
    async fn document_bodies(
        &self,
        kind: &str,
        version: u32,
    ) -> anyhow::Result<Option<(String, String)>>;

    /// When `document` was first accepted by anyone, if ever (the ledger's oldest
    /// row of that kind).
    async fn first_consent_at(&self, document: &str) -> anyhow::Result<Option<Timestamp>>;

    /// The account's consent ledger, oldest first.
    async fn consents(&self, account_id: i64) -> anyhow::Result<Vec<ConsentRow>>;

    /// Appends consents in one transaction; a (document, version) the account has
    /// already accepted is skipped, so concurrent agreements write it once.
    /// Returns how many rows were written.
    async fn record_consents(&self, consents: NewConsents) -> anyhow::Result<u32>;
}
