//! Invitation codes (docs/DESIGN.md §1, §6): the operator creates them, sign-up uses
//! them. Creating and withdrawing one are services every door calls (`gatehouse
//! invite create`, the admin area), audited.

use crate::domain::InvitationCode;
use crate::server::audit::{self, AuditAction, AuditEvent};
use crate::server::caller::Caller;
use crate::server::db::invitations::{self, NewInvitation};
use crate::server::state::AppState;
use chrono::{DateTime, Utc};
use rand::Rng;

/// Why no code was created.
#[derive(Debug, thiserror::Error)]
pub enum InvitationError {
    #[error("a code must allow at least one account")]
    NoUses,
    #[error("the expiry is in the past")]
    ExpiryPast,
    #[error("no such active invitation code")]
    NotFound,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// Creates a random code (8 characters of Crockford base32 from the operating
/// system's CSPRNG) valid for `uses` accounts until `expires_at`, with the
/// operator's `note` (encrypted under the data key), and its audit row, in one
/// transaction.
///
/// Errors: [`InvitationError::NoUses`] for 0; [`InvitationError::ExpiryPast`] for
/// an expiry not after now.
pub async fn create(
    state: &AppState,
    caller: &Caller,
    uses: u32,
    expires_at: DateTime<Utc>,
    note: Option<&str>,
) -> Result<InvitationCode, InvitationError> {
    if uses == 0 {
        return Err(InvitationError::NoUses);
    }
    if expires_at <= state.clock.now() {
        return Err(InvitationError::ExpiryPast);
    }
    let mut rng = rand::rngs::OsRng;
    let text: String = (0..InvitationCode::LEN)
        .map(|_| InvitationCode::ALPHABET[rng.gen_range(0..32)] as char)
        .collect();
    let code = InvitationCode::parse(&text).expect("generated from the alphabet");
    let now = state.clock.unix();
    let invitation = NewInvitation {
        code: code.as_str().to_owned(),
        quota: uses,
        expires_at: expires_at.timestamp(),
        created_at: now,
        note: note.map(|n| state.keys.encrypt(n.as_bytes())),
    };
    let mut tx = state.db.write(&[]).await?;
    invitations::insert(&mut tx, &invitation).await?;
    // The code itself is a credential for signing up: the row names its quota and
    // expiry only.
    let details = serde_json::json!({
        "uses": uses,
        "expires_at": invitation.expires_at,
        "note": note.is_some(),
    });
    let event = AuditEvent::success(AuditAction::InvitationCreated, None, details);
    audit::record(&mut tx, &state.keys, now, caller, event).await?;
    tx.commit().await.map_err(anyhow::Error::from)?;
    Ok(code)
}

/// Withdraws the active code `code`: no sign-up uses it afterwards; with its audit
/// row (the code's row id, never the code) in one transaction.
///
/// Errors: [`InvitationError::NotFound`] for a code unknown or withdrawn already.
pub async fn withdraw(
    state: &AppState,
    caller: &Caller,
    code: &InvitationCode,
) -> Result<(), InvitationError> {
    let mut tx = state.db.write(&[]).await?;
    let Some(found) = invitations::by_code(&mut tx, code.as_str()).await? else {
        return Err(InvitationError::NotFound);
    };
    if !invitations::withdraw(&mut tx, code.as_str()).await? {
        return Err(InvitationError::NotFound);
    }
    let details = serde_json::json!({ "invitation": found.id, "used": found.used });
    let event = AuditEvent::success(AuditAction::InvitationWithdrawn, None, details);
    audit::record(&mut tx, &state.keys, state.clock.unix(), caller, event).await?;
    tx.commit().await.map_err(anyhow::Error::from)?;
    Ok(())
}
