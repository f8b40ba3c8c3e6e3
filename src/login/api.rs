//! Sign-in and reset server functions: validate with the shared `validate()`, call
//! the service, map its error once (STYLE 4).

use super::form::{CodeLoginForm, PasswordLoginForm, ResetForm};
use crate::error::ApiError;
use crate::register::{CodeSent, SendCodeForm};
use dioxus::prelude::*;
use serde::{Deserialize, Serialize};

/// The browser is signed in (with a new session id).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignedIn {
    /// e.g. `138****8000`.
    pub masked_phone: String,
}

/// `POST /api/login/password`.
///
/// Errors: 422 bad fields; 401 "Phone number or password is incorrect" for an
/// unknown number and a wrong password alike; 429 throttled (seconds left);
/// 403 suspended.
#[post("/api/login/password", ctx: crate::server::http::RequestContext)]
pub async fn login_with_password(form: PasswordLoginForm) -> Result<SignedIn, ApiError> {
    let (phone, password) = form
        .validate()
        .map_err(|e| ApiError::invalid(e, ctx.lang))?;
    super::service::with_password(&ctx, phone, password)
        .await
        .map_err(|e| e.into_api(ctx.lang))
}

/// `POST /api/login/code/send`: a sign-in code. The same answer, cooldown and caps
/// whether or not the number has an account; nothing is sent to one without.
///
/// Errors: 422 bad phone; 429 rate limits; 502 SMS provider failure.
#[post("/api/login/code/send", ctx: crate::server::http::RequestContext)]
pub async fn send_login_code(form: SendCodeForm) -> Result<CodeSent, ApiError> {
    let phone = form
        .validate()
        .map_err(|e| ApiError::invalid(e, ctx.lang))?;
    super::service::send_code(&ctx, phone, crate::domain::OtpPurpose::Login)
        .await
        .map_err(|e| e.into_api(ctx.lang))
}

/// `POST /api/login/code`.
///
/// Errors: 422 bad fields or a wrong, expired or dead code; 429 throttled;
/// 404 the number has no account (told only after its code verified); 403 suspended.
#[post("/api/login/code", ctx: crate::server::http::RequestContext)]
pub async fn login_with_code(form: CodeLoginForm) -> Result<SignedIn, ApiError> {
    let (phone, code) = form
        .validate()
        .map_err(|e| ApiError::invalid(e, ctx.lang))?;
    super::service::with_code(&ctx, phone, code)
        .await
        .map_err(|e| e.into_api(ctx.lang))
}

/// `POST /api/reset/code/send`: a reset code, answered like a sign-in code.
#[post("/api/reset/code/send", ctx: crate::server::http::RequestContext)]
pub async fn send_reset_code(form: SendCodeForm) -> Result<CodeSent, ApiError> {
    let phone = form
        .validate()
        .map_err(|e| ApiError::invalid(e, ctx.lang))?;
    super::service::send_code(&ctx, phone, crate::domain::OtpPurpose::Reset)
        .await
        .map_err(|e| e.into_api(ctx.lang))
}

/// `POST /api/reset`: sets a new password, ends every session of the account and
/// signs this browser in afresh. Works while sign-in is throttled.
///
/// Errors: 422 bad fields or a wrong, expired or dead code; 403 suspended.
#[post("/api/reset", ctx: crate::server::http::RequestContext)]
pub async fn reset_password(form: ResetForm) -> Result<SignedIn, ApiError> {
    let (phone, code, password) = form
        .validate()
        .map_err(|e| ApiError::invalid(e, ctx.lang))?;
    super::service::reset(&ctx, phone, code, password)
        .await
        .map_err(|e| e.into_api(ctx.lang))
}
