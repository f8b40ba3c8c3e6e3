//! Guards by prefix (issue 11): every page and server function under `/account`
//! and `/admin` (and `/api/account`, `/api/admin`) is refused on the server without
//! the right session, including paths no page or server function answers yet.

use crate::common::*;
use serde_json::json;

/// A client that keeps cookies but does not follow redirects.
fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .default_headers(
            [("accept-language".parse().unwrap(), "en".parse().unwrap())]
                .into_iter()
                .collect(),
        )
        .build()
        .unwrap()
}

async fn page(app: &TestApp, c: &reqwest::Client, path: &str) -> (u16, String) {
    let res = c.get(format!("{}{path}", app.base)).send().await.unwrap();
    let location = res
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (res.status().as_u16(), location)
}

const ACCOUNT_PAGES: [&str; 8] = [
    "/account",
    "/account/password",
    "/account/phone",
    "/account/devices",
    "/account/delete",
    "/account/profile",
    "/account/sessions/42",
    "/account/",
];
const ADMIN_PAGES: [&str; 3] = ["/admin", "/admin/accounts", "/admin/audit/log"];
const ACCOUNT_API: [&str; 3] = ["/api/account", "/api/account/profile", "/api/account/x/y"];
const ADMIN_API: [&str; 2] = ["/api/admin/accounts", "/api/admin"];

#[tokio::test]
async fn every_path_under_the_account_and_admin_prefixes_is_refused_without_a_session() {
    let app = spawn_app().await;
    let c = no_redirects();
    for path in ACCOUNT_PAGES.into_iter().chain(ADMIN_PAGES) {
        let (status, location) = page(&app, &c, path).await;
        assert_eq!(status, 303, "{path}");
        assert!(location.starts_with("/login?next=/"), "{path}: {location}");
    }
    for path in ACCOUNT_API.into_iter().chain(ADMIN_API) {
        let reply = app.post(&c, path, json!({})).await;
        assert_eq!(reply.status, 401, "{path}: {}", reply.body);
        assert_eq!(error(&reply)["key"], "SessionRequired", "{path}");
    }
    // Whole segments only: these are outside both areas.
    for path in ["/accounts", "/administrator", "/api/accounting"] {
        let (status, _) = page(&app, &c, path).await;
        assert_ne!(status, 303, "{path}");
        assert_ne!(status, 401, "{path}");
    }
}

#[tokio::test]
async fn an_account_passes_the_account_prefix_and_is_refused_by_the_admin_prefix() {
    let app = spawn_app().await;
    let c = no_redirects();
    assert_eq!(app.sign_up(&c, "13800138000", json!({})).await.status, 200);
    for path in ACCOUNT_PAGES {
        let (status, location) = page(&app, &c, path).await;
        assert_ne!(status, 303, "{path} redirected to {location}");
    }
    // The account center's pages render for their owner and are never cached.
    for path in &ACCOUNT_PAGES[..5] {
        let res = c.get(format!("{}{path}", app.base)).send().await.unwrap();
        assert_eq!(res.status(), 200, "{path}");
        assert_eq!(res.headers()["cache-control"], "no-store", "{path}");
    }
    let summary = app.get(&c, "/api/account").await;
    assert_eq!(summary.status, 200, "{}", summary.body);
    // Past the guard, a server function that does not exist is not there (the
    // page fallback answers GET only).
    let missing = app
        .post(&c, "/api/account/no-such-function", json!({}))
        .await;
    assert!(matches!(missing.status, 404 | 405), "{}", missing.status);
    for path in ADMIN_PAGES {
        let (status, _) = page(&app, &c, path).await;
        assert_eq!(status, 403, "{path}");
    }
    for path in ADMIN_API {
        let reply = app.post(&c, path, json!({})).await;
        assert_eq!(reply.status, 403, "{path}: {}", reply.body);
        assert_eq!(error(&reply)["key"], "AdminRequired", "{path}");
    }
}
