//! The operator's admin area (docs/DESIGN.md §6): accounts found by their exact
//! number and acted on (suspend, reinstate, end sessions, cancel), misuse reports,
//! invitation codes, document versions, OpenID Connect clients, the run-time
//! settings and the audit log.
//!
//! Every page under `/admin` and every server function under `/api/admin` is for
//! an account with the admin role (granted with `gatehouse admin grant`), and
//! every server function but the confirmation's needs the admin's password or an
//! SMS code confirmed within [`ADMIN_CONFIRMATION_SECS`]: the area guard checks it
//! by prefix before anything runs, and each server function checks again.
//!
//! - [`types`] and [`form`]: what pages and server functions exchange, shared by
//!   the browser and the server.
//! - [`api`]: the server functions; `service` (the changes) and `view` (the
//!   reads) behind them, server only.
//! - `pages`: `/admin` (find an account, misuse reports), `/admin/accounts/{id}`,
//!   `/admin/invitations`, `/admin/documents`, `/admin/clients` (its server
//!   functions are in `crate::oidc::api`), `/admin/settings`, `/admin/audit`.

pub mod api;
pub mod form;
mod pages;
pub mod types;

pub use pages::{
    AdminAccountPage, AdminAuditPage, AdminClientsPage, AdminDocumentsPage, AdminHomePage,
    AdminInvitationsPage, AdminSettingsPage,
};

/// How long a confirmation of the admin area lasts: 15 minutes, in seconds
/// (docs/DESIGN.md §6; NIST SP 800-63B §4.2.3 asks for reauthentication of
/// sensitive operations, OWASP ASVS V4.3 for administrative interfaces).
pub const ADMIN_CONFIRMATION_SECS: i64 = 15 * 60;

#[cfg(feature = "server")]
pub mod service;
#[cfg(feature = "server")]
mod view;
