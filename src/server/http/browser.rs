//! The `gatehouse_browser` cookie: 128 random bits naming one browser, so a sign-in
//! from a browser the account has not used before can be told to its owner by SMS
//! (docs/DESIGN.md §3, "security notices"; the OWASP "device cookie"). The server
//! keeps only its blind index, per account (`known_browsers`).
//!
//! Read on every `/api/` request into [`BrowserId`]. It is only given out by the
//! answers that sign a browser in (sign-up, both sign-ins, reset), one request at a
//! time, so a page's parallel requests cannot hand out two ids; pages never carry it
//! (the anonymous page cache stays cookie-free).

use dioxus::server::axum::{
    extract::{Request, State},
    http::{header, HeaderValue},
    middleware::Next,
    response::Response,
};
use rand::Rng;
use tower_sessions::cookie::{time::Duration, Cookie, SameSite};

/// The cookie's name.
pub const COOKIE_NAME: &str = "gatehouse_browser";

/// How long a browser keeps its id: 400 days, the longest Chromium keeps a cookie.
pub const MAX_AGE_DAYS: i64 = 400;

/// The paths whose successful answers sign a browser in and so set the cookie.
const SIGN_IN_PATHS: [&str; 4] = [
    "/api/register",
    "/api/login/password",
    "/api/login/code",
    "/api/reset",
];

/// This request's browser id (32 hex digits): its cookie's, or a fresh one that a
/// sign-in answer sets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrowserId(pub String);

/// The middleware: reads the cookie (a malformed one counts as absent), puts the
/// [`BrowserId`] on the request, and on a successful sign-in answer sets a fresh
/// id's cookie (`HttpOnly`, `SameSite=Lax`, `Secure` in production).
pub async fn browser_cookie(
    State(production): State<bool>,
    mut request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path();
    if !path.starts_with("/api/") {
        return next.run(request).await;
    }
    let signs_in = SIGN_IN_PATHS.contains(&path);
    let existing = request
        .headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == COOKIE_NAME)
        .map(|c| c.value().to_owned())
        .filter(|v| v.len() == 32 && v.bytes().all(|b| b.is_ascii_hexdigit()));
    let fresh = existing.is_none();
    let id = existing.unwrap_or_else(|| {
        let bytes: [u8; 16] = rand::rngs::OsRng.gen();
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    });
    request.extensions_mut().insert(BrowserId(id.clone()));
    let mut response = next.run(request).await;
    if fresh && signs_in && response.status().is_success() {
        let cookie = Cookie::build((COOKIE_NAME, id))
            .path("/")
            .max_age(Duration::days(MAX_AGE_DAYS))
            .http_only(true)
            .same_site(SameSite::Lax)
            .secure(production)
            .build();
        if let Ok(value) = HeaderValue::from_str(&cookie.to_string()) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}
