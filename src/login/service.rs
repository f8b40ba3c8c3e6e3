//! What sign-in and reset do on the server.

use super::api::SignedIn;
use crate::domain::{OtpPurpose, Password, PhoneNumber, SmsCode};
use crate::error::ApiError;
use crate::i18n::{Lang, Msg};
use crate::register::CodeSent;
use crate::server::db::{LoginAccount, SignInAttempt};
use crate::server::http::RequestContext;
use crate::server::otp::{self, OtpRejected, SendError};
use crate::server::session;
use crate::server::throttle::Throttled;
use dioxus::fullstack::StatusCode;
use secrecy::SecretString;

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

/// Records one attempt in the sign-in history.
async fn record(
    ctx: &RequestContext,
    account_id: Option<i64>,
    method: &str,
    outcome: &str,
) -> anyhow::Result<()> {
    ctx.state
        .storage
        .record_sign_in(SignInAttempt {
            account_id,
            at: ctx.state.clock.unix(),
            ip: ctx.ip.clone(),
            user_agent: ctx.user_agent.clone(),
            method: method.into(),
            outcome: outcome.into(),
        })
        .await
}

/// Charges the attempt against the phone's and the IP's throttle before it is tried
/// (concurrent attempts cannot all pass); a refusal is recorded. Returns the charge
/// to settle when the attempt turns out not to be a wrong credential.
async fn charge(
    ctx: &RequestContext,
    phone_index: &[u8],
    account: Option<&LoginAccount>,
    method: &str,
) -> Result<i64, LoginError> {
    let state = &ctx.state;
    match state
        .storage
        .charge_login_attempt(
            phone_index,
            &ctx.limit_key,
            state.clock.unix(),
            &state.login_throttle,
        )
        .await?
    {
        Ok(charge) => Ok(charge),
        Err(throttled) => {
            record(ctx, account.map(|a| a.id), method, "throttled").await?;
            Err(LoginError::Throttled(throttled))
        }
    }
}

/// Takes back the charge of an attempt that failed for another reason than a wrong
/// credential (no account, suspended), and records it.
async fn refund(
    ctx: &RequestContext,
    phone_index: &[u8],
    charge: i64,
    account: Option<&LoginAccount>,
    method: &str,
    outcome: &str,
) -> anyhow::Result<()> {
    ctx.state
        .storage
        .settle_login_attempt(phone_index, Some(charge), false)
        .await?;
    record(ctx, account.map(|a| a.id), method, outcome).await
}

/// Signs the browser in to `account` after a success of `method`; clears the
/// phone's failures.
async fn succeed(
    ctx: &RequestContext,
    phone: &PhoneNumber,
    phone_index: &[u8],
    charge: Option<i64>,
    account: &LoginAccount,
    method: &str,
) -> Result<SignedIn, LoginError> {
    ctx.state
        .storage
        .settle_login_attempt(phone_index, charge, true)
        .await?;
    record(ctx, Some(account.id), method, "success").await?;
    session::sign_in(&ctx.session, account.id).await?;
    Ok(SignedIn {
        masked_phone: phone.masked(),
    })
}

/// Phone + password. An unknown number is verified against the dummy hash, so it
/// costs what a wrong password costs and gets the same answer.
pub async fn with_password(
    ctx: &RequestContext,
    phone: PhoneNumber,
    password: SecretString,
) -> Result<SignedIn, LoginError> {
    let state = &ctx.state;
    let index = state.phone_index(&phone);
    let account = state.storage.account_by_phone(&index).await?;
    let charge = charge(ctx, &index, account.as_ref(), "password").await?;
    let stored = account
        .as_ref()
        .map_or_else(|| state.dummy_hash.clone(), |a| a.password_hash.clone());
    let matches = state.hasher.verify(password, stored).await?;
    let account = match account {
        Some(account) if matches => account,
        other => {
            // The charge stands: this was a failed sign-in.
            let outcome = if other.is_some() {
                "wrong-password"
            } else {
                "unknown-phone"
            };
            record(ctx, other.as_ref().map(|a| a.id), "password", outcome).await?;
            return Err(LoginError::Invalid);
        }
    };
    if account.suspended {
        refund(ctx, &index, charge, Some(&account), "password", "suspended").await?;
        return Err(LoginError::Suspended);
    }
    succeed(ctx, &phone, &index, Some(charge), &account, "password").await
}

/// Phone + SMS code (purpose `login`); the code is consumed by the sign-in.
pub async fn with_code(
    ctx: &RequestContext,
    phone: PhoneNumber,
    code: SmsCode,
) -> Result<SignedIn, LoginError> {
    let state = &ctx.state;
    let index = state.phone_index(&phone);
    let account = state.storage.account_by_phone(&index).await?;
    let charge = charge(ctx, &index, account.as_ref(), "sms").await?;
    let verified = match otp::verify(state, &phone, OtpPurpose::Login, &code).await? {
        Ok(v) => v,
        Err(rejected) => {
            record(ctx, account.as_ref().map(|a| a.id), "sms", "wrong-code").await?;
            return Err(LoginError::Otp(rejected));
        }
    };
    let Some(account) = account else {
        refund(ctx, &index, charge, None, "sms", "no-account").await?;
        return Err(LoginError::NotRegistered);
    };
    if account.suspended {
        refund(ctx, &index, charge, Some(&account), "sms", "suspended").await?;
        return Err(LoginError::Suspended);
    }
    if !state
        .storage
        .consume_otp(verified.id, state.clock.unix())
        .await?
    {
        refund(ctx, &index, charge, Some(&account), "sms", "code-used").await?;
        return Err(LoginError::Otp(OtpRejected::Expired));
    }
    succeed(ctx, &phone, &index, Some(charge), &account, "sms").await
}

/// A sign-in or reset code: counted and answered the same, at the same speed,
/// whether or not the number has an account; sent (after the answer) only when it
/// has one.
pub async fn send_code(
    ctx: &RequestContext,
    phone: PhoneNumber,
    purpose: OtpPurpose,
) -> Result<CodeSent, LoginError> {
    let state = &ctx.state;
    let has_account = state
        .storage
        .account_by_phone(&state.phone_index(&phone))
        .await?
        .is_some();
    let delivery = if has_account {
        otp::Delivery::Background
    } else {
        otp::Delivery::Skip
    };
    otp::send(state, &phone, purpose, &ctx.limit_key, ctx.lang, delivery).await?;
    Ok(CodeSent {
        cooldown_secs: state.send_limits.cooldown_secs as u64,
    })
}

/// Phone + reset code + new password: sets the password, ends every session of the
/// account, signs this browser in afresh. Not subject to the sign-in throttle.
pub async fn reset(
    ctx: &RequestContext,
    phone: PhoneNumber,
    code: SmsCode,
    password: Password,
) -> Result<SignedIn, LoginError> {
    let state = &ctx.state;
    let verified = otp::verify(state, &phone, OtpPurpose::Reset, &code)
        .await?
        .map_err(LoginError::Otp)?;
    let index = state.phone_index(&phone);
    let account = state
        .storage
        .account_by_phone(&index)
        .await?
        .ok_or(LoginError::Otp(OtpRejected::Expired))?;
    if account.suspended {
        return Err(LoginError::Suspended);
    }
    let hash = state
        .hasher
        .hash(SecretString::from(password.expose_secret().to_owned()))
        .await?;
    if !state
        .storage
        .reset_password(account.id, verified.id, &hash, state.clock.unix())
        .await?
    {
        return Err(LoginError::Otp(OtpRejected::Expired));
    }
    succeed(ctx, &phone, &index, None, &account, "reset").await
}
