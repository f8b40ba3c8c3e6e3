//! The proof of work paid before a public send-code request (docs/DESIGN.md §2,
//! "SMS pumping"): the server issues a challenge bound to the purpose and the
//! client's rate-limit key, tagged with a key derived from the data key (so any
//! instance checks what another issued) and valid [`CHALLENGE_TTL_SECS`]; the send
//! redeems it once, across instances, through `pow_redemptions`. The puzzle itself
//! is `crate::domain::pow`, shared with the browser.
//!
//! The difficulty follows the send rate: `GATEHOUSE_POW_DIFFICULTY` (default 16
//! bits, about 65,000 hashes: a fraction of a second on a phone) normally,
//! `GATEHOUSE_POW_RAISED_DIFFICULTY` (default 20 bits, 16 times the work) once the
//! client's sends in the last hour reach half its per-IP cap
//! or all sends reach half the service-wide cap. The SMS caps stay the defence;
//! this makes each send cost the sender CPU time.
//!
//! Token: `v1.{purpose}.{expires_at}.{difficulty}.{id}.{tag}`, where `id` is 128
//! random bits in hex and `tag` the hex HMAC of the text before it and the
//! rate-limit key ([`crate::server::crypto::DataKeys::pow_tag`]).

use crate::domain::pow::{self, PowChallenge, PowSolution};
use crate::domain::OtpPurpose;
use crate::error::ApiError;
use crate::i18n::{Lang, Msg};
use crate::server::caller::Caller;
use crate::server::crypto::DataKeys;
use crate::server::db::{otp_codes, pow_redemptions};
use crate::server::otp::SendError;
use crate::server::state::AppState;
use dioxus::fullstack::StatusCode;
use rand::Rng;

/// How long a challenge may be redeemed after it was issued, in seconds.
pub const CHALLENGE_TTL_SECS: i64 = 300;

/// Why a send-code request's proof of work was not accepted. Each one is answered
/// the same (403 [`crate::i18n::Msg::PowFailed`]): the page asks for a new challenge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PowRefused {
    #[error("no proof of work")]
    Missing,
    /// Not a token this service issued, for this purpose and this client.
    #[error("the challenge is not valid here")]
    Invalid,
    #[error("the challenge expired")]
    Expired,
    #[error("the nonce does not solve the challenge")]
    Unsolved,
    /// Already paid for a send, here or on another instance.
    #[error("the challenge was already used")]
    Used,
    /// Issued at a lower difficulty than the client's sends cost now (fetched
    /// before the rate rose).
    #[error("the challenge is easier than sends cost now")]
    TooEasy,
}

impl PowRefused {
    /// 403 with [`Msg::PowFailed`], whichever the reason (logged, not told).
    pub fn into_api(self, lang: Lang) -> ApiError {
        tracing::info!(reason = %self, "send-code request without a valid proof of work");
        ApiError::new(StatusCode::FORBIDDEN, Msg::PowFailed, lang)
    }
}

/// The proof of work a public send-code server function requires: `redeem`, with
/// its outcome as the answer to give.
///
/// Errors: 403 [`Msg::PowFailed`] ([`PowRefused`]); 500 storage.
pub async fn require(
    state: &AppState,
    caller: &Caller,
    purpose: OtpPurpose,
    solution: Option<&PowSolution>,
    lang: Lang,
) -> Result<(), ApiError> {
    match redeem(state, caller, purpose, solution).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(refused)) => Err(refused.into_api(lang)),
        Err(e) => Err(SendError::Unexpected(e).into_api(lang)),
    }
}

/// The difficulty for the next challenge of a client with `from_ip` sends in the
/// last hour, when the service made `total`.
pub fn difficulty_for(state: &AppState, from_ip: u32, total: u32) -> u8 {
    let limits = &state.send_limits;
    let busy = from_ip.saturating_mul(2) >= limits.ip_hourly
        || total.saturating_mul(2) >= limits.global_hourly;
    if busy {
        state.settings.pow_raised_difficulty
    } else {
        state.settings.pow_difficulty
    }
}

/// The difficulty `caller`'s sends cost at `now` ([`difficulty_for`] of its and
/// the service's sends in the last hour).
///
/// Errors: storage failures.
async fn current_difficulty(state: &AppState, caller: &Caller, now: i64) -> anyhow::Result<u8> {
    let (from_ip, total) = {
        let mut conn = state.db.read().await?;
        otp_codes::sends_last_hour(&mut conn, &caller.meta.limit_key, now).await?
    };
    Ok(difficulty_for(state, from_ip, total))
}

/// Issues a challenge for a send of `purpose` by `caller`.
///
/// Errors: storage failures (reading the send counts).
pub async fn issue(
    state: &AppState,
    caller: &Caller,
    purpose: OtpPurpose,
) -> anyhow::Result<PowChallenge> {
    let now = state.clock.unix();
    let difficulty = current_difficulty(state, caller, now).await?;
    let limit_key = &caller.meta.limit_key;
    Ok(challenge(&state.keys, limit_key, purpose, now, difficulty))
}

/// A fresh challenge for a send of `purpose` by the client of `limit_key` at `now`
/// (Unix seconds), tagged under `keys`.
pub fn challenge(
    keys: &DataKeys,
    limit_key: &str,
    purpose: OtpPurpose,
    now: i64,
    difficulty: u8,
) -> PowChallenge {
    let id: [u8; 16] = rand::rngs::OsRng.gen();
    let text = format!(
        "v1.{}.{}.{difficulty}.{}",
        purpose.as_str(),
        now + CHALLENGE_TTL_SECS,
        hex::encode(id)
    );
    let tag = keys.pow_tag(&[text.as_bytes(), limit_key.as_bytes()]);
    PowChallenge {
        token: format!("{text}.{}", hex::encode(tag)),
        difficulty,
    }
}

/// Checks `solution` for a send of `purpose` by `caller` and redeems its challenge,
/// so it pays for this one request only.
///
/// Errors: the outer error is storage; the inner one says why the solution is not
/// accepted (checked in this order: missing, tag/purpose/client, expiry, hash,
/// difficulty below what sends cost now, used).
pub async fn redeem(
    state: &AppState,
    caller: &Caller,
    purpose: OtpPurpose,
    solution: Option<&PowSolution>,
) -> anyhow::Result<Result<(), PowRefused>> {
    let Some(solution) = solution else {
        return Ok(Err(PowRefused::Missing));
    };
    let now = state.clock.unix();
    let checked = check(&state.keys, &caller.meta.limit_key, purpose, now, solution);
    let Checked {
        id,
        expires_at,
        difficulty,
    } = match checked {
        Ok(checked) => checked,
        Err(refused) => return Ok(Err(refused)),
    };
    // A challenge fetched while it was quiet pays only the price of then: one
    // stockpiled before a burst must not dodge the raised difficulty.
    if difficulty < current_difficulty(state, caller, now).await? {
        return Ok(Err(PowRefused::TooEasy));
    }
    let mut tx = state.db.write(&[]).await?;
    let fresh = pow_redemptions::redeem(&mut tx, id, expires_at).await?;
    tx.commit().await?;
    Ok(if fresh { Ok(()) } else { Err(PowRefused::Used) })
}

/// A solution that [`check`] accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checked<'a> {
    /// The challenge's 32 hex digits: what `pow_redemptions` records.
    pub id: &'a str,
    /// Unix seconds.
    pub expires_at: i64,
    /// Leading zero bits it was issued (and solved) at.
    pub difficulty: u8,
}

/// Everything [`redeem`] checks before it records the redemption, for the client of
/// `limit_key` at `now`: the tag, purpose, expiry and hash, in that order. One HMAC
/// and one SHA-256: what a request costs the server (`scripts/bench.sh` measures
/// it).
///
/// Errors: [`PowRefused::Invalid`], [`PowRefused::Expired`], [`PowRefused::Unsolved`].
pub fn check<'a>(
    keys: &DataKeys,
    limit_key: &str,
    purpose: OtpPurpose,
    now: i64,
    solution: &'a PowSolution,
) -> Result<Checked<'a>, PowRefused> {
    let token = solution.token.as_str();
    let (text, tag) = token.rsplit_once('.').ok_or(PowRefused::Invalid)?;
    let tag = hex::decode(tag).map_err(|_| PowRefused::Invalid)?;
    if !keys.pow_tag_matches(&[text.as_bytes(), limit_key.as_bytes()], &tag) {
        return Err(PowRefused::Invalid);
    }
    // The tag matched: the text is one this service wrote.
    let parts: Vec<&str> = text.split('.').collect();
    let [_version, for_purpose, expires_at, difficulty, id] = parts[..] else {
        return Err(PowRefused::Invalid);
    };
    if for_purpose != purpose.as_str() {
        return Err(PowRefused::Invalid);
    }
    let expires_at: i64 = expires_at.parse().map_err(|_| PowRefused::Invalid)?;
    let difficulty: u8 = difficulty.parse().map_err(|_| PowRefused::Invalid)?;
    if now > expires_at {
        return Err(PowRefused::Expired);
    }
    if !pow::solves(token, solution.nonce, difficulty) {
        return Err(PowRefused::Unsolved);
    }
    Ok(Checked {
        id,
        expires_at,
        difficulty,
    })
}
