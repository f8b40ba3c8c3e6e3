//! The sign-up server functions: thin contracts that validate the payload with the
//! same `validate()` the page runs, call the service and map its error (STYLE 4).

use super::form::{RegisterForm, SendCodeForm};
use crate::error::ApiError;
use crate::legal::DocumentKind;
use dioxus::prelude::*;
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
}

/// `POST /api/register/code`: sends a sign-up code.
///
/// Errors: 422 bad phone; 429 cooldown (with seconds left), hourly, daily, per-IP or
/// global cap; 502 the SMS could not be sent (no cooldown started).
#[post("/api/register/code", ctx: crate::server::http::RequestContext)]
pub async fn send_register_code(form: SendCodeForm) -> Result<CodeSent, ApiError> {
    let phone = form
        .validate()
        .map_err(|e| ApiError::invalid(e, ctx.lang))?;
    super::service::send_code(&ctx, phone)
        .await
        .map_err(|e| e.into_api(ctx.lang))
}

/// `POST /api/register`: creates the account and signs the browser in.
///
/// Errors: 422 every bad field at once, and 422 on the code field for a wrong,
/// expired, used or dead code, or on the invitation field for an unusable invitation
/// code; 429 too many wrong codes for the number; 409 the number has an account
/// (only after its code verified), or 409 [`crate::i18n::Msg::DocumentsChanged`]
/// when `documents` are not the versions in force (checked first: nothing is used
/// up).
#[post("/api/register", ctx: crate::server::http::RequestContext)]
pub async fn register(form: RegisterForm) -> Result<Registered, ApiError> {
    let account = form
        .validate(ctx.state.settings.invitation_mode)
        .map_err(|e| ApiError::invalid(e, ctx.lang))?;
    super::service::register(&ctx, account)
        .await
        .map_err(|e| e.into_api(ctx.lang))
}

/// `GET /api/register/status`: the number last sent a code from this browser and its
/// cooldown, so a reload keeps counting down.
#[get("/api/register/status", ctx: crate::server::http::RequestContext)]
pub async fn register_status() -> Result<RegisterStatus, ApiError> {
    super::service::status(&ctx)
        .await
        .map_err(|e| e.into_api(ctx.lang))
}
