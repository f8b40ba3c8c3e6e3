//! Password sign-in before the wasm arrives (docs/DESIGN.md §3, "Without the
//! wasm"): `/login` renders a real `<form method="post">` to itself, answered with
//! post/redirect/get. The wasm takes the form over once it runs (its submit handler
//! prevents the browser's own post), so this path serves a phone on a slow network
//! or with the wasm blocked. SMS sign-in, sign-up and reset need the wasm's proof
//! of work and say so.

use super::api::password_sign_in;
use super::form::{safe_next, PasswordLoginForm};
use super::types::LoginFlash;
use crate::app::{is_app_page, Route};
use crate::error::ApiError;
use crate::i18n::Msg;
use crate::server::http::context::RequestContext;
use crate::server::http::form::parameters;
use crate::server::http::headers::cookie_value;
use dioxus::server::axum::{
    extract::{FromRequestParts, Request},
    http::{header, HeaderMap, HeaderValue, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Redirect, Response},
};
use std::str::FromStr;
use tower_sessions::cookie::{time::Duration as CookieDuration, Cookie, SameSite};

/// Largest form body read (bytes): a number, a password of at most 16
/// characters and their names fit many times over.
const MAX_FORM_BYTES: usize = 4 * 1024;
/// How long the one-time cookie lives (seconds): the redirect follows at once.
const FLASH_SECONDS: i64 = 60;

/// The middleware that serves `POST /login` and deletes the one-time cookie when
/// `GET /login` has read it; every other request passes through. It sits inside
/// the session layer (a sign-in cycles the session id) and behind the cross-site
/// refusal (`server::origin`), like the server functions.
///
/// `POST /login` (`application/x-www-form-urlencoded`: `phone`, `password`; the
/// return path in the query string as `next`) answers 303:
/// - signed in: to `next` when it is a same-site path ([`safe_next`]), else
///   `/account`; a `next` the server answers (`/authorize?request=`) gets a 200
///   page that moves on to it ([`onward`]);
/// - refused (every error [`super::login_with_password`] gives, 429 and 403
///   included, or a body that is not such a form): back to `/login?next=…` with
///   the number and the error in the one-time cookie [`LoginFlash::COOKIE`];
/// - 403 without `Origin`, `Sec-Fetch-Site` or a `Referer` of the site's own.
pub async fn password_form(request: Request, next: Next) -> Response {
    // The router serves `/login/` as `/login`, and the cookie's path covers both.
    if request.uri().path().trim_end_matches('/') != "/login" {
        return next.run(request).await;
    }
    if request.method() == Method::POST {
        return post(request).await;
    }
    let carries_flash = cookie_value(request.headers(), LoginFlash::COOKIE).is_some();
    let secure = request
        .extensions()
        .get::<crate::server::AppState>()
        .is_some_and(|state| state.settings.mode == crate::server::Mode::Production);
    let mut response = next.run(request).await;
    if carries_flash {
        let gone = flash_cookie(String::new(), CookieDuration::ZERO, secure);
        if let Ok(value) = HeaderValue::from_str(&gone.to_string()) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}

async fn post(request: Request) -> Response {
    let (mut parts, body) = request.into_parts();
    let ctx = match RequestContext::from_request_parts(&mut parts, &()).await {
        Ok(ctx) => ctx,
        Err(rejection) => return rejection.into_response(),
    };
    if !from_own_page(&ctx, &parts.headers) {
        let refused = ApiError::new(StatusCode::FORBIDDEN, Msg::CrossSiteRefused, ctx.lang);
        return (StatusCode::FORBIDDEN, refused.message).into_response();
    }
    // `next` as the page reads it: the router's own parse of this address.
    let query = parts.uri.query().unwrap_or("");
    let return_to = match Route::from_str(&format!("/login?{query}")) {
        Ok(Route::Login { next }) => safe_next(&next).unwrap_or("").to_owned(),
        _ => String::new(),
    };
    let fields = parameters(Request::from_parts(parts, body), MAX_FORM_BYTES).await;
    let form = match fields {
        Ok(mut f) => PasswordLoginForm {
            phone: f.remove("phone").unwrap_or_default(),
            password: f.remove("password").unwrap_or_default(),
        },
        Err(_) => PasswordLoginForm::default(),
    };
    let secure = ctx.state.settings.mode == crate::server::Mode::Production;
    match password_sign_in(&ctx, &form).await {
        Ok(_) if return_to.is_empty() => Redirect::to(&Route::Account {}.to_string()),
        Ok(_) if !is_app_page(&return_to) => return onward(&return_to, ctx.lang),
        Ok(_) => Redirect::to(&return_to),
        Err(error) => return refused(&form, error, &return_to, secure),
    }
    .into_response()
}

/// Whether a state-changing request says it comes from the site's own page. The
/// cross-site refusal (`server::origin`) lets a request without `Origin` and
/// `Sec-Fetch-Site` pass, as a non-browser client; a form post carries neither in
/// some old browsers, and any site's form can post this body (OWASP CSRF
/// Prevention Cheat Sheet, "Verifying Origin"), so here such a request needs a
/// `Referer` of the site's own.
fn from_own_page(ctx: &RequestContext, headers: &HeaderMap) -> bool {
    if headers.contains_key(header::ORIGIN) || headers.contains_key("sec-fetch-site") {
        return true; // judged by the cross-site refusal before this runs
    }
    let own = crate::server::origin::SiteOrigins::for_settings(&ctx.state.settings);
    headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| url::Url::parse(r).ok())
        .is_some_and(|r| own.contains(&r.origin().ascii_serialization()))
}

/// 200 with a page that moves on to `path` (a same-site path the server answers,
/// `/authorize?request=`): a redirect would carry the form post on, and browsers
/// check `form-action 'self'` on each hop of it, so the authorization's redirect to
/// the client's site would be blocked. A refresh is a new navigation; the link is
/// there for a browser that does not follow it.
fn onward(path: &str, lang: crate::i18n::Lang) -> Response {
    let href = ammonia::clean_text(path);
    let text = ammonia::clean_text(Msg::ContinueToApp.text(lang));
    let page = format!(
        "<!DOCTYPE html><html lang=\"{}\"><head><meta charset=\"utf-8\">\
         <meta http-equiv=\"refresh\" content=\"0;url={href}\"></head>\
         <body><p><a href=\"{href}\">{text}</a></p></body></html>",
        lang.html_lang()
    );
    dioxus::server::axum::response::Html(page).into_response()
}

/// 303 back to the form with the number and `error` in the one-time cookie.
fn refused(form: &PasswordLoginForm, error: ApiError, next: &str, secure: bool) -> Response {
    let flash = LoginFlash {
        phone: form
            .phone
            .chars()
            .take(LoginFlash::MAX_PHONE_CHARS)
            .collect(),
        error,
    };
    let cookie = flash_cookie(
        flash.encode(),
        CookieDuration::seconds(FLASH_SECONDS),
        secure,
    );
    let next = next.to_owned();
    let mut response = Redirect::to(&Route::Login { next }.to_string()).into_response();
    if let Ok(value) = HeaderValue::from_str(&cookie.to_string()) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

/// The one-time cookie with `value`, kept `max_age` (zero deletes it); `Secure` in
/// production (development runs on plain HTTP).
fn flash_cookie(value: String, max_age: CookieDuration, secure: bool) -> Cookie<'static> {
    Cookie::build((LoginFlash::COOKIE, value))
        .path("/login")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Lax)
        .max_age(max_age)
        .build()
}
