//! What the account's own changes do on the server: plain async functions over the
//! state and a [`Caller`], free of HTTP and sessions, each writing its audit rows in
//! the transaction of the change.

use crate::server::audit::{self, AuditAction, AuditEvent};
use crate::server::caller::{Actor, Caller};
use crate::server::db::accounts::{self, AccountId};
use crate::server::db::sessions;
use crate::server::state::AppState;
use serde_json::json;

/// Suspends or reinstates the account (docs/DESIGN.md §6) for `reason`; suspending
/// also ends every session of it. One transaction with its audit rows.
///
/// Errors: storage failures.
pub async fn set_suspended(
    state: &AppState,
    caller: &Caller,
    account: AccountId,
    suspended: bool,
    reason: &str,
) -> anyhow::Result<()> {
    let mut tx = state.db.write(&[]).await?;
    accounts::set_suspended(&mut tx, account, suspended).await?;
    let ended = if suspended {
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
    audit::record(&mut tx, &state.keys, now, caller, changed).await?;
    if let Some(event) = AuditEvent::sessions_ended(account, ended, "suspended") {
        audit::record(&mut tx, &state.keys, now, caller, event).await?;
    }
    tx.commit().await?;
    Ok(())
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
    for event in events {
        audit::record(&mut tx, &state.keys, now, caller, event).await?;
    }
    tx.commit().await?;
    Ok(())
}
