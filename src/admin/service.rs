//! What the admin area changes (docs/DESIGN.md §6): plain async functions over the
//! state and a [`Caller`] (an admin, or the operator at the command line), each
//! writing its audit rows in the transaction of the change. The erasure of a
//! cancelled account is the account center's ([`crate::account::service::erase`]);
//! invitation codes are [`crate::register::invitations`]'; documents
//! [`crate::legal::server::publish`].

use super::form::AccountAction;
use crate::account::service::{erase, phone_of};
use crate::domain::{InvitationMode, OtpPurpose, PhoneNumber, SmsCode};
use crate::error::ApiError;
use crate::form::Field;
use crate::i18n::{Lang, Msg};
use crate::login::service::{confirm_password, LoginError};
use crate::server::audit::{self, AuditAction, AuditEvent};
use crate::server::caller::Caller;
use crate::server::db::accounts::{self, Account, AccountId};
use crate::server::db::{misuse_reports, otp_codes, sessions, site_settings, Lock};
use crate::server::otp::{self, Delivery, OtpRejected, SendError};
use crate::server::site_settings::INVITATION_MODE;
use crate::server::state::AppState;
use dioxus::fullstack::StatusCode;
use secrecy::SecretString;
use serde_json::json;

/// Why an admin action was not taken; nothing was changed.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("no account has this number")]
    NoSuchPhone,
    #[error("no such account")]
    NoSuchAccount,
    /// The account was deleted: nothing is left to act on.
    #[error("the account was deleted")]
    AccountDeleted,
    #[error("no such open report")]
    NoSuchReport,
    /// The confirming password was wrong.
    #[error("the password is incorrect")]
    PasswordWrong,
    #[error(transparent)]
    Login(LoginError),
    #[error("code rejected: {0:?}")]
    Otp(OtpRejected),
    #[error(transparent)]
    Send(#[from] SendError),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl AdminError {
    /// The one mapping of admin outcomes: 404 what is not there, 409 an account
    /// deleted, 422 the field at fault, 429 and 502 as for sign-in.
    pub fn into_api(self, lang: Lang) -> ApiError {
        match self {
            Self::NoSuchPhone => ApiError {
                status: StatusCode::NOT_FOUND.as_u16(),
                ..ApiError::field(Field::Phone, Msg::AccountNotFound, lang)
            },
            Self::NoSuchAccount => ApiError::new(StatusCode::NOT_FOUND, Msg::AccountNotFound, lang),
            Self::AccountDeleted => {
                ApiError::new(StatusCode::CONFLICT, Msg::AccountIsDeleted, lang)
            }
            Self::NoSuchReport => ApiError::new(StatusCode::NOT_FOUND, Msg::ReportNotFound, lang),
            Self::PasswordWrong => {
                ApiError::field(Field::Password, Msg::CurrentPasswordWrong, lang)
            }
            Self::Login(e) => e.into_api(lang),
            Self::Otp(r) => r.into_api(lang),
            Self::Send(e) => e.into_api(lang),
            Self::Unexpected(e) => {
                tracing::error!(error = %format!("{e:#}"), "admin action failed");
                ApiError::unexpected(lang)
            }
        }
    }
}

impl From<LoginError> for AdminError {
    fn from(e: LoginError) -> Self {
        match e {
            LoginError::Invalid => Self::PasswordWrong,
            LoginError::Unexpected(e) => Self::Unexpected(e),
            other => Self::Login(other),
        }
    }
}

/// Grants (`admin` true) or revokes the admin role of the account holding `phone`
/// (`gatehouse admin grant` / `revoke`, docs/DESIGN.md §6), with its audit row.
/// Returns the account.
///
/// Errors: [`AdminError::NoSuchPhone`]; storage failures.
pub async fn set_admin(
    state: &AppState,
    caller: &Caller,
    phone: &PhoneNumber,
    admin: bool,
) -> Result<AccountId, AdminError> {
    let index = state.phone_index(phone);
    let mut tx = state.db.write(&[Lock::Phone(&index)]).await?;
    let Some(account) = accounts::by_phone(&mut tx, &index).await? else {
        return Err(AdminError::NoSuchPhone);
    };
    if !accounts::set_admin(&mut tx, account.id, admin).await? {
        return Err(AdminError::NoSuchPhone);
    }
    let action = if admin {
        AuditAction::AdminGranted
    } else {
        AuditAction::AdminRevoked
    };
    let event = AuditEvent::success(action, Some(account.id), json!({}));
    audit::record(&mut tx, &state.keys, state.clock.unix(), caller, event).await?;
    tx.commit().await.map_err(anyhow::Error::from)?;
    Ok(account.id)
}

/// Records a confirmation of the admin area (`method`: `password` or `sms`), or
/// its refusal, in its own transaction.
async fn record_confirmation(
    state: &AppState,
    caller: &Caller,
    admin: AccountId,
    method: &str,
    confirmed: bool,
) -> anyhow::Result<()> {
    let details = json!({ "method": method });
    let event = if confirmed {
        AuditEvent::success(AuditAction::AdminConfirmed, Some(admin), details)
    } else {
        AuditEvent::refused(AuditAction::AdminConfirmed, Some(admin), details)
    };
    let mut tx = state.db.write(&[]).await?;
    audit::record(&mut tx, &state.keys, state.clock.unix(), caller, event).await?;
    tx.commit().await?;
    Ok(())
}

/// Checks the admin's password for the admin area: charged to the sign-in
/// throttle like a sign-in (docs/DESIGN.md §3), audited either way. Putting the
/// confirmation in the session is the door's.
///
/// Errors: [`AdminError::PasswordWrong`]; [`AdminError::Login`] when throttled.
pub async fn confirm_with_password(
    state: &AppState,
    caller: &Caller,
    admin: &Account,
    password: SecretString,
) -> Result<(), AdminError> {
    let checked = confirm_password(state, caller, admin, password).await;
    if matches!(checked, Ok(()) | Err(LoginError::Invalid)) {
        record_confirmation(state, caller, admin.id, "password", checked.is_ok()).await?;
    }
    Ok(checked?)
}

/// Sends an `admin-confirm` code to the admin's own number, within the usual
/// limits.
///
/// Errors: [`AdminError::Send`]; storage failures.
pub async fn send_confirmation_code(
    state: &AppState,
    caller: &Caller,
    admin: &Account,
    lang: Lang,
) -> Result<(), AdminError> {
    let phone = phone_of(state, admin)?;
    let purpose = OtpPurpose::AdminConfirm;
    otp::send(state, caller, &phone, purpose, lang, Delivery::Wait).await?;
    Ok(())
}

/// Checks and consumes an `admin-confirm` code of the admin's number, audited
/// either way.
///
/// Errors: [`AdminError::Otp`]; storage failures.
pub async fn confirm_with_code(
    state: &AppState,
    caller: &Caller,
    admin: &Account,
    code: &SmsCode,
) -> Result<(), AdminError> {
    let phone = phone_of(state, admin)?;
    let verified = match otp::verify(state, &phone, OtpPurpose::AdminConfirm, code).await? {
        Ok(verified) => verified,
        Err(rejected) => {
            record_confirmation(state, caller, admin.id, "sms", false).await?;
            return Err(AdminError::Otp(rejected));
        }
    };
    let mut tx = state.db.write(&[Lock::Phone(&admin.phone_index)]).await?;
    if !otp_codes::consume(&mut tx, verified.id, state.clock.unix()).await? {
        return Err(AdminError::Otp(OtpRejected::Expired));
    }
    let event = AuditEvent::success(
        AuditAction::AdminConfirmed,
        Some(admin.id),
        json!({ "method": "sms" }),
    );
    audit::record(&mut tx, &state.keys, state.clock.unix(), caller, event).await?;
    tx.commit().await.map_err(anyhow::Error::from)?;
    Ok(())
}

/// The account holding exactly `phone`, looked up by its blind index (no listing,
/// no partial match); the lookup is audited, found or not.
///
/// Errors: [`AdminError::NoSuchPhone`]; storage failures.
pub async fn find_account(
    state: &AppState,
    caller: &Caller,
    phone: &PhoneNumber,
) -> Result<AccountId, AdminError> {
    let index = state.phone_index(phone);
    let mut tx = state.db.write(&[]).await?;
    let found = accounts::by_phone(&mut tx, &index).await?.map(|a| a.id);
    let event = match found {
        Some(id) => AuditEvent::success(AuditAction::AccountLookedUp, Some(id), json!({})),
        None => AuditEvent::refused(
            AuditAction::AccountLookedUp,
            None,
            json!({ "reason": "no-account" }),
        ),
    };
    audit::record(&mut tx, &state.keys, state.clock.unix(), caller, event).await?;
    tx.commit().await.map_err(anyhow::Error::from)?;
    found.ok_or(AdminError::NoSuchPhone)
}

/// Suspends or reinstates the account for `reason`; suspending also ends every
/// session of it (docs/DESIGN.md §6). One transaction with its audit rows.
///
/// Errors: [`AdminError::NoSuchAccount`], [`AdminError::AccountDeleted`]; storage.
pub async fn set_suspended(
    state: &AppState,
    caller: &Caller,
    account: AccountId,
    suspended: bool,
    reason: &str,
) -> Result<(), AdminError> {
    let mut tx = state.db.write(&[]).await?;
    live_account(&mut tx, account).await?;
    if !accounts::set_suspended(&mut tx, account, suspended).await? {
        return Err(AdminError::AccountDeleted);
    }
    let ended = if suspended {
        crate::server::db::oidc_grants::revoke_account(
            &state.db,
            &mut tx,
            account,
            None,
            state.clock.unix(),
        )
        .await?;
        sessions::delete_all_of(&mut tx, account).await?
    } else {
        0
    };
    let action = if suspended {
        AuditAction::AccountSuspended
    } else {
        AuditAction::AccountReinstated
    };
    let now = state.clock.unix();
    let changed = AuditEvent::success(action, Some(account), json!({ "reason": reason }));
    let ended = AuditEvent::sessions_ended(account, ended, "suspended");
    let events = std::iter::once(changed).chain(ended);
    audit::record_all(&mut tx, &state.keys, now, caller, events).await?;
    tx.commit().await.map_err(anyhow::Error::from)?;
    Ok(())
}

/// The account `id` as stored, refusing one that is not there or deleted.
async fn live_account(
    conn: &mut crate::server::db::Conn,
    id: AccountId,
) -> Result<Account, AdminError> {
    match accounts::by_id(conn, id).await? {
        None => Err(AdminError::NoSuchAccount),
        Some(a) if a.deleted_at.is_some() => Err(AdminError::AccountDeleted),
        Some(a) => Ok(a),
    }
}

/// Takes `action` on `account` for `reason` (docs/DESIGN.md §6): suspend,
/// reinstate, end every session, or cancel (the erasure of self-deletion, §7).
/// Returns how many sessions ended.
///
/// Errors: [`AdminError::NoSuchAccount`], [`AdminError::AccountDeleted`]; storage.
pub async fn act(
    state: &AppState,
    caller: &Caller,
    account: AccountId,
    action: AccountAction,
    reason: &str,
) -> Result<(), AdminError> {
    match action {
        AccountAction::Suspend => set_suspended(state, caller, account, true, reason).await,
        AccountAction::Reinstate => set_suspended(state, caller, account, false, reason).await,
        AccountAction::EndSessions => {
            let mut tx = state.db.write(&[]).await?;
            live_account(&mut tx, account).await?;
            let ended = sessions::delete_all_of(&mut tx, account).await?;
            let details = json!({ "count": ended, "reason": "ended-by-admin", "note": reason });
            let event = AuditEvent::success(AuditAction::SessionsEnded, Some(account), details);
            audit::record(&mut tx, &state.keys, state.clock.unix(), caller, event).await?;
            tx.commit().await.map_err(anyhow::Error::from)?;
            Ok(())
        }
        AccountAction::Cancel => {
            let mut conn = state.db.read().await?;
            live_account(&mut conn, account).await?;
            drop(conn);
            let why = format!("cancelled-by-admin: {reason}");
            // Two admins cancelling at once: the second is told, as after it.
            if !erase(state, caller, account, &why).await? {
                return Err(AdminError::AccountDeleted);
            }
            Ok(())
        }
    }
}

/// Marks the open misuse report `id` handled, with its audit row.
///
/// Errors: [`AdminError::NoSuchReport`] when unknown or handled already.
pub async fn handle_report(state: &AppState, caller: &Caller, id: i64) -> Result<(), AdminError> {
    let now = state.clock.unix();
    let mut tx = state.db.write(&[]).await?;
    let Some(account) = misuse_reports::mark_handled(&mut tx, id, now).await? else {
        return Err(AdminError::NoSuchReport);
    };
    let event = AuditEvent::success(
        AuditAction::ReportHandled,
        Some(account),
        json!({ "report": id }),
    );
    audit::record(&mut tx, &state.keys, now, caller, event).await?;
    tx.commit().await.map_err(anyhow::Error::from)?;
    Ok(())
}

/// Sets the invitation mode for every instance (stored in the database, with its
/// audit row naming the old and new mode) and drops this instance's cached pages
/// so its sign-up page shows the new mode at once (docs/DESIGN.md §6).
///
/// Errors: storage failures.
pub async fn set_invitation_mode(
    state: &AppState,
    caller: &Caller,
    mode: InvitationMode,
) -> anyhow::Result<()> {
    let now = state.clock.unix();
    let mut tx = state.db.write(&[]).await?;
    let old = state.site.invitation_mode_in(&mut tx).await?;
    site_settings::set(&mut tx, INVITATION_MODE, mode.as_str(), now).await?;
    let details = json!({ "name": INVITATION_MODE, "from": old.as_str(), "to": mode.as_str() });
    let event = AuditEvent::success(AuditAction::SettingChanged, None, details);
    audit::record(&mut tx, &state.keys, now, caller, event).await?;
    tx.commit().await?;
    state.pages.clear();
    Ok(())
}
