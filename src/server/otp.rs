//! SMS one-time passwords (DESIGN.md §2; NIST SP 800-63B §5.1.3): 6 CSPRNG digits,
//! stored only as a keyed hash bound to (phone, purpose), valid 10 minutes, single
//! use, killed by 5 wrong tries, replaced by a newer code; sends limited per phone,
//! per IP and in total; wrong tries counted per phone across codes.

use crate::domain::{OtpPurpose, PhoneNumber, SmsCode};
use crate::error::ApiError;
use crate::form::Field;
use crate::i18n::{Lang, Msg};
use crate::server::db::{NewOtp, SendHistory, Timestamp};
use crate::server::sms::SmsMessage;
use crate::server::state::AppState;
use dioxus::fullstack::StatusCode;
use rand::Rng;

/// Seconds a code stays valid.
pub const CODE_TTL_SECS: i64 = 600;
/// Wrong tries that kill a code.
pub const MAX_ATTEMPTS: u32 = 5;
/// Wrong tries per phone per rolling hour, across its codes.
pub const PHONE_FAILURE_BUDGET: u32 = 10;
const HOUR: i64 = 3_600;
const DAY: i64 = 86_400;

/// The send rate limits (DESIGN.md §2). Per-phone numbers are fixed by the design;
/// per-IP and global caps come from configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SendLimits {
    /// Seconds between two sends to one phone for one purpose.
    pub cooldown_secs: i64,
    /// Sends to one phone per rolling hour.
    pub phone_hourly: u32,
    /// Sends to one phone per rolling 24 hours.
    pub phone_daily: u32,
    /// Sends from one client IP per rolling hour.
    pub ip_hourly: u32,
    /// Sends in total per rolling hour.
    pub global_hourly: u32,
}

/// Why a send was refused, with the seconds until it would be allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendRefused {
    Cooldown(u64),
    PhoneHourly(u64),
    PhoneDaily(u64),
    Ip(u64),
    Global(u64),
}

impl SendLimits {
    /// The design's per-phone limits with the given per-IP and global caps.
    pub fn new(ip_hourly: u32, global_hourly: u32) -> Self {
        Self {
            cooldown_secs: 60,
            phone_hourly: 5,
            phone_daily: 10,
            ip_hourly,
            global_hourly,
        }
    }

    /// Seconds left of the cooldown after the last send of the same purpose to this
    /// phone (0 when none). The hourly and daily caps count every purpose.
    pub fn cooldown_left(&self, history: &SendHistory, now: Timestamp) -> u64 {
        history
            .last_same_purpose
            .map_or(0, |last| (last + self.cooldown_secs - now).max(0) as u64)
    }

    /// Whether one more send is allowed at `now`.
    pub fn admit(&self, history: &SendHistory, now: Timestamp) -> Result<(), SendRefused> {
        // Seconds until the send that is `cap` back in `times` leaves its window.
        let wait = |times: &[Timestamp], cap: u32, window: i64| -> Option<u64> {
            let in_window: Vec<_> = times.iter().filter(|t| **t > now - window).collect();
            (in_window.len() as u32 >= cap).then(|| {
                let oldest_that_counts = in_window[in_window.len() - cap as usize];
                (oldest_that_counts + window - now).max(1) as u64
            })
        };
        let cooldown = self.cooldown_left(history, now);
        if cooldown > 0 {
            return Err(SendRefused::Cooldown(cooldown));
        }
        if let Some(s) = wait(&history.phone, self.phone_hourly, HOUR) {
            return Err(SendRefused::PhoneHourly(s));
        }
        if let Some(s) = wait(&history.phone, self.phone_daily, DAY) {
            return Err(SendRefused::PhoneDaily(s));
        }
        if let Some(s) = wait(&history.ip, self.ip_hourly, HOUR) {
            return Err(SendRefused::Ip(s));
        }
        if history.global_count >= self.global_hourly {
            let s = history
                .global_oldest
                .map_or(60, |oldest| (oldest + HOUR - now).max(1) as u64);
            return Err(SendRefused::Global(s));
        }
        Ok(())
    }
}

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

/// A fresh code: 6 digits from the operating system's CSPRNG.
pub fn generate_code() -> SmsCode {
    let n: u32 = rand::rngs::OsRng.gen_range(0..1_000_000);
    SmsCode::parse(&format!("{n:06}")).expect("6 digits")
}

/// Why a code did not verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OtpRejected {
    /// Wrong digits; the code still has tries left.
    Wrong,
    /// No live code: never sent, expired, consumed or replaced.
    Expired,
    /// 5 wrong tries killed it.
    Dead,
    /// 10 wrong tries for this phone in the last hour, across codes.
    PhoneBudget,
}

impl OtpRejected {
    /// 429 for the phone budget; otherwise 422 with the message on the code field.
    pub fn into_api(self, lang: Lang) -> ApiError {
        let key = match self {
            Self::PhoneBudget => return ApiError::rate_limited(Msg::CodeGuessBudget, 3_600, lang),
            Self::Wrong => Msg::CodeWrong,
            Self::Dead => Msg::CodeDead,
            Self::Expired => Msg::CodeExpired,
        };
        ApiError::field(Field::Code, key, lang)
    }
}

/// Why no code was sent.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    #[error("send refused: {0:?}")]
    Refused(SendRefused),
    #[error("the SMS provider failed")]
    SmsFailed,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl SendError {
    /// The one mapping of send outcomes: 429 refused, 502 provider failed, 500.
    pub fn into_api(self, lang: Lang) -> ApiError {
        match self {
            Self::Refused(r) => r.into_api(lang),
            Self::SmsFailed => ApiError::new(StatusCode::BAD_GATEWAY, Msg::SmsFailed, lang),
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
    /// the answer and its timing match `Skip`; a provider failure withdraws the code.
    Background,
    /// Send nothing (a number without an account); the send still counts.
    Skip,
}

/// Issues a code for (phone, purpose) within the rate limits and delivers it as
/// `delivery` says.
pub async fn send(
    state: &AppState,
    phone: &PhoneNumber,
    purpose: OtpPurpose,
    ip: &str,
    lang: Lang,
    delivery: Delivery,
) -> Result<(), SendError> {
    let (id, code) = issue(state, phone, purpose, ip)
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
        code: code.expose_secret().to_owned(),
        sent_at: state.clock.now().to_rfc3339(),
    };
    match delivery {
        Delivery::Skip => Ok(()),
        Delivery::Wait => deliver(state, id, message).await,
        Delivery::Background => {
            let state = state.clone();
            state.clone().background.spawn(async move {
                // A provider failure is logged by `deliver`; anything else here.
                if let Err(SendError::Unexpected(e)) = deliver(&state, id, message).await {
                    tracing::error!(error = %format!("{e:#}"), "withdrawing an unsent code failed");
                }
            });
            Ok(())
        }
    }
}

/// 128 random bits in hex: names one message, so a gateway can drop a repeat.
/// (Not the code's row id: SQLite reuses the id of a withdrawn code.)
fn message_id() -> String {
    let bytes: [u8; 16] = rand::rngs::OsRng.gen();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

async fn deliver(state: &AppState, id: i64, message: SmsMessage) -> Result<(), SendError> {
    if let Err(e) = state.sms.send(&message).await {
        tracing::warn!(error = %e, "SMS not sent; the code is withdrawn");
        state.storage.withdraw_otp(id, state.clock.unix()).await?;
        return Err(SendError::SmsFailed);
    }
    Ok(())
}

/// A code that verified; the action that uses it consumes it by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VerifiedOtp {
    pub id: i64,
}

/// Stores a new code for (phone, purpose) if the limits allow; returns its id and
/// the digits to send.
pub async fn issue(
    state: &AppState,
    phone: &PhoneNumber,
    purpose: OtpPurpose,
    ip: &str,
) -> anyhow::Result<Result<(i64, SmsCode), SendRefused>> {
    let now = state.clock.unix();
    let code = generate_code();
    let otp = NewOtp {
        phone_index: state.phone_index(phone),
        purpose: purpose.as_str(),
        code_hash: state
            .keys
            .otp_hash(phone.as_str(), purpose.as_str(), code.expose_secret()),
        ip: ip.to_owned(),
        sent_at: now,
        expires_at: now + CODE_TTL_SECS,
    };
    Ok(state
        .storage
        .issue_otp(otp, &state.send_limits)
        .await?
        .map(|id| (id, code)))
}

/// The limits on guessing (DESIGN.md §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VerifyRules {
    /// Wrong tries that kill a code.
    pub max_attempts: u32,
    /// Wrong tries per phone within the window, across its codes.
    pub phone_budget: u32,
    pub budget_window_secs: i64,
}

/// 5 tries a code, 10 wrong tries a phone per rolling hour.
pub const VERIFY_RULES: VerifyRules = VerifyRules {
    max_attempts: MAX_ATTEMPTS,
    phone_budget: PHONE_FAILURE_BUDGET,
    budget_window_secs: HOUR,
};

/// Checks a typed code against the live code of (phone, purpose), all limits and
/// the comparison in one storage transaction. A wrong try is counted on the code
/// and on the phone; a right one marks the code verified without consuming it.
pub async fn verify(
    state: &AppState,
    phone: &PhoneNumber,
    purpose: OtpPurpose,
    code: &SmsCode,
) -> anyhow::Result<Result<VerifiedOtp, OtpRejected>> {
    let keys = state.keys.clone();
    let (number, typed) = (phone.as_str().to_owned(), code.expose_secret().to_owned());
    let matches = move |stored: &[u8]| keys.otp_matches(&number, purpose.as_str(), &typed, stored);
    Ok(state
        .storage
        .verify_otp(
            &state.phone_index(phone),
            purpose.as_str(),
            state.clock.unix(),
            &VERIFY_RULES,
            &matches,
        )
        .await?
        .map(|id| VerifiedOtp { id }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn history(phone: &[i64]) -> SendHistory {
        SendHistory {
            phone: phone.to_vec(),
            last_same_purpose: phone.last().copied(),
            ..Default::default()
        }
    }

    #[test]
    fn cooldown_then_hourly_then_daily() {
        let l = SendLimits::new(100, 1000);
        let now = 100_000;
        assert_eq!(l.admit(&history(&[]), now), Ok(()));
        assert_eq!(
            l.admit(&history(&[now - 10]), now),
            Err(SendRefused::Cooldown(50))
        );
        assert_eq!(l.admit(&history(&[now - 60]), now), Ok(()));
        let other_purpose = SendHistory {
            phone: vec![now - 10],
            ..Default::default()
        };
        assert_eq!(
            l.admit(&other_purpose, now),
            Ok(()),
            "the cooldown is per purpose"
        );
        let five_in_hour: Vec<i64> = (0..5).map(|i| now - 3000 + i * 600).collect();
        assert_eq!(
            l.admit(&history(&five_in_hour), now),
            Err(SendRefused::PhoneHourly(600))
        );
        let ten_in_day: Vec<i64> = (0..10).map(|i| now - 80_000 + i * 7_000).collect();
        assert_eq!(
            l.admit(&history(&ten_in_day), now),
            Err(SendRefused::PhoneDaily(6_400))
        );
    }

    #[test]
    fn ip_and_global_caps() {
        let l = SendLimits::new(2, 3);
        let now = 10_000;
        let h = SendHistory {
            ip: vec![now - 100, now - 50],
            ..Default::default()
        };
        assert_eq!(l.admit(&h, now), Err(SendRefused::Ip(3_500)));
        let h = SendHistory {
            global_count: 3,
            global_oldest: Some(now - 600),
            ..Default::default()
        };
        assert_eq!(l.admit(&h, now), Err(SendRefused::Global(3_000)));
    }

    #[test]
    fn generated_codes_are_six_digits_and_vary() {
        let codes: std::collections::HashSet<String> = (0..50)
            .map(|_| generate_code().expose_secret().to_owned())
            .collect();
        assert!(codes.len() > 40);
        assert!(codes.iter().all(|c| c.len() == 6));
    }
}
