//! The sign-up server functions: thin contracts that validate the payload with the
//! same `validate()` the page runs, call the service and map its error (docs/STYLE.md §4).

use super::form::{RegisterForm, SendCodeForm};
use super::types::{CodeSent, RegisterStatus, Registered};
use crate::domain::pow::PowChallenge;
use crate::domain::OtpPurpose;
use crate::error::ApiError;
use dioxus::prelude::*;

/// Session key: the number this browser last requested a sign-up code for.
#[cfg(feature = "server")]
const PENDING_PHONE_KEY: &str = "register_phone";

#[cfg(feature = "server")]
fn session_failed(lang: crate::i18n::Lang) -> impl Fn(tower_sessions::session::Error) -> ApiError {
    move |e| super::service::RegisterError::Unexpected(e.into()).into_api(lang)
}

/// `POST /api/pow/challenge`: a proof-of-work challenge for one send-code request
/// of `purpose` from this client, valid five minutes (src/server/otp/pow.rs): the
/// public ones (`register`, `login`, `reset`) and `change-phone`, whose new number
/// is any the user types.
///
/// Errors: 422 [`crate::i18n::Msg::PowFailed`] for another purpose; 500 storage.
#[cfg(not(public_build))]
#[post("/api/pow/challenge", ctx: crate::server::http::context::RequestContext)]
pub async fn pow_challenge(purpose: OtpPurpose) -> Result<PowChallenge, ApiError> {
    use crate::server::otp::{pow, SendError};
    if !matches!(
        purpose,
        OtpPurpose::Register | OtpPurpose::Login | OtpPurpose::Reset | OtpPurpose::ChangePhone
    ) {
        let status = dioxus::fullstack::StatusCode::UNPROCESSABLE_ENTITY;
        return Err(ApiError::new(status, crate::i18n::Msg::PowFailed, ctx.lang));
    }
    pow::issue(&ctx.state, &ctx.visitor(), purpose)
        .await
        .map_err(|e| SendError::Unexpected(e).into_api(ctx.lang))
}

crate::api_client::public_call! {
    post "/api/pow/challenge",
    fn pow_challenge(purpose: OtpPurpose) -> PowChallenge
}

/// `POST /api/register/code`: sends a sign-up code.
///
/// Errors: 422 bad phone; 403 no valid proof of work ([`pow_challenge`]); 429
/// cooldown (with seconds left), hourly, daily, per-IP or global cap; 502 the SMS
/// could not be sent (no cooldown started).
#[cfg(not(public_build))]
#[post("/api/register/code", ctx: crate::server::http::context::RequestContext)]
pub async fn send_register_code(form: SendCodeForm) -> Result<CodeSent, ApiError> {
    let phone = form
        .validate()
        .map_err(|e| ApiError::invalid(e, ctx.lang))?;
    let purpose = crate::domain::OtpPurpose::Register;
    let solution = form.pow.as_ref();
    crate::server::otp::pow::require(&ctx.state, &ctx.visitor(), purpose, solution, ctx.lang)
        .await?;
    super::service::send_code(&ctx.state, &ctx.visitor(), &phone, ctx.lang)
        .await
        .map_err(|e| e.into_api(ctx.lang))?;
    ctx.session
        .insert(PENDING_PHONE_KEY, phone.as_str())
        .await
        .map_err(session_failed(ctx.lang))?;
    Ok(CodeSent {
        cooldown_secs: ctx.state.send_limits.cooldown_secs as u64,
    })
}

crate::api_client::public_call! {
    post "/api/register/code",
    fn send_register_code(form: SendCodeForm) -> CodeSent
}

/// `POST /api/register`: creates the account and signs the browser in.
///
/// Errors: 422 every bad field at once, and 422 on the code field for a wrong,
/// expired, used or dead code, or on the invitation field for an unusable invitation
/// code; 429 too many wrong codes for the number; 409 the number has an account
/// (only after its code verified), 409 [`crate::i18n::Msg::DocumentsChanged`]
/// when `documents` are not the versions in force, or 409
/// [`crate::i18n::Msg::InvitationModeChanged`] when the page showed another
/// invitation mode than the one in force (both checked first: nothing is used up).
#[cfg(not(public_build))]
#[post("/api/register", ctx: crate::server::http::context::RequestContext)]
pub async fn register(form: RegisterForm) -> Result<Registered, ApiError> {
    use super::service::RegisterError;
    let mode = ctx
        .state
        .site
        .invitation_mode()
        .await
        .map_err(|e| RegisterError::Unexpected(e).into_api(ctx.lang))?;
    if form.invitation_mode.is_some_and(|shown| shown != mode) {
        return Err(RegisterError::InvitationModeChanged.into_api(ctx.lang));
    }
    let account = form
        .validate(mode)
        .map_err(|e| ApiError::invalid(e, ctx.lang))?;
    let phone = account.phone.clone();
    let account_id = super::service::register(&ctx.state, &ctx.visitor(), account)
        .await
        .map_err(|e| e.into_api(ctx.lang))?;
    crate::server::session::sign_in(
        &ctx.session,
        account_id,
        crate::server::db::sign_ins::SignInMethod::SignUp,
        &ctx.meta,
    )
    .await
    .map_err(|e| super::service::RegisterError::Unexpected(e).into_api(ctx.lang))?;
    // The account's first browser: later sign-ins from others get a notice.
    let browser = ctx.meta.user_agent.as_str();
    crate::server::notices::signed_in_from(
        &ctx.state, account_id, &phone, browser, false, ctx.lang,
    )
    .await
    .map_err(|e| super::service::RegisterError::Unexpected(e).into_api(ctx.lang))?;
    Ok(Registered {
        masked_phone: phone.masked(),
    })
}

crate::api_client::public_call! {
    post "/api/register",
    fn register(form: RegisterForm) -> Registered
}

/// `GET /api/register/status`: the number last sent a code from this browser and its
/// cooldown, so a reload keeps counting down.
#[cfg(not(public_build))]
#[get("/api/register/status", ctx: crate::server::http::context::RequestContext)]
pub async fn register_status() -> Result<RegisterStatus, ApiError> {
    let pending: Option<String> = ctx
        .session
        .get(PENDING_PHONE_KEY)
        .await
        .map_err(session_failed(ctx.lang))?;
    let pending = pending.and_then(|p| crate::domain::PhoneNumber::parse(&p).ok());
    super::service::status(&ctx.state, &ctx.visitor(), pending)
        .await
        .map_err(|e| e.into_api(ctx.lang))
}

crate::api_client::public_call! {
    get "/api/register/status",
    fn register_status() -> RegisterStatus
}
