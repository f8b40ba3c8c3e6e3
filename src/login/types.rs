//! What the sign-in pages and their server functions exchange.

use serde::{Deserialize, Serialize};

/// The browser is signed in (with a new session id).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignedIn {
    /// e.g. `138****8000`.
    pub masked_phone: String,
}

/// What a password sign-in posted without the wasm (docs/DESIGN.md §3, "Without
/// the wasm") carries to the re-rendered `/login` when it fails: the number as
/// typed and the error, never the password. It travels in a one-time cookie
/// ([`LoginFlash::COOKIE`]) the next `GET /login` reads and deletes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoginFlash {
    /// The phone field as the visitor typed it (at most
    /// [`LoginFlash::MAX_PHONE_CHARS`] kept).
    pub phone: String,
    /// The refusal, shown as the wasm path shows it.
    pub error: crate::error::ApiError,
}

impl LoginFlash {
    /// The one-time cookie's name (`HttpOnly`, `SameSite=Lax`, path `/login`, 60 s).
    pub const COOKIE: &'static str = "gatehouse_login_flash";

    /// Longest phone field carried back to the form, in characters.
    pub const MAX_PHONE_CHARS: usize = 64;

    /// On the server: the flash the request being rendered carries, if its cookie
    /// decodes. In the browser (a page rendered there, not hydrated) there is none.
    ///
    /// A cookie can be set by others than this server (a sibling subdomain, a
    /// network attacker on plain HTTP), so only the message keys, the seconds of
    /// a rate limit and the number (at most [`Self::MAX_PHONE_CHARS`]) are taken from it:
    /// every other text is the catalog's and the site's own (the hotline).
    pub fn current() -> Option<Self> {
        #[cfg(feature = "server")]
        {
            let ctx = dioxus::fullstack::FullstackContext::current()?;
            let headers = ctx.parts_mut().headers.clone();
            let value = crate::server::http::headers::cookie_value(&headers, Self::COOKIE)?;
            let mut flash = Self::decode(value)?;
            let lang = crate::server::http::headers::lang(&headers);
            flash.phone = flash.phone.chars().take(Self::MAX_PHONE_CHARS).collect();
            let e = &mut flash.error;
            e.args.clear();
            e.fields = e.field_keys.localized(lang);
            e.message = e.text(lang);
            if let Some(state) = ctx.extension::<crate::server::AppState>() {
                flash.error = flash.error.with_site_facts(&state.settings.hotline, lang);
            }
            Some(flash)
        }
        #[cfg(not(feature = "server"))]
        None
    }

    /// The cookie value: the JSON in unpadded base64url.
    #[cfg(feature = "server")]
    pub fn encode(&self) -> String {
        use base64::Engine;
        let json = serde_json::to_vec(self).unwrap_or_default();
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json)
    }

    /// The flash of a cookie value, `None` when it does not decode.
    #[cfg(feature = "server")]
    pub fn decode(value: &str) -> Option<Self> {
        use base64::Engine;
        let json = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(value)
            .ok()?;
        serde_json::from_slice(&json).ok()
    }
}
