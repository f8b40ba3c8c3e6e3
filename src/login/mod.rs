//! Getting back in (docs/DESIGN.md §3): sign-in with phone + password or phone + SMS
//! code, and password reset with an SMS code. Pages `/login` and `/reset-password`.

mod api;
mod form;
#[cfg(feature = "server")]
pub mod no_script;
mod page;
#[cfg(feature = "server")]
pub mod service;
mod types;

pub use api::{
    login_with_code, login_with_password, reset_password, send_login_code, send_reset_code,
};
pub use form::{safe_next, CodeLoginForm, PasswordLoginForm, ResetForm};
pub use page::{LoginPage, ResetPasswordPage};
pub use types::{LoginFlash, SignedIn};
