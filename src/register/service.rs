//! What sign-up does on the server, in plain async functions the server functions
//! call and the tests exercise through the router.

use super::api::{CodeSent, RegisterStatus, Registered};
use super::form::NewAccount;
use crate::domain::{OtpPurpose, PhoneNumber};
use crate::error::ApiError;
use crate::form::{Field, FieldErrors};
use crate::i18n::{Lang, Msg};
use crate::legal::DocumentKind;
use crate::server::db::{CreateRefused, NewAccountRecord};
use crate::server::http::RequestContext;
use crate::server::otp::{self, OtpRejected, SendRefused};
use crate::server::session;
use crate::server::sms::SmsMessage;
use dioxus::fullstack::StatusCode;
use secrecy::SecretString;

/// Session key: the number this browser last requested a sign-up code for.
const PENDING_PHONE_KEY: &str = "register_phone";

/// Why a sign-up step did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum RegisterError {
    #[error("send refused: {0:?}")]
    SendRefused(SendRefused),
    #[error("the SMS provider failed")]
    SmsFailed,
    #[error("code rejected: {0:?}")]
    Otp(OtpRejected),
    #[error("the phone number already has an account")]
    PhoneTaken,
    #[error("invitation code incorrect")]
    InvitationIncorrect,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl RegisterError {
    /// The one mapping from sign-up outcomes to HTTP status and message.
    pub fn into_api(self, lang: Lang) -> ApiError {
        match self {
            Self::SendRefused(refused) => {
                let (key, secs) = match refused {
                    SendRefused::Cooldown(s) => (Msg::SendCooldown, s),
                    SendRefused::PhoneHourly(s) => (Msg::SendHourlyCap, s),
                    SendRefused::PhoneDaily(s) => (Msg::SendDailyCap, s),
                    SendRefused::Ip(s) => (Msg::SendIpCap, s),
                    SendRefused::Global(s) => (Msg::SendGlobalCap, s),
                };
                ApiError::rate_limited(key, secs, lang)
            }
            Self::SmsFailed => ApiError::new(StatusCode::BAD_GATEWAY, Msg::SmsFailed, lang),
            Self::Otp(OtpRejected::PhoneBudget) => {
                ApiError::rate_limited(Msg::CodeGuessBudget, 3_600, lang)
            }
            Self::Otp(rejected) => {
                let key = match rejected {
                    OtpRejected::Wrong => Msg::CodeWrong,
                    OtpRejected::Dead => Msg::CodeDead,
                    _ => Msg::CodeExpired,
                };
                let mut fields = FieldErrors::default();
                fields.0.insert(Field::Code, key);
                ApiError {
                    key,
                    message: key.text(lang).to_owned(),
                    ..ApiError::invalid(fields, lang)
                }
            }
            Self::PhoneTaken => ApiError::new(StatusCode::CONFLICT, Msg::PhoneTaken, lang),
            Self::InvitationIncorrect => {
                let mut fields = FieldErrors::default();
                fields.0.insert(Field::Invitation, Msg::InvitationIncorrect);
                ApiError {
                    key: Msg::InvitationIncorrect,
                    message: Msg::InvitationIncorrect.text(lang).to_owned(),
                    ..ApiError::invalid(fields, lang)
                }
            }
            Self::Unexpected(e) => {
                tracing::error!(error = %format!("{e:#}"), "sign-up failed");
                ApiError::unexpected(lang)
            }
        }
    }
}

/// Sends a sign-up code to `phone` if the rate limits allow, and remembers the
/// number in the session for the page's countdown.
pub async fn send_code(
    ctx: &RequestContext,
    phone: PhoneNumber,
) -> Result<CodeSent, RegisterError> {
    let state = &ctx.state;
    let purpose = OtpPurpose::Register;
    let (id, code) = otp::issue(state, &phone, purpose, &ctx.ip)
        .await?
        .map_err(RegisterError::SendRefused)?;
    let message = SmsMessage {
        to: phone.as_str().to_owned(),
        purpose: purpose.as_str(),
        text: Msg::SmsText.format(
            ctx.lang,
            &[
                ("brand", &state.settings.brand),
                ("code", code.expose_secret()),
            ],
        ),
        code: code.expose_secret().to_owned(),
        sent_at: state.clock.now().to_rfc3339(),
    };
    if let Err(e) = state.sms.send(&message).await {
        tracing::warn!(error = %e, "SMS not sent; the code is withdrawn");
        state.storage.withdraw_otp(id).await?;
        return Err(RegisterError::SmsFailed);
    }
    ctx.session
        .insert(PENDING_PHONE_KEY, phone.as_str())
        .await
        .map_err(anyhow::Error::from)?;
    Ok(CodeSent {
        cooldown_secs: state.send_limits.cooldown_secs as u64,
    })
}

/// The pending number of this browser and its cooldown.
pub async fn status(ctx: &RequestContext) -> Result<RegisterStatus, RegisterError> {
    let pending: Option<String> = ctx
        .session
        .get(PENDING_PHONE_KEY)
        .await
        .map_err(anyhow::Error::from)?;
    let Some(phone) = pending.and_then(|p| PhoneNumber::parse(&p).ok()) else {
        return Ok(RegisterStatus::default());
    };
    let state = &ctx.state;
    let now = state.clock.unix();
    let history = state
        .storage
        .send_history(&state.phone_index(&phone), &ctx.ip, now)
        .await?;
    Ok(RegisterStatus {
        cooldown_secs: state.send_limits.cooldown_left(&history, now),
        phone: Some(phone.as_str().to_owned()),
    })
}

/// Creates the account: verifies the code, tells a taken number only after that,
/// hashes the password off the async threads, then writes account, code use,
/// invitation use and consent records in one transaction and signs the browser in.
pub async fn register(
    ctx: &RequestContext,
    account: NewAccount,
) -> Result<Registered, RegisterError> {
    let state = &ctx.state;
    let verified = otp::verify(state, &account.phone, OtpPurpose::Register, &account.code)
        .await?
        .map_err(RegisterError::Otp)?;
    let phone_index = state.phone_index(&account.phone);
    if state.storage.phone_registered(&phone_index).await? {
        return Err(RegisterError::PhoneTaken);
    }
    let password_hash = state
        .hasher
        .hash(SecretString::from(
            account.password.expose_secret().to_owned(),
        ))
        .await?;
    let record = NewAccountRecord {
        phone_index,
        phone_encrypted: state.keys.encrypt(account.phone.as_str().as_bytes()),
        password_hash,
        otp_id: verified.id,
        invitation: account.invitation.as_ref().map(|c| c.as_str().to_owned()),
        marketing_opt_in: account.marketing,
        created_at: state.clock.unix(),
        consents: [DocumentKind::Agreement, DocumentKind::Privacy]
            .map(|k| (k.as_str(), k.current_version()))
            .to_vec(),
        ip: ctx.ip.clone(),
        user_agent: ctx.user_agent.clone(),
    };
    let account_id =
        state
            .storage
            .create_account(record)
            .await?
            .map_err(|refused| match refused {
                CreateRefused::CodeUsed => RegisterError::Otp(OtpRejected::Expired),
                CreateRefused::PhoneTaken => RegisterError::PhoneTaken,
                CreateRefused::InvitationIncorrect => RegisterError::InvitationIncorrect,
            })?;
    session::sign_in(&ctx.session, account_id).await?;
    tracing::info!(account_id, "account created");
    Ok(Registered {
        masked_phone: account.phone.masked(),
    })
}
