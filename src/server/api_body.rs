//! The request bodies of server functions, read here before Dioxus sees them.
//!
//! dioxus-fullstack 0.7.10 reads a server function's body with `unwrap()`
//! (`magic.rs:542`: any body error, a size limit's included, panics the handler) and
//! answers an argument that does not deserialize with 500 and serde's text, internal
//! type names included (`magic.rs:551`). This layer reads every `/api/` body itself,
//! under a size limit, refuses what is not JSON, and turns Dioxus' deserialization
//! answer into our own 400, so every answer a client meets has the [`ApiError`]
//! shape and a localized message.

use crate::error::ApiError;
use crate::i18n::Msg;
use dioxus::server::axum::{
    body::{to_bytes, Body},
    extract::Request,
    http::{header, Method, StatusCode},
    middleware::Next,
    response::Response,
};

/// The largest `/api/` request body, in bytes (64 KiB). Every form but a document
/// publication is well under 2 KiB.
pub const API_BODY_LIMIT: usize = 64 * 1024;

/// The largest body of the admin area's two document server functions
/// ([`DOCUMENT_PATHS`]), in bytes (512 KiB): two texts of up to 128 KiB
/// each ([`crate::domain::DOCUMENT_TEXT_MAX_BYTES`]), which JSON escaping can
/// make up to twice as long, and the rest of the form.
pub const DOCUMENT_BODY_LIMIT: usize = 512 * 1024;

/// The only paths that take [`DOCUMENT_BODY_LIMIT`]: exactly these, so no other
/// path under the prefix makes the server hold half a MiB.
pub const DOCUMENT_PATHS: [&str; 2] = [
    "/api/admin/documents/preview",
    "/api/admin/documents/publish",
];

/// The body limit of a request to `path`.
pub fn body_limit(path: &str) -> usize {
    if DOCUMENT_PATHS.contains(&path) {
        DOCUMENT_BODY_LIMIT
    } else {
        API_BODY_LIMIT
    }
}

/// The largest Dioxus answer read back when checking for its deserialization
/// error (its message is short; a bigger answer is never that error).
const FRAMEWORK_ERROR_LIMIT: usize = 16 * 1024;

/// Middleware for `/api/` requests with a body (not GET, HEAD or OPTIONS):
///
/// - 415 [`Msg::UnsupportedBody`] unless the `Content-Type` is `application/json`;
///   a request without `Content-Type` passes only with an empty body (a server
///   function without arguments sends one: dioxus-fullstack `client.rs`);
/// - 413 [`Msg::BodyTooLarge`] for a body over [`body_limit`] ([`API_BODY_LIMIT`],
///   [`DOCUMENT_BODY_LIMIT`] for a publication), whether or not it declared its
///   `Content-Length`;
/// - 400 [`Msg::BadRequest`] for a body that is not well-formed UTF-8 JSON, and for
///   one that is but does not fit the server function's argument (Dioxus' 500
///   "error deserializing server function …" is replaced).
///
/// Each refusal is logged at warn, without the body.
pub async fn read_api_body(request: Request, next: Next) -> Response {
    if !request.uri().path().starts_with("/api/")
        || matches!(
            *request.method(),
            Method::GET | Method::HEAD | Method::OPTIONS
        )
    {
        return next.run(request).await;
    }
    let lang = crate::server::http::headers::lang(request.headers());
    let limit = body_limit(request.uri().path());
    let refuse = |status: StatusCode, key: Msg, why: &str| {
        tracing::warn!(status = status.as_u16(), "request body refused: {why}");
        ApiError::new(status, key, lang).into_response()
    };
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap_or("").to_owned());
    let json = content_type.as_deref().map(is_json);
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if json == Some(false) {
        return refuse(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Msg::UnsupportedBody,
            "not application/json",
        );
    }
    if declared.is_some_and(|n| n > limit as u64) {
        return refuse(
            StatusCode::PAYLOAD_TOO_LARGE,
            Msg::BodyTooLarge,
            "Content-Length over the limit",
        );
    }
    let (parts, body) = request.into_parts();
    let Ok(bytes) = to_bytes(body, limit).await else {
        // Over the limit while streaming (chunked), or the client went away.
        return refuse(
            StatusCode::PAYLOAD_TOO_LARGE,
            Msg::BodyTooLarge,
            "body over the limit or unreadable",
        );
    };
    if json.is_none() && !bytes.is_empty() {
        return refuse(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Msg::UnsupportedBody,
            "a body without Content-Type",
        );
    }
    if !bytes.is_empty() && serde_json::from_slice::<serde::de::IgnoredAny>(&bytes).is_err() {
        return refuse(StatusCode::BAD_REQUEST, Msg::BadRequest, "malformed JSON");
    }
    let response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return response;
    }
    let (parts, body) = response.into_parts();
    let bytes = to_bytes(body, FRAMEWORK_ERROR_LIMIT)
        .await
        .unwrap_or_default();
    if is_argument_error(&bytes) {
        return refuse(
            StatusCode::BAD_REQUEST,
            Msg::BadRequest,
            "body does not fit the server function's argument",
        );
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// Whether a `Content-Type` value is JSON (`application/json`, any parameters).
fn is_json(content_type: &str) -> bool {
    content_type
        .split(';')
        .next()
        .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json"))
}

/// Whether a 500 answer is Dioxus' own for arguments that did not deserialize:
/// `{"error":"error deserializing server function …"}` (dioxus-fullstack-core
/// `error.rs`, `ServerFnError::Deserialization` and `Args`). Our own errors carry
/// a `key` and are left alone.
fn is_argument_error(body: &[u8]) -> bool {
    let Ok(serde_json::Value::Object(object)) = serde_json::from_slice(body) else {
        return false;
    };
    !object.contains_key("key")
        && object
            .get("error")
            .and_then(|e| e.as_str())
            .is_some_and(|e| e.starts_with("error deserializing server function"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_content_types() {
        assert!(is_json("application/json"));
        assert!(is_json("Application/JSON; charset=utf-8"));
        assert!(!is_json("text/plain"));
        assert!(!is_json("application/x-www-form-urlencoded"));
        assert!(!is_json("multipart/form-data; boundary=x"));
    }

    #[test]
    fn only_dioxus_deserialization_answers_are_replaced() {
        assert!(is_argument_error(
            br#"{"error":"error deserializing server function results: missing field `consent`"}"#
        ));
        assert!(is_argument_error(
            br#"{"error":"error deserializing server function arguments: x"}"#
        ));
        assert!(!is_argument_error(
            br#"{"status":500,"key":"Unexpected","message":"x","error":"error deserializing server function"}"#
        ));
        assert!(!is_argument_error(br#"{"error":"database failed"}"#));
        assert!(!is_argument_error(b"session layer missing"));
    }
}
