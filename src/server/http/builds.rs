//! Which wasm a page loads, and loading it early (docs/DESIGN.md §8, "Page weight";
//! issue 16).
//!
//! - **Two builds.** A visitor of sign-up, sign-in, reset or the documents
//!   downloads a build of the app without the account area, the admin area, the
//!   authorization pages and the consent page (Cargo feature `public-pages`), which
//!   `scripts/bundle.sh` puts beside the full build as `assets/public-pages-*.js`
//!   and its wasm. Every other page, and every page when that build is absent (a
//!   bundle made without it), gets the full build.
//! - **The wasm's download starts in the `<head>`.** Dioxus' script asks for the
//!   wasm only once it has run, after the page's first layout: on a slow phone,
//!   over a second after the HTML. A `<link rel="preload">` would start it early,
//!   but Safari downloads a preloaded `as=fetch` resource a second time (why
//!   dioxus-cli 0.7.10 dropped its preload). So each page gets a small inline
//!   script ([`head_script`]) that calls `fetch` on the wasm at once and
//!   hands that same response to the first `fetch` of the same path, which is
//!   Dioxus' (wasm-bindgen's `init`): one download in every browser. The
//!   Content-Security-Policy allows exactly the bundle's own such scripts by
//!   their hash ([`Builds::is_head_script`]).
//! - **A press before the wasm is kept.** The same script keeps a press on the
//!   send-code button made before the wasm runs, for the app to carry out when
//!   it does ([`EARLY_PRESS`]).
//!
//! Under `dx serve` (no bundle in the public folder) pages are left as they are.

use super::{under, Area};
use crate::app::FULL_BUILD_META;
use dioxus::server::axum::{
    body::{to_bytes, Body},
    extract::{Request, State},
    http::{header, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};
use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// One build of the app: its script, as pages name it (`assets/gatehouse-dxh….js`),
/// and the wasm that script loads, as the script names it
/// (`/./assets/gatehouse_bg-dxh….wasm`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Build {
    script: String,
    wasm: String,
    /// [`head_script`] for `wasm`, made once.
    inline_script: String,
    /// What replaces a page's `<head>` tag ([`Builds::rewrite`]): the tag, then
    /// `inline_script` in a `<script>`, then for the public build the
    /// [`FULL_BUILD_META`]; made once.
    head: String,
}

/// The builds in the bundle: the full one, and the public pages' one when present.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Builds {
    full: Build,
    public: Option<Build>,
}

/// Largest page rewritten (bytes); a larger one is answered 500 (pages are tens
/// of KiB).
const MAX_PAGE_BYTES: usize = 8 << 20;

impl Build {
    fn new(script: String, wasm: String) -> Self {
        let inline_script = head_script(&wasm);
        let head = format!("<head><script>{inline_script}</script>");
        Self {
            script,
            wasm,
            inline_script,
            head,
        }
    }

    /// The build whose script is `public/{script}`, with the wasm path read from
    /// it: the first string in it that is an asset path ending in `.wasm` (dx's
    /// `init({module_or_path:"/./assets/…wasm"})`; wasm-bindgen's fallback
    /// `"gatehouse_bg.wasm"` is relative and skipped). `None` if the script is
    /// missing, its own path is not an asset path (it is written into pages), or
    /// it names no such path.
    fn in_folder(public: &Path, script: String) -> Option<Self> {
        if !is_asset_path(&format!("/{script}"), ".js") {
            return None;
        }
        let text = std::fs::read_to_string(public.join(&script)).ok()?;
        let wasm = text.match_indices(".wasm\"").find_map(|(at, _)| {
            let end = at + ".wasm".len();
            let start = text[..end].rfind('"')? + 1;
            let path = &text[start..end];
            is_asset_path(path, ".wasm").then(|| path.to_owned())
        })?;
        Some(Self::new(script, wasm))
    }
}

impl Builds {
    /// The builds in the folder Dioxus serves assets from (`DIOXUS_PUBLIC_PATH`,
    /// else `public/` beside the executable), or `None` when it holds no bundle.
    pub fn find() -> Option<Arc<Self>> {
        let public = std::env::var_os("DIOXUS_PUBLIC_PATH")
            .map(PathBuf::from)
            .or_else(|| Some(std::env::current_exe().ok()?.parent()?.join("public")))?;
        Self::in_folder(&public).map(Arc::new)
    }

    /// The builds in `public`: the script `index.html` loads (dx names it
    /// `assets/gatehouse-dxh….js`), and the one file `assets/public-pages-*.js` if
    /// there is exactly one. `None` without `index.html` or the full build.
    pub fn in_folder(public: &Path) -> Option<Self> {
        let index = std::fs::read_to_string(public.join("index.html")).ok()?;
        let start = index.find("assets/gatehouse-")?;
        let end = start + index[start..].find(".js")? + ".js".len();
        let Some(full) = Build::in_folder(public, index[start..end].to_owned()) else {
            tracing::warn!("the app's script names no wasm asset: pages are sent as rendered");
            return None;
        };
        let mut public_scripts = std::fs::read_dir(public.join("assets"))
            .ok()?
            .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
            .filter(|name| name.starts_with("public-pages-") && name.ends_with(".js"));
        let first = public_scripts.next();
        let public_build = match (first, public_scripts.next()) {
            (Some(name), None) => {
                let build = Build::in_folder(public, format!("assets/{name}"));
                if build.is_none() {
                    tracing::warn!("the public pages' script names no wasm asset: not used");
                }
                build
            }
            (None, _) => None,
            (Some(_), Some(_)) => {
                tracing::warn!("more than one public pages' build: every page gets the full build");
                None
            }
        };
        Some(Self::new(full, public_build))
    }

    /// The `full` build and the `public` one, whose pages' `<head>` also gets a
    /// [`FULL_BUILD_META`] naming the full build's script and wasm.
    fn new(full: Build, public: Option<Build>) -> Self {
        let public = public.map(|mut build| {
            build.head.push_str(&format!(
                "<meta name=\"{FULL_BUILD_META}\" content=\"/{} {}\">",
                full.script, full.wasm
            ));
            build
        });
        Self { full, public }
    }

    /// Whether the page at `path` gets the public build: any page an anonymous
    /// visitor may see, that is outside the account and admin areas, the
    /// authorization pages (`/authorize` and below) and the consent page (`/consent`, for
    /// a signed-in account with a document version due, docs/DESIGN.md §4).
    /// Paths are read percent-decoded, as the router reads them.
    pub fn serves_public(path: &str) -> bool {
        Area::of(path).is_none() && !under(path, "/authorize") && !under(path, "/consent")
    }

    /// Whether `script` is exactly the [`head_script`] of one of these
    /// builds: the one inline script of ours the Content-Security-Policy allows.
    pub fn is_head_script(&self, script: &str) -> bool {
        std::iter::once(&self.full)
            .chain(&self.public)
            .any(|build| script == build.inline_script)
    }

    /// `page` (the HTML Dioxus rendered for `path`, naming the full build) as sent:
    /// with [`head_script`] of its build's wasm first in the `<head>`, and,
    /// if `path` gets the public build, that build's script instead and a
    /// [`FULL_BUILD_META`] naming the full build's script and wasm (space-separated
    /// absolute paths), which the sign-up and sign-in pages prefetch once they run.
    /// A page that loads no build is returned as it is.
    pub fn rewrite(&self, path: &str, page: &str) -> String {
        if !page.contains(&self.full.script) {
            return page.to_owned();
        }
        let (build, page) = match &self.public {
            Some(public) if Self::serves_public(path) => (
                public,
                Cow::Owned(page.replace(&self.full.script, &public.script)),
            ),
            _ => (&self.full, Cow::Borrowed(page)),
        };
        page.replacen("<head>", &build.head, 1)
    }
}

/// Whether `path` is a same-site asset path ending in `extension` (`.wasm`,
/// `.js`): `/`, then letters, digits, `_`, `-`, `.` and `/` only, so it needs no
/// escaping inside a JavaScript string or an HTML attribute.
fn is_asset_path(path: &str, extension: &str) -> bool {
    path.starts_with('/')
        && !path.starts_with("//")
        && path.ends_with(extension)
        && path
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'/'))
}

/// The one inline script of ours, first in each page's `<head>`. It starts
/// downloading the wasm at `wasm` (an asset path, [`is_asset_path`] with `.wasm`, so
/// it needs no escaping) as the `<head>` is parsed, and gives that response to the
/// first `fetch(wasm)` with no options (the app's own, which then compiles it while
/// it streams); after that `fetch` is the browser's own again. Then
/// [`EARLY_PRESS`].
pub fn head_script(wasm: &str) -> String {
    format!(
        "(function(u){{var f=window.fetch,p=f.call(window,u);\
window.fetch=function(r){{if(p&&r===u&&arguments.length===1){{var q=p;p=null;\
window.fetch=f;return q}}return f.apply(window,arguments)}}}})(\"{wasm}\");{EARLY_PRESS}"
    )
}

/// The part of [`head_script`] that keeps a press made before the wasm runs the
/// page (docs/DESIGN.md §8, "Before the wasm"). A click on a button marked
/// `data-early-press="{id}"`, while the page's root is not yet
/// `data-hydrated="true"`, marks the button `data-pressed` when the input `id`
/// holds a value its `pattern` accepts, and otherwise moves the focus to that
/// input. The stylesheet shows a marked button as sending; the app carries the
/// press out as it hydrates ([`crate::components::PhoneAndCode`]).
pub const EARLY_PRESS: &str = "document.addEventListener('click',function(e){\
var b=e.target.closest&&e.target.closest('button[data-early-press]');\
if(!b||document.querySelector('.page[data-hydrated=true]'))return;\
var i=document.getElementById(b.getAttribute('data-early-press'));if(!i)return;\
if(i.value&&i.checkValidity())b.setAttribute('data-pressed','');else i.focus()},true)";

/// Sends each HTML page with its build ([`Builds::rewrite`]). Sits inside the
/// anonymous-page cache, so a cached page is rewritten once.
pub async fn serve_build(
    State(builds): State<Option<Arc<Builds>>>,
    request: Request,
    next: Next,
) -> Response {
    let Some(builds) = builds else {
        return next.run(request).await;
    };
    if request.method() != Method::GET {
        return next.run(request).await;
    }
    let path = request.uri().path().to_owned();
    let response = next.run(request).await;
    let html = crate::server::http::headers::is_html(response.headers());
    if !html || response.headers().contains_key(header::CONTENT_ENCODING) {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_PAGE_BYTES).await else {
        tracing::error!("a page over {MAX_PAGE_BYTES} bytes, or its body failed");
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let page = builds.rewrite(&path, &String::from_utf8_lossy(&bytes));
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
            "/consents",
            "/",
        ] {
            assert!(Builds::serves_public(path), "{path}");
        }
        for path in [
            "/account",
            "/account/devices",
            "/%61ccount",
            "/consent",
            "/%63onsent",
            "/admin",
            "/admin/audit",
            "/authorize/consent",
            "/%61uthorize/consent",
        ] {
            assert!(!Builds::serves_public(path), "{path}");
        }
    }

    /// A public folder with `index.html`, the full build and, if `public_wasm`,
    /// the public one.
    fn bundle(public_wasm: Option<&str>) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("assets")).unwrap();
        let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
        write(
            "index.html",
            r#"<link rel="preload" as="script" href="/./assets/gatehouse-dxh1.js" crossorigin>"#,
        );
        write(
            "assets/gatehouse-dxh1.js",
            r#"r=new URL("gatehouse_bg.wasm",import.meta.url);ft({module_or_path:"/./assets/gatehouse_bg-dxh1.wasm"}).then(r=>r)"#,
        );
        if let Some(wasm) = public_wasm {
            write(
                "assets/public-pages-dxh2.js",
                &format!(r#"ft({{module_or_path:"{wasm}"}})"#),
            );
        }
        dir
    }

    fn build(script: &str, wasm: &str) -> Build {
        Build::new(script.into(), wasm.into())
    }

    #[test]
    fn finds_each_build_with_the_wasm_its_script_loads() {
        let full = build(
            "assets/gatehouse-dxh1.js",
            "/./assets/gatehouse_bg-dxh1.wasm",
        );
        let dir = bundle(None);
        assert_eq!(
            Builds::in_folder(dir.path()),
            Some(Builds::new(full.clone(), None))
        );
        let dir = bundle(Some("/./assets/gatehouse_bg-dxh2.wasm"));
        assert_eq!(
            Builds::in_folder(dir.path()),
            Some(Builds::new(
                full.clone(),
                Some(build(
                    "assets/public-pages-dxh2.js",
                    "/./assets/gatehouse_bg-dxh2.wasm"
                )),
            ))
        );
        // A wasm path that would need escaping in a script is not used.
        let dir = bundle(Some(r#"/./assets/x\"+alert(1)+\".wasm"#));
        assert_eq!(Builds::in_folder(dir.path()).unwrap().public, None);
        // Nor a script whose own name would need escaping in the page.
        let dir = bundle(None);
        std::fs::write(
            dir.path().join("assets/public-pages-a\" b.js"),
            r#"ft({module_or_path:"/./assets/p.wasm"})"#,
        )
        .unwrap();
        assert_eq!(Builds::in_folder(dir.path()).unwrap().public, None);
        assert_eq!(Builds::in_folder(tempfile::tempdir().unwrap().path()), None);
    }

    #[test]
    fn each_page_names_its_build_and_fetches_its_wasm_first() {
        let builds = Builds::new(
            build("assets/gatehouse-dxh1.js", "/./assets/full.wasm"),
            Some(build(
                "assets/public-pages-dxh2.js",
                "/./assets/public.wasm",
            )),
        );
        let page = r#"<html><head><title>t</title><link rel="preload" href="/./assets/gatehouse-dxh1.js"></head><body><script type="module" src="/./assets/gatehouse-dxh1.js"></script></body></html>"#;
        let sent = builds.rewrite("/register", page);
        assert!(sent.starts_with(&format!(
            "<html><head><script>{}</script><meta name=\"gatehouse-full-build\" \
             content=\"/assets/gatehouse-dxh1.js /./assets/full.wasm\"><title>",
            head_script("/./assets/public.wasm")
        )));
        assert_eq!(sent.matches("assets/public-pages-dxh2.js").count(), 2);
        // The full build is named only by the meta, for the page to prefetch.
        assert_eq!(sent.matches("gatehouse-dxh1.js").count(), 1);

        let sent = builds.rewrite("/account", page);
        assert!(sent.contains(&head_script("/./assets/full.wasm")));
        assert!(!sent.contains(FULL_BUILD_META));
        assert_eq!(sent.matches("assets/gatehouse-dxh1.js").count(), 2);

        // A page that loads no build (the no-wasm sign-in's "continue") is untouched.
        let bare = "<html><head></head><body>continue</body></html>";
        assert_eq!(builds.rewrite("/login", bare), bare);
    }

    #[test]
    fn only_the_bundle_s_own_early_fetch_scripts_are_recognized() {
        let builds = Builds::new(
            build("assets/gatehouse-dxh1.js", "/./assets/full.wasm"),
            Some(build(
                "assets/public-pages-dxh2.js",
                "/./assets/public.wasm",
            )),
        );
        assert!(builds.is_head_script(&head_script("/./assets/full.wasm")));
        assert!(builds.is_head_script(&head_script("/./assets/public.wasm")));
        // The same shape with another path, or with more around it, is not ours.
        assert!(!builds.is_head_script(&head_script("/./assets/other.wasm")));
        let script = head_script("/./assets/full.wasm");
        assert!(!builds.is_head_script(&format!("{script};alert(1)")));
        assert!(!builds.is_head_script(&format!("alert(1);{script}")));
        for path in [
            "https://evil.example/a.wasm",
            "//evil.example/a.wasm",
            "/a.js",
            "/a\".wasm",
        ] {
            assert!(!is_asset_path(path, ".wasm"), "{path}");
        }
        assert!(is_asset_path("/assets/gatehouse-dxh1.js", ".js"));
        assert!(!is_asset_path("/assets/a\" onload=\"x.js", ".js"));
    }
}
