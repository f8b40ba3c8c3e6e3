//! What the account center and the operator change on the server (docs/DESIGN.md
//! §5, §6): plain async functions over the state and a [`Caller`], free of HTTP and
//! sessions, each writing its audit rows in the transaction of the change.

use super::form::{PhoneChange, ReportAbout};
use crate::domain::{OtpPurpose, Password, PhoneNumber, Profile, SmsCode};
use crate::error::ApiError;
use crate::form::Field;
use crate::i18n::{Lang, Msg};
use crate::login::service::{confirm_password, LoginError};
use crate::server::audit::{self, AuditAction, AuditEvent};
use crate::server::caller::{Actor, Caller};
use crate::server::db::accounts::{self, Account, AccountId};
use crate::server::db::consents::{self, ConsentMethod, MarketingChoice};
use crate::server::db::misuse_reports::{self, NewReport, ReportSubject};
use crate::server::db::otp_codes::{self, OtpId};
use crate::server::db::{
    account_keys, known_browsers, profiles, sessions, sign_ins, throttles, Lock,
};
use crate::server::notices::{self, Notice};
use crate::server::otp::{self, Delivery, OtpRejected, SendError};
use crate::server::session;
use crate::server::state::AppState;
use dioxus::fullstack::StatusCode;
use secrecy::SecretString;
use serde_json::json;

/// Why a change of the account center was not made.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("the current password is wrong")]
    CurrentPasswordWrong,
    /// Throttled, or another sign-in refusal of the password check.
    #[error(transparent)]
    Login(LoginError),
    /// A code was refused; the field it was typed in.
    #[error("code rejected on {0:?}: {1:?}")]
    Otp(Field, OtpRejected),
    #[error(transparent)]
    Send(#[from] SendError),
    /// A send to the new number of a phone change failed.
    #[error("sending to the new number: {0}")]
    SendToNewPhone(SendError),
    #[error("the new number is the current one")]
    NewPhoneSame,
    /// The new password carries the account's number (docs/DESIGN.md §1).
    #[error("the new password carries the phone number")]
    PasswordHasPhone,
    #[error("the new number has an account")]
    PhoneTaken,
    #[error("no such session of the account")]
    SessionNotFound,
    /// The account was deleted while the request ran.
    #[error("the account is gone")]
    Gone,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<LoginError> for AccountError {
    fn from(e: LoginError) -> Self {
        match e {
            LoginError::Invalid => Self::CurrentPasswordWrong,
            LoginError::Unexpected(e) => Self::Unexpected(e),
            other => Self::Login(other),
        }
    }
}

impl AccountError {
    /// The one mapping of account-center outcomes: 422 on the field at fault, 409
    /// a taken number, 404 a session that is gone, 429 and 502 as for sign-in.
    pub fn into_api(self, lang: Lang) -> ApiError {
        match self {
            Self::CurrentPasswordWrong => {
                ApiError::field(Field::CurrentPassword, Msg::CurrentPasswordWrong, lang)
            }
            Self::Login(e) => e.into_api(lang),
            Self::Otp(field, r) => r.into_api_on(field, lang),
            Self::Send(e) => e.into_api(lang),
            Self::SendToNewPhone(e) => e.into_api_on(Field::NewPhone, lang),
            Self::NewPhoneSame => ApiError::field(Field::NewPhone, Msg::NewPhoneSame, lang),
            Self::PasswordHasPhone => ApiError::field(Field::Password, Msg::PasswordHasPhone, lang),
            Self::PhoneTaken => ApiError {
                status: StatusCode::CONFLICT.as_u16(),
                ..ApiError::field(Field::NewPhone, Msg::PhoneTaken, lang)
            },
            Self::SessionNotFound => {
                ApiError::new(StatusCode::NOT_FOUND, Msg::SessionNotFound, lang)
            }
            Self::Gone => ApiError::new(StatusCode::UNAUTHORIZED, Msg::SessionRequired, lang),
            Self::Unexpected(e) if e.is::<account_keys::AccountGone>() => Self::Gone.into_api(lang),
            Self::Unexpected(e) => {
                tracing::error!(error = %format!("{e:#}"), "account change failed");
                ApiError::unexpected(lang)
            }
        }
    }
}

/// The account's number, decrypted.
///
/// Errors: a ciphertext that does not decrypt or parse (a deleted account's).
pub fn phone_of(state: &AppState, account: &Account) -> anyhow::Result<PhoneNumber> {
    let phone = state.keys.decrypt(&account.phone_encrypted)?;
    PhoneNumber::parse(&String::from_utf8_lossy(&phone))
        .map_err(|_| anyhow::anyhow!("account {}'s stored phone does not parse", account.id))
}

/// Which parts of a profile are given, for the audit row (never the values).
fn given_parts(profile: &Profile) -> serde_json::Value {
    json!({
        "real_name": profile.real_name.is_some(),
        "company": profile.company.is_some(),
        "address": profile.address.is_some(),
        "email": profile.email.is_some(),
    })
}

/// Saves the account's profile, encrypted under its key, with its audit row.
///
/// Errors: storage failures.
pub async fn save_profile(
    state: &AppState,
    caller: &Caller,
    account: AccountId,
    profile: &Profile,
) -> anyhow::Result<()> {
    let now = state.clock.unix();
    let mut tx = state.db.write(&[]).await?;
    profiles::save(&mut tx, &state.keys, account, profile, now).await?;
    let event = AuditEvent::success(
        AuditAction::ProfileUpdated,
        Some(account),
        given_parts(profile),
    );
    audit::record(&mut tx, &state.keys, now, caller, event).await?;
    tx.commit().await?;
    Ok(())
}

/// Switches marketing consent on or off: a new row of the consent ledger (method
/// `account-center`, with the caller's address and browser) and its audit row.
/// Returns the time of the choice.
///
/// Errors: storage failures.
pub async fn set_marketing(
    state: &AppState,
    caller: &Caller,
    account: AccountId,
    granted: bool,
) -> anyhow::Result<i64> {
    let now = state.clock.unix();
    let mut tx = state.db.write(&[]).await?;
    let choice = MarketingChoice {
        account_id: account,
        granted,
        at: now,
        ip: caller.meta.ip.clone(),
        user_agent: caller.meta.user_agent.clone(),
        method: ConsentMethod::AccountCenter,
    };
    consents::record_marketing(&mut tx, &state.keys, &choice).await?;
    let event = AuditEvent::success(
        AuditAction::MarketingChanged,
        Some(account),
        json!({ "granted": granted }),
    );
    audit::record(&mut tx, &state.keys, now, caller, event).await?;
    tx.commit().await?;
    Ok(now)
}

/// Changes the password after checking the current one (charged to the sign-in
/// throttle, docs/DESIGN.md §3) and ends every other session of the account,
/// keeping the one stored as `keep`. Returns how many sessions ended.
///
/// Errors: [`AccountError::CurrentPasswordWrong`]; [`AccountError::Login`] when
/// throttled; [`AccountError::PasswordHasPhone`] (checked here: the page knows
/// only the masked number); storage failures.
pub async fn change_password(
    state: &AppState,
    caller: &Caller,
    account: &Account,
    current: SecretString,
    new: Password,
    keep: &[u8],
    lang: Lang,
) -> Result<u64, AccountError> {
    confirm_password(state, caller, account, current).await?;
    let phone = phone_of(state, account)?;
    new.check_phone(&phone)
        .map_err(|_| AccountError::PasswordHasPhone)?;
    let hash = state
        .hasher
        .hash(SecretString::from(new.expose_secret().to_owned()))
        .await?;
    let now = state.clock.unix();
    let mut tx = state.db.write(&[Lock::Phone(&account.phone_index)]).await?;
    if !accounts::set_password_hash(&mut tx, account.id, &hash).await? {
        return Err(AccountError::Gone);
    }
    let ended = sessions::delete_others_of(&mut tx, account.id, keep).await?;
    // Apps signed in through the old password sign in again (docs/DESIGN.md §11).
    crate::server::db::oidc_grants::revoke_account(
        &state.db,
        &mut tx,
        account.id,
        None,
        state.clock.unix(),
    )
    .await?;
    let changed = AuditEvent::success(AuditAction::PasswordChanged, Some(account.id), json!({}));
    let ended_event = AuditEvent::sessions_ended(account.id, ended, "password-changed");
    let events = std::iter::once(changed).chain(ended_event);
    audit::record_all(&mut tx, &state.keys, now, caller, events).await?;
    tx.commit().await.map_err(anyhow::Error::from)?;
    notices::send(state, &phone, Notice::PasswordChanged, lang);
    Ok(ended)
}

/// Sends a code to the account's own number (`change-phone` or `delete`), within
/// the usual limits, reporting a provider failure.
///
/// Errors: [`AccountError::Send`] refused by a limit or not delivered; storage.
pub async fn send_code_to_own_phone(
    state: &AppState,
    caller: &Caller,
    account: &Account,
    purpose: OtpPurpose,
    lang: Lang,
) -> Result<(), AccountError> {
    let phone = phone_of(state, account)?;
    otp::send(state, caller, &phone, purpose, lang, Delivery::Wait).await?;
    Ok(())
}

/// Sends a `change-phone` code to the number the account would move to. Whether
/// that number has an account is not told here (only after its code verified).
///
/// Errors: [`AccountError::NewPhoneSame`]; [`AccountError::SendToNewPhone`] (a
/// refused number on `new_phone`); storage.
pub async fn send_code_to_new_phone(
    state: &AppState,
    caller: &Caller,
    account: &Account,
    new_phone: &PhoneNumber,
    lang: Lang,
) -> Result<(), AccountError> {
    if phone_of(state, account)? == *new_phone {
        return Err(AccountError::NewPhoneSame);
    }
    let purpose = OtpPurpose::ChangePhone;
    otp::send(state, caller, new_phone, purpose, lang, Delivery::Wait)
        .await
        .map_err(AccountError::SendToNewPhone)?;
    Ok(())
}

/// Verifies a code of (phone, purpose); a refusal names `field`.
async fn verify_code(
    state: &AppState,
    phone: &PhoneNumber,
    purpose: OtpPurpose,
    code: &SmsCode,
    field: Field,
) -> Result<OtpId, AccountError> {
    match otp::verify(state, phone, purpose, code).await? {
        Ok(verified) => Ok(verified.id),
        Err(rejected) => Err(AccountError::Otp(field, rejected)),
    }
}

/// Moves the account to `new_phone` after both codes verified (docs/DESIGN.md §5):
/// in one transaction locking both numbers, both codes consumed, the new number
/// checked free, the blind index and ciphertext swapped, every other session ended
/// (keeping `keep`), the audit rows written. Returns how many sessions ended.
///
/// Errors: [`AccountError::NewPhoneSame`]; [`AccountError::Otp`] on `code` or
/// `new-code`; [`AccountError::PhoneTaken`] (told only after the new number's
/// code verified); storage failures.
pub async fn change_phone(
    state: &AppState,
    caller: &Caller,
    account: &Account,
    change: PhoneChange,
    keep: &[u8],
    lang: Lang,
) -> Result<u64, AccountError> {
    let PhoneChange {
        code,
        new_phone,
        new_code,
    } = change;
    let new_phone = &new_phone;
    let phone = phone_of(state, account)?;
    if phone == *new_phone {
        return Err(AccountError::NewPhoneSame);
    }
    let purpose = OtpPurpose::ChangePhone;
    let current_otp = verify_code(state, &phone, purpose, &code, Field::Code).await?;
    let new_otp = verify_code(state, new_phone, purpose, &new_code, Field::NewCode).await?;
    let new_index = state.phone_index(new_phone);
    let now = state.clock.unix();
    let locks = [Lock::Phone(&account.phone_index), Lock::Phone(&new_index)];
    let mut tx = state.db.write(&locks).await?;
    if !otp_codes::consume(&mut tx, current_otp, now).await? {
        return Err(AccountError::Otp(Field::Code, OtpRejected::Expired));
    }
    if !otp_codes::consume(&mut tx, new_otp, now).await? {
        return Err(AccountError::Otp(Field::NewCode, OtpRejected::Expired));
    }
    if accounts::phone_taken(&mut tx, &new_index).await? {
        return Err(AccountError::PhoneTaken);
    }
    let encrypted = state.keys.encrypt(new_phone.as_str().as_bytes());
    let from = &account.phone_index;
    if !accounts::set_phone(&mut tx, account.id, from, &new_index, &encrypted).await? {
        // Deleted, or moved by a concurrent change: the current code was for a
        // number the account no longer holds.
        return Err(AccountError::Otp(Field::Code, OtpRejected::Expired));
    }
    let ended = sessions::delete_others_of(&mut tx, account.id, keep).await?;
    let changed = AuditEvent::success(AuditAction::PhoneChanged, Some(account.id), json!({}));
    let ended_event = AuditEvent::sessions_ended(account.id, ended, "phone-changed");
    let events = std::iter::once(changed).chain(ended_event);
    audit::record_all(&mut tx, &state.keys, now, caller, events).await?;
    tx.commit().await.map_err(anyhow::Error::from)?;
    // To the number the account left: its owner learns of the move.
    notices::send(state, &phone, Notice::PhoneChanged, lang);
    Ok(ended)
}

/// Ends the account's session with public id `public_id` (see
/// [`session::public_id`]); its browser's next request is signed out.
///
/// Errors: [`AccountError::SessionNotFound`] when the account has no such live
/// session; storage failures.
pub async fn end_session(
    state: &AppState,
    caller: &Caller,
    account: AccountId,
    public_id: &str,
) -> Result<(), AccountError> {
    let mut tx = state.db.write(&[]).await?;
    let found = sessions::of_account(&mut tx, account)
        .await?
        .into_iter()
        .find(|s| session::public_id(&s.id_hash) == public_id);
    let Some(found) = found else {
        return Err(AccountError::SessionNotFound);
    };
    sessions::delete_of_account(&mut tx, account, &found.id_hash).await?;
    let now = state.clock.unix();
    let ended = AuditEvent::sessions_ended(account, 1, "ended-by-owner");
    audit::record_all(&mut tx, &state.keys, now, caller, ended).await?;
    tx.commit().await.map_err(anyhow::Error::from)?;
    Ok(())
}

/// Ends every session of the account but `keep`; returns how many ended.
///
/// Errors: storage failures.
pub async fn end_other_sessions(
    state: &AppState,
    caller: &Caller,
    account: AccountId,
    keep: &[u8],
) -> anyhow::Result<u64> {
    let mut tx = state.db.write(&[]).await?;
    let ended = sessions::delete_others_of(&mut tx, account, keep).await?;
    let now = state.clock.unix();
    let event = AuditEvent::sessions_ended(account, ended, "others-ended-by-owner");
    audit::record_all(&mut tx, &state.keys, now, caller, event).await?;
    tx.commit().await?;
    Ok(ended)
}

/// Stores a misuse report for the operator with its audit row; returns its number.
///
/// Errors: storage failures.
pub async fn report_misuse(
    state: &AppState,
    caller: &Caller,
    account: AccountId,
    about: ReportAbout,
    reference: &str,
    note: &str,
) -> anyhow::Result<i64> {
    let subject = match about {
        ReportAbout::Session => ReportSubject::Session,
        ReportAbout::SignIn => ReportSubject::SignIn,
        ReportAbout::Other => ReportSubject::Other,
    };
    let now = state.clock.unix();
    let report = NewReport {
        account_id: account,
        subject,
        reference: reference.to_owned(),
        note: note.to_owned(),
        created_at: now,
    };
    let mut tx = state.db.write(&[]).await?;
    let id = misuse_reports::insert(&mut tx, &state.keys, &report).await?;
    let details = json!({ "report": id, "subject": subject.as_str() });
    let event = AuditEvent::success(AuditAction::MisuseReported, Some(account), details);
    audit::record(&mut tx, &state.keys, now, caller, event).await?;
    tx.commit().await?;
    Ok(id)
}

/// Deletes the caller's own account after its `delete` code verified: the
/// erasure of [`erase`], with the code consumed in the same transaction.
///
/// Errors: [`AccountError::Otp`] on `code`; storage failures.
pub async fn delete_own(
    state: &AppState,
    caller: &Caller,
    account: &Account,
    code: SmsCode,
) -> Result<(), AccountError> {
    let phone = phone_of(state, account)?;
    let otp = verify_code(state, &phone, OtpPurpose::Delete, &code, Field::Code).await?;
    // A deletion sent twice succeeds twice; only a code used meanwhile refuses.
    match erase_with(state, caller, account.id, "deleted-by-owner", Some(otp)).await? {
        Erasure::CodeUsed => Err(AccountError::Otp(Field::Code, OtpRejected::Expired)),
        Erasure::Erased | Erasure::AlreadyErased => Ok(()),
    }
}

/// Signs the caller's account out of the session stored as `session_id_hash`: the
/// record is deleted with its audit row (`sign-out`, and `consent-declined` first
/// when `declined`) in one transaction.
///
/// Errors: a caller that is not an account; storage failures.
pub async fn sign_out(
    state: &AppState,
    caller: &Caller,
    session_id_hash: &[u8],
    declined: bool,
) -> anyhow::Result<()> {
    let Actor::Account(account) = caller.actor else {
        anyhow::bail!("only an account signs out");
    };
    let mut tx = state.db.write(&[]).await?;
    sessions::delete(&mut tx, session_id_hash).await?;
    let now = state.clock.unix();
    // Signing out of Gatehouse signs the account out of the apps it signed in to
    // (their refresh tokens; docs/DESIGN.md §11).
    crate::server::db::oidc_grants::revoke_account(&state.db, &mut tx, account, None, now).await?;
    let mut events = Vec::new();
    if declined {
        events.push(AuditEvent::success(
            AuditAction::ConsentDeclined,
            Some(account),
            json!({}),
        ));
    }
    events.push(AuditEvent::success(
        AuditAction::SignOut,
        Some(account),
        json!({}),
    ));
    audit::record_all(&mut tx, &state.keys, now, caller, events).await?;
    tx.commit().await?;
    Ok(())
}

/// Erases the account's personal data (docs/DESIGN.md §5, §7) for `reason`: the
/// account becomes a tombstone (blind index, phone ciphertext and password hash
/// gone, so the number can sign up again as a new account), its profile, sessions
/// and sign-in history are deleted, its codes unlinked from the number, its key
/// destroyed (its consent and audit rows stay, and the audit chain with them, but
/// their address and browser no longer decrypt); an audit row without personal
/// data records it. One transaction, locking the number (so a sign-in of it either
/// finishes before or finds no account). Confirming the user's wish is the door's.
///
/// Returns `true` when this call erased the account, `false` when it was a
/// tombstone already (another erasure won; nothing written).
///
/// Errors: storage failures.
pub async fn erase(
    state: &AppState,
    caller: &Caller,
    account: AccountId,
    reason: &str,
) -> anyhow::Result<bool> {
    let erasure = erase_with(state, caller, account, reason, None).await?;
    Ok(erasure == Erasure::Erased)
}

/// How an erasure ended.
#[derive(Debug, PartialEq, Eq)]
enum Erasure {
    Erased,
    /// A tombstone already, or no such account: nothing written.
    AlreadyErased,
    /// The confirming code was consumed meanwhile: nothing erased.
    CodeUsed,
}

/// [`erase`], consuming `code` in the same transaction when given.
async fn erase_with(
    state: &AppState,
    caller: &Caller,
    account: AccountId,
    reason: &str,
    code: Option<OtpId>,
) -> anyhow::Result<Erasure> {
    // The number may move between reading it and locking it: read it again under
    // the lock, and lock again if it did.
    for _ in 0..3 {
        let index = {
            let mut conn = state.db.read().await?;
            match accounts::by_id(&mut conn, account).await? {
                Some(a) if a.deleted_at.is_none() => a.phone_index,
                _ => return Ok(Erasure::AlreadyErased),
            }
        };
        let mut tx = state.db.write(&[Lock::Phone(&index)]).await?;
        let Some(now_stored) = accounts::by_id(&mut tx, account).await? else {
            return Ok(Erasure::AlreadyErased);
        };
        if now_stored.phone_index != index {
            continue;
        }
        let now = state.clock.unix();
        if let Some(code) = code {
            if !otp_codes::consume(&mut tx, code, now).await? {
                return Ok(Erasure::CodeUsed);
            }
        }
        if !accounts::tombstone(&mut tx, account, now).await? {
            return Ok(Erasure::AlreadyErased);
        }
        let ended = sessions::delete_all_of(&mut tx, account).await?;
        sign_ins::delete_all_of(&mut tx, account).await?;
        known_browsers::delete_all_of(&mut tx, account).await?;
        crate::server::db::oidc_grants::delete_all_of(&mut tx, account).await?;
        profiles::delete(&mut tx, account).await?;
        otp_codes::anonymize_phone(&mut tx, &index).await?;
        throttles::clear(&mut tx, &index, None).await?;
        // A standing marketing consent is withdrawn in the ledger, under the key
        // about to go.
        if consents::marketing_of(&mut tx, account)
            .await?
            .is_some_and(|(granted, _)| granted)
        {
            let withdrawn = MarketingChoice {
                account_id: account,
                granted: false,
                at: now,
                ip: caller.meta.ip.clone(),
                user_agent: caller.meta.user_agent.clone(),
                method: ConsentMethod::Erasure,
            };
            consents::record_marketing(&mut tx, &state.keys, &withdrawn).await?;
        }
        // Written before the key goes, under it: the row stays, its address and
        // browser are erased with the rest.
        let details = json!({ "reason": reason, "sessions_ended": ended });
        let erased = AuditEvent::success(AuditAction::AccountErased, Some(account), details);
        audit::record(&mut tx, &state.keys, now, caller, erased).await?;
        account_keys::destroy(&mut tx, account).await?;
        tx.commit().await?;
        return Ok(Erasure::Erased);
    }
    anyhow::bail!("account {account}'s number kept changing while it was erased")
}
