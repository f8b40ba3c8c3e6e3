//! How the public pages carry server data into the browser's first render.
//!
//! `use_server_future` and `use_server_cached` send their value from the server's
//! render to the browser's hydration encoded by Dioxus as CBOR (`ciborium`), whose
//! deserializer is generated anew for every type read, on top of the JSON
//! readers the same types already have as server functions' answers. [`AsJson`]
//! sends such a value as one JSON string instead, so the CBOR side reads only a
//! string: 10 KB less brotli in the public pages' wasm for its five types
//! (docs/DESIGN.md §8 "Page weight").

use serde::de::{DeserializeOwned, Error as _};
use serde::ser::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::future::Future;

/// A value hydrated as one JSON string (module docs). Wrap what the server part
/// of a public page's `use_server_future` or `use_server_cached` returns; read
/// the value at `.0`.
///
/// Serializing fails only when `T`'s own `Serialize` does (a map with non-string
/// keys); deserializing fails when the string is not `T`'s JSON.
#[derive(Debug, Clone, PartialEq)]
pub struct AsJson<T>(pub T);

impl<T> AsJson<T> {
    /// `future`'s output, wrapped: `use_server_future(|| AsJson::wrap(server_fn()))`.
    pub async fn wrap(future: impl Future<Output = T>) -> Self {
        Self(future.await)
    }
}

impl<T: Serialize> Serialize for AsJson<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let text = serde_json::to_string(&self.0).map_err(S::Error::custom)?;
        serializer.serialize_str(&text)
    }
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for AsJson<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        // From bytes, as Dioxus reads server functions' answers: one set of
        // generated readers serves both (2.5 KB brotli less than `from_str`).
        serde_json::from_slice(text.as_bytes())
            .map(Self)
            .map_err(D::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Sample {
        name: String,
        count: u32,
    }

    #[test]
    fn a_value_crosses_as_one_json_string_and_comes_back_whole() {
        let value = AsJson(Ok::<_, String>(Sample {
            name: "条款".into(),
            count: 3,
        }));
        let wire = serde_json::to_value(&value).unwrap();
        assert_eq!(
            wire,
            serde_json::Value::String(r#"{"Ok":{"name":"条款","count":3}}"#.into())
        );
        let back: AsJson<Result<Sample, String>> = serde_json::from_value(wire).unwrap();
        assert_eq!(back, value);
    }

    #[test]
    fn a_string_that_is_not_the_types_json_is_refused() {
        let wire = serde_json::Value::String(r#"{"name":"x"}"#.into());
        let error = serde_json::from_value::<AsJson<Sample>>(wire).unwrap_err();
        assert!(error.to_string().contains("count"), "{error}");
    }
}
