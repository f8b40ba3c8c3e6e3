//! Security notices (docs/DESIGN.md §2, §3): a password changed or reset, a number
//! changed (to the old number), a sign-in from a browser the account has not used;
//! sent after the answer, never failing the request.

use crate::common::*;
use serde_json::{json, Value};
use std::time::Duration;

const PHONE: &str = "13800138000";
const OTHER: &str = "13900139000";
const PASSWORD: &str = "kqzv1234";

/// The notices in the outbox to `phone` for `purpose`, waiting up to 5 s for
/// `count` of them (they are sent in the background).
async fn notices(app: &TestApp, phone: &str, purpose: &str, count: usize) -> Vec<Value> {
    let of = |app: &TestApp| -> Vec<Value> {
        app.outbox()
            .into_iter()
            .filter(|m| m["to"] == phone && m["purpose"] == purpose)
            .collect()
    };
    for _ in 0..100 {
        if of(app).len() >= count {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // A little longer, so that one too many would show.
    tokio::time::sleep(Duration::from_millis(100)).await;
    of(app)
}

/// A browser: its own cookies, its language and its User-Agent (what tells two
/// browsers apart).
fn browser(lang: &str, user_agent: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("accept-language", lang.parse().unwrap());
    headers.insert("user-agent", user_agent.parse().unwrap());
    reqwest::Client::builder()
        .cookie_store(true)
        .default_headers(headers)
        .build()
        .unwrap()
}

const PHONE_BROWSER: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) Mobile/15E148";
const DESKTOP_BROWSER: &str =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/131.0 Safari/537.36";

async fn login(app: &TestApp, c: &reqwest::Client, phone: &str, password: &str) -> Reply {
    let form = json!({"form": {"phone": phone, "password": password}});
    app.post(c, "/api/login/password", form).await
}

#[tokio::test]
async fn a_sign_in_from_a_browser_the_account_has_not_used_is_told_once() {
    let app = spawn_app().await;
    let first = browser("zh-CN", PHONE_BROWSER);
    assert_eq!(app.sign_up(&first, PHONE, json!({})).await.status, 200);
    // The sign-up's browser is the account's first: signing in there again is quiet.
    app.post(&first, "/api/session/sign-out", json!({})).await;
    assert_eq!(login(&app, &first, PHONE, PASSWORD).await.status, 200);
    assert!(notices(&app, PHONE, "new-browser", 0).await.is_empty());

    // Another browser: one notice, in its language.
    let second = browser("en", DESKTOP_BROWSER);
    let r = login(&app, &second, PHONE, PASSWORD).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let sent = notices(&app, PHONE, "new-browser", 1).await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0]["code"], Value::Null, "a notice carries no code");
    assert!(
        sent[0]["text"]
            .as_str()
            .unwrap()
            .contains("signed in from a browser it has not used before"),
        "{}",
        sent[0]["text"]
    );
    assert!(sent[0]["text"].as_str().unwrap().contains("400-800-8888"));
    // The same browser again, by password or SMS code: known now.
    app.post(&second, "/api/session/sign-out", json!({})).await;
    assert_eq!(login(&app, &second, PHONE, PASSWORD).await.status, 200);
    assert_eq!(notices(&app, PHONE, "new-browser", 2).await.len(), 1);
    // A wrong password from a third browser tells nothing.
    let third = browser("en", "curl/8.5.0");
    assert_eq!(login(&app, &third, PHONE, "wrong-pass1").await.status, 401);
    assert_eq!(notices(&app, PHONE, "new-browser", 2).await.len(), 1);
    // Only the User-Agent's blind index is kept, per account.
    assert_eq!(app.count("known_browsers").await, 2);
}

#[tokio::test]
async fn a_password_change_and_a_reset_tell_the_account_s_number() {
    let app = spawn_app().await;
    let c = client("zh-CN");
    assert_eq!(app.sign_up(&c, PHONE, json!({})).await.status, 200);
    let change = json!({"form": {"current_password": PASSWORD, "password": "kqzv-2345"}});
    let r = app.post(&c, "/api/account/password", change).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let sent = notices(&app, PHONE, "password-changed", 1).await;
    assert_eq!(sent.len(), 1);
    assert!(sent[0]["text"]
        .as_str()
        .unwrap()
        .contains("您的账号密码刚刚被修改"));

    let stranger = browser("en", DESKTOP_BROWSER);
    let r = app
        .post(
            &stranger,
            "/api/reset/code/send",
            json!({"form": {"phone": PHONE}}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let code = app.last_code(PHONE, "reset").await;
    let reset = json!({"form": {"phone": PHONE, "code": code, "password": "kqzv-3456"}});
    assert_eq!(app.post(&stranger, "/api/reset", reset).await.status, 200);
    let sent = notices(&app, PHONE, "password-changed", 2).await;
    assert_eq!(sent.len(), 2);
    assert!(sent[1]["text"]
        .as_str()
        .unwrap()
        .contains("password of your account"));
    // The reset told the owner already: no second notice for the new browser.
    assert!(notices(&app, PHONE, "new-browser", 0).await.is_empty());
}

#[tokio::test]
async fn a_number_change_tells_the_old_number() {
    let app = spawn_app().await;
    let c = client("en");
    assert_eq!(app.sign_up(&c, PHONE, json!({})).await.status, 200);
    let r = app
        .post(&c, "/api/account/phone/code/send", json!({}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let current = app.last_code(PHONE, "change-phone").await;
    let to_new = json!({"form": {"new_phone": OTHER}});
    let r = app
        .post(&c, "/api/account/phone/new-code/send", to_new)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let new_code = app.last_code(OTHER, "change-phone").await;
    let change = json!({"form": {"code": current, "new_phone": OTHER, "new_code": new_code}});
    let r = app.post(&c, "/api/account/phone", change).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let sent = notices(&app, PHONE, "phone-changed", 1).await;
    assert_eq!(sent.len(), 1);
    assert!(sent[0]["text"]
        .as_str()
        .unwrap()
        .contains("moved from this number"));
    assert!(notices(&app, OTHER, "phone-changed", 0).await.is_empty());
}
