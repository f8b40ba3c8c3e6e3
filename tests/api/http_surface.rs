//! The HTTP surface as an attacker and a clumsy client meet it (issue 10): requests
//! from other websites, bodies that are too large, not JSON or malformed, and input
//! typed the way contact apps and Chinese IMEs type it. Every refusal answers in the
//! `ApiError` shape and changes nothing.

use crate::common::*;
use serde_json::{json, Value};

const PHONE: &str = "13800138000";

/// A raw POST, headers and body exactly as given (no JSON encoding by reqwest).
async fn raw_post(
    app: &TestApp,
    c: &reqwest::Client,
    path: &str,
    headers: &[(&str, &str)],
    body: impl Into<reqwest::Body>,
) -> Reply {
    let mut request = c.post(format!("{}{path}", app.base)).body(body);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    reply(request.send().await.unwrap()).await
}

/// The refusal's shape: the envelope every server-function error has, an
/// `ApiError` with `key`, localized `message`, and no framework text.
fn assert_refused(reply: &Reply, status: u16, key: &str) {
    assert_eq!(reply.status, status, "{}", reply.body);
    let e = error(reply);
    assert_eq!(e["status"], status, "{}", reply.body);
    assert_eq!(e["key"], key, "{}", reply.body);
    assert!(e["message"].as_str().is_some_and(|m| !m.is_empty()));
    let text = reply.body.to_string();
    for leak in ["deserializ", "Form", "expected", "serde", "panicked"] {
        assert!(!text.contains(leak), "{leak} in {text}");
    }
}

/// What a malicious page's auto-submitted `<form enctype="text/plain">` sends.
fn text_plain_login() -> String {
    format!(r#"{{"form":{{"phone":"{PHONE}","password":"kqzv1234"}},"x":"=y"}}"#)
}

#[tokio::test]
async fn login_csrf_from_another_site_signs_no_one_in() {
    let app = spawn_app().await;
    let c = client("en");
    assert_eq!(app.sign_up(&c, PHONE, json!({})).await.status, 200);
    let victim = client("en");
    let attacks: [&[(&str, &str)]; 3] = [
        &[
            ("content-type", "text/plain"),
            ("origin", "https://evil.example"),
        ],
        &[("content-type", "text/plain"), ("origin", "null")],
        &[
            ("content-type", "text/plain"),
            ("sec-fetch-site", "cross-site"),
        ],
    ];
    for headers in attacks {
        let sign_ins = app.count("sign_in_attempts").await;
        let r = raw_post(
            &app,
            &victim,
            "/api/login/password",
            headers,
            text_plain_login(),
        )
        .await;
        assert_refused(&r, 403, "CrossSiteRefused");
        assert_eq!(error(&r)["message"], "This request came from another website and was refused. Open this site's page yourself and try again");
        assert!(r.set_cookie.is_none(), "{:?}", r.set_cookie);
        assert_eq!(app.count("sign_in_attempts").await, sign_ins);
    }
    // JSON from another site is refused the same way.
    let r = raw_post(
        &app,
        &victim,
        "/api/login/password",
        &[
            ("content-type", "application/json"),
            ("origin", "https://evil.example"),
        ],
        json!({"form": {"phone": PHONE, "password": "kqzv1234"}}).to_string(),
    )
    .await;
    assert_refused(&r, 403, "CrossSiteRefused");
    let account = app.get(&victim, "/api/account").await;
    assert_eq!(account.status, 401, "{}", account.body);
}

#[tokio::test]
async fn another_site_cannot_send_sms_and_the_own_origin_can() {
    let app = spawn_app().await;
    let c = client("zh-CN");
    let body = format!(r#"{{"form":{{"phone":"{PHONE}"}},"x":"=y"}}"#);
    let r = raw_post(
        &app,
        &c,
        "/api/register/code",
        &[
            ("content-type", "text/plain"),
            ("origin", "https://evil.example"),
        ],
        body.clone(),
    )
    .await;
    assert_refused(&r, 403, "CrossSiteRefused");
    assert_eq!(
        error(&r)["message"],
        "该请求来自其他网站，已被拒绝。请直接打开本站页面后重试"
    );
    // The own origin, but not JSON: 415, still nothing sent.
    let own = app.base.clone();
    let r = raw_post(
        &app,
        &c,
        "/api/register/code",
        &[("content-type", "text/plain"), ("origin", &own)],
        body,
    )
    .await;
    assert_refused(&r, 415, "UnsupportedBody");
    assert!(app.outbox().is_empty());
    assert_eq!(app.count("otp_codes").await, 0);
    // The site's own page, and a client without Origin (curl), are served.
    let pow = pow_solution(&c, &app.base, "register").await;
    let json_body = json!({"form": {"phone": PHONE, "pow": pow}}).to_string();
    let r = raw_post(
        &app,
        &c,
        "/api/register/code",
        &[
            ("content-type", "application/json"),
            ("origin", &own),
            ("sec-fetch-site", "same-origin"),
        ],
        json_body.clone(),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let pow = pow_solution(&c, &app.base, "login").await;
    let json_body = json!({"form": {"phone": PHONE, "pow": pow}}).to_string();
    let r = raw_post(
        &app,
        &client("en"),
        "/api/login/code/send",
        &[("content-type", "application/json; charset=utf-8")],
        json_body,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
}

#[tokio::test]
async fn a_server_function_without_arguments_sends_no_content_type_and_works() {
    let app = spawn_app().await;
    let c = client("en");
    assert_eq!(app.sign_up(&c, PHONE, json!({})).await.status, 200);
    let own = app.base.clone();
    let r = raw_post(&app, &c, "/api/session/sign-out", &[("origin", &own)], "").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(app.count("sessions").await, 0);
    // But a body without Content-Type is refused.
    let r = raw_post(&app, &c, "/api/session/sign-out", &[], "{}").await;
    assert_refused(&r, 415, "UnsupportedBody");
}

#[tokio::test]
async fn oversized_bodies_answer_413_with_and_without_content_length() {
    let app = spawn_app().await;
    let c = client("en");
    let big = format!(
        r#"{{"form":{{"phone":"{PHONE}"}},"pad":"{}"}}"#,
        "x".repeat(5 * 1024 * 1024)
    );
    let json_ct: &[(&str, &str)] = &[("content-type", "application/json")];
    let r = raw_post(&app, &c, "/api/register/code", json_ct, big.clone()).await;
    assert_refused(&r, 413, "BodyTooLarge");
    // Chunked, no Content-Length: the limit holds while streaming.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = big
        .into_bytes()
        .chunks(64 * 1024)
        .map(|c| Ok(c.to_vec()))
        .collect();
    let stream = reqwest::Body::wrap_stream(futures::stream::iter(chunks));
    let r = raw_post(&app, &c, "/api/register/code", json_ct, stream).await;
    assert_refused(&r, 413, "BodyTooLarge");
    // Just under the limit is read (and answered by the server function).
    let pow = pow_solution(&c, &app.base, "register").await;
    let padded = format!(
        r#"{{"form":{{"phone":"{PHONE}","pow":{pow}}},"pad":"{}"}}"#,
        "x".repeat(60 * 1024)
    );
    let r = raw_post(&app, &c, "/api/register/code", json_ct, padded).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(app.outbox().len(), 1);
}

#[tokio::test]
async fn malformed_bodies_answer_400_and_change_nothing() {
    let app = spawn_app().await;
    let c = client("en");
    let form = good_form(PHONE, "123456", json!({}));
    let without = |field: &str| {
        let mut f = form.clone();
        f.as_object_mut().unwrap().remove(field);
        json!({ "form": f }).to_string()
    };
    let with = |field: &str, value: Value| {
        let mut f = form.clone();
        f[field] = value;
        json!({ "form": f }).to_string()
    };
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("/api/register", without("consent").into_bytes()),
        ("/api/register", with("consent", json!("true")).into_bytes()),
        (
            "/api/register",
            with("documents", json!([["contract", 1]])).into_bytes(),
        ),
        (
            "/api/register",
            with("documents", json!([["privacy", 4294967296u64]])).into_bytes(),
        ),
        (
            "/api/register",
            with("phone", json!(13800138000u64)).into_bytes(),
        ),
        ("/api/register", br#"{"form":null}"#.to_vec()),
        ("/api/register", b"[]".to_vec()),
        ("/api/register/code", br#"{"form":{"phone":"138"#.to_vec()),
        (
            "/api/register/code",
            b"{\"form\":{\"phone\":\"\xff\xfe\"}}".to_vec(),
        ),
        ("/api/register/code", b"\xef\xbb\xbf{}".to_vec()),
        ("/api/register/code", br#"{"form":{}}"#.to_vec()),
        (
            "/api/login/password",
            br#"{"form":{"phone":"13800138000"}}"#.to_vec(),
        ),
        (
            "/api/login/code",
            br#"{"form":{"phone":1,"code":2}}"#.to_vec(),
        ),
        ("/api/reset", b"null".to_vec()),
        ("/api/consent", br#"{"accepted":[["privacy",-1]]}"#.to_vec()),
        ("/api/consent", br#"{"accepted":"all"}"#.to_vec()),
        (
            "/api/legal/document",
            br#"{"kind":"contract","version":1,"lang":"en"}"#.to_vec(),
        ),
        (
            "/api/legal/document",
            br#"{"kind":"privacy","version":1,"lang":"fr"}"#.to_vec(),
        ),
    ];
    let before = app.count("accounts").await;
    for (path, body) in cases {
        let shown = String::from_utf8_lossy(&body).into_owned();
        let r = raw_post(
            &app,
            &c,
            path,
            &[("content-type", "application/json")],
            body,
        )
        .await;
        assert_eq!(r.status, 400, "{path} {shown}: {}", r.body);
        assert_refused(&r, 400, "BadRequest");
        assert_eq!(
            error(&r)["message"],
            "The request could not be read. Reload the page and try again"
        );
    }
    assert_eq!(app.count("accounts").await, before);
    assert_eq!(app.count("otp_codes").await, 0);
    assert_eq!(app.count("sessions").await, 0);
    assert!(app.outbox().is_empty());
}

#[tokio::test]
async fn a_number_pasted_with_marks_and_full_width_digits_is_the_same_account() {
    let app = spawn_app().await;
    let c = client("en");
    let pasted = "\u{202D}+86 １３８ 0013\u{00A0}8000\u{202C}";
    let sent = app.send_code(&c, pasted).await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    // The outbox knows the number in its one normalized form.
    let code = app.last_code(PHONE, "register").await;
    let spaced = format!("{} {}", &code[..3], &code[3..]);
    let r = app
        .register(&c, good_form(pasted, &spaced, json!({})))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["masked_phone"], "138****8000");
    // The plain spelling shares the cooldown, then meets "already registered".
    let other = client("en");
    let cooldown = app.send_code(&other, PHONE).await;
    assert_eq!(cooldown.status, 429, "{}", cooldown.body);
    app.clock.advance(61);
    assert_eq!(app.send_code(&other, PHONE).await.status, 200);
    // The code typed in full-width digits verifies.
    let full_width: String = app
        .last_code(PHONE, "register")
        .await
        .chars()
        .map(|d| char::from_u32(u32::from(d) + 0xFEE0).unwrap())
        .collect();
    let taken = app
        .register(&other, good_form(PHONE, &full_width, json!({})))
        .await;
    assert_eq!(taken.status, 409, "{}", taken.body);
    assert_eq!(error(&taken)["key"], "PhoneTaken");
    assert_eq!(app.count("accounts").await, 1);
}
