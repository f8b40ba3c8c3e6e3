//! What sign-up does on the server, in plain async functions the server functions
//! call and the tests exercise through the router.

use super::api::{CodeSent, RegisterStatus, Registered};
use super::form::NewAccount;
use crate::domain::{OtpPurpose, PhoneNumber};
use crate::error::ApiError;
use crate::form::Field;
use crate::i18n::{Lang, Msg};
use crate::legal::server::Versions;
use crate::legal::DocumentKind;
use crate::server::db::{CreateRefused, NewAccountRecord, SignInAttempt};
use crate::server::http::RequestContext;
use crate::server::otp::{self, OtpRejected, SendError};
use crate::server::session;
use dioxus::fullstack::StatusCode;
use secrecy::SecretString;

/// Session key: the number this browser last requested a sign-up code for.
const PENDING_PHONE_KEY: &str = "register_phone";

/// Why a sign-up step did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum RegisterError {
    #[error(transparent)]
    Send(#[from] SendError),
    #[error("code rejected: {0:?}")]
    Otp(OtpRejected),
    #[error("the phone number already has an account")]
    PhoneTaken,
    #[error("invitation code incorrect")]
    InvitationIncorrect,
    #[error("the consent names other document versions than those in force")]
    DocumentsChanged,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl RegisterError {
    /// The one mapping from sign-up outcomes to HTTP status and message.
    pub fn into_api(self, lang: Lang) -> ApiError {
        match self {
            Self::Send(e) => e.into_api(lang),
            Self::Otp(rejected) => rejected.into_api(lang),
            Self::PhoneTaken => ApiError::new(StatusCode::CONFLICT, Msg::PhoneTaken, lang),
            Self::InvitationIncorrect => {
                ApiError::field(Field::Invitation, Msg::InvitationIncorrect, lang)
            }
            Self::DocumentsChanged => {
                ApiError::new(StatusCode::CONFLICT, Msg::DocumentsChanged, lang)
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
    otp::send(
        state,
        &phone,
        OtpPurpose::Register,
        &ctx.limit_key,
        ctx.lang,
        otp::Delivery::Wait,
    )
    .await?;
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
    let state = &ctx.state;
    let documents = Versions::load(state.storage.as_ref(), state.clock.as_ref())
        .await?
        .in_force_pairs();
    let Some(phone) = pending.and_then(|p| PhoneNumber::parse(&p).ok()) else {
        return Ok(RegisterStatus {
            documents,
            ..RegisterStatus::default()
        });
    };
    let now = state.clock.unix();
    let history = state
        .storage
        .send_history(
            &state.phone_index(&phone),
            OtpPurpose::Register.as_str(),
            &ctx.limit_key,
            now,
        )
        .await?;
    Ok(RegisterStatus {
        cooldown_secs: state.send_limits.cooldown_left(&history, now),
        phone: Some(phone.as_str().to_owned()),
        documents,
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
    // The consent must name the versions in force, each kind once (DESIGN.md §4);
    // checked before anything is used up.
    let versions = Versions::load(state.storage.as_ref(), state.clock.as_ref()).await?;
    let in_force = versions.in_force_pairs();
    if account.documents != in_force || in_force.len() != DocumentKind::ALL.len() {
        return Err(RegisterError::DocumentsChanged);
    }
    let verified = otp::verify(state, &account.phone, OtpPurpose::Register, &account.code)
        .await?
        .map_err(RegisterError::Otp)?;
    let phone_index = state.phone_index(&account.phone);
    if state.storage.phone_registered(&phone_index).await? {
        return Err(RegisterError::PhoneTaken);
    }
    if let Some(code) = &account.invitation {
        // Checked before the costly hash; the transaction checks again.
        if !state
            .storage
            .invitation_usable(code.as_str(), state.clock.unix())
            .await?
        {
            return Err(RegisterError::InvitationIncorrect);
        }
    }
    let password_hash = state
        .hasher
        .hash(SecretString::from(
            account.password.expose_secret().to_owned(),
        ))
        .await?;
    let consents = account
        .documents
        .iter()
        .map(|(kind, version)| (kind.as_str(), *version))
        .collect();
    let record = NewAccountRecord {
        phone_index,
        phone_encrypted: state.keys.encrypt(account.phone.as_str().as_bytes()),
        password_hash,
        otp_id: verified.id,
        invitation: account.invitation.as_ref().map(|c| c.as_str().to_owned()),
        marketing_opt_in: account.marketing,
        created_at: state.clock.unix(),
        consents,
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
    state
        .storage
        .record_sign_in(SignInAttempt {
            account_id: Some(account_id),
            at: state.clock.unix(),
            ip: ctx.ip.clone(),
            user_agent: ctx.user_agent.clone(),
            method: "sign-up".into(),
            outcome: "success".into(),
        })
        .await?;
    tracing::info!(account_id, "account created");
    Ok(Registered {
        masked_phone: account.phone.masked(),
    })
}
