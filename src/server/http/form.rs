//! Form-encoded requests (`application/x-www-form-urlencoded`), as browsers post
//! a `<form>` and as OAuth 2.0 sends its parameters: the OpenID Connect endpoints
//! and the password sign-in posted without the wasm (`login::no_script`).

use dioxus::server::axum::{
    body::Bytes,
    extract::Request,
    http::{header, Method},
};
use std::collections::HashMap;

/// The parameters of a request: its query string for GET, its form body for
/// POST. `Err` (a reason in English, for logs and OAuth error descriptions) for a
/// parameter given twice (OAuth 2.0 §3.1), a body that is not a form, or one over
/// `max_bytes`.
pub async fn parameters(
    request: Request,
    max_bytes: usize,
) -> Result<HashMap<String, String>, &'static str> {
    let (parts, body) = request.into_parts();
    let bytes = if parts.method == Method::POST {
        let form = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"));
        if !form {
            return Err("the body must be application/x-www-form-urlencoded");
        }
        dioxus::server::axum::body::to_bytes(body, max_bytes)
            .await
            .map_err(|_| "the body is too large")?
    } else {
        Bytes::from(parts.uri.query().unwrap_or("").to_owned())
    };
    form_pairs(&bytes)
}

/// Form-encoded `bytes` as a map; `Err` when a name repeats.
pub fn form_pairs(bytes: &[u8]) -> Result<HashMap<String, String>, &'static str> {
    let mut out = HashMap::new();
    for (name, value) in url::form_urlencoded::parse(bytes) {
        if out.insert(name.into_owned(), value.into_owned()).is_some() {
            return Err("a parameter is given more than once");
        }
    }
    Ok(out)
}
