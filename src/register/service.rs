//! What sign-up does on the server: plain async functions over the application
//! state and a [`Caller`], free of HTTP and sessions (the server functions in
//! `api` keep the session), so every door can call them.

use super::form::NewAccount;
use super::types::RegisterStatus;
use crate::domain::DocumentKind;
use crate::domain::{OtpPurpose, PhoneNumber};
use crate::error::ApiError;
use crate::form::Field;
use crate::i18n::{Lang, Msg};
use crate::legal::rules::Versions;
use crate::server::audit::{self, AuditAction, AuditEvent};
use crate::server::caller::Caller;
use crate::server::db::accounts::{self, NewAccount as NewAccountRow};
use crate::server::db::consents::{self, ConsentMethod, NewConsents};
use crate::server::db::sign_ins::{self, SignInAttempt, SignInMethod, SignInOutcome};
use crate::server::db::{invitations, otp_codes, Lock};
use crate::server::otp::{self, OtpRejected, SendError};
use crate::server::state::AppState;
use dioxus::fullstack::StatusCode;
use secrecy::SecretString;
use serde_json::json;

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
    #[error("the page showed another invitation mode than the one in force")]
    InvitationModeChanged,
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
            Self::InvitationModeChanged => {
                ApiError::new(StatusCode::CONFLICT, Msg::InvitationModeChanged, lang)
            }
            Self::Unexpected(e) => {
                tracing::error!(error = %format!("{e:#}"), "sign-up failed");
                ApiError::unexpected(lang)
            }
        }
    }
}

/// Sends a sign-up code to `phone` in `lang` if the rate limits allow; a provider
/// failure withdraws the code (no cooldown starts).
///
/// Errors: [`RegisterError::Send`] refused by a limit or the provider failed.
pub async fn send_code(
    state: &AppState,
    caller: &Caller,
    phone: &PhoneNumber,
    lang: Lang,
) -> Result<(), RegisterError> {
    let (purpose, delivery) = (OtpPurpose::Register, otp::Delivery::Wait);
    otp::send(state, caller, phone, purpose, lang, delivery).await?;
    Ok(())
}

/// What a reload of the sign-up page restores: the versions in force and, for the
/// number `pending` this browser last asked a code for, its cooldown left.
pub async fn status(
    state: &AppState,
    caller: &Caller,
    pending: Option<PhoneNumber>,
) -> Result<RegisterStatus, RegisterError> {
    let documents = Versions::load(&state.db, state.clock.as_ref())
        .await?
        .in_force_pairs();
    let invitation_mode = state.site.invitation_mode().await?;
    let Some(phone) = pending else {
        return Ok(RegisterStatus {
            documents,
            invitation_mode,
            ..RegisterStatus::default()
        });
    };
    let now = state.clock.unix();
    let mut conn = state.db.read().await?;
    let history = otp_codes::send_history(
        &mut conn,
        &state.phone_index(&phone),
        OtpPurpose::Register,
        &caller.meta.limit_key,
        now,
    )
    .await?;
    Ok(RegisterStatus {
        cooldown_secs: state.send_limits.cooldown_left(&history, now),
        phone: Some(phone.as_str().to_owned()),
        documents,
        invitation_mode,
    })
}

/// Creates the account: checks the consent names the versions in force, verifies
/// the code, tells a taken number only after that, hashes the password off the
/// async threads, then writes the account, the code's use, the invitation's use,
/// the consent records and the sign-in in one transaction. Returns the new
/// account; signing the browser in is the caller's.
///
/// Errors: [`RegisterError::DocumentsChanged`] (checked first: nothing used up),
/// [`RegisterError::Otp`], [`RegisterError::PhoneTaken`],
/// [`RegisterError::InvitationIncorrect`].
pub async fn register(
    state: &AppState,
    caller: &Caller,
    account: NewAccount,
) -> Result<accounts::AccountId, RegisterError> {
    // The consent must name the versions in force, each kind once (docs/DESIGN.md §4);
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
        created_at: now,
    };
    let account_id = create(state, caller, row, &account, verified.id, now).await?;
    tracing::info!(%account_id, "account created");
    Ok(account_id)
}

/// Writes the account in one transaction locking its phone: consumes the code,
/// refuses an invitation mode changed since the form was judged and a number
/// taken meanwhile, uses the invitation (`used < quota`), inserts
/// the account, its consent records and the sign-in that follows. Nothing is
/// written when any step refuses.
async fn create(
    state: &AppState,
    caller: &Caller,
    mut row: NewAccountRow,
    account: &NewAccount,
    otp: otp_codes::OtpId,
    now: i64,
) -> Result<accounts::AccountId, RegisterError> {
    let mut tx = state.db.write(&[Lock::Phone(&row.phone_index)]).await?;
    // An admin may have changed the mode while the code was checked and the
    // password hashed: judged under the old one, the form is refused whole.
    if state.site.invitation_mode_in(&mut tx).await? != account.invitation_mode {
        return Err(RegisterError::InvitationModeChanged);
    }
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
        ip: caller.meta.ip.clone(),
        user_agent: caller.meta.user_agent.clone(),
        method: ConsentMethod::SignUp,
    };
    consents::append(&mut tx, &state.keys, &consent).await?;
    if account.marketing {
        let choice = consents::MarketingChoice {
            account_id,
            granted: true,
            at: now,
            ip: caller.meta.ip.clone(),
            user_agent: caller.meta.user_agent.clone(),
            method: ConsentMethod::SignUp,
        };
        consents::record_marketing(&mut tx, &state.keys, &choice).await?;
    }
    let sign_in = SignInAttempt {
        account_id: Some(account_id),
        at: now,
        ip: caller.meta.ip.clone(),
        user_agent: caller.meta.user_agent.clone(),
        method: SignInMethod::SignUp,
        outcome: SignInOutcome::Success,
    };
    sign_ins::insert(&mut tx, &sign_in).await?;
    let subject = Some(account_id);
    let details = json!({
        "invitation": row.invitation_id.is_some(),
        "marketing_opt_in": account.marketing,
    });
    let events = [
        AuditEvent::success(AuditAction::SignUp, subject, details),
        AuditEvent::success(
            AuditAction::ConsentGiven,
            subject,
            json!({ "documents": consent.documents, "method": "sign-up" }),
        ),
        AuditEvent::success(AuditAction::SignIn, subject, json!({ "method": "sign-up" })),
    ];
    audit::record_all(&mut tx, &state.keys, now, caller, events).await?;
    tx.commit().await.map_err(anyhow::Error::from)?;
    Ok(account_id)
}
