//! The OpenID Connect provider (docs/DESIGN.md §11; OpenID Connect Core 1.0, the
//! Basic OP profile): the console and the operator's other apps sign their users
//! in through Gatehouse with any certified relying-party library.
//!
//! - [`types`]: what the consent page, the account center's list of allowed apps
//!   and the admin area's client list exchange with the server (browser and server).
//! - `page`: `/authorize/consent` (a third-party app asks for scopes) and
//!   `/authorize/error` (a request that cannot go back to its app).
//! - [`api`]: the server functions behind those pages.
//! - server only: `keys` (RS256 signing keys), `service` (clients, grants, codes,
//!   tokens: every door calls it), `endpoints` (discovery, `/jwks`, `/authorize`,
//!   `/token`, `/userinfo`, `/end-session`).

pub mod api;
mod page;
pub mod types;

pub use page::{ConnectedApps, OidcConsentPage, OidcErrorPage};
pub use types::*;

#[cfg(feature = "server")]
pub mod endpoints;
#[cfg(feature = "server")]
pub mod keys;
#[cfg(feature = "server")]
pub mod service;

/// How long an authorization request waits for its visitor to sign in, agree
/// and consent (seconds).
pub const REQUEST_SECS: i64 = 600;
/// How long an authorization code may be exchanged (seconds; OAuth 2.0 §4.1.2
/// recommends at most 10 minutes, one is plenty for a server-side exchange).
pub const CODE_SECS: i64 = 60;
/// How long an ID token and an access token are good for (seconds).
pub const TOKEN_SECS: i64 = 600;
/// How long a refresh token family lives from the code exchange (seconds, 30
/// days); rotation does not extend it.
pub const REFRESH_SECS: i64 = 30 * 24 * 3_600;
