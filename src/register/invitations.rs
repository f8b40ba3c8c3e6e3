//! Invitation codes (docs/DESIGN.md §1, §6): the operator creates them, sign-up uses
//! them. Creating one is a service every door calls (`gatehouse invite create`
//! today, the admin area later), audited.

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
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// Creates a random code (8 characters of Crockford base32 from the operating
/// system's CSPRNG) valid for `uses` accounts until `expires_at`, and its audit row,
/// in one transaction.
///
/// Errors: [`InvitationError::NoUses`] for 0; [`InvitationError::ExpiryPast`] for
/// an expiry not after now.
pub async fn create(
    state: &AppState,
    caller: &Caller,
    uses: u32,
    expires_at: DateTime<Utc>,
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
    };
    let mut tx = state.db.write(&[]).await?;
    invitations::insert(&mut tx, &invitation).await?;
    // The code itself is a credential for signing up: the row names its quota and
    // expiry only.
    let details = serde_json::json!({ "uses": uses, "expires_at": invitation.expires_at });
    let event = AuditEvent::success(AuditAction::InvitationCreated, None, details);
    audit::record(&mut tx, &state.keys, now, caller, event).await?;
    tx.commit().await.map_err(anyhow::Error::from)?;
    Ok(code)
}
