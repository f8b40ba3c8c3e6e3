//! The proof of work before a public send-code request (docs/DESIGN.md §2): refused
//! without a solution, one send per solution even in a parallel burst and across
//! instances, bound to purpose, client and time, harder near the caps. These tests
//! set real difficulties; the rest of the suite runs at 1 bit.

use crate::common::*;
use gatehouse::domain::pow;
use serde_json::{json, Value};

/// A client whose address (through the trusted proxy) is `ip`.
fn client_from(ip: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("accept-language", "en".parse().unwrap());
    headers.insert("x-forwarded-for", ip.parse().unwrap());
    reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .unwrap()
}

async fn challenge(app: &TestApp, c: &reqwest::Client, purpose: &str) -> (String, u8) {
    let r = app
        .post(c, "/api/pow/challenge", json!({ "purpose": purpose }))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let token = r.body["token"].as_str().unwrap().to_owned();
    (token, r.body["difficulty"].as_u64().unwrap() as u8)
}

async fn send_with(app: &TestApp, c: &reqwest::Client, phone: &str, pow: Value) -> Reply {
    let form = json!({ "form": { "phone": phone, "pow": pow } });
    app.post(c, "/api/register/code", form).await
}

fn assert_refused(r: &Reply) {
    assert_eq!(r.status, 403, "{}", r.body);
    assert_eq!(
        r.body["message"],
        "The security check did not complete. Please press Send code again"
    );
}

#[tokio::test]
async fn a_send_without_a_valid_solution_sends_nothing() {
    let app = spawn_app_with(|s| s.pow_difficulty = 8).await;
    let c = client("en");
    assert_refused(&send_with(&app, &c, "13800138000", Value::Null).await);
    let forged = json!({ "token": "v1.register.9999999999.0.00.00", "nonce": 0 });
    assert_refused(&send_with(&app, &c, "13800138000", forged).await);
    for path in ["/api/login/code/send", "/api/reset/code/send"] {
        let form = json!({ "form": { "phone": "13800138000", "pow": null } });
        assert_refused(&app.post(&c, path, form).await);
    }
    // A signed-in user sending to a new number of their choosing pays too.
    let user = client("en");
    assert_eq!(
        app.sign_up(&user, "13700137000", json!({})).await.status,
        200
    );
    let sent_before = app.outbox().len();
    let to_any = json!({ "form": { "new_phone": "13800138000", "pow": null } });
    let r = app
        .post(&user, "/api/account/phone/new-code/send", to_any)
        .await;
    assert_refused(&r);
    // A token with a nonce that does not solve it.
    let (token, difficulty) = challenge(&app, &c, "register").await;
    assert_eq!(difficulty, 8);
    let wrong = (0..).find(|&n| !pow::solves(&token, n, 8)).unwrap();
    let r = send_with(
        &app,
        &c,
        "13800138000",
        json!({"token": token, "nonce": wrong}),
    )
    .await;
    assert_refused(&r);
    assert_eq!(app.outbox().len(), sent_before, "nothing was sent");
    // The right nonce for the same challenge is still good (nothing was redeemed).
    let nonce = pow::solve(&token, 8);
    let r = send_with(
        &app,
        &c,
        "13800138000",
        json!({"token": token, "nonce": nonce}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(app.outbox().len(), sent_before + 1);
}

#[tokio::test]
async fn one_solution_pays_for_one_send_even_in_a_parallel_burst() {
    let app = spawn_app_with(|s| s.pow_difficulty = 8).await;
    let c = client("en");
    let (token, difficulty) = challenge(&app, &c, "register").await;
    let solution = json!({ "token": token, "nonce": pow::solve(&token, difficulty) });
    let burst: Vec<_> = (0..8)
        .map(|i| {
            let (app_base, c, solution) = (app.base.clone(), c.clone(), solution.clone());
            tokio::spawn(async move {
                let form =
                    json!({ "form": { "phone": format!("1380013800{i}"), "pow": solution } });
                c.post(format!("{app_base}/api/register/code"))
                    .json(&form)
                    .send()
                    .await
                    .unwrap()
                    .status()
                    .as_u16()
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for t in burst {
        statuses.push(t.await.unwrap());
    }
    statuses.sort();
    assert_eq!(statuses, [200, 403, 403, 403, 403, 403, 403, 403]);
    assert_eq!(app.outbox().len(), 1, "one SMS for one solution");

    // Nor does another instance on the same database take it again.
    let other = app.second_instance().await;
    assert_refused(&send_with(&other, &c, "13900139000", solution).await);
    assert_eq!(app.outbox().len(), 1);
}

#[tokio::test]
async fn a_challenge_is_bound_to_its_purpose_its_client_and_five_minutes() {
    let app = spawn_app_with(|s| {
        s.pow_difficulty = 4;
        s.trusted_proxies = "127.0.0.1".into();
    })
    .await;
    let here = client_from("203.0.113.5");
    let there = client_from("203.0.113.6");
    let solved = |token: String, d: u8| json!({ "token": token, "nonce": pow::solve(&token, d) });

    // Issued for sign-in, spent on sign-up.
    let (token, d) = challenge(&app, &here, "login").await;
    assert_refused(&send_with(&app, &here, "13800138000", solved(token, d)).await);
    // Issued to one address, spent from another.
    let (token, d) = challenge(&app, &here, "register").await;
    assert_refused(&send_with(&app, &there, "13800138000", solved(token.clone(), d)).await);
    // The difficulty in the token lowered: the tag no longer matches.
    let lowered = token.replacen(".4.", ".0.", 1);
    assert_ne!(lowered, token);
    assert_refused(
        &send_with(
            &app,
            &here,
            "13800138000",
            json!({"token": lowered, "nonce": 0}),
        )
        .await,
    );
    // Expired after five minutes.
    let (late, d) = challenge(&app, &here, "register").await;
    app.clock.advance(301);
    assert_refused(&send_with(&app, &here, "13800138000", solved(late, d)).await);
    // A fresh one from the right address is taken.
    let (token, d) = challenge(&app, &here, "register").await;
    let r = send_with(&app, &here, "13800138000", solved(token, d)).await;
    assert_eq!(r.status, 200, "{}", r.body);

    // The account center's purposes have no public challenge.
    let r = app
        .post(&here, "/api/pow/challenge", json!({ "purpose": "delete" }))
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
}

#[tokio::test]
async fn the_difficulty_rises_near_the_per_ip_cap_and_falls_back_when_quiet() {
    let app = spawn_app_with(|s| {
        s.pow_difficulty = 4;
        s.pow_raised_difficulty = 12;
        s.sms_ip_hourly = 4;
    })
    .await;
    let c = client("en");
    // Fetched while quiet and kept for later.
    let (stockpiled, d) = challenge(&app, &c, "register").await;
    assert_eq!(d, 4);
    for phone in ["13800138000", "13800138001"] {
        let (token, d) = challenge(&app, &c, "register").await;
        assert_eq!(d, 4, "quiet: the default");
        let r = send_with(
            &app,
            &c,
            phone,
            json!({"token": token, "nonce": pow::solve(&token, d)}),
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
    // Two of four sends used: half the cap, so the next costs 2^12 hashes, and a
    // challenge fetched before at the old price is not taken.
    let nonce = pow::solve(&stockpiled, 4);
    let r = send_with(
        &app,
        &c,
        "13800138002",
        json!({"token": stockpiled, "nonce": nonce}),
    )
    .await;
    assert_refused(&r);
    let (token, d) = challenge(&app, &c, "register").await;
    assert_eq!(d, 12);
    let r = send_with(
        &app,
        &c,
        "13800138002",
        json!({"token": token, "nonce": pow::solve(&token, 12)}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    // An hour later the sends have aged out of the window.
    app.clock.advance(3_601);
    let (_, d) = challenge(&app, &c, "register").await;
    assert_eq!(d, 4);
}

#[tokio::test]
async fn the_difficulty_rises_near_the_service_wide_cap() {
    let app = spawn_app_with(|s| {
        s.pow_difficulty = 2;
        s.pow_raised_difficulty = 10;
        s.sms_global_hourly = 2;
    })
    .await;
    let here = client("en");
    let (token, d) = challenge(&app, &here, "register").await;
    assert_eq!(d, 2);
    let r = send_with(
        &app,
        &here,
        "13800138000",
        json!({"token": token, "nonce": pow::solve(&token, d)}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    // One of two sends used service-wide: every client now pays the raised price.
    let (_, d) = challenge(&app, &client("zh-CN"), "login").await;
    assert_eq!(d, 10);
}
