//! The admin area's server functions (docs/DESIGN.md §6). Every one is under
//! `/api/admin`, so the area guard has checked the role (and, outside
//! `/api/admin/confirm/`, a confirmation within 15 minutes) before it runs; each
//! checks again for itself ([`admin_caller`]), validates with the shared
//! `validate()` and calls `service` or `view`, mapping its error once.

use super::form::*;
use super::types::*;
use crate::error::ApiError;
use crate::register::CodeSent;
use dioxus::prelude::*;

#[cfg(feature = "server")]
use crate::server::http::context::RequestContext;

#[cfg(feature = "server")]
fn unexpected(ctx: &RequestContext, e: anyhow::Error) -> ApiError {
    super::service::AdminError::Unexpected(e).into_api(ctx.lang)
}

/// The signed-in admin, its confirmation checked when `fresh`, and the caller it
/// acts as.
#[cfg(feature = "server")]
pub(crate) async fn admin_caller(
    ctx: &RequestContext,
    fresh: bool,
) -> Result<
    (
        crate::server::db::accounts::Account,
        crate::server::caller::Caller,
    ),
    ApiError,
> {
    let admin = ctx.require_admin(fresh).await?;
    let caller = ctx.visitor().as_admin(admin.id);
    Ok((admin, caller))
}

/// `result`, after writing its refused audit row when it is a refusal (4xx):
/// `action` by `caller` about `subject`, the details naming the message key and
/// the fields at fault, never their values (docs/DESIGN.md §6: every refused
/// attempt at an admin action is in the log).
#[cfg(feature = "server")]
pub(crate) async fn audited<T>(
    ctx: &RequestContext,
    caller: &crate::server::caller::Caller,
    action: crate::server::audit::AuditAction,
    subject: Option<crate::server::db::accounts::AccountId>,
    result: Result<T, ApiError>,
) -> Result<T, ApiError> {
    if let Err(e) = &result {
        if e.status < 500 {
            let details = serde_json::json!({ "reason": e.key, "fields": e.field_keys });
            let event = crate::server::audit::AuditEvent::refused(action, subject, details);
            ctx.record_apart(caller, event).await;
        }
    }
    result
}

/// Puts the confirmation in the session (a new session id) and answers the
/// status.
#[cfg(feature = "server")]
async fn confirmed(
    ctx: &RequestContext,
    admin: &crate::server::db::accounts::Account,
) -> Result<AdminStatus, ApiError> {
    crate::server::session::confirm_admin(&ctx.session, ctx.state.clock.unix())
        .await
        .map_err(|e| unexpected(ctx, e))?;
    let left = super::ADMIN_CONFIRMATION_SECS as u64;
    Ok(super::view::status(&ctx.state, admin, left))
}

/// `GET /api/admin/confirm/status`: the admin's number and the seconds left of
/// its confirmation (0: the pages ask for it).
///
/// Errors: 401 without a session; 403 [`Msg::AdminRequired`](crate::i18n::Msg).
#[get("/api/admin/confirm/status", ctx: RequestContext)]
pub async fn admin_status() -> Result<AdminStatus, ApiError> {
    let (admin, _) = admin_caller(&ctx, false).await?;
    let left = ctx.admin_confirmed_secs_left().await?;
    Ok(super::view::status(&ctx.state, &admin, left))
}

/// `POST /api/admin/confirm/password`: confirms the admin's password (charged to
/// the sign-in throttle, audited); the admin area is open for 15 minutes.
///
/// Errors: 422 empty or wrong password (on `password`); 429 throttled.
#[post("/api/admin/confirm/password", ctx: RequestContext)]
pub async fn confirm_password(form: ConfirmPasswordForm) -> Result<AdminStatus, ApiError> {
    let (admin, caller) = admin_caller(&ctx, false).await?;
    let password = form
        .validate()
        .map_err(|e| ApiError::invalid(e, ctx.lang))?;
    super::service::confirm_with_password(&ctx.state, &caller, &admin, password)
        .await
        .map_err(|e| e.into_api(ctx.lang))?;
    confirmed(&ctx, &admin).await
}

/// `POST /api/admin/confirm/code/send`: an `admin-confirm` code to the admin's
/// number.
///
/// Errors: 429 rate limits; 502 SMS provider failure.
#[post("/api/admin/confirm/code/send", ctx: RequestContext)]
pub async fn send_confirm_code() -> Result<CodeSent, ApiError> {
    let (admin, caller) = admin_caller(&ctx, false).await?;
    super::service::send_confirmation_code(&ctx.state, &caller, &admin, ctx.lang)
        .await
        .map_err(|e| e.into_api(ctx.lang))?;
    Ok(CodeSent {
        cooldown_secs: ctx.state.send_limits.cooldown_secs as u64,
    })
}

/// `POST /api/admin/confirm/code`: confirms with the code sent; the admin area is
/// open for 15 minutes.
///
/// Errors: 422 a bad, wrong, expired or dead code; 429 too many wrong codes.
#[post("/api/admin/confirm/code", ctx: RequestContext)]
pub async fn confirm_code(form: ConfirmCodeForm) -> Result<AdminStatus, ApiError> {
    let (admin, caller) = admin_caller(&ctx, false).await?;
    let code = form
        .validate()
        .map_err(|e| ApiError::invalid(e, ctx.lang))?;
    super::service::confirm_with_code(&ctx.state, &caller, &admin, &code)
        .await
        .map_err(|e| e.into_api(ctx.lang))?;
    confirmed(&ctx, &admin).await
}

/// `POST /api/admin/accounts/find`: the account holding exactly this number
/// (blind index; audited).
///
/// Errors: 422 a malformed number; 404 [`Msg::AccountNotFound`](crate::i18n::Msg)
/// on `phone`.
#[post("/api/admin/accounts/find", ctx: RequestContext)]
pub async fn find_account(form: FindAccountForm) -> Result<AccountFound, ApiError> {
    let (_, caller) = admin_caller(&ctx, true).await?;
    let phone = form.validate().map_err(|e| ApiError::invalid(e, ctx.lang));
    let action = crate::server::audit::AuditAction::AccountLookedUp;
    // A malformed number is refused here; the service records the rest.
    let phone = audited(&ctx, &caller, action, None, phone).await?;
    let id = super::service::find_account(&ctx.state, &caller, &phone)
        .await
        .map_err(|e| e.into_api(ctx.lang))?;
    Ok(AccountFound { id: id.0 })
}

/// `POST /api/admin/accounts/view`: an account's page.
///
/// Errors: 404 no such account.
#[post("/api/admin/accounts/view", ctx: RequestContext)]
pub async fn account_view(account: AccountRef) -> Result<AdminAccountView, ApiError> {
    use crate::server::audit::{AuditAction, AuditEvent};
    let (_, caller) = admin_caller(&ctx, true).await?;
    let id = crate::server::db::accounts::AccountId(account.id);
    let view = super::view::account(&ctx.state, id)
        .await
        .map_err(|e| unexpected(&ctx, e))?;
    let event = match &view {
        Some(_) => AuditEvent::success(AuditAction::AccountViewed, Some(id), serde_json::json!({})),
        None => AuditEvent::refused(
            AuditAction::AccountViewed,
            None,
            serde_json::json!({ "account": id.0, "reason": "no-account" }),
        ),
    };
    ctx.record_apart(&caller, event).await;
    view.ok_or_else(|| super::service::AdminError::NoSuchAccount.into_api(ctx.lang))
}

/// `POST /api/admin/accounts/act`: suspend, reinstate, end all sessions or
/// cancel, with a reason (audited); answers the account's page after it.
///
/// Errors: 422 no reason (on `reason`); 404 no such account; 409 the account is
/// deleted.
#[post("/api/admin/accounts/act", ctx: RequestContext)]
pub async fn act_on_account(form: AccountActionForm) -> Result<AdminAccountView, ApiError> {
    use crate::server::audit::AuditAction;
    let (_, caller) = admin_caller(&ctx, true).await?;
    let id = crate::server::db::accounts::AccountId(form.account);
    let done = async {
        let reason = form
            .validate()
            .map_err(|e| ApiError::invalid(e, ctx.lang))?;
        super::service::act(&ctx.state, &caller, id, form.action, &reason)
            .await
            .map_err(|e| e.into_api(ctx.lang))
    };
    let action = match form.action {
        AccountAction::Suspend => AuditAction::AccountSuspended,
        AccountAction::Reinstate => AuditAction::AccountReinstated,
        AccountAction::EndSessions => AuditAction::SessionsEnded,
        AccountAction::Cancel => AuditAction::AccountErased,
    };
    let done = done.await;
    // An unknown id names no account: its row is about none.
    let unknown = matches!(&done, Err(e) if e.key == crate::i18n::Msg::AccountNotFound);
    let subject = (!unknown).then_some(id);
    audited(&ctx, &caller, action, subject, done).await?;
    super::view::account(&ctx.state, id)
        .await
        .map_err(|e| unexpected(&ctx, e))?
        .ok_or_else(|| super::service::AdminError::NoSuchAccount.into_api(ctx.lang))
}

/// `GET /api/admin/reports`: open misuse reports, then the last handled.
#[get("/api/admin/reports", ctx: RequestContext)]
pub async fn reports() -> Result<Vec<ReportRow>, ApiError> {
    admin_caller(&ctx, true).await?;
    super::view::reports(&ctx.state)
        .await
        .map_err(|e| unexpected(&ctx, e))
}

/// `POST /api/admin/reports/handled`: marks a report handled (audited).
///
/// Errors: 404 unknown or handled already.
#[post("/api/admin/reports/handled", ctx: RequestContext)]
pub async fn handle_report(report: ReportRef) -> Result<Vec<ReportRow>, ApiError> {
    use crate::server::audit::AuditAction;
    let (_, caller) = admin_caller(&ctx, true).await?;
    let done = super::service::handle_report(&ctx.state, &caller, report.id)
        .await
        .map_err(|e| e.into_api(ctx.lang));
    audited(&ctx, &caller, AuditAction::ReportHandled, None, done).await?;
    super::view::reports(&ctx.state)
        .await
        .map_err(|e| unexpected(&ctx, e))
}

/// `GET /api/admin/invitations`: the newest 200 codes.
#[get("/api/admin/invitations", ctx: RequestContext)]
pub async fn invitations() -> Result<Vec<InvitationRow>, ApiError> {
    admin_caller(&ctx, true).await?;
    super::view::invitations(&ctx.state)
        .await
        .map_err(|e| unexpected(&ctx, e))
}

/// `POST /api/admin/invitations/create`: a new code (the service of `gatehouse
/// invite create`); answers the list, the new code first.
///
/// Errors: 422 on `quota`, `expiry` (malformed or past) or `note`.
#[post("/api/admin/invitations/create", ctx: RequestContext)]
pub async fn create_invitation(form: InvitationForm) -> Result<Vec<InvitationRow>, ApiError> {
    use crate::form::Field;
    use crate::i18n::Msg;
    use crate::register::invitations::{create, InvitationError};
    let (_, caller) = admin_caller(&ctx, true).await?;
    let done = async {
        let new = form
            .validate()
            .map_err(|e| ApiError::invalid(e, ctx.lang))?;
        let expires_at = crate::server::cli::parse_expiry(&new.expires)
            .map_err(|_| ApiError::field(Field::Expiry, Msg::ExpiryInvalid, ctx.lang))?;
        let created = create(
            &ctx.state,
            &caller,
            new.quota,
            expires_at,
            new.note.as_deref(),
        );
        match created.await {
            Ok(_) => Ok(()),
            Err(InvitationError::ExpiryPast) => {
                Err(ApiError::field(Field::Expiry, Msg::ExpiryPast, ctx.lang))
            }
            Err(InvitationError::NoUses) => {
                Err(ApiError::field(Field::Quota, Msg::QuotaInvalid, ctx.lang))
            }
            Err(InvitationError::NotFound) => Err(ApiError::unexpected(ctx.lang)),
            Err(InvitationError::Unexpected(e)) => Err(unexpected(&ctx, e)),
        }
    };
    let done = done.await;
    let action = crate::server::audit::AuditAction::InvitationCreated;
    audited(&ctx, &caller, action, None, done).await?;
    super::view::invitations(&ctx.state)
        .await
        .map_err(|e| unexpected(&ctx, e))
}

/// `POST /api/admin/invitations/uses`: who signed up with a code.
///
/// Errors: 404 [`Msg::InvitationNotFound`](crate::i18n::Msg).
#[post("/api/admin/invitations/uses", ctx: RequestContext)]
pub async fn invitation_uses(invitation: InvitationRef) -> Result<Vec<InvitationUse>, ApiError> {
    use crate::i18n::Msg;
    admin_caller(&ctx, true).await?;
    let not_found = || {
        ApiError::new(
            dioxus::fullstack::StatusCode::NOT_FOUND,
            Msg::InvitationNotFound,
            ctx.lang,
        )
    };
    let code = crate::domain::InvitationCode::parse(&invitation.code).map_err(|_| not_found())?;
    super::view::invitation_uses(&ctx.state, &code)
        .await
        .map_err(|e| unexpected(&ctx, e))?
        .ok_or_else(not_found)
}

/// `POST /api/admin/invitations/withdraw`: no sign-up uses the code afterwards
/// (audited); answers the list.
///
/// Errors: 404 [`Msg::InvitationNotFound`](crate::i18n::Msg) for a code unknown
/// or withdrawn already.
#[post("/api/admin/invitations/withdraw", ctx: RequestContext)]
pub async fn withdraw_invitation(
    invitation: InvitationRef,
) -> Result<Vec<InvitationRow>, ApiError> {
    use crate::i18n::Msg;
    use crate::register::invitations::{withdraw, InvitationError};
    let (_, caller) = admin_caller(&ctx, true).await?;
    let not_found = || {
        ApiError::new(
            dioxus::fullstack::StatusCode::NOT_FOUND,
            Msg::InvitationNotFound,
            ctx.lang,
        )
    };
    let done = async {
        let code =
            crate::domain::InvitationCode::parse(&invitation.code).map_err(|_| not_found())?;
        match withdraw(&ctx.state, &caller, &code).await {
            Ok(()) => Ok(()),
            Err(InvitationError::Unexpected(e)) => Err(unexpected(&ctx, e)),
            Err(_) => Err(not_found()),
        }
    };
    let done = done.await;
    let action = crate::server::audit::AuditAction::InvitationWithdrawn;
    audited(&ctx, &caller, action, None, done).await?;
    super::view::invitations(&ctx.state)
        .await
        .map_err(|e| unexpected(&ctx, e))
}

/// The form as `gatehouse docs publish` takes it.
#[cfg(feature = "server")]
fn publication(form: &PublishForm) -> crate::legal::server::Publication {
    crate::legal::server::Publication {
        kind: form.kind,
        zh: form.zh.clone(),
        en: form.en.clone(),
        effective: form.effective.trim().to_owned(),
        material: form.material,
        summary_zh: form.summary_zh.clone(),
        summary_en: form.summary_en.clone(),
    }
}

/// A refusal of `docs publish` on the form's field.
#[cfg(feature = "server")]
fn publish_refused(ctx: &RequestContext, e: crate::legal::server::PublishError) -> ApiError {
    use crate::form::Field;
    use crate::i18n::{Lang, Msg};
    use crate::legal::server::PublishError as P;
    let text_field = |lang| match lang {
        Lang::Zh => Field::TextZh,
        Lang::En => Field::TextEn,
    };
    match e {
        P::NoTitle { lang } => {
            ApiError::field(text_field(lang), Msg::DocumentTitleMissing, ctx.lang)
        }
        P::TooLong { lang } => ApiError::field(text_field(lang), Msg::DocumentTooLong, ctx.lang),
        P::NoSummary => ApiError::field(Field::SummaryZh, Msg::SummaryEmpty, ctx.lang),
        P::EffectiveUnreadable { .. } => {
            ApiError::field(Field::Effective, Msg::EffectiveInvalid, ctx.lang)
        }
        P::EffectivePast { .. } => ApiError::field(Field::Effective, Msg::EffectivePast, ctx.lang),
        P::EffectiveBeforeLatest { latest, .. } => {
            let status = dioxus::fullstack::StatusCode::UNPROCESSABLE_ENTITY;
            ApiError::new(status, Msg::EffectiveBeforeLatest, ctx.lang)
                .with_arg("date", &latest, ctx.lang)
        }
        P::VersionTaken => ApiError::new(
            dioxus::fullstack::StatusCode::CONFLICT,
            Msg::VersionTaken,
            ctx.lang,
        ),
        P::Unexpected(e) => unexpected(ctx, e),
    }
}

/// `POST /api/admin/documents/preview`: the version as users will see it (both
/// languages), nothing written. Takes bodies up to 512 KiB (the other server
/// functions: 64 KiB).
///
/// Errors: the refusals of `publish` (422 on the field at fault).
#[post("/api/admin/documents/preview", ctx: RequestContext)]
pub async fn preview_document(form: PublishForm) -> Result<DocumentPreview, ApiError> {
    admin_caller(&ctx, true).await?;
    form.validate()
        .map_err(|e| ApiError::invalid(e, ctx.lang))?;
    let documents = crate::legal::server::preview(&ctx.state, &publication(&form))
        .await
        .map_err(|e| publish_refused(&ctx, e))?;
    Ok(DocumentPreview { documents })
}

/// `POST /api/admin/documents/publish`: publishes the version (the service and
/// refusals of `gatehouse docs publish`, audited). Takes bodies up to 512 KiB.
///
/// Errors: 422 on the field at fault (no title line, a text over 128 KiB, no
/// summary, an effective date malformed, past or before the latest version's);
/// 409 [`Msg::VersionTaken`](crate::i18n::Msg).
#[post("/api/admin/documents/publish", ctx: RequestContext)]
pub async fn publish_document(form: PublishForm) -> Result<Published, ApiError> {
    let (_, caller) = admin_caller(&ctx, true).await?;
    let done = async {
        form.validate()
            .map_err(|e| ApiError::invalid(e, ctx.lang))?;
        crate::legal::server::publish(&ctx.state, &caller, publication(&form))
            .await
            .map_err(|e| publish_refused(&ctx, e))
    };
    let done = done.await;
    let action = crate::server::audit::AuditAction::DocumentPublished;
    let version = audited(&ctx, &caller, action, None, done).await?;
    Ok(Published {
        kind: form.kind,
        version,
    })
}

/// `GET /api/admin/settings`: the run-time settings.
#[get("/api/admin/settings", ctx: RequestContext)]
pub async fn settings() -> Result<SettingsView, ApiError> {
    admin_caller(&ctx, true).await?;
    let invitation_mode = ctx
        .state
        .site
        .invitation_mode()
        .await
        .map_err(|e| unexpected(&ctx, e))?;
    Ok(SettingsView { invitation_mode })
}

/// `POST /api/admin/settings`: sets the invitation mode for every instance
/// (audited); this instance's cached pages are dropped at once, the others'
/// expire within the page-cache window.
#[post("/api/admin/settings", ctx: RequestContext)]
pub async fn save_settings(form: SettingsForm) -> Result<SettingsView, ApiError> {
    let (_, caller) = admin_caller(&ctx, true).await?;
    super::service::set_invitation_mode(&ctx.state, &caller, form.invitation_mode)
        .await
        .map_err(|e| unexpected(&ctx, e))?;
    Ok(SettingsView {
        invitation_mode: form.invitation_mode,
    })
}

/// `POST /api/admin/audit`: one page (50 rows) of the audit log under the filter,
/// newest first.
///
/// Errors: 422 on the filter's bad parts.
#[post("/api/admin/audit", ctx: RequestContext)]
pub async fn audit_log(query: AuditQuery) -> Result<AuditPage, ApiError> {
    admin_caller(&ctx, true).await?;
    let filter = query
        .validate()
        .map_err(|e| ApiError::invalid(e, ctx.lang))?;
    super::view::audit_page(&ctx.state, &filter)
        .await
        .map_err(|e| unexpected(&ctx, e))
}

/// `POST /api/admin/audit/verify`: seals what is pending and checks the whole
/// hash chain.
#[post("/api/admin/audit/verify", ctx: RequestContext)]
pub async fn verify_audit() -> Result<ChainStatus, ApiError> {
    admin_caller(&ctx, true).await?;
    super::view::chain(&ctx.state)
        .await
        .map_err(|e| unexpected(&ctx, e))
}
