//! Sign-in and reset server functions: validate with the shared `validate()`, call
//! the service, map its error once (docs/STYLE.md §4).

use super::form::{CodeLoginForm, PasswordLoginForm, ResetForm};
use super::types::SignedIn;
use crate::error::ApiError;
use crate::register::{CodeSent, SendCodeForm};
use dioxus::prelude::*;

/// Signs the browser in to `account` by `method` (a new session id, no fixation),
/// records the browser (a new one gets the account a notice, except after a reset,
/// which has sent its own) and answers with the number as pages show it.
#[cfg(feature = "server")]
async fn signed_in(
    ctx: &crate::server::http::context::RequestContext,
    account: crate::server::db::accounts::AccountId,
    phone: &crate::domain::PhoneNumber,
    method: crate::server::db::sign_ins::SignInMethod,
) -> Result<SignedIn, ApiError> {
    use crate::server::db::sign_ins::SignInMethod;
    // A reset has sent its own notice.
    let tell_new_browser = method != SignInMethod::Reset;
    crate::server::session::sign_in(&ctx.session, account, method, &ctx.meta)
        .await
        .map_err(|e| super::service::LoginError::Unexpected(e).into_api(ctx.lang))?;
    let (state, browser) = (&ctx.state, ctx.meta.user_agent.as_str());
    crate::server::notices::signed_in_from(
        state,
        account,
        phone,
        browser,
        tell_new_browser,
        ctx.lang,
    )
    .await
    .map_err(|e| super::service::LoginError::Unexpected(e).into_api(ctx.lang))?;
    Ok(SignedIn {
        masked_phone: phone.masked(),
    })
}

/// `POST /api/login/password`.
///
/// Errors: 422 bad fields; 401 "Phone number or password is incorrect" for an
/// unknown number and a wrong password alike; 429 throttled (seconds left);
/// 403 suspended.
#[cfg(not(public_build))]
#[post("/api/login/password", ctx: crate::server::http::context::RequestContext)]
pub async fn login_with_password(form: PasswordLoginForm) -> Result<SignedIn, ApiError> {
    password_sign_in(&ctx, &form).await
}

crate::api_client::public_call! {
    post "/api/login/password",
    fn login_with_password(form: PasswordLoginForm) -> SignedIn
}

/// The password sign-in both doors share: this server function and the form posted
/// without the wasm (`super::no_script`). Errors as [`login_with_password`]'s.
#[cfg(feature = "server")]
pub(super) async fn password_sign_in(
    ctx: &crate::server::http::context::RequestContext,
    form: &PasswordLoginForm,
) -> Result<SignedIn, ApiError> {
    let (phone, password) = form
        .validate()
        .map_err(|e| ApiError::invalid(e, ctx.lang))?;
    let account = super::service::with_password(&ctx.state, &ctx.visitor(), &phone, password)
        .await
        .map_err(|e| ctx.with_site_facts(e.into_api(ctx.lang)))?;
    signed_in(
        ctx,
        account,
        &phone,
        crate::server::db::sign_ins::SignInMethod::Password,
    )
    .await
}

/// `POST /api/login/code/send`: a sign-in code. The same answer, cooldown and caps
/// whether or not the number has an account; nothing is sent to one without.
///
/// Errors: 422 bad phone; 403 no valid proof of work; 429 rate limits; 502 SMS
/// provider failure.
#[cfg(not(public_build))]
#[post("/api/login/code/send", ctx: crate::server::http::context::RequestContext)]
pub async fn send_login_code(form: SendCodeForm) -> Result<CodeSent, ApiError> {
    let phone = form
        .validate()
        .map_err(|e| ApiError::invalid(e, ctx.lang))?;
    let purpose = crate::domain::OtpPurpose::Login;
    let solution = form.pow.as_ref();
    crate::server::otp::pow::require(&ctx.state, &ctx.visitor(), purpose, solution, ctx.lang)
        .await?;
    super::service::send_code(&ctx.state, &ctx.visitor(), &phone, purpose, ctx.lang)
        .await
        .map_err(|e| e.into_api(ctx.lang))?;
    Ok(CodeSent {
        cooldown_secs: ctx.state.send_limits.cooldown_secs as u64,
    })
}

crate::api_client::public_call! {
    post "/api/login/code/send",
    fn send_login_code(form: SendCodeForm) -> CodeSent
}

/// `POST /api/login/code`.
///
/// Errors: 422 bad fields or a wrong, expired or dead code; 429 throttled;
/// 404 the number has no account (told only after its code verified); 403 suspended.
#[cfg(not(public_build))]
#[post("/api/login/code", ctx: crate::server::http::context::RequestContext)]
pub async fn login_with_code(form: CodeLoginForm) -> Result<SignedIn, ApiError> {
    let (phone, code) = form
        .validate()
        .map_err(|e| ApiError::invalid(e, ctx.lang))?;
    let account = super::service::with_code(&ctx.state, &ctx.visitor(), &phone, code)
        .await
        .map_err(|e| ctx.with_site_facts(e.into_api(ctx.lang)))?;
    signed_in(
        &ctx,
        account,
        &phone,
        crate::server::db::sign_ins::SignInMethod::Sms,
    )
    .await
}

crate::api_client::public_call! {
    post "/api/login/code",
    fn login_with_code(form: CodeLoginForm) -> SignedIn
}

/// `POST /api/reset/code/send`: a reset code, answered like a sign-in code (a
/// proof of work required the same way).
#[cfg(not(public_build))]
#[post("/api/reset/code/send", ctx: crate::server::http::context::RequestContext)]
pub async fn send_reset_code(form: SendCodeForm) -> Result<CodeSent, ApiError> {
    let phone = form
        .validate()
        .map_err(|e| ApiError::invalid(e, ctx.lang))?;
    let purpose = crate::domain::OtpPurpose::Reset;
    let solution = form.pow.as_ref();
    crate::server::otp::pow::require(&ctx.state, &ctx.visitor(), purpose, solution, ctx.lang)
        .await?;
    super::service::send_code(&ctx.state, &ctx.visitor(), &phone, purpose, ctx.lang)
        .await
        .map_err(|e| e.into_api(ctx.lang))?;
    Ok(CodeSent {
        cooldown_secs: ctx.state.send_limits.cooldown_secs as u64,
    })
}

crate::api_client::public_call! {
    post "/api/reset/code/send",
    fn send_reset_code(form: SendCodeForm) -> CodeSent
}

/// `POST /api/reset`: sets a new password, ends every session of the account and
/// signs this browser in afresh. Works while sign-in is throttled.
///
/// Errors: 422 bad fields or a wrong, expired or dead code; 403 suspended.
#[cfg(not(public_build))]
#[post("/api/reset", ctx: crate::server::http::context::RequestContext)]
pub async fn reset_password(form: ResetForm) -> Result<SignedIn, ApiError> {
    let (phone, code, password) = form
        .validate()
        .map_err(|e| ApiError::invalid(e, ctx.lang))?;
    let account =
        super::service::reset(&ctx.state, &ctx.visitor(), &phone, code, password, ctx.lang)
            .await
            .map_err(|e| ctx.with_site_facts(e.into_api(ctx.lang)))?;
    signed_in(
        &ctx,
        account,
        &phone,
        crate::server::db::sign_ins::SignInMethod::Reset,
    )
    .await
}

crate::api_client::public_call! {
    post "/api/reset",
    fn reset_password(form: ResetForm) -> SignedIn
}
