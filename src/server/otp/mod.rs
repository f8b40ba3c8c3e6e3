//! SMS one-time passwords (docs/DESIGN.md §2; NIST SP 800-63B §5.1.3): 6 CSPRNG digits,
//! stored only as a keyed hash bound to (phone, purpose), valid 10 minutes, single
//! use, killed by 5 wrong tries, replaced by a newer code; sends limited per phone,
//! per IP and in total; wrong tries counted per phone across codes.

use crate::domain::{OtpPurpose, PhoneNumber, SmsCode};
use crate::error::ApiError;
use crate::form::Field;
use crate::i18n::{Lang, Msg};
use crate::server::caller::Caller;
use crate::server::db::otp_codes::{self, NewOtp, OtpId};
use crate::server::db::Lock;
use crate::server::sms::{SmsError, SmsMessage};
use crate::server::state::AppState;
use dioxus::fullstack::StatusCode;
use rand::Rng;

pub mod pow;
pub mod rules;

pub use rules::*;

impl SendRefused {
    /// 429 with the seconds left.
    pub fn into_api(self, lang: Lang) -> ApiError {
        let (key, secs) = match self {
            Self::Cooldown(s) => (Msg::SendCooldown, s),
            Self::PhoneHourly(s) => (Msg::SendHourlyCap, s),
            Self::PhoneDaily(s) => (Msg::SendDailyCap, s),
            Self::Ip(s) => (Msg::SendIpCap, s),
            Self::Global(s) => (Msg::SendGlobalCap, s),
        };
        ApiError::rate_limited(key, secs, lang)
    }
}

impl OtpRejected {
    /// 429 for the phone budget; otherwise 422 with the message on the code field.
    pub fn into_api(self, lang: Lang) -> ApiError {
        self.into_api_on(Field::Code, lang)
    }

    /// As [`Self::into_api`], the message on `field` (a form with two codes).
    pub fn into_api_on(self, field: Field, lang: Lang) -> ApiError {
        let key = match self {
            Self::PhoneBudget => return ApiError::rate_limited(Msg::CodeGuessBudget, 3_600, lang),
            Self::Wrong => Msg::CodeWrong,
            Self::Dead => Msg::CodeDead,
            Self::Expired => Msg::CodeExpired,
        };
        ApiError::field(field, key, lang)
    }
}

/// A fresh code: 6 digits from the operating system's CSPRNG.
pub fn generate_code() -> SmsCode {
    let n: u32 = rand::rngs::OsRng.gen_range(0..1_000_000);
    SmsCode::parse(&format!("{n:06}")).expect("6 digits")
}

/// Why no code was sent.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    #[error("send refused: {0:?}")]
    Refused(SendRefused),
    /// Not sent (throttled by the vendor, misconfigured, failed, timed out): "try
    /// again later".
    #[error("the SMS provider failed")]
    SmsFailed,
    /// The vendor says the number cannot receive SMS.
    #[error("the SMS provider refused the number")]
    InvalidNumber,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl SendError {
    /// The one mapping of send outcomes: 429 refused, 502 provider failed, 422 on
    /// the phone field for a number the provider refused, 500.
    pub fn into_api(self, lang: Lang) -> ApiError {
        self.into_api_on(Field::Phone, lang)
    }

    /// As [`Self::into_api`], a refused number's message on `field` (the new number
    /// of a phone change).
    pub fn into_api_on(self, field: Field, lang: Lang) -> ApiError {
        match self {
            Self::Refused(r) => r.into_api(lang),
            Self::SmsFailed => ApiError::new(StatusCode::BAD_GATEWAY, Msg::SmsFailed, lang),
            Self::InvalidNumber => ApiError::field(field, Msg::SmsNumberRejected, lang),
            Self::Unexpected(e) => {
                tracing::error!(error = %format!("{e:#}"), "sending a code failed");
                ApiError::unexpected(lang)
            }
        }
    }
}

/// How a code that the limits allowed reaches the phone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// Send now and report a provider failure (sign-up): the code is withdrawn, so no
    /// cooldown starts.
    Wait,
    /// Send after answering (sign-in and reset codes for a number with an account):
    /// the answer and its timing match `Skip`. A provider failure is logged and the
    /// code stays, unsent, with its cooldown, exactly as `Skip` leaves one: a
    /// withdrawal (no cooldown) would tell a prober which numbers have accounts.
    Background,
    /// Send nothing (a number without an account); the send still counts.
    Skip,
}

/// Issues a code for (phone, purpose) within the rate limits (the per-IP cap under
/// the caller's rate-limit key) and delivers it in `lang` as `delivery` says.
pub async fn send(
    state: &AppState,
    caller: &Caller,
    phone: &PhoneNumber,
    purpose: OtpPurpose,
    lang: Lang,
    delivery: Delivery,
) -> Result<(), SendError> {
    let (id, code) = issue(state, phone, purpose, &caller.meta.limit_key)
        .await?
        .map_err(SendError::Refused)?;
    let message = SmsMessage {
        id: message_id(),
        to: phone.as_str().to_owned(),
        purpose: purpose.as_str(),
        text: Msg::SmsText.format(
            lang,
            &[
                ("brand", &state.settings.brand),
                ("code", code.expose_secret()),
            ],
        ),
        code: Some(code.expose_secret().to_owned()),
        params: Vec::new(),
        sent_at: state.clock.now().to_rfc3339(),
    };
    match delivery {
        Delivery::Skip => Ok(()),
        Delivery::Wait => deliver(state, &state.phone_index(phone), id, message).await,
        Delivery::Background => {
            let state = state.clone();
            state.clone().background.spawn(async move {
                if let Err(e) = state.sms.send(&message).await {
                    log_failure(
                        &e,
                        "SMS not sent; the code stays, as for a number without an account",
                    );
                }
            });
            Ok(())
        }
    }
}

/// 128 random bits in hex: names one message, so a gateway can drop a repeat.
/// (Not the code's row id: SQLite reuses the id of a withdrawn code.)
pub fn message_id() -> String {
    let bytes: [u8; 16] = rand::rngs::OsRng.gen();
    hex::encode(bytes)
}

/// Logs a provider failure: at `error` when the operator must act (keys,
/// balance, sign name, template), else at `warn`.
fn log_failure(e: &SmsError, what: &'static str) {
    match e {
        SmsError::Misconfigured(_) => tracing::error!(error = %e, "{what}"),
        _ => tracing::warn!(error = %e, "{what}"),
    }
}

async fn deliver(
    state: &AppState,
    phone_index: &[u8],
    id: OtpId,
    message: SmsMessage,
) -> Result<(), SendError> {
    let Err(e) = state.sms.send(&message).await else {
        return Ok(());
    };
    log_failure(&e, "SMS not sent; the code is withdrawn");
    let mut tx = state.db.write(&[Lock::Phone(phone_index)]).await?;
    otp_codes::withdraw(&mut tx, id, state.clock.unix()).await?;
    tx.commit().await.map_err(anyhow::Error::from)?;
    Err(match e {
        SmsError::InvalidNumber(_) => SendError::InvalidNumber,
        SmsError::RateLimited(_) | SmsError::Misconfigured(_) | SmsError::Failed(_) => {
            SendError::SmsFailed
        }
    })
}

/// A code that verified; the action that uses it consumes it by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VerifiedOtp {
    pub id: OtpId,
}

/// Stores a new code for (phone, purpose) if the limits allow, in one transaction
/// that reads the send history, applies [`SendLimits`], marks older codes of
/// (phone, purpose) replaced and inserts the new one. It locks the phone, the IP's
/// cap and the service-wide cap, so concurrent sends cannot all pass the caps.
/// Returns the code's id and the digits to send.
pub async fn issue(
    state: &AppState,
    phone: &PhoneNumber,
    purpose: OtpPurpose,
    ip: &str,
) -> anyhow::Result<Result<(OtpId, SmsCode), SendRefused>> {
    let now = state.clock.unix();
    let code = generate_code();
    let otp = NewOtp {
        phone_index: state.phone_index(phone),
        purpose,
        code_hash: state
            .keys
            .otp_hash(phone.as_str(), purpose.as_str(), code.expose_secret()),
        ip: ip.to_owned(),
        sent_at: now,
        expires_at: now + CODE_TTL_SECS,
    };
    let mut tx = state
        .db
        .write(&[
            Lock::Phone(&otp.phone_index),
            Lock::SendIp(ip),
            Lock::SendTotal,
        ])
        .await?;
    let history = otp_codes::send_history(&mut tx, &otp.phone_index, purpose, ip, now).await?;
    if let Err(refused) = state.send_limits.admit(&history, now) {
        return Ok(Err(refused));
    }
    otp_codes::replace_live(&mut tx, &otp.phone_index, purpose, now).await?;
    let id = otp_codes::insert(&mut tx, &otp).await?;
    tx.commit().await?;
    Ok(Ok((id, code)))
}

/// Checks a typed code against the live code of (phone, purpose) in one
/// transaction locking the phone (so concurrent guesses cannot all pass the
/// limits): the phone's wrong tries in the budget window, the code's expiry and
/// tries, then the keyed-hash comparison. A wrong try is counted on the code and on
/// the phone; a right one marks the code verified without consuming it.
pub async fn verify(
    state: &AppState,
    phone: &PhoneNumber,
    purpose: OtpPurpose,
    code: &SmsCode,
) -> anyhow::Result<Result<VerifiedOtp, OtpRejected>> {
    let rules = VERIFY_RULES;
    let now = state.clock.unix();
    let index = state.phone_index(phone);
    let mut tx = state.db.write(&[Lock::Phone(&index)]).await?;
    let failures =
        otp_codes::phone_failures_since(&mut tx, &index, now - rules.budget_window_secs).await?;
    if failures >= rules.phone_budget {
        return Ok(Err(OtpRejected::PhoneBudget));
    }
    let Some(live) = otp_codes::live(&mut tx, &index, purpose).await? else {
        return Ok(Err(OtpRejected::Expired));
    };
    if live.expires_at <= now {
        return Ok(Err(OtpRejected::Expired));
    }
    if live.attempts >= i64::from(rules.max_attempts) {
        return Ok(Err(OtpRejected::Dead));
    }
    let matches = state.keys.otp_matches(
        phone.as_str(),
        purpose.as_str(),
        code.expose_secret(),
        &live.code_hash,
    );
    if matches {
        otp_codes::mark_verified(&mut tx, live.id, now).await?;
        tx.commit().await?;
        return Ok(Ok(VerifiedOtp { id: live.id }));
    }
    otp_codes::count_wrong_try(&mut tx, live.id, &index, now).await?;
    tx.commit().await?;
    Ok(Err(if live.attempts + 1 >= i64::from(rules.max_attempts) {
        OtpRejected::Dead
    } else {
        OtpRejected::Wrong
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_codes_are_six_digits_and_vary() {
        let codes: std::collections::HashSet<String> = (0..50)
            .map(|_| generate_code().expose_secret().to_owned())
            .collect();
        assert!(codes.len() > 40);
        assert!(codes.iter().all(|c| c.len() == 6));
    }
}
