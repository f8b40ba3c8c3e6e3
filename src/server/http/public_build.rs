//! The public pages' wasm (docs/DESIGN.md §8, "Page weight"; issue 16): a visitor
//! of sign-up, sign-in, reset, the documents or the consent page downloads a build
//! of the app without the account area, the admin area and the authorization
//! pages (Cargo feature `public-pages`), which `scripts/bundle.sh` puts beside the
//! full build as `assets/public-pages-*.js` and its wasm. Every other page, and
//! every page when that build is absent (`dx serve`, a bundle made without it),
//! gets the full build.

use super::Area;
use dioxus::server::axum::{
    body::{to_bytes, Body},
    extract::{Request, State},
    http::{header, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The script names of the two builds, as the pages reference them
/// (`assets/gatehouse-dxh….js`, `assets/public-pages-dxh….js`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicBuild {
    full_script: String,
    public_script: String,
}

/// Largest page rewritten (bytes); a larger one is answered 500 (pages are tens
/// of KiB).
const MAX_PAGE_BYTES: usize = 8 << 20;

impl PublicBuild {
    /// The builds in the folder Dioxus serves assets from (`DIOXUS_PUBLIC_PATH`,
    /// else `public/` beside the executable), or `None` when either script is
    /// not found there.
    pub fn find() -> Option<Arc<Self>> {
        let public = std::env::var_os("DIOXUS_PUBLIC_PATH")
            .map(PathBuf::from)
            .or_else(|| Some(std::env::current_exe().ok()?.parent()?.join("public")))?;
        Self::in_folder(&public).map(Arc::new)
    }

    /// The builds in `public`: the script `index.html` loads (dx names it
    /// `assets/gatehouse-dxh….js`), and the one file `assets/public-pages-*.js`.
    pub fn in_folder(public: &Path) -> Option<Self> {
        let index = std::fs::read_to_string(public.join("index.html")).ok()?;
        let start = index.find("assets/gatehouse-")?;
        let end = start + index[start..].find(".js")? + ".js".len();
        let full_script = index[start..end].to_owned();
        let mut public_scripts = std::fs::read_dir(public.join("assets"))
            .ok()?
            .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
            .filter(|name| name.starts_with("public-pages-") && name.ends_with(".js"));
        let public_script = format!("assets/{}", public_scripts.next()?);
        if public_scripts.next().is_some() {
            tracing::warn!("more than one public pages' build: every page gets the full build");
            return None;
        }
        Some(Self {
            full_script,
            public_script,
        })
    }

    /// Whether the page at `path` gets the public build: any page outside the
    /// account and admin areas and the authorization pages (`/authorize…`).
    /// Paths are read percent-decoded, as the router reads them.
    pub fn serves(path: &str) -> bool {
        let decoded = percent_encoding::percent_decode_str(path).decode_utf8_lossy();
        Area::of(path).is_none() && !decoded.starts_with("/authorize")
    }
}

/// Sends the public pages with the public build: each such HTML page names its
/// script instead of the full one (both in the `<head>` preload and the
/// `<script>` tag). Sits inside the anonymous-page cache, so a cached page is
/// rewritten once.
pub async fn serve_public_build(
    State(build): State<Option<Arc<PublicBuild>>>,
    request: Request,
    next: Next,
) -> Response {
    let Some(build) = build else {
        return next.run(request).await;
    };
    if request.method() != Method::GET || !PublicBuild::serves(request.uri().path()) {
        return next.run(request).await;
    }
    let response = next.run(request).await;
    let html = crate::server::http::headers::is_html(response.headers());
    if !html || response.headers().contains_key(header::CONTENT_ENCODING) {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_PAGE_BYTES).await else {
        tracing::error!("a public page over {MAX_PAGE_BYTES} bytes, or its body failed");
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let page = String::from_utf8_lossy(&bytes).replace(&build.full_script, &build.public_script);
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(page))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_pages_are_those_outside_the_areas_and_the_authorization_pages() {
        for path in [
            "/register",
            "/login",
            "/reset-password",
            "/legal/privacy",
            "/consent",
            "/",
        ] {
            assert!(PublicBuild::serves(path), "{path}");
        }
        for path in [
            "/account",
            "/account/devices",
            "/%61ccount",
            "/admin",
            "/admin/audit",
            "/authorize/consent",
            "/%61uthorize/consent",
        ] {
            assert!(!PublicBuild::serves(path), "{path}");
        }
    }

    #[test]
    fn finds_both_scripts_or_none() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("assets")).unwrap();
        std::fs::write(
            dir.path().join("index.html"),
            r#"<link rel="preload" as="script" href="/./assets/gatehouse-dxh1.js" crossorigin>"#,
        )
        .unwrap();
        assert_eq!(PublicBuild::in_folder(dir.path()), None);
        std::fs::write(dir.path().join("assets/public-pages-dxh2.js"), "").unwrap();
        assert_eq!(
            PublicBuild::in_folder(dir.path()),
            Some(PublicBuild {
                full_script: "assets/gatehouse-dxh1.js".into(),
                public_script: "assets/public-pages-dxh2.js".into(),
            })
        );
    }
}
