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
use crate::server::db::accounts::{self, NewAccount as NewAccountRow};
use crate::server::db::consents::{self, ConsentMethod, NewConsents};
use crate::server::db::sign_ins::{self, SignInAttempt, SignInMethod, SignInOutcome};
use crate::server::db::{invitations, otp_codes, Lock};
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
    let documents = Versions::load(&state.db, state.clock.as_ref())
        .await?
        .in_force_pairs();
    let Some(phone) = pending.and_then(|p| PhoneNumber::parse(&p).ok()) else {
        return Ok(RegisterStatus {
            documents,
            ..RegisterStatus::default()
        });
    };
    let now = state.clock.unix();
    let mut conn = state.db.read().await?;
    let history = otp_codes::send_history(
        &mut conn,
        &state.phone_index(&phone),
        OtpPurpose::Register,
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
    let versions = Versions::load(&state.db, state.clock.as_ref()).await?;
    let in_force = versions.in_force_pairs();
    if account.documents != in_force || in_force.len() != DocumentKind::ALL.len() {
        return Err(RegisterError::DocumentsChanged);
    }
    let verified = otp::verify(state, &account.phone, OtpPurpose::Register, &account.code)
        .await?
        .map_err(RegisterError::Otp)?;
    let phone_index = state.phone_index(&account.phone);
    let mut conn = state.db.read().await?;
    if accounts::phone_taken(&mut conn, &phone_index).await? {
        return Err(RegisterError::PhoneTaken);
    }
    if let Some(code) = &account.invitation {
        // Checked before the costly hash; the transaction checks again.
        if !invitations::usable(&mut conn, code.as_str(), state.clock.unix()).await? {
            return Err(RegisterError::InvitationIncorrect);
        }
    }
    drop(conn);
    let password_hash = state
        .hasher
        .hash(SecretString::from(
            account.password.expose_secret().to_owned(),
        ))
        .await?;
    let now = state.clock.unix();
    let row = NewAccountRow {
        phone_index,
        phone_encrypted: state.keys.encrypt(account.phone.as_str().as_bytes()),
        password_hash,
        invitation_id: None,
        marketing_opt_in: account.marketing,
        created_at: now,
    };
    let account_id = create(ctx, row, &account, verified.id, now).await?;
    session::sign_in(&ctx.session, account_id).await?;
    tracing::info!(%account_id, "account created");
    Ok(Registered {
        masked_phone: account.phone.masked(),
    })
}

/// Writes the account in one transaction locking its phone: consumes the code,
/// refuses a number taken meanwhile, uses the invitation (`used < quota`), inserts
/// the account, its consent records and the sign-in that follows. Nothing is
/// written when any step refuses.
async fn create(
    ctx: &RequestContext,
    mut row: NewAccountRow,
    account: &NewAccount,
    otp: otp_codes::OtpId,
    now: i64,
) -> Result<accounts::AccountId, RegisterError> {
    let state = &ctx.state;
    let mut tx = state.db.write(&[Lock::Phone(&row.phone_index)]).await?;
    if !otp_codes::consume(&mut tx, otp, now).await? {
        return Err(RegisterError::Otp(OtpRejected::Expired));
    }
    if accounts::phone_taken(&mut tx, &row.phone_index).await? {
        return Err(RegisterError::PhoneTaken);
    }
    if let Some(code) = &account.invitation {
        row.invitation_id = Some(
            invitations::use_once(&mut tx, code.as_str(), now)
                .await?
                .ok_or(RegisterError::InvitationIncorrect)?,
        );
    }
    let account_id = accounts::insert(&mut tx, &row).await?;
    let consent = NewConsents {
        account_id,
        documents: account.documents.clone(),
        accepted_at: now,
        ip: ctx.ip.clone(),
        user_agent: ctx.user_agent.clone(),
        method: ConsentMethod::SignUp,
    };
    consents::append(&mut tx, &consent).await?;
    let sign_in = SignInAttempt {
        account_id: Some(account_id),
        at: now,
        ip: ctx.ip.clone(),
        user_agent: ctx.user_agent.clone(),
        method: SignInMethod::SignUp,
        outcome: SignInOutcome::Success,
    };
    sign_ins::insert(&mut tx, &sign_in).await?;
    tx.commit().await.map_err(anyhow::Error::from)?;
    Ok(account_id)
}
