//! The account page (minimal for now): the signed-in phone number, masked, and
//! sign-out that ends the session on the server (DESIGN.md §3, §5).

mod page;

pub use page::AccountPage;

use crate::error::ApiError;
use dioxus::prelude::*;
use serde::{Deserialize, Serialize};

/// What the account page shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountSummary {
    /// e.g. `138****8000`.
    pub masked_phone: String,
}

/// `GET /api/account`: the signed-in account.
///
/// Errors: 401 without a valid session (or when the account is suspended).
#[get("/api/account", ctx: crate::server::http::RequestContext)]
pub async fn account_summary() -> Result<AccountSummary, ApiError> {
    use crate::domain::PhoneNumber;
    use crate::i18n::Msg;
    use dioxus::fullstack::StatusCode;
    let unauthorized = || ApiError::new(StatusCode::UNAUTHORIZED, Msg::SessionRequired, ctx.lang);
    let unexpected = |e: anyhow::Error| {
        tracing::error!(error = %format!("{e:#}"), "account summary failed");
        ApiError::unexpected(ctx.lang)
    };
    let account_id = crate::server::session::account_id(&ctx.session)
        .await
        .map_err(unexpected)?
        .ok_or_else(unauthorized)?;
    let account = ctx
        .state
        .storage
        .account(account_id)
        .await
        .map_err(unexpected)?
        .filter(|a| !a.suspended)
        .ok_or_else(unauthorized)?;
    let phone = ctx
        .state
        .keys
        .decrypt(&account.phone_encrypted)
        .map_err(unexpected)?;
    let phone = PhoneNumber::parse(&String::from_utf8_lossy(&phone))
        .map_err(|_| unexpected(anyhow::anyhow!("stored phone does not parse")))?;
    Ok(AccountSummary {
        masked_phone: phone.masked(),
    })
}

/// `POST /api/session/sign-out`: deletes the session on the server; the cookie is
/// worthless afterwards. Succeeds also without a session.
#[post("/api/session/sign-out", ctx: crate::server::http::RequestContext)]
pub async fn sign_out() -> Result<(), ApiError> {
    crate::server::session::sign_out(&ctx.session)
        .await
        .map_err(|e| {
            tracing::error!(error = %format!("{e:#}"), "sign-out failed");
            ApiError::unexpected(ctx.lang)
        })
}
