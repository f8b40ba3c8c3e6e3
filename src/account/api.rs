//! The account center's server functions (docs/DESIGN.md §5). Every one is under
//! `/api/account`, so the area guard has checked the session and the documents due
//! before it runs; each then takes the account again for itself, validates with
//! the shared `validate()` and calls [`service`](super::service), mapping its
//! error once.

use super::form::{
    ChangePasswordForm, ChangePhoneForm, DeleteAccountForm, EndSessionForm, MarketingForm,
    NewPhoneForm, ProfileForm, ReportForm,
};
use super::types::{AccountSummary, MarketingView, PhoneChanged, ProfileView, ReportFiled};
use crate::error::ApiError;
use crate::register::CodeSent;
use dioxus::prelude::*;

#[cfg(feature = "server")]
use crate::server::http::context::RequestContext;

#[cfg(feature = "server")]
fn unexpected(ctx: &RequestContext, e: anyhow::Error) -> ApiError {
    super::service::AccountError::Unexpected(e).into_api(ctx.lang)
}

/// The signed-in account (the guard of [`RequestContext::require_account`]) and
/// the caller it acts as.
#[cfg(feature = "server")]
async fn account_caller(
    ctx: &RequestContext,
) -> Result<
    (
        crate::server::db::accounts::Account,
        crate::server::caller::Caller,
    ),
    ApiError,
> {
    let account = ctx.require_account().await?;
    let caller = ctx.visitor().as_account(account.id);
    Ok((account, caller))
}

/// The stored id hash of the asking browser's session.
#[cfg(feature = "server")]
fn current_session(ctx: &RequestContext) -> Vec<u8> {
    ctx.session
        .id()
        .map(|id| crate::server::session::id_hash(&id))
        .unwrap_or_default()
}

/// The answer of a code sent: the cooldown before the next.
#[cfg(feature = "server")]
fn code_sent(ctx: &RequestContext) -> CodeSent {
    CodeSent {
        cooldown_secs: ctx.state.send_limits.cooldown_secs as u64,
    }
}

/// `GET /api/account`: the account center's summary.
///
/// Errors: 401 without a valid session (or when the account is suspended or
/// deleted); 403 [`Msg::ReconsentRequired`](crate::i18n::Msg) while a document
/// version is due.
#[get("/api/account", ctx: RequestContext)]
pub async fn account_summary() -> Result<AccountSummary, ApiError> {
    let account = ctx.require_account().await?;
    let current = current_session(&ctx);
    super::view::summary(&ctx.state, &account, &current)
        .await
        .map_err(|e| unexpected(&ctx, e))
}

/// `POST /api/session/sign-out`: deletes the session on the server; the cookie is
/// worthless afterwards. Succeeds also without a session.
#[post("/api/session/sign-out", ctx: RequestContext)]
pub async fn sign_out() -> Result<(), ApiError> {
    super::end_session(&ctx, false)
        .await
        .map_err(|e| unexpected(&ctx, e))
}

/// `POST /api/account/profile`: saves the whole profile; answers it as stored.
///
/// Errors: 422 naming each bad field (nothing is saved then).
#[post("/api/account/profile", ctx: RequestContext)]
pub async fn save_profile(form: ProfileForm) -> Result<ProfileView, ApiError> {
    let (account, caller) = account_caller(&ctx).await?;
    let profile = form
        .validate()
        .map_err(|e| ApiError::invalid(e, ctx.lang))?;
    super::service::save_profile(&ctx.state, &caller, account.id, &profile)
        .await
        .map_err(|e| unexpected(&ctx, e))?;
    Ok(ProfileView::from(&profile))
}

/// `POST /api/account/marketing`: switches SMS offers on or off (a consent ledger
/// row each time); answers the choice now in force.
#[post("/api/account/marketing", ctx: RequestContext)]
pub async fn set_marketing(form: MarketingForm) -> Result<MarketingView, ApiError> {
    let (account, caller) = account_caller(&ctx).await?;
    let at = super::service::set_marketing(&ctx.state, &caller, account.id, form.granted)
        .await
        .map_err(|e| unexpected(&ctx, e))?;
    Ok(MarketingView {
        granted: form.granted,
        since: Some(crate::server::clock::china_datetime(at)),
    })
}

/// `POST /api/account/password`: changes the password; every other session of
/// the account ends, this one continues (its id was never shown to anyone, and
/// keeping it keeps its absolute timeout). Answers how many sessions ended.
///
/// Errors: 422 bad fields or a wrong current password (on `current-password`,
/// counted toward the sign-in throttle); 429 throttled.
#[post("/api/account/password", ctx: RequestContext)]
pub async fn change_password(form: ChangePasswordForm) -> Result<u64, ApiError> {
    let (account, caller) = account_caller(&ctx).await?;
    let (current, new) = form
        .validate()
        .map_err(|e| ApiError::invalid(e, ctx.lang))?;
    let keep = current_session(&ctx);
    let ended = super::service::change_password(
        &ctx.state, &caller, &account, current, new, &keep, ctx.lang,
    )
    .await
    .map_err(|e| e.into_api(ctx.lang))?;
    Ok(ended)
}

/// `POST /api/account/phone/code/send`: a `change-phone` code to the current number.
///
/// Errors: 429 rate limits; 502 SMS provider failure.
#[post("/api/account/phone/code/send", ctx: RequestContext)]
pub async fn send_change_phone_code() -> Result<CodeSent, ApiError> {
    let (account, caller) = account_caller(&ctx).await?;
    let purpose = crate::domain::OtpPurpose::ChangePhone;
    super::service::send_code_to_own_phone(&ctx.state, &caller, &account, purpose, ctx.lang)
        .await
        .map_err(|e| e.into_api(ctx.lang))?;
    Ok(code_sent(&ctx))
}

/// `POST /api/account/phone/new-code/send`: a `change-phone` code to the new number.
///
/// Errors: 422 bad number, or the account's own; 403 no valid proof of work (the
/// number is any the user types); 429 rate limits; 502 SMS provider failure.
#[post("/api/account/phone/new-code/send", ctx: RequestContext)]
pub async fn send_new_phone_code(form: NewPhoneForm) -> Result<CodeSent, ApiError> {
    let (account, caller) = account_caller(&ctx).await?;
    let phone = form
        .validate()
        .map_err(|e| ApiError::invalid(e, ctx.lang))?;
    let purpose = crate::domain::OtpPurpose::ChangePhone;
    let solution = form.pow.as_ref();
    crate::server::otp::pow::require(&ctx.state, &caller, purpose, solution, ctx.lang).await?;
    super::service::send_code_to_new_phone(&ctx.state, &caller, &account, &phone, ctx.lang)
        .await
        .map_err(|e| e.into_api(ctx.lang))?;
    Ok(code_sent(&ctx))
}

/// `POST /api/account/phone`: moves the account to the new number; every other
/// session ends, this one continues.
///
/// Errors: 422 bad fields or a wrong, expired or dead code (on `code` or
/// `new-code`); 409 the new number has an account (told only after its code
/// verified); 429 too many wrong codes.
#[post("/api/account/phone", ctx: RequestContext)]
pub async fn change_phone(form: ChangePhoneForm) -> Result<PhoneChanged, ApiError> {
    let (account, caller) = account_caller(&ctx).await?;
    let change = form
        .validate()
        .map_err(|e| ApiError::invalid(e, ctx.lang))?;
    let phone = change.new_phone.clone();
    let keep = current_session(&ctx);
    let state = &ctx.state;
    let ended = super::service::change_phone(state, &caller, &account, change, &keep, ctx.lang)
        .await
        .map_err(|e| e.into_api(ctx.lang))?;
    Ok(PhoneChanged {
        masked_phone: phone.masked(),
        sessions_ended: ended,
    })
}

/// `POST /api/account/sessions/end`: ends one session of the account by its
/// public id; that browser's next request is signed out.
///
/// Errors: 404 no such live session of this account.
#[post("/api/account/sessions/end", ctx: RequestContext)]
pub async fn end_session(form: EndSessionForm) -> Result<(), ApiError> {
    let (account, caller) = account_caller(&ctx).await?;
    super::service::end_session(&ctx.state, &caller, account.id, &form.session)
        .await
        .map_err(|e| e.into_api(ctx.lang))
}

/// `POST /api/account/sessions/end-others`: ends every other session of the
/// account; answers how many.
#[post("/api/account/sessions/end-others", ctx: RequestContext)]
pub async fn end_other_sessions() -> Result<u64, ApiError> {
    let (account, caller) = account_caller(&ctx).await?;
    let keep = current_session(&ctx);
    super::service::end_other_sessions(&ctx.state, &caller, account.id, &keep)
        .await
        .map_err(|e| unexpected(&ctx, e))
}

/// `POST /api/account/report`: "I don't recognize this activity"; answers the
/// report's number.
///
/// Errors: 422 a note too long or with control characters.
#[post("/api/account/report", ctx: RequestContext)]
pub async fn report_misuse(form: ReportForm) -> Result<ReportFiled, ApiError> {
    let (account, caller) = account_caller(&ctx).await?;
    let (about, reference, note) = form
        .validate()
        .map_err(|e| ApiError::invalid(e, ctx.lang))?;
    let state = &ctx.state;
    let id = super::service::report_misuse(state, &caller, account.id, about, &reference, &note)
        .await
        .map_err(|e| unexpected(&ctx, e))?;
    Ok(ReportFiled { id })
}

/// `POST /api/account/delete/code/send`: a `delete` code to the account's number.
///
/// Errors: 429 rate limits; 502 SMS provider failure.
#[post("/api/account/delete/code/send", ctx: RequestContext)]
pub async fn send_delete_code() -> Result<CodeSent, ApiError> {
    let (account, caller) = account_caller(&ctx).await?;
    let purpose = crate::domain::OtpPurpose::Delete;
    super::service::send_code_to_own_phone(&ctx.state, &caller, &account, purpose, ctx.lang)
        .await
        .map_err(|e| e.into_api(ctx.lang))?;
    Ok(code_sent(&ctx))
}

/// `POST /api/account/delete`: erases the account (docs/DESIGN.md §5, §7) and signs
/// this browser out.
///
/// Errors: 422 a wrong, expired or dead code; 429 too many wrong codes.
#[post("/api/account/delete", ctx: RequestContext)]
pub async fn delete_account(form: DeleteAccountForm) -> Result<(), ApiError> {
    let (account, caller) = account_caller(&ctx).await?;
    let code = form
        .validate()
        .map_err(|e| ApiError::invalid(e, ctx.lang))?;
    super::service::delete_own(&ctx.state, &caller, &account, code)
        .await
        .map_err(|e| e.into_api(ctx.lang))?;
    crate::server::session::sign_out(&ctx.session)
        .await
        .map_err(|e| unexpected(&ctx, e))
}

/// `GET /api/account/export`: the account's download, one JSON file
/// (`Content-Disposition: attachment`, `Cache-Control: no-store`); its fields are
/// documented in the README. An axum route, not a server function: the browser
/// follows a plain link to it.
#[cfg(feature = "server")]
pub async fn export(ctx: RequestContext) -> dioxus::server::axum::response::Response {
    use dioxus::server::axum::http::header;
    use dioxus::server::axum::response::IntoResponse;
    let (account, caller) = match account_caller(&ctx).await {
        Ok(found) => found,
        Err(e) => return e.into_response(),
    };
    let current = current_session(&ctx);
    let data = match super::view::export(&ctx.state, &caller, &account, &current).await {
        Ok(data) => data,
        Err(e) => return unexpected(&ctx, e).into_response(),
    };
    let day = crate::server::clock::china_date(ctx.state.clock.unix());
    let disposition = format!("attachment; filename=\"gatehouse-account-{day}.json\"");
    let body = serde_json::to_vec_pretty(&data).unwrap_or_default();
    (
        [
            (header::CONTENT_TYPE, "application/json".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        body,
    )
        .into_response()
}
