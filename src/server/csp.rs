//! The Content-Security-Policy, with no `'unsafe-inline'` scripts (OWASP CSP Cheat
//! Sheet, "hashes"): an injected inline script does not run.
//!
//! Dioxus 0.7.10's SSR writes two inline scripts into every page (`dioxus-server`
//! `ssr.rs`): the constant `INITIALIZE_STREAMING_JS` and the per-render
//! `window.initial_dioxus_hydration_data="…";` that hydration reads. A nonce cannot
//! work with the page cache (the same bytes go to every visitor); a hash can. So the
//! policy of an HTML page allows exactly those two by their SHA-256: the constant
//! one computed once, the hydration one per page after checking that it has exactly
//! that shape. A third, ours, starts the wasm's download from the `<head>` and
//! keeps a press made before the wasm runs (`server::http::builds`); it is hashed
//! only if it is exactly one of the bundle's own ([`Builds::is_head_script`]). Any
//! other inline script — an injected one — is not hashed and is blocked. Streaming
//! stays off: out-of-order streaming adds more inline scripts.

use crate::server::http::builds::Builds;
use base64::Engine;
use dioxus::server::axum::{
    body::{to_bytes, Body},
    extract::{Request, State},
    http::{header, HeaderValue},
    middleware::Next,
    response::Response,
};
use sha2::{Digest, Sha256};
use std::sync::{Arc, LazyLock};

/// The policy of every response but HTML pages: the app's own scripts and wasm
/// (`wasm-unsafe-eval` lets the browser compile the wasm; no `unsafe-eval`, so the
/// app never calls `document::eval`), no inline script, no framing (OWASP
/// clickjacking defense). Styles may be inline (Dioxus writes `style` attributes).
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; \
    script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; \
    img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; \
    base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

/// The largest page whose inline scripts are hashed, in bytes (4 MiB; pages are
/// under 20 KiB). A larger one gets the policy without hashes.
const PAGE_LIMIT: usize = 4 * 1024 * 1024;

const HYDRATION_PREFIX: &str = "window.initial_dioxus_hydration_data=\"";

/// `'sha256-…'` of Dioxus' constant streaming script.
static STREAMING_HASH: LazyLock<String> =
    LazyLock::new(|| source_hash(dioxus_interpreter_js::INITIALIZE_STREAMING_JS));

/// The CSP source expression of an inline script's text: `'sha256-BASE64'`.
fn source_hash(script: &str) -> String {
    let digest = Sha256::digest(script.as_bytes());
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

/// Whether `script` is Dioxus' hydration data and nothing else:
/// `window.initial_dioxus_hydration_data="BASE64";`, plus, in debug builds only,
/// the debug type names and locations Dioxus appends there.
fn is_hydration_data(script: &str) -> bool {
    let Some(rest) = script.strip_prefix(HYDRATION_PREFIX) else {
        return false;
    };
    let Some((data, tail)) = rest.split_once("\";") else {
        return false;
    };
    let base64 = data
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='));
    base64
        && (tail.is_empty()
            || (cfg!(debug_assertions)
                && tail.starts_with("window.initial_dioxus_hydration_debug_types=")))
}

/// The policy for `html`: [`CONTENT_SECURITY_POLICY`] with the hashes of Dioxus'
/// two inline scripts and of the bundle's head script ([`Builds::is_head_script`],
/// when the bundle is known), each at most once. An inline script of any other
/// text gets no hash.
pub fn policy_for_page(html: &str, builds: Option<&Builds>) -> String {
    let (mut streaming, mut hydration, mut head) = (None, None, None);
    for script in inline_scripts(html) {
        if script == dioxus_interpreter_js::INITIALIZE_STREAMING_JS && streaming.is_none() {
            streaming = Some(STREAMING_HASH.clone());
        } else if hydration.is_none() && is_hydration_data(script) {
            hydration = Some(source_hash(script));
        } else if head.is_none() && builds.is_some_and(|b| b.is_head_script(script)) {
            head = Some(source_hash(script));
        } else {
            tracing::warn!("a page carries an inline script that is not Dioxus': blocked");
        }
    }
    let hashes: Vec<String> = streaming.into_iter().chain(hydration).chain(head).collect();
    if hashes.is_empty() {
        return CONTENT_SECURITY_POLICY.to_owned();
    }
    CONTENT_SECURITY_POLICY.replacen(
        "script-src 'self'",
        &format!("script-src 'self' {}", hashes.join(" ")),
        1,
    )
}

/// The text of each `<script>` element without a `src` attribute, in order.
fn inline_scripts(html: &str) -> impl Iterator<Item = &str> {
    html.split("<script").skip(1).filter_map(|rest| {
        let (tag, after) = rest.split_once('>')?;
        if tag.contains("src=") {
            return None;
        }
        Some(
            after
                .split_once("</script>")
                .map_or(after, |(text, _)| text),
        )
    })
}

/// Middleware inside compression: an HTML page's body is read (uncompressed) and
/// the page gets [`policy_for_page`] with the bundle's `builds`; every other
/// response [`CONTENT_SECURITY_POLICY`].
pub async fn content_security_policy(
    State(builds): State<Option<Arc<Builds>>>,
    request: Request,
    next: Next,
) -> Response {
    let response = next.run(request).await;
    let html = crate::server::http::headers::is_html(response.headers());
    if !html {
        let mut response = response;
        response.headers_mut().insert(
            "content-security-policy",
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        );
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let (policy, body) = match to_bytes(body, PAGE_LIMIT).await {
        Ok(bytes) => (
            policy_for_page(&String::from_utf8_lossy(&bytes), builds.as_deref()),
            Body::from(bytes),
        ),
        Err(e) => {
            tracing::error!(error = %e, "page body could not be read for its policy");
            (CONTENT_SECURITY_POLICY.to_owned(), Body::empty())
        }
    };
    if let Ok(value) = HeaderValue::from_str(&policy) {
        parts.headers.insert("content-security-policy", value);
    }
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(scripts: &[&str]) -> String {
        let mut html = String::from("<html><head></head><body>");
        for s in scripts {
            html.push_str(&format!("<script>{s}</script>"));
        }
        html.push_str(
            r#"<script type="module" async src="/assets/app.js"></script></body></html>"#,
        );
        html
    }

    #[test]
    fn dioxus_scripts_are_hashed_and_nothing_else() {
        let streaming = dioxus_interpreter_js::INITIALIZE_STREAMING_JS;
        let data = r#"window.initial_dioxus_hydration_data="iYEY9ooYaRgv+/=";"#;
        let policy = policy_for_page(&page(&[streaming, data, "alert(1)"]), None);
        assert!(policy.contains(&source_hash(streaming)), "{policy}");
        assert!(policy.contains(&source_hash(data)), "{policy}");
        assert!(!policy.contains(&source_hash("alert(1)")), "{policy}");
        assert!(
            !policy.contains("unsafe-inline'; style")
                && !policy.contains("script-src 'self' 'unsafe-inline'")
        );
        assert_eq!(policy.matches("'sha256-").count(), 2);
    }

    #[test]
    fn the_bundle_s_head_script_is_hashed_once_and_a_lookalike_is_not() {
        use crate::server::http::builds::head_script;
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("assets")).unwrap();
        std::fs::write(dir.path().join("index.html"), "assets/gatehouse-dxh1.js").unwrap();
        std::fs::write(
            dir.path().join("assets/gatehouse-dxh1.js"),
            r#"init({module_or_path:"/./assets/app_bg-dxh1.wasm"})"#,
        )
        .unwrap();
        let builds = Builds::in_folder(dir.path()).unwrap();
        let early = head_script("/./assets/app_bg-dxh1.wasm");
        let policy = policy_for_page(&page(&[&early]), Some(&builds));
        assert!(policy.contains(&source_hash(&early)), "{policy}");
        // Without the bundle (dx serve), or another path: no hash.
        assert_eq!(
            policy_for_page(&page(&[&early]), None),
            CONTENT_SECURITY_POLICY
        );
        let other = head_script("/./assets/other.wasm");
        let policy = policy_for_page(&page(&[&other]), Some(&builds));
        assert_eq!(policy, CONTENT_SECURITY_POLICY);
        // Only once.
        let policy = policy_for_page(&page(&[&early, &early]), Some(&builds));
        assert_eq!(policy.matches("'sha256-").count(), 1, "{policy}");
    }

    #[test]
    fn a_script_that_only_looks_like_hydration_data_is_not_hashed() {
        for fake in [
            r#"window.initial_dioxus_hydration_data="x";alert(1)"#,
            r#"window.initial_dioxus_hydration_data="x\";alert(1)//";"#,
            r#"alert(1);window.initial_dioxus_hydration_data="x";"#,
        ] {
            let policy = policy_for_page(&page(&[fake]), None);
            assert_eq!(policy, CONTENT_SECURITY_POLICY, "{fake}");
        }
        // Only the first hydration script counts: a second one is not hashed.
        let first = r#"window.initial_dioxus_hydration_data="AAAA";"#;
        let second = r#"window.initial_dioxus_hydration_data="BBBB";"#;
        let policy = policy_for_page(&page(&[first, second]), None);
        assert!(policy.contains(&source_hash(first)));
        assert!(!policy.contains(&source_hash(second)));
    }

    #[test]
    fn the_hash_is_the_csp_sha256_of_the_script_text() {
        // echo -n 'alert(1)' | openssl dgst -sha256 -binary | base64
        assert_eq!(
            source_hash("alert(1)"),
            "'sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI='"
        );
    }
}
