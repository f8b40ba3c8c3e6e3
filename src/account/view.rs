//! What the account center reads (docs/DESIGN.md §5): the page's summary and the
//! account's download, both decrypted under the data key and the account's key.

use super::browser_name;
use super::types::*;
use crate::i18n::Msg;
use crate::server::audit::{self, AuditAction, AuditEvent};
use crate::server::caller::Caller;
use crate::server::clock::{china_datetime, china_rfc3339};
use crate::server::crypto::AccountKey;
use crate::server::db::accounts::{self, Account};
use crate::server::db::consents::{self, ConsentMethod};
use crate::server::db::sign_ins::{self, SignInMethod, SignInOutcome};
use crate::server::db::{account_keys, misuse_reports, profiles, sessions, Conn};
use crate::server::session;
use crate::server::state::AppState;
use serde_json::{json, Value};

fn method(method: SignInMethod) -> Msg {
    match method {
        SignInMethod::Password => Msg::MethodPassword,
        SignInMethod::Sms => Msg::MethodSms,
        SignInMethod::Reset => Msg::MethodReset,
        SignInMethod::SignUp => Msg::MethodSignUp,
    }
}

fn consent_method(method: ConsentMethod) -> Msg {
    match method {
        ConsentMethod::SignUp => Msg::MethodSignUp,
        ConsentMethod::Reconsent => Msg::MethodReconsent,
        ConsentMethod::AccountCenter => Msg::MethodAccountCenter,
        ConsentMethod::Erasure => Msg::DeleteTitle,
    }
}

/// What the owner is told of an attempt: a wrong password and an unknown
/// number read the same (the history is the account's own), as do the
/// outcomes that name no fault of the user.
fn outcome(outcome: SignInOutcome) -> Msg {
    match outcome {
        SignInOutcome::Success => Msg::OutcomeSuccess,
        SignInOutcome::WrongPassword => Msg::OutcomeWrongPassword,
        SignInOutcome::WrongCode => Msg::OutcomeWrongCode,
        SignInOutcome::Throttled => Msg::OutcomeThrottled,
        SignInOutcome::Suspended => Msg::OutcomeSuspended,
        SignInOutcome::UnknownPhone | SignInOutcome::NoAccount | SignInOutcome::CodeUsed => {
            Msg::OutcomeOther
        }
    }
}

/// One live session, decoded.
struct LiveSession {
    public_id: String,
    ip: String,
    user_agent: String,
    created_at: i64,
    last_seen_at: i64,
    current: bool,
}

/// The account's sessions still live under the timeouts, newest sign-in first;
/// `current` is the asking browser's stored id hash.
async fn live_sessions(
    state: &AppState,
    conn: &mut Conn,
    account: &Account,
    current: &[u8],
) -> anyhow::Result<Vec<LiveSession>> {
    let now = state.clock.unix();
    let idle = i64::from(state.settings.session_idle_minutes) * 60;
    let absolute = i64::from(state.settings.session_absolute_hours) * 3_600;
    sessions::of_account(conn, account.id)
        .await?
        .into_iter()
        .filter(|s| session::is_live(now, s.created_at, s.last_seen_at, idle, absolute))
        .map(|s| {
            let (ip, user_agent) = session::origin(&state.keys, &s.data)?;
            Ok(LiveSession {
                public_id: session::public_id(&s.id_hash),
                ip,
                user_agent,
                created_at: s.created_at,
                last_seen_at: s.last_seen_at,
                current: current == s.id_hash.as_slice(),
            })
        })
        .collect()
}

/// The account's key, which every live account has.
async fn key_of(
    state: &AppState,
    conn: &mut Conn,
    account: &Account,
) -> anyhow::Result<AccountKey> {
    account_keys::for_reading(conn, &state.keys, account.id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("account {} has no key", account.id))
}

/// The account center's summary; `current` is the asking browser's session.
///
/// Errors: storage failures; data that does not decrypt.
pub async fn summary(
    state: &AppState,
    account: &Account,
    current: &[u8],
) -> anyhow::Result<AccountSummary> {
    let phone = super::service::phone_of(state, account)?;
    let mut conn = state.db.read().await?;
    let key = key_of(state, &mut conn, account).await?;
    let profile = profiles::of_account(&mut conn, &key, account.id).await?;
    let marketing = consents::marketing_of(&mut conn, account.id).await?;
    let sessions = live_sessions(state, &mut conn, account, current)
        .await?
        .into_iter()
        .map(|s| SessionEntry {
            id: s.public_id,
            browser: browser_name(&s.user_agent),
            ip: s.ip,
            signed_in_at: china_datetime(s.created_at),
            last_active_at: china_datetime(s.last_seen_at),
            current: s.current,
        })
        .collect();
    let sign_ins = sign_ins::recent(&mut conn, account.id, 20)
        .await?
        .into_iter()
        .map(|s| SignInEntry {
            id: s.id,
            at: china_datetime(s.attempt.at),
            ip: s.attempt.ip,
            browser: browser_name(&s.attempt.user_agent),
            method: method(s.attempt.method),
            outcome: outcome(s.attempt.outcome),
        })
        .collect();
    let consents = consents::of_account(&mut conn, account.id)
        .await?
        .into_iter()
        .map(|c| ConsentEntry {
            kind: c.document,
            version: c.version,
            at: china_datetime(c.accepted_at),
            method: consent_method(c.method),
        })
        .collect();
    Ok(AccountSummary {
        masked_phone: phone.masked(),
        created_at: china_datetime(account.created_at),
        profile: ProfileView::from(&profile),
        marketing: MarketingView {
            granted: marketing.is_some_and(|(granted, _)| granted),
            since: marketing.map(|(_, at)| china_datetime(at)),
        },
        sessions,
        sign_ins,
        consents,
    })
}

/// The account's download (docs/DESIGN.md §5, README "Download my data"):
/// everything kept about it, as one JSON object, times RFC 3339 in China Standard
/// Time. Writes its `data-exported` audit row first, so the download includes it.
///
/// Errors: storage failures; data that does not decrypt.
pub async fn export(
    state: &AppState,
    caller: &Caller,
    account: &Account,
    current: &[u8],
) -> anyhow::Result<Value> {
    let now = state.clock.unix();
    {
        let mut tx = state.db.write(&[]).await?;
        let event = AuditEvent::success(AuditAction::DataExported, Some(account.id), json!({}));
        audit::record(&mut tx, &state.keys, now, caller, event).await?;
        tx.commit().await?;
    }
    let phone = super::service::phone_of(state, account)?;
    let mut conn = state.db.read().await?;
    let key = key_of(state, &mut conn, account).await?;
    let profile = profiles::of_account(&mut conn, &key, account.id).await?;
    let marketing = consents::marketing_of(&mut conn, account.id).await?;
    let invitation = accounts::invitation_code_of(&mut conn, account.id).await?;
    let text = |bytes: &[u8]| -> anyhow::Result<String> {
        Ok(String::from_utf8_lossy(&key.decrypt(bytes)?).into_owned())
    };
    let consents: Vec<Value> = consents::ledger_of(&mut conn, &key, account.id)
        .await?
        .into_iter()
        .map(|c| {
            json!({
                "document": c.document,
                "version": c.version,
                "granted": c.granted,
                "at": china_rfc3339(c.accepted_at),
                "method": c.method.as_str(),
                "ip": c.ip,
                "user_agent": c.user_agent,
            })
        })
        .collect();
    let sign_ins: Vec<Value> = sign_ins::recent(&mut conn, account.id, u32::MAX)
        .await?
        .into_iter()
        .map(|s| {
            json!({
                "id": s.id,
                "at": china_rfc3339(s.attempt.at),
                "ip": s.attempt.ip,
                "user_agent": s.attempt.user_agent,
                "method": s.attempt.method.as_str(),
                "outcome": s.attempt.outcome.as_str(),
            })
        })
        .collect();
    let sessions: Vec<Value> = live_sessions(state, &mut conn, account, current)
        .await?
        .into_iter()
        .map(|s| {
            json!({
                "id": s.public_id,
                "signed_in_at": china_rfc3339(s.created_at),
                "last_active_at": china_rfc3339(s.last_seen_at),
                "ip": s.ip,
                "user_agent": s.user_agent,
                "current": s.current,
            })
        })
        .collect();
    let reports = misuse_reports::of_account(&mut conn, account.id)
        .await?
        .into_iter()
        .map(|r| {
            Ok(json!({
                "id": r.id,
                "subject": r.subject.as_str(),
                "reference": r.reference,
                "note": text(&r.note)?,
                "at": china_rfc3339(r.created_at),
                "handled_at": r.handled_at.map(china_rfc3339),
            }))
        })
        .collect::<anyhow::Result<Vec<Value>>>()?;
    // Events about the account are under its key; a few written before that rule
    // are under the data key; one that reads under neither is shown as null.
    let event_text = |bytes: &[u8]| {
        key.decrypt(bytes)
            .or_else(|_| state.keys.decrypt(bytes))
            .ok()
            .map(|b| String::from_utf8_lossy(&b).into_owned())
    };
    let events = crate::server::db::audit::recent(&mut conn, Some(account.id), u32::MAX)
        .await?
        .into_iter()
        .rev()
        .map(|e| {
            let details: Value = serde_json::from_str(&e.details)?;
            Ok(json!({
                "id": e.id,
                "at": china_rfc3339(e.at),
                "action": e.action,
                "result": e.result,
                "actor": e.actor_kind,
                "ip": event_text(&e.ip),
                "user_agent": event_text(&e.user_agent),
                "request_id": e.request_id,
                "details": details,
            }))
        })
        .collect::<anyhow::Result<Vec<Value>>>()?;
    Ok(json!({
        "format": "gatehouse-account-export/1",
        "exported_at": china_rfc3339(now),
        "account": {
            "created_at": china_rfc3339(account.created_at),
            "status": if account.suspended { "suspended" } else { "active" },
        },
        "phone": phone.as_str(),
        // Each part as saved, or null: the domain types serialize as their text.
        "profile": profile,
        "marketing": {
            "granted": marketing.is_some_and(|(granted, _)| granted),
            "since": marketing.map(|(_, at)| china_rfc3339(at)),
        },
        "invitation_code": invitation,
        "consents": consents,
        "sign_ins": sign_ins,
        "sessions": sessions,
        "misuse_reports": reports,
        "audit_events": events,
    }))
}
