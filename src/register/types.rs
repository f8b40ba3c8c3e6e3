//! What the sign-up page and its server functions exchange.

use crate::domain::DocumentKind;
use serde::{Deserialize, Serialize};

/// A code was sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CodeSent {
    /// Seconds until another code may be requested for this number.
    pub cooldown_secs: u64,
}

/// The account was created and the browser is signed in to it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Registered {
    /// The phone number as pages show it, e.g. `138****8000`.
    pub masked_phone: String,
}

/// What a reload of the sign-up page restores.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RegisterStatus {
    /// The number this browser last requested a code for.
    pub phone: Option<String>,
    /// Seconds left of that number's cooldown.
    pub cooldown_secs: u64,
    /// Each document's version in force, (kind, version): what the consent
    /// checkbox agrees to, sent back with the form.
    pub documents: Vec<(DocumentKind, u32)>,
    /// Whether the form asks for an invitation code, as an admin set it now
    /// (docs/DESIGN.md §6): sent back with the form.
    pub invitation_mode: crate::domain::InvitationMode,
}
