//! Serving the app: the router (Dioxus' SSR, assets and server functions, plus our
//! layers), `/healthz`, request ids and the server-side guard of the account
//! pages. The rest of the HTTP surface has a file each: [`context`] (what a server
//! function extracts), [`access`] (who may use the account area), [`headers`]
//! (cache and security headers), [`listen`] (the listener).

pub mod access;
pub mod builds;
pub mod context;
pub mod form;
pub mod headers;
pub mod listen;

pub use context::RequestContext;
pub use listen::{serve, shutdown_signal};

use crate::i18n::Msg;
use crate::server::api_body::read_api_body;
use crate::server::csp::content_security_policy;
use crate::server::origin::{refuse_cross_site, SiteOrigins};
use crate::server::page_cache::serve_cached;
use crate::server::session::{self, DbSessionStore};
use crate::server::state::AppState;
use dioxus::server::axum::{
    self,
    extract::{FromRequestParts, Request},
    http::StatusCode,
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::get,
    Extension, Json, Router,
};
use headers::response_headers;
use std::time::Duration;
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::{DefaultOnResponse, TraceLayer};

/// The whole HTTP surface of Gatehouse for `state`: Dioxus' pages, assets and
/// server functions, `GET /healthz`, sessions, the anonymous-page cache
/// (`page_cache`), which build a page loads, its wasm fetched from the `<head>`
/// (`builds`), a Content-Security-Policy without inline scripts but Dioxus' own and
/// that fetch (`csp`), the refusal of cross-site requests (`origin`) and of oversized,
/// non-JSON or malformed `/api/` bodies (`api_body`), and around them compression (gzip or
/// brotli, unless the asset was served precompressed), cache and security headers,
/// a request id (`x-request-id`, kept from a proxy or made here) and one log line
/// per request.
pub fn router(state: AppState) -> Router {
    let store = DbSessionStore::new(
        state.db.clone(),
        state.keys.clone(),
        state.clock.clone(),
        i64::from(state.settings.session_idle_minutes) * 60,
        i64::from(state.settings.session_absolute_hours) * 3_600,
    );
    let production = state.settings.mode == crate::server::Mode::Production;
    let pages = state.pages.clone();
    let origins = SiteOrigins::for_settings(&state.settings);
    let builds = builds::Builds::find();
    dioxus::server::router(crate::app::App)
        .route("/healthz", get(healthz))
        .route("/api/account/export", get(crate::account::api::export))
        .merge(crate::oidc::endpoints::routes(state.clone()))
        .layer(middleware::from_fn(guard_areas))
        .layer(middleware::from_fn(crate::login::no_script::password_form))
        .layer(session::layer(store, production))
        .layer(Extension(state))
        .layer(middleware::from_fn_with_state(
            builds.clone(),
            builds::serve_build,
        ))
        .layer(middleware::from_fn_with_state(pages, serve_cached))
        .layer(middleware::from_fn(read_api_body))
        .layer(middleware::from_fn_with_state(origins, refuse_cross_site))
        // Inside compression: the policy hashes the page's uncompressed scripts.
        .layer(middleware::from_fn_with_state(
            builds,
            content_security_policy,
        ))
        .layer(CompressionLayer::new())
        .layer(middleware::from_fn_with_state(production, response_headers))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|request: &Request| {
                    let id = request
                        .headers()
                        .get("x-request-id")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("");
                    // The path only: a query string could carry anything.
                    tracing::info_span!(
                        "request",
                        method = %request.method(),
                        path = %request.uri().path(),
                        request_id = %id,
                    )
                })
                .on_response(DefaultOnResponse::new().level(tracing::Level::INFO)),
        )
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .layer(middleware::from_fn(keep_valid_request_id))
}

/// Keeps a proxy's `x-request-id` only if it is a plausible id (1 to 64 letters,
/// digits, `-`, `_` or `.`); otherwise drops it, so one is made here instead and a
/// client cannot write arbitrary text into the logs.
async fn keep_valid_request_id(mut request: Request, next: Next) -> Response {
    let valid = request.headers().get("x-request-id").map(|id| {
        let id = id.as_bytes();
        (1..=64).contains(&id.len())
            && id
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    });
    if valid == Some(false) {
        request.headers_mut().remove("x-request-id");
    }
    next.run(request).await
}

/// The server functions an admin without a fresh confirmation may call: the
/// confirmation itself and the status that says whether one is needed.
pub const ADMIN_CONFIRM_PREFIX: &str = "/api/admin/confirm/";

/// Whether the request path `path` is `prefix` or below it, by whole segments
/// (`/accounts` is not under `/account`), read percent-decoded as the router reads
/// it (`/%61ccount` is `/account`).
pub fn under(path: &str, prefix: &str) -> bool {
    percent_encoding::percent_decode_str(path)
        .decode_utf8_lossy()
        .strip_prefix(prefix)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// A part of the site only the right session may use, by path prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Area {
    /// `/account` and every page below it, `/api/account` and every server function
    /// below it: a signed-in account that has agreed to the documents due.
    Account,
    /// `/admin`, `/api/admin` and below: an account with the admin role
    /// (docs/DESIGN.md §6); every server function but those under
    /// [`ADMIN_CONFIRM_PREFIX`] also needs a fresh confirmation.
    Admin,
}

impl Area {
    /// The area `path` lies in and whether it is a server function's (`/api/`),
    /// matching whole segments (`/accounts` is in no area) after percent-decoding.
    pub fn of(path: &str) -> Option<(Self, bool)> {
        [("/account", Self::Account), ("/admin", Self::Admin)]
            .into_iter()
            .find_map(|(prefix, area)| {
                if under(path, prefix) {
                    Some((area, false))
                } else if under(path, &format!("/api{prefix}")) {
                    Some((area, true))
                } else {
                    None
                }
            })
    }
}

/// Guards every page and server function of an [`Area`] on the server, before it
/// runs, so a page or server function added under a prefix is guarded without a
/// list to edit. The check is [`RequestContext::require_account`]'s, and for the
/// admin area [`RequestContext::check_admin`]'s after it:
///
/// - a page without a session answers 303 to `/login?next=`, with a document
///   version due 303 to `/consent?next=` (docs/DESIGN.md §3–4), so the visitor lands on
///   the right page before any account page renders, with or without the wasm app;
/// - a server function answers the [`ApiError`](crate::error::ApiError) (401, 403
///   [`Msg::ReconsentRequired`]);
/// - the admin area answers 403 [`Msg::AdminRequired`] to an account without the
///   role, and its server functions 403 [`Msg::AdminConfirmRequired`] to an admin
///   whose confirmation is older than 15 minutes (its pages render and ask for
///   it); each such refused server function call is audited.
async fn guard_areas(request: Request, next: Next) -> Response {
    let Some((area, api)) = Area::of(request.uri().path()) else {
        return next.run(request).await;
    };
    let (mut parts, body) = request.into_parts();
    let ctx = match RequestContext::from_request_parts(&mut parts, &()).await {
        Ok(ctx) => ctx,
        Err(rejection) => return rejection.into_response(),
    };
    let here = parts.uri.path().to_owned();
    let refused = match ctx.require_account().await {
        Ok(_) if area == Area::Account => None,
        Ok(account) => {
            let fresh = api && !here.starts_with(ADMIN_CONFIRM_PREFIX);
            match ctx.check_admin(&account, fresh).await {
                Ok(()) => None,
                Err(e) => {
                    if api {
                        let why = if e.key == Msg::AdminRequired {
                            "not-admin"
                        } else {
                            "confirmation-required"
                        };
                        ctx.record_admin_refusal(&account, &here, why).await;
                    }
                    Some(e)
                }
            }
        }
        Err(e) => {
            // An admin with a document due is refused too: audited like the rest.
            if api && area == Area::Admin && e.key == Msg::ReconsentRequired {
                if let Ok(account) = ctx.require_signed_in().await {
                    ctx.record_admin_refusal(&account, &here, "documents-due")
                        .await;
                }
            }
            Some(e)
        }
    };
    let Some(refused) = refused else {
        return next.run(Request::from_parts(parts, body)).await;
    };
    if api {
        return refused.into_response();
    }
    let target = if refused.status == StatusCode::UNAUTHORIZED.as_u16() {
        crate::app::Route::Login { next: here }
    } else if refused.key == Msg::ReconsentRequired {
        crate::app::Route::Consent { next: here }
    } else {
        use dioxus::fullstack::AsStatusCode;
        return (refused.as_status_code(), refused.message).into_response();
    };
    axum::response::Redirect::to(&target.to_string()).into_response()
}

/// `GET /healthz`: 200 `{"status":"ok"}` when the database answers within 3
/// seconds, else 503 `{"status":"unavailable"}` (a load balancer then stops sending
/// traffic to this instance).
async fn healthz(Extension(state): Extension<AppState>) -> Response {
    let ping = tokio::time::timeout(Duration::from_secs(3), state.db.ping()).await;
    match ping {
        Ok(Ok(())) => Json(serde_json::json!({"status": "ok"})).into_response(),
        Ok(Err(e)) => {
            tracing::error!(error = %format!("{e:#}"), "health check: database failed");
            unavailable()
        }
        Err(_) => {
            tracing::error!("health check: database did not answer in 3 s");
            unavailable()
        }
    }
}

fn unavailable() -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        Json(serde_json::json!({"status": "unavailable"})),
    )
        .into_response()
}
