//! Sign-up for a personal account (docs/DESIGN.md §1–2): the form's payloads and rules,
//! the server functions, the service behind them and the page.

mod api;
mod form;
#[cfg(feature = "server")]
pub mod invitations;
mod page;
#[cfg(feature = "server")]
pub mod service;
mod types;

pub use api::{pow_challenge, register, register_status, send_register_code};
pub use form::{NewAccount, RegisterForm, SendCodeForm};
pub use page::RegisterPage;
pub use types::{CodeSent, RegisterStatus, Registered};
