//! The cache and security headers of every response.

use crate::i18n::Lang;
use dioxus::server::axum::{
    extract::{Request, State},
    http::{header, HeaderMap, HeaderValue, StatusCode},
    middleware::Next,
    response::Response,
};

/// Whether `headers` describe an HTML page (`Content-Type: text/html…`).
pub fn is_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/html"))
}

/// The value of the cookie `name` the request carries (RFC 6265 §5.4: pairs
/// split by `;`, over every `Cookie` header, as HTTP/2 may split them), or `None`.
pub fn cookie_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| {
            let (key, value) = pair.split_once('=')?;
            (key.trim() == name).then_some(value.trim())
        })
}

/// The language of a request: [`Lang::negotiate`] over its [`Lang::COOKIE`]
/// cookie and `Accept-Language` (docs/DESIGN.md §8).
pub fn lang(headers: &HeaderMap) -> Lang {
    let cookie = cookie_value(headers, Lang::COOKIE);
    let accept = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok());
    Lang::negotiate(cookie, accept)
}

/// `Cache-Control` of assets whose file name carries their content hash.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// Cache and security headers of every response (the Content-Security-Policy is
/// set inside compression, by `csp`). Hashed assets are cached for a
/// year; pages and server-function answers are never stored (they may be personal);
/// anything else is revalidated. HSTS only in production (behind HTTPS).
pub async fn response_headers(
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

#[cfg(test)]
mod tests {
    use super::{cookie_value, is_hashed_asset, lang};
    use crate::i18n::Lang;
    use dioxus::server::axum::http::{HeaderMap, HeaderValue};

    #[test]
    fn a_request_s_language_is_its_cookie_s_else_accept_language_s() {
        let mut headers = HeaderMap::new();
        headers.insert("accept-language", HeaderValue::from_static("zh-CN"));
        headers.append("cookie", HeaderValue::from_static("a=b"));
        assert_eq!(lang(&headers), Lang::Zh);
        headers.append("cookie", HeaderValue::from_static("c=d; gatehouse_lang=en"));
        assert_eq!(lang(&headers), Lang::En);
    }

    #[test]
    fn a_cookie_is_found_by_its_whole_name_in_any_cookie_header() {
        let mut headers = HeaderMap::new();
        assert_eq!(cookie_value(&headers, "a"), None);
        headers.append("cookie", HeaderValue::from_static("xa=1; a_b=2"));
        assert_eq!(cookie_value(&headers, "a"), None);
        headers.append("cookie", HeaderValue::from_static("b=3;  a = 4 ; a=5"));
        assert_eq!(cookie_value(&headers, "a"), Some("4"));
        assert_eq!(cookie_value(&headers, "a_b"), Some("2"));
    }

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
