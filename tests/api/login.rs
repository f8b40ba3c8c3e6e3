use crate::common::*;
use gatehouse::server::db::accounts::AccountId;
use serde_json::{json, Value};

const PHONE: &str = "13800138000";
const PASSWORD: &str = "kqzv1234";

/// An app with one account (PHONE / PASSWORD), signed out.
async fn app_with_account() -> TestApp {
    let app = spawn_app().await;
    assert_eq!(
        app.sign_up(&client("en"), PHONE, json!({})).await.status,
        200
    );
    app.clock.advance(60);
    app
}

async fn login(app: &TestApp, c: &reqwest::Client, phone: &str, password: &str) -> Reply {
    app.post(
        c,
        "/api/login/password",
        json!({"form": {"phone": phone, "password": password}}),
    )
    .await
}

fn session_cookie(reply: &Reply) -> String {
    reply
        .set_cookie
        .as_deref()
        .and_then(|all| all.lines().find(|l| l.starts_with("gatehouse_session=")))
        .and_then(|l| l.split(';').next())
        .unwrap_or_else(|| panic!("no session cookie in {:?}", reply.set_cookie))
        .to_owned()
}

/// GET /api/account with exactly this cookie.
async fn account_with(app: &TestApp, cookie: &str) -> u16 {
    reqwest::Client::new()
        .get(format!("{}/api/account", app.base))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn sign_in_with_password_and_with_an_sms_code() {
    let app = app_with_account().await;
    let c = client("en");
    let ok = login(&app, &c, "+86 138 0013 8000", PASSWORD).await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(ok.body["masked_phone"], "138****8000");
    assert_eq!(app.get(&c, "/api/account").await.status, 200);

    let c = client("en");
    let sent = app
        .post(
            &c,
            "/api/login/code/send",
            json!({"form": {"phone": PHONE}}),
        )
        .await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    let code = app.last_code(PHONE, "login").await;
    let form = json!({"form": {"phone": PHONE, "code": code}});
    let ok = app.post(&c, "/api/login/code", form.clone()).await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    let again = app.post(&client("en"), "/api/login/code", form).await;
    assert_eq!(error(&again)["key"], "CodeExpired", "a code signs in once");

    let me = app.get(&c, "/api/account").await;
    let history = me.body["sign_ins"].as_array().unwrap();
    let column = |name: &str| -> Vec<Value> { history.iter().map(|e| e[name].clone()).collect() };
    assert_eq!(
        column("method"),
        ["MethodSms", "MethodSms", "MethodPassword", "MethodSignUp"]
    );
    assert_eq!(
        column("outcome"),
        [
            "OutcomeWrongCode",
            "OutcomeSuccess",
            "OutcomeSuccess",
            "OutcomeSuccess"
        ]
    );
    assert_eq!(history[0]["ip"], "127.0.0.1");
}

#[tokio::test]
async fn unknown_phone_and_wrong_password_get_the_same_answer() {
    let app = app_with_account().await;
    let wrong = login(&app, &client("en"), PHONE, "wrong-pass1").await;
    let unknown = login(&app, &client("en"), "13900139000", PASSWORD).await;
    assert_eq!(wrong.status, 401);
    assert_eq!(wrong.status, unknown.status);
    assert_eq!(wrong.body, unknown.body);
    assert_eq!(
        error(&wrong)["message"],
        "Phone number or password is incorrect"
    );
    assert_eq!(
        app.count("accounts").await,
        1,
        "signing in never creates an account"
    );
}

#[tokio::test]
async fn a_login_code_for_a_number_without_an_account_sends_nothing_and_answers_alike() {
    let app = app_with_account().await;
    let c = client("en");
    let with = app
        .post(
            &c,
            "/api/login/code/send",
            json!({"form": {"phone": PHONE}}),
        )
        .await;
    let without = app
        .post(
            &c,
            "/api/login/code/send",
            json!({"form": {"phone": "13900139000"}}),
        )
        .await;
    assert_eq!(with.status, without.status);
    assert_eq!(with.body, without.body);
    assert!(app.outbox().iter().all(|m| m["to"] != "13900139000"));
    // The same cooldown applies to both.
    let again = app
        .post(
            &c,
            "/api/login/code/send",
            json!({"form": {"phone": "13900139000"}}),
        )
        .await;
    assert_eq!(again.status, 429);
    // A number without an account is told so only after a code verified, which
    // cannot happen: nothing was sent.
    let guess = app
        .post(
            &c,
            "/api/login/code",
            json!({"form": {"phone": "13900139000", "code": "123456"}}),
        )
        .await;
    assert_eq!(error(&guess)["key"], "CodeWrong");
}

#[tokio::test]
async fn throttling_after_five_failures_tells_the_wait_lifts_and_resets() {
    let app = app_with_account().await;
    for phone in [PHONE, "13900139000"] {
        let c = client("en");
        for _ in 0..5 {
            assert_eq!(login(&app, &c, phone, "wrong-pass1").await.status, 401);
        }
        let throttled = login(&app, &c, phone, PASSWORD).await;
        assert_eq!(throttled.status, 429, "{phone}: {}", throttled.body);
        assert_eq!(error(&throttled)["retry_after"], 60);
        assert!(error(&throttled)["message"]
            .as_str()
            .unwrap()
            .contains("60 s"));
    }
    app.clock.advance(60);
    let c = client("en");
    assert_eq!(login(&app, &c, PHONE, PASSWORD).await.status, 200);
    // The success reset the count: five more failures are free again.
    for _ in 0..5 {
        assert_eq!(login(&app, &c, PHONE, "wrong-pass1").await.status, 401);
    }
    // The sixth waits a minute; the seventh failure doubles it.
    assert_eq!(login(&app, &c, PHONE, "wrong-pass1").await.status, 429);
    app.clock.advance(60);
    assert_eq!(login(&app, &c, PHONE, "wrong-pass1").await.status, 401);
    let doubled = login(&app, &c, PHONE, PASSWORD).await;
    assert_eq!(error(&doubled)["retry_after"], 120);
}

#[tokio::test]
async fn failed_sign_ins_are_capped_per_ip() {
    let app = spawn_app_with(|s| s.login_ip_hourly = 3).await;
    let c = client("en");
    for i in 0..3 {
        let r = login(&app, &c, &format!("1390013900{i}"), PASSWORD).await;
        assert_eq!(r.status, 401);
    }
    let capped = login(&app, &c, "13700137000", PASSWORD).await;
    assert_eq!(capped.status, 429);
    assert_eq!(error(&capped)["key"], "LoginIpThrottled");
    app.clock.advance(3_600);
    assert_eq!(login(&app, &c, "13700137000", PASSWORD).await.status, 401);
}

#[tokio::test]
async fn reset_password_ends_old_sessions_and_signs_in_afresh() {
    let app = app_with_account().await;
    let old = client("en");
    let signed_in = login(&app, &old, PHONE, PASSWORD).await;
    let old_cookie = session_cookie(&signed_in);
    // Throttled sign-in does not block the reset.
    let c = client("en");
    for _ in 0..6 {
        login(&app, &c, PHONE, "wrong-pass1").await;
    }
    assert_eq!(login(&app, &c, PHONE, PASSWORD).await.status, 429);
    assert_eq!(
        app.post(
            &c,
            "/api/reset/code/send",
            json!({"form": {"phone": PHONE}})
        )
        .await
        .status,
        200
    );
    let code = app.last_code(PHONE, "reset").await;
    let bad = app
        .post(
            &c,
            "/api/reset",
            json!({"form": {"phone": PHONE, "code": code, "password": "short"}}),
        )
        .await;
    assert_eq!(bad.status, 422);
    for (password, message) in [
        ("Woaini1314", "该密码过于常见，容易被猜到，请换一个"),
        ("x13800138000", "密码不能包含手机号"),
    ] {
        let refused = app
            .post(
                &client("zh-CN"),
                "/api/reset",
                json!({"form": {"phone": PHONE, "code": code, "password": password}}),
            )
            .await;
        assert_eq!(refused.status, 422, "{}", refused.body);
        assert_eq!(error(&refused)["fields"]["password"], message);
    }
    let done = app
        .post(
            &c,
            "/api/reset",
            json!({"form": {"phone": PHONE, "code": code, "password": "new-pass-2"}}),
        )
        .await;
    assert_eq!(done.status, 200, "{}", done.body);
    let new_cookie = session_cookie(&done);
    assert_eq!(
        account_with(&app, &old_cookie).await,
        401,
        "old session ended"
    );
    assert_eq!(account_with(&app, &new_cookie).await, 200);
    assert_eq!(
        login(&app, &client("en"), PHONE, PASSWORD).await.status,
        401
    );
    assert_eq!(
        login(&app, &client("en"), PHONE, "new-pass-2").await.status,
        200
    );
}

#[tokio::test]
async fn the_session_id_changes_at_sign_in_and_a_replayed_cookie_is_worthless_after_sign_out() {
    let app = app_with_account().await;
    let c = client("en");
    // An anonymous session first (the sign-up page's pending number).
    let sent = app.send_code(&c, "13900139000").await;
    let before = session_cookie(&sent);
    let after = session_cookie(&login(&app, &c, PHONE, PASSWORD).await);
    assert_ne!(before, after);
    assert_eq!(account_with(&app, &before).await, 401);
    assert_eq!(account_with(&app, &after).await, 200);
    app.post(&c, "/api/session/sign-out", json!({})).await;
    assert_eq!(account_with(&app, &after).await, 401);
}

#[tokio::test]
async fn idle_and_absolute_timeouts_follow_the_clock() {
    let app = app_with_account().await;
    let cookie = session_cookie(&login(&app, &client("en"), PHONE, PASSWORD).await);
    app.clock.advance(29 * 60);
    assert_eq!(account_with(&app, &cookie).await, 200);
    app.clock.advance(29 * 60);
    assert_eq!(
        account_with(&app, &cookie).await,
        200,
        "each request restarts the idle timer"
    );
    app.clock.advance(30 * 60);
    assert_eq!(account_with(&app, &cookie).await, 401, "30 minutes idle");

    let cookie = session_cookie(&login(&app, &client("en"), PHONE, PASSWORD).await);
    for _ in 0..(12 * 60 / 20) {
        app.clock.advance(20 * 60);
        if account_with(&app, &cookie).await == 401 {
            break;
        }
    }
    assert_eq!(account_with(&app, &cookie).await, 401, "12 hours at most");
}

#[tokio::test]
async fn a_suspended_account_cannot_sign_in_and_its_sessions_stop() {
    let app = app_with_account().await;
    let cookie = session_cookie(&login(&app, &client("en"), PHONE, PASSWORD).await);
    assert_eq!(account_with(&app, &cookie).await, 200);
    gatehouse::admin::service::set_suspended(
        &app.state,
        &gatehouse::server::caller::Caller::operator(),
        AccountId(1),
        true,
        "test",
    )
    .await
    .unwrap();
    assert_eq!(account_with(&app, &cookie).await, 401);
    let refused = login(&app, &client("en"), PHONE, PASSWORD).await;
    assert_eq!(refused.status, 403);
    assert_eq!(error(&refused)["key"], "AccountSuspended");
}

#[tokio::test]
async fn guarded_server_functions_answer_401_without_a_session() {
    let app = spawn_app().await;
    let c = client("zh-CN");
    let r = app.get(&c, "/api/account").await;
    assert_eq!(r.status, 401);
    assert_eq!(error(&r)["message"], "请先登录");
}

#[tokio::test]
async fn concurrent_wrong_passwords_are_throttled_like_sequential_ones() {
    let app = app_with_account().await;
    let replies = futures::future::join_all(
        (0..20).map(|_| async { login(&app, &client("en"), PHONE, "wrong-pass1").await }),
    )
    .await;
    let tried = replies.iter().filter(|r| r.status == 401).count();
    let refused = replies.iter().filter(|r| r.status == 429).count();
    assert_eq!(tried, 5, "five wrong passwords were checked");
    assert_eq!(refused, 15);
}

/// A sign-in code whose SMS fails after the answer stays, unsent, with its
/// cooldown, as one for a number without an account does: a withdrawal (no
/// cooldown) would tell a prober which numbers have accounts (docs/DESIGN.md §2).
#[tokio::test]
async fn a_failed_background_send_is_limited_like_a_number_without_an_account() {
    let app = app_with_account().await;
    let c = client("en");
    app.post(
        &c,
        "/api/login/code/send",
        json!({"form": {"phone": PHONE}}),
    )
    .await;
    let first = app.last_code(PHONE, "login").await;
    // The next send fails at the provider: the outbox path becomes a directory.
    std::fs::remove_file(app.outbox_path()).unwrap();
    std::fs::create_dir(app.outbox_path()).unwrap();
    app.clock.advance(60);
    let again = app
        .post(
            &c,
            "/api/login/code/send",
            json!({"form": {"phone": PHONE}}),
        )
        .await;
    assert_eq!(again.status, 200, "the answer does not depend on delivery");
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let send = |phone: &'static str| {
        let (app, c) = (&app, &c);
        async move {
            let form = json!({"form": {"phone": phone}});
            app.post(c, "/api/login/code/send", form).await.status
        }
    };
    // At once again: the registered number and an unknown one answer alike.
    let unknown = "13900139000";
    assert_eq!(send(unknown).await, 200);
    assert_eq!((send(PHONE).await, send(unknown).await), (429, 429));
    // The unsent code replaced the first, as any newer code does.
    let old = app
        .post(
            &c,
            "/api/login/code",
            json!({"form": {"phone": PHONE, "code": first}}),
        )
        .await;
    assert_eq!(old.status, 422, "{}", old.body);
}

/// Posts the sign-in form as a browser does without the wasm, from the site's
/// own page (`Origin`), and returns the status, `Location` and `Set-Cookie` lines.
async fn post_form(
    app: &TestApp,
    c: &reqwest::Client,
    next: &str,
    phone: &str,
    password: &str,
) -> (u16, String, String) {
    let res = c
        .post(format!("{}/login?next={next}", app.base))
        .header("origin", &app.base)
        .form(&[("phone", phone), ("password", password)])
        .send()
        .await
        .unwrap();
    let location = res
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (res.status().as_u16(), location, set_cookies(&res))
}

async fn page(app: &TestApp, c: &reqwest::Client, path: &str) -> (String, String) {
    let res = c.get(format!("{}{path}", app.base)).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let cookies = set_cookies(&res);
    (res.text().await.unwrap(), cookies)
}

#[tokio::test]
async fn the_sign_in_form_posted_without_the_wasm_answers_with_post_redirect_get() {
    let app = app_with_account().await;
    let c = no_redirect_client("en");
    let next = "%2Faccount%2Fdevices";

    // A wrong password: back to the form, the number and the error in a one-time
    // cookie, the password nowhere.
    let (status, location, cookies) = post_form(&app, &c, next, PHONE, "wrong-pass1").await;
    assert_eq!(status, 303);
    assert_eq!(location, "/login?next=/account/devices");
    assert!(cookies.contains("gatehouse_login_flash="), "{cookies}");
    assert!(cookies.contains("HttpOnly") && cookies.contains("Path=/login"));
    assert!(
        !cookies.contains("gatehouse_session="),
        "not signed in: {cookies}"
    );
    let flash = cookies.split("gatehouse_login_flash=").nth(1).unwrap();
    let flash = gatehouse::login::LoginFlash::decode(flash.split(';').next().unwrap()).unwrap();
    assert_eq!(flash.phone, PHONE);
    assert_eq!(flash.error.status, 401);
    assert!(!format!("{cookies}{location}").contains("wrong-pass1"));

    // The form renders with them once, and the cookie is deleted.
    let (html, cookies) = page(&app, &c, &location).await;
    assert!(
        html.contains("Phone number or password is incorrect"),
        "{html}"
    );
    assert!(html.contains(&format!("value=\"{PHONE}\"")));
    assert!(html.contains("method=\"post\""));
    assert!(cookies.contains("gatehouse_login_flash=;") && cookies.contains("Max-Age=0"));
    let (html, _) = page(&app, &c, &location).await;
    assert!(!html.contains("Phone number or password is incorrect"));

    // Bad fields: the same messages as the wasm's validate().
    let (status, location, _) = post_form(&app, &c, "", "", "").await;
    assert_eq!((status, location.as_str()), (303, "/login?next="));
    let (html, _) = page(&app, &c, "/login").await;
    assert!(
        html.contains("Please enter the cell phone number"),
        "{html}"
    );
    assert!(html.contains("Please enter a password"), "{html}");

    // The right password: signed in, sent to the same-site `next`.
    let (status, location, cookies) = post_form(&app, &c, next, PHONE, PASSWORD).await;
    assert_eq!((status, location.as_str()), (303, "/account/devices"));
    assert!(cookies.contains("gatehouse_session="), "{cookies}");
    let res = c.get(format!("{}/api/account", app.base)).send().await;
    assert_eq!(res.unwrap().status(), 200);

    // Another site's `next` is never followed.
    let c = no_redirect_client("en");
    let (status, location, _) = post_form(&app, &c, "%2F%2Fevil.example%2F", PHONE, PASSWORD).await;
    assert_eq!((status, location.as_str()), (303, "/account"));
}

#[tokio::test]
async fn the_sign_in_form_refuses_another_sites_post() {
    let app = app_with_account().await;
    let c = no_redirect_client("en");
    let res = c
        .post(format!("{}/login", app.base))
        .header("origin", "https://evil.example")
        .form(&[("phone", PHONE), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert!(res.headers().get("set-cookie").is_none());
    let res = c.get(format!("{}/api/account", app.base)).send().await;
    assert_eq!(res.unwrap().status(), 401);
}

#[tokio::test]
async fn the_sign_in_form_moves_on_to_a_page_the_server_answers_and_needs_its_own_referer() {
    let app = app_with_account().await;

    // `next` is the authorization endpoint: a page that moves on, not a redirect
    // the form post would carry (browsers check `form-action` on each hop).
    let c = no_redirect_client("en");
    let next = "%2Fauthorize%3Frequest%3Dabc";
    let (status, location, cookies) = post_form(&app, &c, next, PHONE, PASSWORD).await;
    assert_eq!((status, location.as_str()), (200, ""));
    assert!(cookies.contains("gatehouse_session="), "{cookies}");
    let res = c
        .post(format!("{}/login?next={next}", app.base))
        .header("origin", &app.base)
        .form(&[("phone", PHONE), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    let html = res.text().await.unwrap();
    assert!(
        html.contains("http-equiv=\"refresh\"") && html.contains("request&#61;abc"),
        "{html}"
    );

    // Neither `Origin` nor `Sec-Fetch-Site` (an old browser): the `Referer` decides.
    let bare = no_redirect_client("en");
    let post = |referer: Option<String>| {
        let mut req = bare
            .post(format!("{}/login", app.base))
            .form(&[("phone", PHONE), ("password", PASSWORD)]);
        if let Some(r) = referer {
            req = req.header("referer", r);
        }
        req.send()
    };
    assert_eq!(post(None).await.unwrap().status(), 403);
    let evil = Some("https://evil.example/login".to_owned());
    assert_eq!(post(evil).await.unwrap().status(), 403);
    let own = Some(format!("{}/login", app.base));
    assert_eq!(post(own).await.unwrap().status(), 303);
}

#[tokio::test]
async fn a_flash_cookie_set_by_someone_else_shows_only_the_catalog_and_the_sites_facts() {
    let app = app_with_account().await;
    let mut error = gatehouse::error::ApiError::new(
        dioxus::fullstack::StatusCode::FORBIDDEN,
        gatehouse::i18n::Msg::AccountSuspended,
        gatehouse::i18n::Lang::En,
    );
    error.args.insert("hotline".into(), "400-EVIL".into());
    error.message = "Call 400-EVIL now".into();
    let forged = gatehouse::login::LoginFlash {
        phone: "1".repeat(500),
        error,
    };
    let res = reqwest::Client::new()
        .get(format!("{}/login", app.base))
        .header("accept-language", "en")
        .header(
            "cookie",
            format!("gatehouse_login_flash={}", forged.encode()),
        )
        .send()
        .await
        .unwrap();
    let html = res.text().await.unwrap();
    assert!(!html.contains("EVIL"), "{html}");
    assert!(
        html.contains(&app.state.settings.hotline),
        "the site's own hotline"
    );
    assert!(html.contains(&format!("value=\"{}\"", "1".repeat(64))));
    assert!(!html.contains(&"1".repeat(65)));
}
