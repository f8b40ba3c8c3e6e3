//! What the account's own changes do on the server: plain async functions over the
//! state and a [`Caller`], free of HTTP and sessions, each writing its audit rows in
//! the transaction of the change.

use crate::server::audit::{self, AuditAction, AuditEvent};
use crate::server::caller::{Actor, Caller};
use crate::server::db::accounts::{self, AccountId};
use crate::server::db::{account_keys, sessions, sign_ins};
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
    let ended = AuditEvent::sessions_ended(account, ended, "suspended");
    let events = std::iter::once(changed).chain(ended);
    audit::record_all(&mut tx, &state.keys, now, caller, events).await?;
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
    audit::record_all(&mut tx, &state.keys, now, caller, events).await?;
    tx.commit().await?;
    Ok(())
}

/// Erases the account's personal data (docs/DESIGN.md §5, §7) for `reason`: the
/// account becomes a tombstone (blind index, phone ciphertext and password hash
/// gone), its key is destroyed (its consent and audit rows stay, and the audit
/// chain with them, but no longer decrypt), its sessions and sign-in history are
/// deleted; an audit row without personal data records it. One transaction.
/// Confirming the user's wish (an SMS code) is the door's.
///
/// Errors: storage failures.
pub async fn erase(
    state: &AppState,
    caller: &Caller,
    account: AccountId,
    reason: &str,
) -> anyhow::Result<()> {
    let mut tx = state.db.write(&[]).await?;
    let now = state.clock.unix();
    if !accounts::tombstone(&mut tx, account, now).await? {
        return Ok(());
    }
    let ended = sessions::delete_all_of(&mut tx, account).await?;
    sign_ins::delete_all_of(&mut tx, account).await?;
    // Written before the key goes, under it: the row stays, its address and
    // browser are erased with the rest.
    let details = json!({ "reason": reason, "sessions_ended": ended });
    let erased = AuditEvent::success(AuditAction::AccountErased, Some(account), details);
    audit::record(&mut tx, &state.keys, now, caller, erased).await?;
    account_keys::destroy(&mut tx, account).await?;
    tx.commit().await?;
    Ok(())
}
