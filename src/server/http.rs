//! Serving the app: the router (Dioxus' SSR, assets and server functions, plus our
//! layers), the per-request context extractor, and the listener with the client
//! address, TCP_NODELAY and graceful shutdown (TOOLCHAIN.md: `dioxus::serve` has
//! none of the three in release builds).

use crate::error::ApiError;
use crate::i18n::{Lang, Msg};
use crate::legal::server::Versions;
use crate::server::api_body::read_api_body;
use crate::server::client_ip::{client_ip, rate_limit_key};
use crate::server::csp::content_security_policy;
use crate::server::db::accounts::{self, Account};
use crate::server::origin::{refuse_cross_site, SiteOrigins};
use crate::server::page_cache::{serve_cached, PageCache};
use crate::server::session::{self, DbSessionStore};
use crate::server::state::AppState;
use dioxus::server::axum::{
    self,
    extract::{ConnectInfo, FromRequestParts, Request, State},
    http::{header, request::Parts, HeaderValue, StatusCode},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::get,
    Extension, Json, Router,
};
use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::TcpListener;
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tower_sessions::Session;

/// `Cache-Control` of assets whose file name carries their content hash.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// The whole HTTP surface of Gatehouse for `state`: Dioxus' pages, assets and
/// server functions, `GET /healthz`, sessions, the anonymous-page cache
/// (`page_cache`), a Content-Security-Policy without inline scripts but Dioxus'
/// own (`csp`), the refusal of cross-site requests (`origin`) and of oversized,
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
    let pages = PageCache::new(Duration::from_secs(
        state.settings.page_cache_seconds.into(),
    ));
    let origins = SiteOrigins::for_settings(&state.settings);
    dioxus::server::router(crate::app::App)
        .route("/healthz", get(healthz))
        .layer(middleware::from_fn(guard_account_pages))
        .layer(session::layer(store, production))
        .layer(Extension(state))
        .layer(middleware::from_fn_with_state(pages, serve_cached))
        .layer(middleware::from_fn(read_api_body))
        .layer(middleware::from_fn_with_state(origins, refuse_cross_site))
        // Inside compression: the policy hashes the page's uncompressed scripts.
        .layer(middleware::from_fn(content_security_policy))
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

/// The pages only a signed-in user who is up to date with the documents may see.
pub const ACCOUNT_PAGES: [&str; 1] = ["/account"];

/// Loading an account page ([`ACCOUNT_PAGES`]) without a session answers 303 to
/// `/login?next=`, and with a document version due 303 to `/consent?next=`
/// (DESIGN.md §3–4), the same check as [`RequestContext::require_account`]: the
/// visitor lands on the right page before any account page renders, with or
/// without the wasm app. (Navigation inside the app is redirected by the pages.)
async fn guard_account_pages(request: Request, next: Next) -> Response {
    if request.method() != axum::http::Method::GET || !ACCOUNT_PAGES.contains(&request.uri().path())
    {
        return next.run(request).await;
    }
    let (mut parts, body) = request.into_parts();
    let ctx = match RequestContext::from_request_parts(&mut parts, &()).await {
        Ok(ctx) => ctx,
        Err(rejection) => return rejection.into_response(),
    };
    let here = parts.uri.path().to_owned();
    let target = match ctx.require_account().await {
        Ok(_) => return next.run(Request::from_parts(parts, body)).await,
        Err(e) if e.status == StatusCode::UNAUTHORIZED.as_u16() => {
            crate::app::Route::Login { next: here }
        }
        Err(e) if e.key == Msg::ReconsentRequired => crate::app::Route::Consent { next: here },
        Err(e) => {
            use dioxus::fullstack::AsStatusCode;
            return (e.as_status_code(), e.message).into_response();
        }
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

/// Cache and security headers of every response (the Content-Security-Policy is
/// set inside compression, by `csp`). Hashed assets are cached for a
/// year; pages and server-function answers are never stored (they may be personal);
/// anything else is revalidated. HSTS only in production (behind HTTPS).
async fn response_headers(
    State(production): State<bool>,
    request: Request,
    next: Next,
) -> Response {
    let hashed_asset = is_hashed_asset(request.uri().path());
    let mut response = next.run(request).await;
    let status = response.status();
    let success = status.is_success() || status == StatusCode::NOT_MODIFIED;
    let headers = response.headers_mut();
    if hashed_asset && success {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(IMMUTABLE));
    } else if !headers.contains_key(header::CACHE_CONTROL) {
        let personal = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.starts_with("text/html") || t.starts_with("application/json"));
        let policy = if personal || !success {
            "no-store"
        } else {
            "no-cache"
        };
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
    }
    let mut set = |name: &'static str, value: &'static str| {
        headers.insert(name, HeaderValue::from_static(value));
    };
    set("x-content-type-options", "nosniff");
    set("x-frame-options", "DENY");
    set("referrer-policy", "strict-origin-when-cross-origin");
    set("cross-origin-opener-policy", "same-origin");
    set(
        "permissions-policy",
        "camera=(), microphone=(), geolocation=()",
    );
    if production {
        set(
            "strict-transport-security",
            "max-age=31536000; includeSubDomains",
        );
    }
    response
}

/// Whether `path` is a bundled asset named with its content hash
/// (`/assets/main-dxh0123abcd.css`), so its bytes never change.
fn is_hashed_asset(path: &str) -> bool {
    let Some(name) = path.strip_prefix("/assets/") else {
        return false;
    };
    let stem = name.split('.').next().unwrap_or("");
    stem.rsplit_once("-dxh")
        .is_some_and(|(_, hash)| hash.len() >= 8 && hash.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Serves `router` on `listener` until `shutdown` resolves; in-flight requests then
/// finish before this returns. Every accepted socket gets TCP_NODELAY (SSR streams a
/// page in several writes; with Nagle each waits for a delayed ACK).
pub async fn serve(
    listener: TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use axum::serve::ListenerExt;
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

/// Resolves on SIGTERM or Ctrl-C.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}

/// What every server function knows about its request.
pub struct RequestContext {
    pub state: AppState,
    pub session: Session,
    /// The language of the request: cookie, else Accept-Language (DESIGN.md §8).
    pub lang: Lang,
    /// The client's address: the TCP peer, or what a trusted proxy forwarded
    /// (`client_ip`). Recorded in sign-in history and consent records.
    pub ip: String,
    /// What per-IP rate limits count under (`rate_limit_key`: the IPv4 address, or
    /// the IPv6 /64).
    pub limit_key: String,
    /// The `User-Agent` header, at most 512 bytes.
    pub user_agent: String,
}

impl RequestContext {
    /// The guard of every account server function: the signed-in account, if it
    /// exists, is not suspended, and has agreed to every material document version
    /// in force (DESIGN.md §3, §4). Enforced here, on the server, whatever the
    /// page does.
    ///
    /// Errors: 401 as [`Self::require_signed_in`]; 403 [`Msg::ReconsentRequired`]
    /// while a document is due (the page sends the user to `/consent`); 500 when
    /// storage fails.
    pub async fn require_account(&self) -> Result<Account, ApiError> {
        let account = self.require_signed_in().await?;
        let versions = Versions::load(&self.state.db, self.state.clock.as_ref())
            .await
            .map_err(|e| self.storage_failed(e))?;
        let due = versions
            .due_for_account(&self.state.db, account.id)
            .await
            .map_err(|e| self.storage_failed(e))?;
        if !due.is_empty() {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                Msg::ReconsentRequired,
                self.lang,
            ));
        }
        Ok(account)
    }

    /// The signed-in account, if it exists and is not suspended, whether or not a
    /// document is due: for the consent page alone.
    ///
    /// Errors: 401 without a valid session; the session of a suspended or missing
    /// account is ended first. 500 when storage fails.
    pub async fn require_signed_in(&self) -> Result<Account, ApiError> {
        let unauthorized = ApiError::new(StatusCode::UNAUTHORIZED, Msg::SessionRequired, self.lang);
        let Some(id) = session::account_id(&self.session)
            .await
            .map_err(|e| self.storage_failed(e))?
        else {
            return Err(unauthorized);
        };
        let found = async {
            let mut conn = self.state.db.read().await?;
            accounts::by_id(&mut conn, id).await
        };
        match found.await.map_err(|e| self.storage_failed(e))? {
            Some(account) if !account.suspended => Ok(account),
            _ => {
                session::sign_out(&self.session)
                    .await
                    .map_err(|e| self.storage_failed(e))?;
                Err(unauthorized)
            }
        }
    }

    fn storage_failed(&self, e: anyhow::Error) -> ApiError {
        tracing::error!(error = %format!("{e:#}"), "session check failed");
        ApiError::unexpected(self.lang)
    }

    /// The language of a request from its headers.
    pub fn lang_of(headers: &axum::http::HeaderMap) -> Lang {
        let get = |name| headers.get(name).and_then(|v| v.to_str().ok());
        Lang::negotiate(get(header::COOKIE), get(header::ACCEPT_LANGUAGE))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for RequestContext {
    type Rejection = (StatusCode, &'static str);

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Some(app) = parts.extensions.get::<AppState>().cloned() else {
            return Err((
                StatusCode::INTERNAL_SERVER_ERROR,
                "application state missing",
            ));
        };
        let session = Session::from_request_parts(parts, state)
            .await
            .map_err(|_| (StatusCode::INTERNAL_SERVER_ERROR, "session layer missing"))?;
        let forwarded: Vec<&str> = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        let forwarded = (!forwarded.is_empty()).then(|| forwarded.join(","));
        let client = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| {
                client_ip(addr.ip(), forwarded.as_deref(), &app.trusted_proxies)
            });
        let ip = client.map_or_else(|| "unknown".into(), |ip| ip.to_string());
        let limit_key = client.map_or_else(|| "unknown".into(), rate_limit_key);
        let mut user_agent = parts
            .headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        if user_agent.len() > 512 {
            let mut end = 512;
            while !user_agent.is_char_boundary(end) {
                end -= 1;
            }
            user_agent.truncate(end);
        }
        Ok(Self {
            state: app,
            session,
            lang: Self::lang_of(&parts.headers),
            ip,
            limit_key,
            user_agent,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::is_hashed_asset;

    #[test]
    fn only_content_hashed_assets_are_immutable() {
        assert!(is_hashed_asset("/assets/main-dxhd29beb59168b55f.css"));
        assert!(is_hashed_asset(
            "/assets/gatehouse_bg-dxh3ded8e8cc575d574.wasm"
        ));
        assert!(!is_hashed_asset("/assets/main.css"));
        assert!(!is_hashed_asset("/assets/main-dxhxyz.css"));
        assert!(!is_hashed_asset("/register"));
        assert!(!is_hashed_asset("/favicon-dxh0123456789.ico"));
    }
}
