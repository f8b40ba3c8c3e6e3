//! Cross-site request refusal (OWASP CSRF Prevention Cheat Sheet, "Verifying Origin
//! with standard headers" and "Fetch Metadata"): a state-changing request sent by
//! another website's page — a form auto-submitted as `text/plain`, a `fetch` — is
//! refused before any server function runs, so a visitor's browser cannot be signed
//! in to someone else's account (login CSRF) or made to send SMS.

use crate::error::ApiError;
use crate::i18n::Msg;
use crate::server::config::{Mode, Settings};
use dioxus::server::axum::{
    extract::{Request, State},
    http::{header, Method, StatusCode},
    middleware::Next,
    response::Response,
};
use std::sync::Arc;

/// Paths exempt from the origin rule because other sites call them by design:
/// the OpenID Connect endpoints (docs/DESIGN.md §11), which a relying party's
/// page may post to (an authorization request, RP-initiated logout) or call from
/// its own origin (token, UserInfo; CORS answers for registered clients).
pub const ORIGIN_EXEMPT: [&str; 4] = ["/authorize", "/token", "/userinfo", "/end-session"];

/// The origins (`scheme://host[:port]`, lower case, no trailing slash) whose pages
/// may send state-changing requests: the site's own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteOrigins(Arc<Vec<String>>);

impl SiteOrigins {
    /// The origins of `settings`: the origin of `public_url` (`GATEHOUSE_PUBLIC_URL`,
    /// required in production); in development also `http://IP:PORT` of the listener
    /// (`http://localhost:PORT` too when IP is a loopback address) and, under
    /// `dx serve`, the dev server's own address, since dx proxies the browser's
    /// requests to the app with the `Host` rewritten (`dioxus-cli` `serve/proxy.rs`).
    pub fn for_settings(settings: &Settings) -> Self {
        let mut origins: Vec<String> = settings.public_origin().into_iter().collect();
        if settings.mode == Mode::Development {
            let listener = dioxus::cli_config::fullstack_address_or_localhost();
            let dev_server = dioxus::cli_config::devserver_raw_addr();
            for addr in std::iter::once(listener).chain(dev_server) {
                origins.push(format!("http://{addr}"));
                if addr.ip().is_loopback() {
                    origins.push(format!("http://localhost:{}", addr.port()));
                }
            }
        }
        Self(Arc::new(origins))
    }

    /// Whether `origin` (an `Origin` header's value) is one of the site's own.
    pub fn contains(&self, origin: &str) -> bool {
        let origin = origin.trim_end_matches('/').to_ascii_lowercase();
        self.0.contains(&origin)
    }
}

/// Whether a request is cross-site: its method changes state (not GET, HEAD or
/// OPTIONS) and its `Origin` is not one of `own` — or, without `Origin`, its
/// `Sec-Fetch-Site` is `cross-site`. A request with neither header (curl, another
/// server) is not a browser acting for a visitor, and passes.
pub fn is_cross_site(request: &Request, own: &SiteOrigins) -> bool {
    if matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    ) || ORIGIN_EXEMPT.contains(&request.uri().path())
    {
        return false;
    }
    let header = |name: &str| {
        request
            .headers()
            .get(name)
            .map(|v| v.to_str().unwrap_or("\u{0}"))
    };
    match header(header::ORIGIN.as_str()) {
        Some(origin) => !own.contains(origin),
        None => header("sec-fetch-site") == Some("cross-site"),
    }
}

/// Middleware: answers a cross-site request ([`is_cross_site`]) with 403
/// [`Msg::CrossSiteRefused`] in the [`ApiError`] shape, before anything else runs.
pub async fn refuse_cross_site(
    State(own): State<SiteOrigins>,
    request: Request,
    next: Next,
) -> Response {
    if !is_cross_site(&request, &own) {
        return next.run(request).await;
    }
    tracing::warn!(
        origin = ?request.headers().get(header::ORIGIN),
        "cross-site request refused"
    );
    let lang = crate::server::http::headers::lang(request.headers());
    ApiError::new(StatusCode::FORBIDDEN, Msg::CrossSiteRefused, lang).into_response()
}
