//! The audit log (docs/DESIGN.md §10): every security-relevant change writes one row in
//! the same transaction as the change, so the two commit or fail together. Rows
//! hold the time, the actor, the account the change is about, the action and its
//! result, the caller's address and browser (encrypted), the request id and
//! details without personal data: never a phone number, code, password or token.
//!
//! Rows are tamper-evident without a global lock on every write: they commit with
//! their own id and are sealed into a hash chain shortly after ([`seal_pending`],
//! one sealer at a time; the server seals every [`SEAL_EVERY`]), the chain order
//! fixed at seal time, each seal's hash covering the previous seal's and its event
//! exactly as stored ([`chain`]). [`verify`] walks the chain and names the first
//! broken link.

pub mod chain;

use crate::server::caller::{Actor, Caller};
use crate::server::clock::{Clock, Timestamp};
use crate::server::crypto::{AccountKey, DataKeys};
use crate::server::db::account_keys;
use crate::server::db::accounts::AccountId;
use crate::server::db::audit::{self, NewAuditEvent, Seal, StoredEvent};
use crate::server::db::{stored_names, Conn, Db, Lock};
use std::time::Duration;

/// How often a running server seals new events.
pub const SEAL_EVERY: Duration = Duration::from_secs(2);
/// Events sealed per transaction.
const SEAL_BATCH: u32 = 500;

/// What changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditAction {
    SignUp,
    /// A sign-in attempt; details name the method and, when refused, the reason.
    SignIn,
    /// A failure made the phone wait before its next sign-in (details: seconds).
    SignInThrottled,
    SignOut,
    PasswordReset,
    /// Sessions of the account ended by the server (details: how many, why).
    SessionsEnded,
    ConsentGiven,
    ConsentDeclined,
    InvitationCreated,
    DocumentPublished,
    AccountSuspended,
    AccountReinstated,
    /// The account's personal data was erased (it is a tombstone now).
    AccountErased,
    /// The owner saved the profile (details: which parts are given, no values).
    ProfileUpdated,
    /// The owner changed the password from the account center.
    PasswordChanged,
    /// The account moved to another phone number (no number in the details).
    PhoneChanged,
    /// Marketing consent switched on or off (details: `granted`).
    MarketingChanged,
    /// The owner downloaded the account's data.
    DataExported,
    /// The owner reported activity they do not recognize (details: report id).
    MisuseReported,
    /// The account was made an admin (`gatehouse admin grant`).
    AdminGranted,
    /// The account's admin role was taken away (`gatehouse admin revoke`).
    AdminRevoked,
    /// An admin confirmed the password or an SMS code for the admin area (refused:
    /// a wrong one; details: the method).
    AdminConfirmed,
    /// A request of the admin area refused (details: the path and why: `not-admin`,
    /// `confirmation-required`).
    AdminRefused,
    /// An admin looked an account up by its number (the subject when found).
    AccountLookedUp,
    /// An admin opened an account's page (its sign-ins, sessions, consents).
    AccountViewed,
    /// An invitation code was withdrawn (details: the code's row id).
    InvitationWithdrawn,
    /// A misuse report was marked handled (details: report id).
    ReportHandled,
    /// A run-time setting changed (details: its name, old and new value).
    SettingChanged,
    /// An OpenID Connect client was registered (details: client id, public,
    /// first-party).
    OidcClientAdded,
    /// An OpenID Connect client was revoked (details: client id, refresh tokens
    /// revoked).
    OidcClientRevoked,
    /// An authorization code was issued to a client (details: client id, scope).
    OidcCodeIssued,
    /// Tokens were issued at the token endpoint (details: client id, grant type).
    OidcTokenIssued,
    /// A used code or refresh token was presented again; what it issued was
    /// revoked (details: client id, which, how many tokens).
    OidcTokenReused,
    /// The account allowed a third-party client scopes (details: client id, scope).
    OidcConsentGranted,
    /// The account withdrew what it allowed a client (details: client id).
    OidcConsentRevoked,
    /// A relying party signed the account out (RP-initiated logout; details:
    /// client id).
    OidcLogout,
    /// A new signing key was added (details: kid, when it signs, keys deleted).
    OidcKeyRotated,
}

stored_names!(AuditAction {
    SignUp => "sign-up",
    SignIn => "sign-in",
    SignInThrottled => "sign-in-throttled",
    SignOut => "sign-out",
    PasswordReset => "password-reset",
    SessionsEnded => "sessions-ended",
    ConsentGiven => "consent-given",
    ConsentDeclined => "consent-declined",
    InvitationCreated => "invitation-created",
    DocumentPublished => "document-published",
    AccountSuspended => "account-suspended",
    AccountReinstated => "account-reinstated",
    AccountErased => "account-erased",
    ProfileUpdated => "profile-updated",
    PasswordChanged => "password-changed",
    PhoneChanged => "phone-changed",
    MarketingChanged => "marketing-changed",
    DataExported => "data-exported",
    MisuseReported => "misuse-reported",
    AdminGranted => "admin-granted",
    AdminRevoked => "admin-revoked",
    AdminConfirmed => "admin-confirmed",
    AdminRefused => "admin-refused",
    AccountLookedUp => "account-looked-up",
    AccountViewed => "account-viewed",
    InvitationWithdrawn => "invitation-withdrawn",
    ReportHandled => "report-handled",
    SettingChanged => "setting-changed",
    OidcClientAdded => "oidc-client-added",
    OidcClientRevoked => "oidc-client-revoked",
    OidcCodeIssued => "oidc-code-issued",
    OidcTokenIssued => "oidc-token-issued",
    OidcTokenReused => "oidc-token-reused",
    OidcConsentGranted => "oidc-consent-granted",
    OidcConsentRevoked => "oidc-consent-revoked",
    OidcLogout => "oidc-logout",
    OidcKeyRotated => "oidc-key-rotated",
});

/// How it ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditResult {
    Success,
    /// Refused; the details say why.
    Refused,
}

stored_names!(AuditResult {
    Success => "success",
    Refused => "refused",
});

/// One change to record.
#[derive(Debug, Clone)]
pub struct AuditEvent {
    /// The account the change is about, if any.
    pub subject: Option<AccountId>,
    pub action: AuditAction,
    pub result: AuditResult,
    /// A JSON object without personal data (no phone number, code, password, token).
    pub details: serde_json::Value,
}

impl AuditEvent {
    /// A successful `action` about `subject` with `details`.
    pub fn success(
        action: AuditAction,
        subject: Option<AccountId>,
        details: serde_json::Value,
    ) -> Self {
        Self::new(AuditResult::Success, action, subject, details)
    }

    /// A refused `action` about `subject` with `details` saying why.
    pub fn refused(
        action: AuditAction,
        subject: Option<AccountId>,
        details: serde_json::Value,
    ) -> Self {
        Self::new(AuditResult::Refused, action, subject, details)
    }

    fn new(
        result: AuditResult,
        action: AuditAction,
        subject: Option<AccountId>,
        details: serde_json::Value,
    ) -> Self {
        Self {
            subject,
            action,
            result,
            details,
        }
    }
}

impl AuditEvent {
    /// `count` sessions of `account` ended by the server because of `reason`
    /// (`password-reset`, `suspended`, ...); `None` when there were none.
    pub fn sessions_ended(account: AccountId, count: u64, reason: &str) -> Option<Self> {
        (count > 0).then(|| {
            let details = serde_json::json!({ "count": count, "reason": reason });
            Self::success(AuditAction::SessionsEnded, Some(account), details)
        })
    }
}

fn actor_columns(actor: Actor) -> (&'static str, Option<AccountId>) {
    match actor {
        Actor::Visitor => ("visitor", None),
        Actor::Account(id) => ("account", Some(id)),
        Actor::Admin(id) => ("admin", Some(id)),
        Actor::Operator => ("operator", None),
        Actor::System => ("system", None),
    }
}

/// Appends `event`, made by `caller` at `at`, in the transaction `conn` belongs to
/// (the one that makes the change). The address and browser are encrypted under
/// the subject account's own key (made if it has none), so destroying that key
/// erases them from the account's rows (docs/DESIGN.md §7); a row about no account
/// uses the data key.
///
/// Errors: storage failures (the change's transaction then rolls back too).
pub async fn record(
    conn: &mut Conn,
    keys: &DataKeys,
    at: Timestamp,
    caller: &Caller,
    event: AuditEvent,
) -> anyhow::Result<()> {
    record_all(conn, keys, at, caller, [event]).await
}

/// [`record`] for several events of one change, in order; each subject's key is
/// read once.
///
/// Errors: storage failures (the change's transaction then rolls back too).
pub async fn record_all(
    conn: &mut Conn,
    keys: &DataKeys,
    at: Timestamp,
    caller: &Caller,
    events: impl IntoIterator<Item = AuditEvent>,
) -> anyhow::Result<()> {
    let (actor_kind, actor_id) = actor_columns(caller.actor);
    let (ip, user_agent) = (caller.meta.ip.as_bytes(), caller.meta.user_agent.as_bytes());
    let mut subject_key: Option<(AccountId, AccountKey)> = None;
    for event in events {
        let (ip, user_agent) = match event.subject {
            Some(account) => {
                let key = match subject_key.take() {
                    Some((id, key)) if id == account => Some(key),
                    _ => match account_keys::for_writing(conn, keys, account).await {
                        Ok(key) => Some(key),
                        // A row about an erased account (an operator's later
                        // action): under the data key, as for no account.
                        Err(e) if e.is::<account_keys::AccountGone>() => None,
                        Err(e) => return Err(e),
                    },
                };
                match key {
                    Some(key) => {
                        let sealed = (key.encrypt(ip), key.encrypt(user_agent));
                        subject_key = Some((account, key));
                        sealed
                    }
                    None => (keys.encrypt(ip), keys.encrypt(user_agent)),
                }
            }
            None => (keys.encrypt(ip), keys.encrypt(user_agent)),
        };
        let row = NewAuditEvent {
            at,
            actor_kind,
            actor_id,
            subject_id: event.subject,
            action: event.action.as_str(),
            result: event.result.as_str(),
            ip,
            user_agent,
            request_id: caller.meta.request_id.clone(),
            details: event.details.to_string(),
        };
        audit::insert(conn, &row).await?;
    }
    Ok(())
}

/// How far below the highest sealed event id the running server looks for events
/// still unsealed: on PostgreSQL a transaction can commit after later ids were
/// sealed. [`seal_pending`] (the command line's `audit verify`) looks at all.
const SEAL_LOOKBACK_IDS: i64 = 100_000;

/// Seals every event not sealed yet into the chain ([`seal_since`] over all ids).
/// Returns how many were sealed.
///
/// Errors: storage failures; what was sealed before stays sealed.
pub async fn seal_pending(db: &Db, clock: &dyn Clock) -> anyhow::Result<u64> {
    seal_since(db, clock, 0).await
}

/// Seals the events with an id above `after_id` not sealed yet, in id order, in
/// rounds of up to 500: the candidates are read without a lock (on SQLite, a scan
/// under the write lock would hold up every writer), then one transaction holding
/// the chain's lock (one sealer at a time across instances) drops those another
/// sealer took meanwhile and appends a seal for each of the rest. An event
/// committed meanwhile with a lower id is sealed in a later round.
async fn seal_since(db: &Db, clock: &dyn Clock, after_id: i64) -> anyhow::Result<u64> {
    let mut sealed = 0;
    loop {
        let candidates = {
            let mut conn = db.read().await?;
            audit::unsealed(&mut conn, after_id, SEAL_BATCH).await?
        };
        let Some(first) = candidates.first() else {
            return Ok(sealed);
        };
        let mut tx = db.write(&[Lock::AuditSeal]).await?;
        let taken: std::collections::HashSet<i64> = audit::sealed_from(&mut tx, first.id)
            .await?
            .into_iter()
            .collect();
        let pending: Vec<&StoredEvent> = candidates
            .iter()
            .filter(|e| !taken.contains(&e.id))
            .collect();
        let last = audit::last_seal(&mut tx).await?;
        let (mut seq, mut previous) = match last {
            Some(seal) => (seal.seq, chain::link_hash_of(&seal.hash)?),
            None => (0, chain::GENESIS),
        };
        let now = clock.unix();
        for event in &pending {
            seq += 1;
            previous = chain::next(&previous, event);
            let seal = Seal {
                seq,
                event_id: event.id,
                hash: previous.to_vec(),
                sealed_at: now,
            };
            audit::insert_seal(&mut tx, &seal).await?;
        }
        tx.commit().await?;
        sealed += pending.len() as u64;
    }
}

/// Seals new events every [`SEAL_EVERY`] until the process ends; a failure is
/// logged and retried at the next round.
pub async fn seal_forever(db: Db, clock: std::sync::Arc<dyn Clock>) {
    let mut every = tokio::time::interval(SEAL_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        let sealed = async {
            let mut conn = db.read().await?;
            let after = audit::max_sealed_event(&mut conn).await? - SEAL_LOOKBACK_IDS;
            drop(conn);
            seal_since(&db, clock.as_ref(), after.max(0)).await
        };
        if let Err(e) = sealed.await {
            tracing::warn!(error = %format!("{e:#}"), "sealing the audit log failed; retrying");
        }
    }
}

/// What [`verify`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    /// Links checked and whole.
    pub sealed: u64,
    /// Events not sealed yet (none after [`seal_pending`] unless written meanwhile).
    pub unsealed: u64,
    /// The first broken link, if any.
    pub broken: Option<BrokenLink>,
}

/// The first link of the chain that does not hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("audit chain broken at seal {seq} (event {event_id}): {why}")]
pub struct BrokenLink {
    pub seq: i64,
    pub event_id: i64,
    pub why: &'static str,
}

/// Walks the whole chain from its first seal: numbering without gaps, every
/// sealed event present, every hash recomputed from the event as stored and the
/// previous hash. Stops at the first broken link.
///
/// Errors: storage failures.
pub async fn verify(db: &Db) -> anyhow::Result<Verification> {
    let mut conn = db.read().await?;
    let (mut seq, mut previous, mut sealed) = (0_i64, chain::GENESIS, 0_u64);
    loop {
        let links = audit::chain_after(&mut conn, seq, SEAL_BATCH).await?;
        if links.is_empty() {
            break;
        }
        for (seal, event) in links {
            let broken = |why| BrokenLink {
                seq: seal.seq,
                event_id: seal.event_id,
                why,
            };
            let fail = |why| -> anyhow::Result<Verification> {
                Ok(Verification {
                    sealed,
                    unsealed: 0,
                    broken: Some(broken(why)),
                })
            };
            if seal.seq != seq + 1 {
                return fail("a seal is missing before this one");
            }
            let Some(event) = event else {
                return fail("the sealed event is gone");
            };
            let expected = chain::next(&previous, &event);
            if seal.hash != expected {
                return fail("the event or an earlier seal was changed");
            }
            (seq, previous, sealed) = (seal.seq, expected, sealed + 1);
        }
    }
    let unsealed = audit::unsealed_count(&mut conn).await? as u64;
    Ok(Verification {
        sealed,
        unsealed,
        broken: None,
    })
}

/// The newest `limit` events, newest first, only those about `account` if given,
/// as they are stored.
///
/// Errors: storage failures.
pub async fn tail(
    db: &Db,
    account: Option<AccountId>,
    limit: u32,
) -> anyhow::Result<Vec<StoredEvent>> {
    let mut conn = db.read().await?;
    audit::recent(&mut conn, account, limit).await
}
