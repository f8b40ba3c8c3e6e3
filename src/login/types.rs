//! What the sign-in pages and their server functions exchange.

use serde::{Deserialize, Serialize};

/// The browser is signed in (with a new session id).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignedIn {
    /// e.g. `138****8000`.
    pub masked_phone: String,
}
