//! A short-lived cache of the anonymous pages (sign-up, sign-in, reset, documents),
//! keyed by path and language: a visitor without a session sees the same bytes as
//! every other visitor of that language, so rendering each request again only
//! burns CPU that sign-ups need for hashing.

use crate::i18n::Lang;
use dioxus::server::axum::{
    body::{to_bytes, Body, Bytes},
    extract::{Request, State},
    http::{header, HeaderMap, Method, StatusCode},
    middleware::Next,
    response::Response,
};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

/// The pages that render the same for every visitor without a session.
pub const ANONYMOUS_PAGES: [&str; 5] = [
    "/register",
    "/login",
    "/reset-password",
    "/legal/agreement",
    "/legal/privacy",
];

/// The largest page kept (bytes); a larger one fails with 500 (pages are tens of KiB).
const MAX_PAGE_BYTES: usize = 8 << 20;

/// Rendered pages by (path, language), each kept for `ttl`.
#[derive(Clone, Debug)]
pub struct PageCache {
    ttl: Duration,
    pages: Arc<RwLock<HashMap<(&'static str, Lang), Page>>>,
}

#[derive(Debug)]
struct Page {
    headers: HeaderMap,
    body: Bytes,
    rendered: Instant,
}

impl PageCache {
    /// A cache keeping each page for `ttl`; a zero `ttl` turns it off.
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            pages: Arc::default(),
        }
    }

    /// The cache key of `request`, when its answer may be shared: a `GET` of an
    /// anonymous page, without a query string, whose cookies (if any) are only the
    /// language cookie. Any other cookie, however spelled, means the page may hold
    /// that visitor's session data: it is rendered for them alone.
    fn key(&self, request: &Request) -> Option<(&'static str, Lang)> {
        if self.ttl.is_zero() || request.method() != Method::GET || request.uri().query().is_some()
        {
            return None;
        }
        let path = ANONYMOUS_PAGES
            .into_iter()
            .find(|p| *p == request.uri().path())?;
        let only_language = request.headers().get_all(header::COOKIE).iter().all(|v| {
            v.to_str().is_ok_and(|v| {
                v.split(';')
                    .filter(|pair| !pair.trim().is_empty())
                    .all(|pair| pair.trim_start().split('=').next() == Some(Lang::COOKIE))
            })
        });
        only_language.then(|| (path, crate::server::http::headers::lang(request.headers())))
    }

    /// Drops every page kept, so the next visitor of each gets it rendered anew
    /// (after a run-time setting it shows changed).
    pub fn clear(&self) {
        self.pages
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    fn get(&self, key: &(&'static str, Lang)) -> Option<Response> {
        let pages = self.pages.read().unwrap_or_else(|e| e.into_inner());
        let page = pages.get(key).filter(|p| p.rendered.elapsed() < self.ttl)?;
        let mut response = Response::new(Body::from(page.body.clone()));
        *response.headers_mut() = page.headers.clone();
        Some(response)
    }

    fn put(&self, key: (&'static str, Lang), headers: HeaderMap, body: Bytes) {
        let page = Page {
            headers,
            body,
            rendered: Instant::now(),
        };
        self.pages
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key, page);
    }
}

/// Middleware: answers from the cache, or renders and keeps a `200 text/html`
/// answer that sets no cookie.
pub async fn serve_cached(
    State(cache): State<PageCache>,
    request: Request,
    next: Next,
) -> Response {
    let Some(key) = cache.key(&request) else {
        return next.run(request).await;
    };
    if let Some(hit) = cache.get(&key) {
        return hit;
    }
    let response = next.run(request).await;
    let shareable = response.status() == StatusCode::OK
        && !response.headers().contains_key(header::SET_COOKIE)
        && crate::server::http::headers::is_html(response.headers());
    if !shareable {
        return response;
    }
    let (parts, body) = response.into_parts();
    match to_bytes(body, MAX_PAGE_BYTES).await {
        Ok(bytes) => {
            cache.put(key, parts.headers.clone(), bytes.clone());
            Response::from_parts(parts, Body::from(bytes))
        }
        Err(e) => {
            tracing::error!(error = %e, "page too large to cache or body failed");
            let mut failed = Response::new(Body::empty());
            *failed.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
            failed
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(method: Method, uri: &str, cookie: Option<&str>) -> Request {
        let mut builder = Request::builder()
            .method(method)
            .uri(uri)
            .header(header::ACCEPT_LANGUAGE, "en-US");
        if let Some(cookie) = cookie {
            builder = builder.header(header::COOKIE, cookie);
        }
        builder.body(Body::empty()).unwrap()
    }

    #[test]
    fn only_sessionless_gets_of_anonymous_pages_are_shared() {
        let cache = PageCache::new(Duration::from_secs(30));
        let key = |m, uri, cookie| cache.key(&request(m, uri, cookie));
        assert_eq!(
            key(Method::GET, "/register", None),
            Some(("/register", Lang::En))
        );
        assert_eq!(
            key(Method::GET, "/login", Some("gatehouse_lang=zh")),
            Some(("/login", Lang::Zh)),
            "the language cookie picks the entry"
        );
        assert_eq!(key(Method::GET, "/login?next=/account", None), None);
        assert_eq!(key(Method::POST, "/register", None), None);
        assert_eq!(key(Method::GET, "/account", None), None);
        for cookie in [
            "gatehouse_session=abc",
            "gatehouse_lang=en; gatehouse_session=abc",
            "gatehouse_session =abc",
            " gatehouse%5Fsession=abc",
            "a=1",
        ] {
            assert_eq!(
                key(Method::GET, "/register", Some(cookie)),
                None,
                "{cookie}"
            );
        }
        let off = PageCache::new(Duration::ZERO);
        assert_eq!(off.key(&request(Method::GET, "/register", None)), None);
    }

    #[test]
    fn an_entry_lives_for_the_ttl() {
        let cache = PageCache::new(Duration::from_millis(50));
        let key = ("/register", Lang::Zh);
        cache.put(key, HeaderMap::new(), Bytes::from_static(b"<html>"));
        assert!(cache.get(&key).is_some());
        assert!(cache.get(&("/register", Lang::En)).is_none());
        std::thread::sleep(Duration::from_millis(60));
        assert!(cache.get(&key).is_none());
    }
}
