//! The public pages' own client for their server functions (feature
//! `public-pages`, docs/DESIGN.md §8 "Page weight").
//!
//! Dioxus' client for server functions (`ClientRequest`, built on reqwest, the
//! `url` crate with its IDNA tables and the `http` crate's header parser) is
//! 82 KB of brotli in its own fullstack hello world: a third of that wasm, and
//! more than the public pages' whole budget above it. The public build calls its
//! eleven server functions with the browser's `fetch` instead, on the same wire:
//! the same paths, the arguments as one JSON object named as the function names
//! them, the answer as JSON, an error as Dioxus' envelope
//! `{"message", "code", "data": ApiError}` (what `ApiError::into_response`
//! writes too). Each such function is defined twice, side by side in its
//! feature's `api.rs` (the documents' in `src/legal/mod.rs`): the server
//! function, and, in the public build (`cfg(public_build)`, set by `build.rs`:
//! `public-pages` on, `server` off), its call ([`public_call!`], through `post`
//! or `get`) with the same name, arguments and answer. Under `cargo test --features server` each call is a
//! unit test that a server function of its method answers at its path; the API
//! tests pin the wire from the server's side; the browser tests run every
//! public page in this build.

/// Defines, for the public pages' wasm, the server function `name` at `path` as
/// its call through this module: `public_call!(post "/api/x", fn name(arg: T) ->
/// Answer)` or `public_call!(get "/api/y", fn name() -> Answer)`. The function
/// returns `Result<Answer, ApiError>`, with the `ApiError` in scope where it is
/// called (the server function beside it names it too); the arguments cross as
/// one JSON object with a field per argument, as Dioxus sends them. In the
/// server's unit tests it is instead a test, in a module named after the
/// function, that a server function of that method is registered at `path`.
macro_rules! public_call {
    (post $path:literal, fn $name:ident($($arg:ident: $ty:ty),*) -> $answer:ty) => {
        $crate::api_client::public_call!(@registered POST $path, $name);
        #[cfg(public_build)]
        #[doc = concat!("`POST ", $path, "` from the public pages' wasm (`crate::api_client`).")]
        pub async fn $name($($arg: $ty),*) -> Result<$answer, ApiError> {
            #[derive(serde::Serialize)]
            struct Args {
                $($arg: $ty),*
            }
            $crate::api_client::post($path, &Args { $($arg),* }).await
        }
    };
    (get $path:literal, fn $name:ident() -> $answer:ty) => {
        $crate::api_client::public_call!(@registered GET $path, $name);
        #[cfg(public_build)]
        #[doc = concat!("`GET ", $path, "` from the public pages' wasm (`crate::api_client`).")]
        pub async fn $name() -> Result<$answer, ApiError> {
            $crate::api_client::get($path).await
        }
    };
    (@registered $method:ident $path:literal, $name:ident) => {
        #[cfg(all(test, feature = "server"))]
        mod $name {
            #[test]
            fn public_call_names_a_registered_server_function() {
                let method = dioxus::server::http::Method::$method;
                assert!(
                    dioxus::server::ServerFunction::collect()
                        .iter()
                        .any(|f| f.path() == $path && f.method() == method),
                    "no server function answers {} {}",
                    method,
                    $path
                );
            }
        }
    };
}
pub(crate) use public_call;

#[cfg(public_build)]
pub use client::{get, post};

/// The calls themselves, in the public pages' wasm only.
#[cfg(public_build)]
mod client {
    use crate::error::ApiError;
    use dioxus::fullstack::{RequestError, ServerFnError};
    use serde::de::DeserializeOwned;
    use serde::{Deserialize, Serialize};
    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;

    /// `POST path` with `args` (a struct whose fields are the server function's
    /// arguments) as JSON; the server function's answer.
    ///
    /// Errors: the server's [`ApiError`]; [`crate::i18n::Msg::NetworkError`] when
    /// the request does not reach it or its answer cannot be read (the server may
    /// then have acted, as when a connection drops mid-answer);
    /// [`crate::i18n::Msg::Unexpected`] when the answer is not the expected JSON.
    pub async fn post<T: DeserializeOwned>(
        path: &str,
        args: &impl Serialize,
    ) -> Result<T, ApiError> {
        let body = serde_json::to_string(args)
            .map_err(|e| ApiError::from(ServerFnError::Serialization(e.to_string())))?;
        send("POST", path, Some(body)).await
    }

    /// `GET path` (a server function without arguments); errors as [`post`].
    pub async fn get<T: DeserializeOwned>(path: &str) -> Result<T, ApiError> {
        send("GET", path, None).await
    }

    /// Dioxus' error envelope (`dioxus_fullstack::magic::ErrorPayload`).
    #[derive(Deserialize)]
    struct ErrorPayload {
        message: String,
        code: u16,
        #[serde(default)]
        data: Option<ApiError>,
    }

    async fn send<T: DeserializeOwned>(
        method: &str,
        path: &str,
        body: Option<String>,
    ) -> Result<T, ApiError> {
        let (status, bytes) = fetch(method, path, body)
            .await
            .map_err(|e| ApiError::from(ServerFnError::Request(RequestError::Request(e))))?;
        // An empty answer is `()`'s, as Dioxus reads it.
        let bytes: &[u8] = if bytes.is_empty() { b"null" } else { &bytes };
        if (200..300).contains(&status) {
            return serde_json::from_slice(bytes)
                .map_err(|e| ApiError::from(ServerFnError::Deserialization(e.to_string())));
        }
        Err(match serde_json::from_slice::<ErrorPayload>(bytes) {
            Ok(ErrorPayload {
                data: Some(error), ..
            }) => error,
            Ok(ErrorPayload { message, code, .. }) => ApiError::from(ServerFnError::ServerError {
                message,
                code,
                details: None,
            }),
            Err(_) => ApiError::from(ServerFnError::ServerError {
                message: format!("HTTP {status}"),
                code: status,
                details: None,
            }),
        })
    }

    /// The browser's `fetch`, same-origin with its cookies: the status and the body.
    /// Errors: the message of what failed (no network, a refused request).
    async fn fetch(
        method: &str,
        path: &str,
        body: Option<String>,
    ) -> Result<(u16, Vec<u8>), String> {
        let failed = |e: JsValue| e.as_string().unwrap_or_else(|| format!("{e:?}"));
        let window = web_sys::window().ok_or("no window")?;
        let init = web_sys::RequestInit::new();
        init.set_method(method);
        if let Some(body) = body {
            let headers = web_sys::Headers::new().map_err(failed)?;
            headers
                .set("content-type", "application/json")
                .map_err(failed)?;
            init.set_headers(&headers);
            init.set_body(&JsValue::from_str(&body));
        }
        let response: web_sys::Response =
            JsFuture::from(window.fetch_with_str_and_init(path, &init))
                .await
                .map_err(failed)?
                .dyn_into()
                .map_err(failed)?;
        let buffer = JsFuture::from(response.array_buffer().map_err(failed)?)
            .await
            .map_err(failed)?;
        Ok((response.status(), js_sys::Uint8Array::new(&buffer).to_vec()))
    }
}
