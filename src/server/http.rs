//! Serving the app: the router (Dioxus' SSR, assets and server functions, plus our
//! layers), the per-request context extractor, and the listener with the client
//! address, TCP_NODELAY and graceful shutdown (TOOLCHAIN.md: `dioxus::serve` has
//! none of the three in release builds).

use crate::error::ApiError;
use crate::i18n::{Lang, Msg};
use crate::server::db::AccountRow;
use crate::server::session::{self, DbSessionStore};
use crate::server::state::AppState;
use dioxus::server::axum::{
    self,
    extract::{ConnectInfo, FromRequestParts},
    http::{header, request::Parts, StatusCode},
    Extension, Router,
};
use std::future::Future;
use std::net::SocketAddr;
use tokio::net::TcpListener;
use tower_sessions::Session;

/// The whole HTTP surface of Gatehouse for `state`.
pub fn router(state: AppState) -> Router {
    let store = DbSessionStore::new(
        state.storage.clone(),
        state.keys.clone(),
        state.clock.clone(),
        i64::from(state.settings.session_idle_minutes) * 60,
        i64::from(state.settings.session_absolute_hours) * 3_600,
    );
    let secure = state.settings.mode == crate::server::Mode::Production;
    dioxus::server::router(crate::app::App)
        .layer(session::layer(store, secure))
        .layer(Extension(state))
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
    /// The peer address of the TCP connection.
    pub ip: String,
    /// The `User-Agent` header, at most 512 bytes.
    pub user_agent: String,
}

impl RequestContext {
    /// The guard of every account server function: the signed-in account, if it
    /// exists and is not suspended (DESIGN.md §3).
    ///
    /// Errors: 401 without a valid session; the session of a suspended or missing
    /// account is ended first. 500 when storage fails.
    pub async fn require_account(&self) -> Result<AccountRow, ApiError> {
        let unexpected = |e: anyhow::Error| {
            tracing::error!(error = %format!("{e:#}"), "session check failed");
            ApiError::unexpected(self.lang)
        };
        let unauthorized = ApiError::new(StatusCode::UNAUTHORIZED, Msg::SessionRequired, self.lang);
        let Some(id) = session::account_id(&self.session)
            .await
            .map_err(unexpected)?
        else {
            return Err(unauthorized);
        };
        match self.state.storage.account(id).await.map_err(unexpected)? {
            Some(account) if !account.suspended => Ok(account),
            _ => {
                session::sign_out(&self.session).await.map_err(unexpected)?;
                Err(unauthorized)
            }
        }
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
        let ip = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip().to_string())
            .unwrap_or_else(|| "unknown".into());
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
            user_agent,
        })
    }
}
