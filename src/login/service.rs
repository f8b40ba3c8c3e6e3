//! What sign-in and reset do on the server: plain async functions over the
//! application state and a [`Caller`], free of HTTP and sessions. Each returns the
//! account that may be signed in; putting it in a session is the door's.

use crate::domain::{OtpPurpose, Password, PhoneNumber, SmsCode};
use crate::error::ApiError;
use crate::i18n::{Lang, Msg};
use crate::server::audit::{self, AuditAction, AuditEvent};
use crate::server::caller::Caller;
use crate::server::db::accounts::{self, Account, AccountId};
use crate::server::db::sign_ins::{self, SignInAttempt, SignInMethod, SignInOutcome};
use crate::server::db::{otp_codes, sessions, throttles, Conn, Lock};
use crate::server::notices::{self, Notice};
use crate::server::otp::{self, OtpRejected, SendError};
use crate::server::state::AppState;
use crate::server::throttle::Throttled;
use dioxus::fullstack::StatusCode;
use secrecy::SecretString;
use serde_json::json;

/// Why a sign-in or reset did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    /// Unknown number or wrong password: one answer for both.
    #[error("phone number or password is incorrect")]
    Invalid,
    #[error("throttled: {0:?}")]
    Throttled(Throttled),
    #[error("account suspended")]
    Suspended,
    #[error("no account for this number")]
    NotRegistered,
    #[error("code rejected: {0:?}")]
    Otp(OtpRejected),
    #[error(transparent)]
    Send(#[from] SendError),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl LoginError {
    /// The one mapping from sign-in outcomes to HTTP status and message.
    pub fn into_api(self, lang: Lang) -> ApiError {
        match self {
            Self::Invalid => ApiError::new(StatusCode::UNAUTHORIZED, Msg::LoginFailed, lang),
            Self::Throttled(Throttled::Phone(s)) => {
                ApiError::rate_limited(Msg::LoginThrottled, s, lang)
            }
            Self::Throttled(Throttled::Ip(s)) => {
                ApiError::rate_limited(Msg::LoginIpThrottled, s, lang)
            }
            Self::Suspended => ApiError::new(StatusCode::FORBIDDEN, Msg::AccountSuspended, lang),
            Self::NotRegistered => ApiError::new(StatusCode::NOT_FOUND, Msg::NotRegistered, lang),
            Self::Otp(r) => r.into_api(lang),
            Self::Send(e) => e.into_api(lang),
            Self::Unexpected(e) => {
                tracing::error!(error = %format!("{e:#}"), "sign-in failed");
                ApiError::unexpected(lang)
            }
        }
    }
}

/// The state and the caller, which every step below takes together.
type Ctx<'a> = (&'a AppState, &'a Caller);

/// One attempt of the sign-in history, made now from this request.
fn attempt(
    (state, caller): Ctx,
    account: Option<&Account>,
    method: SignInMethod,
    outcome: SignInOutcome,
) -> SignInAttempt {
    SignInAttempt {
        account_id: account.map(|a| a.id),
        at: state.clock.unix(),
        ip: caller.meta.ip.clone(),
        user_agent: caller.meta.user_agent.clone(),
        method,
        outcome,
    }
}

/// Writes one attempt, in `conn`'s transaction: its row in the sign-in history and
/// its audit row (action `sign-in`, the method, and the reason when refused).
async fn record_in(
    conn: &mut Conn,
    ctx: Ctx<'_>,
    account: Option<&Account>,
    method: SignInMethod,
    outcome: SignInOutcome,
) -> anyhow::Result<()> {
    let (state, caller) = ctx;
    let row = attempt(ctx, account, method, outcome);
    sign_ins::insert(conn, &row).await?;
    let subject = account.map(|a| a.id);
    let event = if outcome == SignInOutcome::Success {
        let details = json!({ "method": method.as_str() });
        AuditEvent::success(AuditAction::SignIn, subject, details)
    } else {
        let details = json!({ "method": method.as_str(), "reason": outcome.as_str() });
        AuditEvent::refused(AuditAction::SignIn, subject, details)
    };
    audit::record(conn, &state.keys, row.at, caller, event).await
}

/// Records a failed or refused attempt in one transaction. `charge`, for a wrong
/// credential, is the charge it cost: when the phone must now wait before its next
/// sign-in, that is audited too (`sign-in-throttled`, with the seconds).
async fn record(
    ctx: Ctx<'_>,
    account: Option<&Account>,
    method: SignInMethod,
    outcome: SignInOutcome,
    charge: Option<&Charge>,
) -> anyhow::Result<()> {
    let state = ctx.0;
    let mut tx = state.db.write(&[]).await?;
    record_in(&mut tx, ctx, account, method, outcome).await?;
    let wait = charge.map_or(0, |c| state.login_throttle.phone_wait(c.phone_failures));
    if wait > 0 {
        let details = json!({ "wait_secs": wait, "failures": charge.map(|c| c.phone_failures) });
        let event =
            AuditEvent::success(AuditAction::SignInThrottled, account.map(|a| a.id), details);
        audit::record(&mut tx, &state.keys, state.clock.unix(), ctx.1, event).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// What charging an attempt counted.
struct Charge {
    /// The IP's failure row, taken back when the attempt was no wrong credential.
    ip_row: i64,
    /// The phone's consecutive failures with this one.
    phone_failures: u32,
}

/// The account holding `phone_index`, if any.
async fn account_by_phone(state: &AppState, phone_index: &[u8]) -> anyhow::Result<Option<Account>> {
    let mut conn = state.db.read().await?;
    accounts::by_phone(&mut conn, phone_index).await
}

/// Charges the attempt against the phone's and the IP's throttle before it is
/// tried, in one transaction locking both (so concurrent attempts cannot all pass
/// the check); a refusal is recorded. Returns the charge, to settle when the
/// attempt turns out not to be a wrong credential.
async fn charge(
    ctx: Ctx<'_>,
    phone_index: &[u8],
    account: Option<&Account>,
    method: SignInMethod,
) -> Result<Charge, LoginError> {
    let (state, caller) = ctx;
    let now = state.clock.unix();
    let ip = &caller.meta.limit_key;
    let mut tx = state
        .db
        .write(&[Lock::Phone(phone_index), Lock::SignInIp(ip)])
        .await?;
    let counts = throttles::counts(&mut tx, phone_index, ip, now).await?;
    if let Err(throttled) = state.login_throttle.check(&counts, now) {
        drop(tx);
        record(ctx, account, method, SignInOutcome::Throttled, None).await?;
        return Err(LoginError::Throttled(throttled));
    }
    let ip_row = throttles::charge(&mut tx, phone_index, ip, now).await?;
    tx.commit().await.map_err(anyhow::Error::from)?;
    Ok(Charge {
        ip_row,
        phone_failures: counts.phone_failures + 1,
    })
}

/// Takes back the charge of an attempt that failed for another reason than a wrong
/// credential (no account, suspended), and records it, in one transaction.
async fn refund(
    ctx: Ctx<'_>,
    phone_index: &[u8],
    charge: Charge,
    account: Option<&Account>,
    method: SignInMethod,
    outcome: SignInOutcome,
) -> anyhow::Result<()> {
    let mut tx = ctx.0.db.write(&[Lock::Phone(phone_index)]).await?;
    throttles::refund(&mut tx, phone_index, Some(charge.ip_row)).await?;
    record_in(&mut tx, ctx, account, method, outcome).await?;
    tx.commit().await?;
    Ok(())
}

/// The writes of a successful sign-in, in the caller's transaction (which locks the
/// phone): the account read again, since it may have been deleted, suspended or
/// moved to another number while the password was checked ([`LoginError::Invalid`]
/// then, nothing written); the phone's failures cleared (and the charge's IP row);
/// the success recorded.
async fn settle_success(
    conn: &mut Conn,
    ctx: Ctx<'_>,
    phone_index: &[u8],
    charge: Option<Charge>,
    account: &Account,
    method: SignInMethod,
) -> Result<(), LoginError> {
    let now = accounts::by_phone(conn, phone_index).await?;
    if !now.is_some_and(|a| a.id == account.id && a.usable()) {
        return Err(LoginError::Invalid);
    }
    throttles::clear(conn, phone_index, charge.map(|c| c.ip_row)).await?;
    record_in(conn, ctx, Some(account), method, SignInOutcome::Success).await?;
    Ok(())
}

/// Confirms the signed-in account's password for a change it asks for (the
/// account center's password change, docs/DESIGN.md §5): charged and recorded
/// like a sign-in by password, so a wrong password counts toward the sign-in
/// throttle and shows in the sign-in history; a right one clears the failures.
///
/// Errors: [`LoginError::Invalid`] wrong password; [`LoginError::Throttled`];
/// storage failures.
pub async fn confirm_password(
    state: &AppState,
    caller: &Caller,
    account: &Account,
    password: SecretString,
) -> Result<(), LoginError> {
    let ctx = (state, caller);
    let index = &account.phone_index;
    let method = SignInMethod::Password;
    let charge = charge(ctx, index, Some(account), method).await?;
    let matches = state
        .hasher
        .verify(password, account.password_hash.clone())
        .await?;
    if !matches {
        let outcome = SignInOutcome::WrongPassword;
        record(ctx, Some(account), method, outcome, Some(&charge)).await?;
        return Err(LoginError::Invalid);
    }
    let mut tx = state.db.write(&[Lock::Phone(index)]).await?;
    throttles::clear(&mut tx, index, Some(charge.ip_row)).await?;
    tx.commit().await.map_err(anyhow::Error::from)?;
    Ok(())
}

/// Phone + password. An unknown number is verified against the dummy hash, so it
/// costs what a wrong password costs and gets the same answer.
pub async fn with_password(
    state: &AppState,
    caller: &Caller,
    phone: &PhoneNumber,
    password: SecretString,
) -> Result<AccountId, LoginError> {
    let ctx = (state, caller);
    let index = state.phone_index(phone);
    let account = account_by_phone(state, &index).await?;
    let charge = charge(ctx, &index, account.as_ref(), SignInMethod::Password).await?;
    let stored = account
        .as_ref()
        .map_or_else(|| state.dummy_hash.clone(), |a| a.password_hash.clone());
    let matches = state.hasher.verify(password, stored).await?;
    let account = match account {
        Some(account) if matches => account,
        other => {
            // The charge stands: this was a failed sign-in.
            let outcome = if other.is_some() {
                SignInOutcome::WrongPassword
            } else {
                SignInOutcome::UnknownPhone
            };
            record(
                ctx,
                other.as_ref(),
                SignInMethod::Password,
                outcome,
                Some(&charge),
            )
            .await?;
            return Err(LoginError::Invalid);
        }
    };
    if account.suspended {
        let (method, outcome) = (SignInMethod::Password, SignInOutcome::Suspended);
        refund(ctx, &index, charge, Some(&account), method, outcome).await?;
        return Err(LoginError::Suspended);
    }
    let mut tx = state.db.write(&[Lock::Phone(&index)]).await?;
    settle_success(
        &mut tx,
        ctx,
        &index,
        Some(charge),
        &account,
        SignInMethod::Password,
    )
    .await?;
    tx.commit().await.map_err(anyhow::Error::from)?;
    Ok(account.id)
}

/// Phone + SMS code (purpose `login`); the code is consumed by the sign-in.
pub async fn with_code(
    state: &AppState,
    caller: &Caller,
    phone: &PhoneNumber,
    code: SmsCode,
) -> Result<AccountId, LoginError> {
    let ctx = (state, caller);
    let index = state.phone_index(phone);
    let account = account_by_phone(state, &index).await?;
    let sms = SignInMethod::Sms;
    let charge = charge(ctx, &index, account.as_ref(), sms).await?;
    let verified = match otp::verify(state, phone, OtpPurpose::Login, &code).await? {
        Ok(v) => v,
        Err(rejected) => {
            record(
                ctx,
                account.as_ref(),
                sms,
                SignInOutcome::WrongCode,
                Some(&charge),
            )
            .await?;
            return Err(LoginError::Otp(rejected));
        }
    };
    let Some(account) = account else {
        refund(ctx, &index, charge, None, sms, SignInOutcome::NoAccount).await?;
        return Err(LoginError::NotRegistered);
    };
    if account.suspended {
        refund(
            ctx,
            &index,
            charge,
            Some(&account),
            sms,
            SignInOutcome::Suspended,
        )
        .await?;
        return Err(LoginError::Suspended);
    }
    let mut tx = state.db.write(&[Lock::Phone(&index)]).await?;
    if !otp_codes::consume(&mut tx, verified.id, state.clock.unix()).await? {
        drop(tx);
        refund(
            ctx,
            &index,
            charge,
            Some(&account),
            sms,
            SignInOutcome::CodeUsed,
        )
        .await?;
        return Err(LoginError::Otp(OtpRejected::Expired));
    }
    settle_success(&mut tx, ctx, &index, Some(charge), &account, sms).await?;
    tx.commit().await.map_err(anyhow::Error::from)?;
    Ok(account.id)
}

/// A sign-in or reset code: counted and answered the same, at the same speed,
/// whether or not the number has an account; sent (after the answer) only when it
/// has one.
pub async fn send_code(
    state: &AppState,
    caller: &Caller,
    phone: &PhoneNumber,
    purpose: OtpPurpose,
    lang: Lang,
) -> Result<(), LoginError> {
    let has_account = account_by_phone(state, &state.phone_index(phone))
        .await?
        .is_some();
    let delivery = if has_account {
        otp::Delivery::Background
    } else {
        otp::Delivery::Skip
    };
    otp::send(state, caller, phone, purpose, lang, delivery).await?;
    Ok(())
}

/// Phone + reset code + new password: sets the password, ends every session of the
/// account, signs this browser in afresh. Not subject to the sign-in throttle.
pub async fn reset(
    state: &AppState,
    caller: &Caller,
    phone: &PhoneNumber,
    code: SmsCode,
    password: Password,
    lang: Lang,
) -> Result<AccountId, LoginError> {
    let ctx = (state, caller);
    let verified = otp::verify(state, phone, OtpPurpose::Reset, &code)
        .await?
        .map_err(LoginError::Otp)?;
    let index = state.phone_index(phone);
    let account = account_by_phone(state, &index)
        .await?
        .ok_or(LoginError::Otp(OtpRejected::Expired))?;
    if account.suspended {
        return Err(LoginError::Suspended);
    }
    let hash = state
        .hasher
        .hash(SecretString::from(password.expose_secret().to_owned()))
        .await?;
    // One transaction: the code consumed, the password set, every session of the
    // account ended, the phone's sign-in failures cleared, the sign-in recorded.
    let mut tx = state.db.write(&[Lock::Phone(&index)]).await?;
    if !otp_codes::consume(&mut tx, verified.id, state.clock.unix()).await? {
        return Err(LoginError::Otp(OtpRejected::Expired));
    }
    if !accounts::set_password_hash(&mut tx, account.id, &hash).await? {
        return Err(LoginError::NotRegistered);
    }
    let ended = sessions::delete_all_of(&mut tx, account.id).await?;
    let now = state.clock.unix();
    crate::server::db::oidc_grants::revoke_account(&state.db, &mut tx, account.id, None, now)
        .await?;
    let reset = AuditEvent::success(AuditAction::PasswordReset, Some(account.id), json!({}));
    let ended = AuditEvent::sessions_ended(account.id, ended, "password-reset");
    let events = std::iter::once(reset).chain(ended);
    audit::record_all(&mut tx, &state.keys, now, caller, events).await?;
    settle_success(&mut tx, ctx, &index, None, &account, SignInMethod::Reset).await?;
    tx.commit().await.map_err(anyhow::Error::from)?;
    notices::send(state, phone, Notice::PasswordChanged, lang);
    Ok(account.id)
}
