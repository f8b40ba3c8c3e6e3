//! The server functions of the OpenID Connect pages: the consent screen
//! (`/api/oidc/consent/...`, signed-in accounts only), the account center's
//! connected apps (`/api/account/apps...`, behind the account area's guard) and
//! the admin area's clients (`/api/admin/oidc/clients...`, behind the admin
//! area's guard: the role and a confirmation within 15 minutes).

use super::types::{ClientCreated, ClientEntry, ConsentRequest, GrantEntry};
use crate::admin::form::ClientForm;
use crate::error::ApiError;
use dioxus::prelude::*;

#[cfg(feature = "server")]
use crate::server::http::context::RequestContext;

/// 500 for a failure the caller cannot act on; the cause is logged only.
#[cfg(feature = "server")]
fn unexpected(ctx: &RequestContext, e: anyhow::Error) -> ApiError {
    tracing::error!(error = %format!("{e:#}"), "OpenID Connect server function failed");
    ApiError::unexpected(ctx.lang)
}

/// The pending request `request` for the signed-in account, or 404
/// [`Msg::OidcRequestExpired`](crate::i18n::Msg::OidcRequestExpired).
#[cfg(feature = "server")]
async fn pending_for(
    ctx: &RequestContext,
    request: &str,
) -> Result<
    (
        crate::server::db::accounts::Account,
        super::service::Pending,
    ),
    ApiError,
> {
    use crate::i18n::Msg;
    use dioxus::server::axum::http::StatusCode;
    let account = ctx.require_account().await?;
    match super::service::pending(&ctx.state, request).await {
        Ok(Some(pending)) => Ok((account, pending)),
        Ok(None) => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            Msg::OidcRequestExpired,
            ctx.lang,
        )),
        Err(e) => Err(unexpected(ctx, e)),
    }
}

/// `POST /api/oidc/consent/show`: which app asks the signed-in account for what
/// (the consent screen).
///
/// Errors: 401 without a session; 403 a document due; 404 a request expired,
/// answered, or of a revoked client.
#[post("/api/oidc/consent/show", ctx: RequestContext)]
pub async fn consent_request(request: String) -> Result<ConsentRequest, ApiError> {
    let (_, pending) = pending_for(&ctx, &request).await?;
    let redirect_host = url::Url::parse(&pending.params.redirect_uri)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_default();
    Ok(ConsentRequest {
        client_name: pending.client.row.name.clone(),
        scopes: super::Scope::list(&pending.params.scope),
        redirect_host,
    })
}

/// `POST /api/oidc/consent/answer`: "Allow" records the grant (audited) and
/// answers `/authorize?request=` to go on with; "Deny" drops the request and
/// answers the client's redirect URI with `error=access_denied`. The page goes
/// there with a full page load (a navigation, which `form-action 'self'` does not
/// govern).
///
/// Errors: as [`consent_request`].
#[post("/api/oidc/consent/answer", ctx: RequestContext)]
pub async fn answer_consent(request: String, allow: bool) -> Result<String, ApiError> {
    let (account, pending) = pending_for(&ctx, &request).await?;
    let caller = ctx.visitor().as_account(account.id);
    let p = &pending.params;
    if allow {
        super::service::grant_consent(&ctx.state, &caller, account.id, &pending.client, &p.scope)
            .await
            .map_err(|e| unexpected(&ctx, e))?;
        return Ok(format!("/authorize?request={request}"));
    }
    super::service::deny(&ctx.state, &request)
        .await
        .map_err(|e| unexpected(&ctx, e))?;
    let issuer = ctx.state.settings.issuer();
    let mut pairs = vec![
        ("error", "access_denied"),
        ("error_description", "the user denied the request"),
    ];
    if let Some(s) = &p.state {
        pairs.push(("state", s));
    }
    pairs.push(("iss", &issuer));
    Ok(super::service::with_query(&p.redirect_uri, &pairs))
}

/// `GET /api/account/apps`: the apps the account allowed, newest first.
///
/// Errors: 401 without a session; 403 a document due.
#[get("/api/account/apps", ctx: RequestContext)]
pub async fn connected_apps() -> Result<Vec<GrantEntry>, ApiError> {
    let account = ctx.require_account().await?;
    super::service::grants_of(&ctx.state, account.id)
        .await
        .map_err(|e| unexpected(&ctx, e))
}

/// `POST /api/account/apps/revoke`: withdraws what the account allowed
/// `client_id` and revokes the app's refresh tokens (audited); withdrawing one
/// not allowed is not an error.
///
/// Errors: 401 without a session; 403 a document due.
#[post("/api/account/apps/revoke", ctx: RequestContext)]
pub async fn revoke_app(client_id: String) -> Result<(), ApiError> {
    let account = ctx.require_account().await?;
    let caller = ctx.visitor().as_account(account.id);
    super::service::revoke_consent(&ctx.state, &caller, account.id, &client_id)
        .await
        .map_err(|e| unexpected(&ctx, e))?;
    Ok(())
}

/// A refusal of registering or revoking a client, on the form's field at fault:
/// an address the server does not take is named on the box it was typed in
/// (`redirect_uris` are the form's redirect URIs; any other is a post-logout
/// one).
#[cfg(feature = "server")]
fn client_refused(
    ctx: &RequestContext,
    e: super::service::ClientError,
    redirect_uris: &[String],
) -> ApiError {
    use super::service::ClientError;
    use crate::form::Field;
    use crate::i18n::Msg;
    use dioxus::server::axum::http::StatusCode;
    match e {
        ClientError::InvalidName => {
            ApiError::field(Field::ClientName, Msg::ClientNameInvalid, ctx.lang)
        }
        ClientError::InvalidRedirectUri(bad) if bad.is_empty() => {
            ApiError::field(Field::RedirectUris, Msg::RedirectUrisEmpty, ctx.lang)
        }
        ClientError::InvalidRedirectUri(bad) => {
            let field = if redirect_uris.contains(&bad) {
                Field::RedirectUris
            } else {
                Field::PostLogoutUris
            };
            ApiError::field(field, Msg::RedirectUriRefused, ctx.lang)
        }
        ClientError::NotFound => {
            ApiError::new(StatusCode::NOT_FOUND, Msg::ClientNotFound, ctx.lang)
        }
        ClientError::Unexpected(e) => unexpected(ctx, e),
    }
}

/// `GET /api/admin/oidc/clients`: every registered client, newest first, revoked
/// ones too; never a secret. Behind the admin area's guard (docs/DESIGN.md §6).
#[get("/api/admin/oidc/clients", ctx: RequestContext)]
pub async fn oidc_clients() -> Result<Vec<ClientEntry>, ApiError> {
    crate::admin::api::admin_caller(&ctx, true).await?;
    super::service::list_clients(&ctx.state)
        .await
        .map_err(|e| unexpected(&ctx, e))
}

/// `POST /api/admin/oidc/clients/add`: registers a client (the service of
/// `gatehouse oidc client add`, audited with the admin as actor). A confidential
/// client's secret is in this answer only: the server keeps its hash.
///
/// Errors: 422 on `client-name`, `redirect-uris` or `post-logout-uris` (the
/// shared `validate()`, then the server's rule for addresses: `https`, or `http`
/// only on a loopback host or in development, no fragment).
#[post("/api/admin/oidc/clients/add", ctx: RequestContext)]
pub async fn register_oidc_client(form: ClientForm) -> Result<ClientCreated, ApiError> {
    use crate::admin::api::{admin_caller, audited};
    let (_, caller) = admin_caller(&ctx, true).await?;
    let done = async {
        let new = form
            .validate()
            .map_err(|e| ApiError::invalid(e, ctx.lang))?;
        let redirect_uris = new.redirect_uris.clone();
        let client = super::service::NewClient {
            name: new.name,
            redirect_uris: new.redirect_uris,
            post_logout_redirect_uris: new.post_logout_redirect_uris,
            public: new.public,
            first_party: new.first_party,
        };
        super::service::add_client(&ctx.state, &caller, client)
            .await
            .map_err(|e| client_refused(&ctx, e, &redirect_uris))
    };
    let done = done.await;
    let action = crate::server::audit::AuditAction::OidcClientAdded;
    audited(&ctx, &caller, action, None, done).await
}

/// `POST /api/admin/oidc/clients/revoke`: the client gets no code or token from
/// now on and its refresh tokens stop working (the service of `gatehouse oidc
/// client revoke`, audited); answers the list.
///
/// Errors: 404 [`Msg::ClientNotFound`](crate::i18n::Msg) for a client unknown or
/// revoked already.
#[post("/api/admin/oidc/clients/revoke", ctx: RequestContext)]
pub async fn revoke_oidc_client(client_id: String) -> Result<Vec<ClientEntry>, ApiError> {
    use crate::admin::api::{admin_caller, audited};
    let (_, caller) = admin_caller(&ctx, true).await?;
    let done = super::service::revoke_client(&ctx.state, &caller, &client_id)
        .await
        .map_err(|e| client_refused(&ctx, e, &[]));
    let action = crate::server::audit::AuditAction::OidcClientRevoked;
    audited(&ctx, &caller, action, None, done).await?;
    super::service::list_clients(&ctx.state)
        .await
        .map_err(|e| unexpected(&ctx, e))
}
