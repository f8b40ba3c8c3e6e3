//! [`RequestContext`]: what every server function extracts from its request.

use crate::i18n::Lang;
use crate::server::caller::{Actor, Caller, RequestMeta};
use crate::server::client_ip::{client_ip, rate_limit_key};
use crate::server::state::AppState;
use dioxus::server::axum::{
    extract::{ConnectInfo, FromRequestParts},
    http::{header, request::Parts, StatusCode},
};
use std::net::SocketAddr;
use tower_sessions::Session;

/// What every server function knows about its request.
pub struct RequestContext {
    pub state: AppState,
    pub session: Session,
    /// The language of the request: cookie, else Accept-Language (docs/DESIGN.md §8).
    pub lang: Lang,
    /// Where the request came from: address, rate-limit key, browser, request id.
    pub meta: RequestMeta,
}

impl RequestContext {
    /// This request as a visitor's (no account yet).
    pub fn visitor(&self) -> Caller {
        Caller {
            actor: Actor::Visitor,
            meta: self.meta.clone(),
        }
    }
}

impl RequestContext {
    /// `e` with this site's facts filled in, in the request's language
    /// ([`ApiError::with_site_facts`](crate::error::ApiError::with_site_facts)).
    pub fn with_site_facts(&self, e: crate::error::ApiError) -> crate::error::ApiError {
        e.with_site_facts(&self.state.settings.hotline, self.lang)
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
        let request_id = parts
            .headers
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        Ok(Self {
            state: app,
            session,
            lang: super::headers::lang(&parts.headers),
            meta: RequestMeta {
                ip,
                limit_key,
                user_agent,
                request_id,
            },
        })
    }
}
