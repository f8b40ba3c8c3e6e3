//! The one error type every server function returns, and its single mapping to HTTP
//! status codes (docs/STYLE.md §3). It crosses the wire as JSON, so the page can show the
//! message in the visitor's language and tie field errors to their inputs.

use crate::form::{Field, FieldErrors};
use crate::i18n::{Lang, Msg};
use dioxus::fullstack::{AsStatusCode, ServerFnError, StatusCode};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What a server function reports when it does not succeed.
///
/// `message` and `fields` are already localized (in the request's language) for
/// API clients; the page re-renders from `key`/`field_keys` so a language switch
/// also switches the visible error.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct ApiError {
    /// HTTP status: 422 bad fields, 409 conflict, 429 rate limit, 401 no session,
    /// 502 SMS provider failure, 500 unexpected.
    pub status: u16,
    /// The message key of the whole outcome.
    pub key: Msg,
    /// `key` in the request's language, placeholders filled.
    pub message: String,
    /// Per-field message keys (422 only).
    #[serde(default)]
    pub field_keys: FieldErrors,
    /// Per-field messages in the request's language (422 only).
    #[serde(default)]
    pub fields: BTreeMap<Field, String>,
    /// Seconds until a rate limit lifts (429 only).
    #[serde(default)]
    pub retry_after: Option<u64>,
    /// Values of the message's other placeholders (`hotline`), so the page can
    /// show it in another language too.
    #[serde(default)]
    pub args: BTreeMap<String, String>,
}

impl ApiError {
    /// An outcome without field errors.
    pub fn new(status: StatusCode, key: Msg, lang: Lang) -> Self {
        Self {
            status: status.as_u16(),
            key,
            message: key.text(lang).to_owned(),
            field_keys: FieldErrors::default(),
            fields: BTreeMap::new(),
            retry_after: None,
            args: BTreeMap::new(),
        }
    }

    /// The same outcome with `{name}` in its message filled by `value`.
    pub fn with_arg(mut self, name: &str, value: &str, lang: Lang) -> Self {
        self.args.insert(name.to_owned(), value.to_owned());
        self.message = self.text(lang);
        self
    }

    /// The same outcome with the site's facts its message names filled in, in
    /// `lang`: `{hotline}`, the support number (the suspension message gives the
    /// number to call, docs/DESIGN.md §6). Other outcomes are returned unchanged.
    pub fn with_site_facts(self, hotline: &str, lang: Lang) -> Self {
        if self.key.text(lang).contains("{hotline}") {
            self.with_arg("hotline", hotline, lang)
        } else {
            self
        }
    }

    /// 422 with every bad field.
    pub fn invalid(errors: FieldErrors, lang: Lang) -> Self {
        Self {
            fields: errors.localized(lang),
            field_keys: errors,
            ..Self::new(StatusCode::UNPROCESSABLE_ENTITY, Msg::ErrorSummary, lang)
        }
    }

    /// 422 with one field's message, which is also the outcome's message.
    pub fn field(field: Field, key: Msg, lang: Lang) -> Self {
        let mut fields = FieldErrors::default();
        fields.0.insert(field, key);
        Self {
            key,
            message: key.text(lang).to_owned(),
            ..Self::invalid(fields, lang)
        }
    }

    /// 429 with the seconds left; `{n}` in the message becomes that number.
    pub fn rate_limited(key: Msg, retry_after: u64, lang: Lang) -> Self {
        Self {
            message: key.format(lang, &[("n", &retry_after.to_string())]),
            retry_after: Some(retry_after),
            ..Self::new(StatusCode::TOO_MANY_REQUESTS, key, lang)
        }
    }

    /// 500 without detail: the cause is logged on the server, never sent.
    pub fn unexpected(lang: Lang) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, Msg::Unexpected, lang)
    }

    /// The outcome's message in `lang`, as the page shows it.
    pub fn text(&self, lang: Lang) -> String {
        let n = self.retry_after.map(|n| n.to_string()).unwrap_or_default();
        let mut args: Vec<(&str, &str)> = vec![("n", &n)];
        args.extend(self.args.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        self.key.format(lang, &args)
    }
}

#[cfg(feature = "server")]
impl ApiError {
    /// The answer of a refusal made outside a server function (a middleware), in the
    /// envelope dioxus-fullstack gives a server function's error (`magic.rs`
    /// `ErrorPayload`): `{"message": …, "code": status, "data": ApiError}`, so
    /// clients and the page read it as any other error.
    pub fn into_response(self) -> dioxus::server::axum::response::Response {
        use dioxus::server::axum::response::IntoResponse;
        let status = self.as_status_code();
        let body = serde_json::json!({
            "message": self.message,
            "code": self.status,
            "data": self,
        });
        (status, dioxus::server::axum::Json(body)).into_response()
    }
}

impl AsStatusCode for ApiError {
    fn as_status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

/// Transport failures (no network, a body that did not decode) seen by the client.
impl From<ServerFnError> for ApiError {
    fn from(error: ServerFnError) -> Self {
        let status = error.as_status_code();
        let key = match error {
            ServerFnError::Request { .. } => Msg::NetworkError,
            _ if status == StatusCode::UNAUTHORIZED => Msg::SessionRequired,
            _ => Msg::Unexpected,
        };
        Self::new(status, key, Lang::default())
    }
}
