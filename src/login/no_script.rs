//! Password sign-in before the wasm arrives (docs/DESIGN.md §3, "Without the
//! wasm"): `/login` renders a real `<form method="post">` to itself, answered with
//! post/redirect/get. The wasm takes the form over once it runs (its submit handler
//! prevents the browser's own post), so this path serves a phone on a slow network
//! or with the wasm blocked. SMS sign-in, sign-up and reset need the wasm's proof
//! of work and say so.

use super::api::password_sign_in;
use super::form::{safe_next, PasswordLoginForm};
use super::types::LoginFlash;
use crate::app::Route;
use crate::error::ApiError;
use crate::server::http::context::RequestContext;
use crate::server::http::form::parameters;
use dioxus::server::axum::{
    extract::{FromRequestParts, Request},
    http::{header, HeaderValue, Method},
    middleware::Next,
    response::{IntoResponse, Redirect, Response},
};
use tower_sessions::cookie::{time::Duration as CookieDuration, Cookie, SameSite};

/// Largest form body read (bytes): a number, a password of at most 16
/// characters and their names fit many times over.
const MAX_FORM_BYTES: usize = 4 * 1024;
/// Longest phone field carried back to the form (characters).
const MAX_PHONE_CHARS: usize = 64;
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
///   `/account`;
/// - refused (every error [`super::login_with_password`] gives, 429 and 403
///   included, or a body that is not such a form): back to `/login?next=…` with
///   the number and the error in the one-time cookie [`LoginFlash::COOKIE`].
pub async fn password_form(request: Request, next: Next) -> Response {
    if request.uri().path() != "/login" {
        return next.run(request).await;
    }
    if request.method() == Method::POST {
        return post(request).await;
    }
    let carries_flash = request
        .headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.contains(LoginFlash::COOKIE));
    let mut response = next.run(request).await;
    if carries_flash {
        let gone = flash_cookie(String::new(), CookieDuration::ZERO);
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
    let return_to = parts
        .uri
        .query()
        .and_then(|q| crate::server::http::form::form_pairs(q.as_bytes()).ok())
        .and_then(|mut q| q.remove("next"))
        .unwrap_or_default();
    let return_to = safe_next(&return_to).unwrap_or("").to_owned();
    let fields = parameters(Request::from_parts(parts, body), MAX_FORM_BYTES).await;
    let form = match fields {
        Ok(mut f) => PasswordLoginForm {
            phone: f.remove("phone").unwrap_or_default(),
            password: f.remove("password").unwrap_or_default(),
        },
        Err(_) => PasswordLoginForm::default(),
    };
    match password_sign_in(&ctx, &form).await {
        Ok(_) if return_to.is_empty() => Redirect::to(&Route::Account {}.to_string()),
        Ok(_) => Redirect::to(&return_to),
        Err(error) => return refused(&form, error, return_to),
    }
    .into_response()
}

/// 303 back to the form with the number and `error` in the one-time cookie.
fn refused(form: &PasswordLoginForm, error: ApiError, next: String) -> Response {
    let flash = LoginFlash {
        phone: form.phone.chars().take(MAX_PHONE_CHARS).collect(),
        error,
    };
    let cookie = flash_cookie(flash.encode(), CookieDuration::seconds(FLASH_SECONDS));
    let mut response = Redirect::to(&Route::Login { next }.to_string()).into_response();
    if let Ok(value) = HeaderValue::from_str(&cookie.to_string()) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

/// The one-time cookie with `value`, kept `max_age` (zero deletes it). Not
/// `Secure`-flagged: it holds no secret, and the page must work over plain HTTP in
/// development.
fn flash_cookie(value: String, max_age: CookieDuration) -> Cookie<'static> {
    Cookie::build((LoginFlash::COOKIE, value))
        .path("/login")
        .http_only(true)
        .same_site(SameSite::Lax)
        .max_age(max_age)
        .build()
}
