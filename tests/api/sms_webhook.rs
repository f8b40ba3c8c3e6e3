//! The webhook SMS provider against a local fake gateway (issue 4): the request
//! carries phone, template and code, signed; a timeout or an error answers "the SMS
//! could not be sent", starts no cooldown, and leaves only the next code usable.

use crate::common::*;
use dioxus::server::axum::{self, http::HeaderMap, http::StatusCode, routing::post, Router};
use gatehouse::server::config::SmsProviderKind;
use gatehouse::server::sms::Webhook;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex};

const SECRET: &str = "test-webhook-secret-0123456789abcdef";
const PHONE: &str = "13800138000";

/// How the fake gateway answers.
const OK: u8 = 0;
const SLOW: u8 = 1;
const BROKEN: u8 = 2;
const THROTTLED: u8 = 3;

/// One request as the gateway received it: headers and body.
type Received = (HeaderMap, Vec<u8>);

#[derive(Clone, Default)]
struct Gateway {
    mode: Arc<AtomicU8>,
    received: Arc<Mutex<Vec<Received>>>,
}

impl Gateway {
    async fn start() -> (Self, String) {
        let gateway = Gateway::default();
        let app = Router::new().route(
            "/send",
            post({
                let gateway = gateway.clone();
                move |headers: HeaderMap, body: axum::body::Bytes| async move {
                    gateway
                        .received
                        .lock()
                        .unwrap()
                        .push((headers, body.to_vec()));
                    match gateway.mode.load(Ordering::SeqCst) {
                        SLOW => {
                            tokio::time::sleep(std::time::Duration::from_secs(3)).await;
                            StatusCode::OK
                        }
                        BROKEN => StatusCode::INTERNAL_SERVER_ERROR,
                        THROTTLED => StatusCode::TOO_MANY_REQUESTS,
                        _ => StatusCode::OK,
                    }
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/send", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (gateway, url)
    }

    fn set(&self, mode: u8) {
        self.mode.store(mode, Ordering::SeqCst);
    }

    /// The JSON bodies received, oldest first.
    fn bodies(&self) -> Vec<Value> {
        let received = self.received.lock().unwrap();
        received
            .iter()
            .map(|(_, body)| serde_json::from_slice(body).unwrap())
            .collect()
    }
}

async fn app_with_gateway() -> (TestApp, Gateway) {
    let (gateway, url) = Gateway::start().await;
    let app = spawn_app_with(|s| {
        s.sms_provider = SmsProviderKind::Webhook;
        s.sms_webhook_url = Some(url);
        s.sms_webhook_secret = Some(SECRET.into());
        s.sms_webhook_timeout_seconds = 1;
    })
    .await;
    (app, gateway)
}

#[tokio::test]
async fn a_code_goes_to_the_gateway_signed_and_signs_up() {
    let (app, gateway) = app_with_gateway().await;
    let c = client("en");
    let sent = app.send_code(&c, PHONE).await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    assert!(
        app.outbox().is_empty(),
        "nothing goes to the development outbox"
    );

    let (headers, body) = gateway.received.lock().unwrap()[0].clone();
    let message: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(message["phone"], PHONE);
    assert_eq!(message["template"], "register");
    let code = message["code"].as_str().unwrap().to_owned();
    assert_eq!(code.len(), 6);
    assert!(message["text"].as_str().unwrap().contains(&code));
    assert_eq!(headers["idempotency-key"], message["id"].as_str().unwrap());
    let timestamp: i64 = headers["x-gatehouse-timestamp"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    // What the gateway computes: HMAC-SHA256 over "{timestamp}.{body}", in hex.
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(format!("{timestamp}.").as_bytes());
    mac.update(&body);
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(headers["x-gatehouse-signature"], format!("sha256={hex}"));
    assert_eq!(
        headers["x-gatehouse-signature"],
        Webhook::signature(SECRET.as_bytes(), timestamp, &body)
    );

    let done = app.register(&c, good_form(PHONE, &code, json!({}))).await;
    assert_eq!(done.status, 200, "{}", done.body);
}

/// A failed send answers 502 in the visitor's language and its code is withdrawn
/// (unusable, still counted); a retry at once is allowed (no cooldown) and its code
/// signs up.
async fn failed_send_starts_no_cooldown_and_only_the_next_code_counts(mode: u8) {
    let (app, gateway) = app_with_gateway().await;
    gateway.set(mode);
    let zh = app.send_code(&client("zh-CN"), PHONE).await;
    assert_eq!(zh.status, 502, "{}", zh.body);
    assert_eq!(error(&zh)["key"], "SmsFailed");
    assert_eq!(error(&zh)["message"], "短信发送失败，请稍后再试");

    let c = client("en");
    let failed_code = gateway.bodies()[0]["code"].as_str().unwrap().to_owned();
    let stale = app
        .register(&c, good_form(PHONE, &failed_code, json!({})))
        .await;
    assert_eq!(
        stale.status, 422,
        "the failed send's code is withdrawn: {}",
        stale.body
    );
    assert_eq!(
        app.count_where("otp_codes", "withdrawn_at IS NOT NULL")
            .await,
        1,
        "it still counts against the send caps"
    );

    gateway.set(OK);
    let retry = app.send_code(&c, PHONE).await;
    assert_eq!(
        retry.status, 200,
        "no cooldown after a failed send: {}",
        retry.body
    );
    let bodies = gateway.bodies();
    assert_eq!(bodies.len(), 2);
    let (failed, sent) = (&bodies[0], &bodies[1]);
    assert_ne!(
        failed["id"], sent["id"],
        "each message has its own idempotency key"
    );
    let sent_code = sent["code"].as_str().unwrap();
    let done = app
        .register(&c, good_form(PHONE, sent_code, json!({})))
        .await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert_eq!(app.count("accounts").await, 1);
}

#[tokio::test]
async fn a_gateway_timeout_fails_the_send_without_a_cooldown() {
    failed_send_starts_no_cooldown_and_only_the_next_code_counts(SLOW).await;
}

#[tokio::test]
async fn a_gateway_error_fails_the_send_without_a_cooldown() {
    failed_send_starts_no_cooldown_and_only_the_next_code_counts(BROKEN).await;
}

#[tokio::test]
async fn a_throttled_gateway_fails_the_send_without_a_cooldown() {
    failed_send_starts_no_cooldown_and_only_the_next_code_counts(THROTTLED).await;
}

/// A security notice goes to the gateway with `code: null` after the answer: a
/// gateway that hangs past the timeout neither fails nor delays the password
/// change that caused it (docs/DESIGN.md §2).
#[tokio::test]
async fn a_notice_goes_out_after_the_answer_and_a_slow_gateway_cannot_hold_it() {
    let (app, gateway) = app_with_gateway().await;
    let c = client("en");
    let sent = app.send_code(&c, PHONE).await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    let code = gateway.bodies()[0]["code"].as_str().unwrap().to_owned();
    let done = app.register(&c, good_form(PHONE, &code, json!({}))).await;
    assert_eq!(done.status, 200, "{}", done.body);

    gateway.set(SLOW);
    let change = json!({"form": {"current_password": "kqzv1234", "password": "kqzv-2345"}});
    let started = std::time::Instant::now();
    let r = app.post(&c, "/api/account/password", change).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        started.elapsed() < std::time::Duration::from_millis(900),
        "the answer did not wait for the gateway's 3 s (took {:?})",
        started.elapsed()
    );
    for _ in 0..100 {
        if gateway.bodies().len() == 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let notice = &gateway.bodies()[1];
    assert_eq!(notice["template"], "password-changed");
    assert_eq!(notice["phone"], PHONE);
    assert_eq!(notice["code"], Value::Null);
}
