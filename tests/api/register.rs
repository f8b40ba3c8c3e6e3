use crate::common::*;
use serde_json::json;

const PHONE: &str = "13800138000";

#[tokio::test]
async fn whole_sign_up_then_account_then_sign_out() {
    let app = spawn_app().await;
    let c = client("en-US");
    let sent = app.send_code(&c, "+86 138-0013-8000").await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    assert_eq!(sent.body["cooldown_secs"], 60);
    let message = app.outbox().pop().unwrap();
    assert_eq!(message["to"], PHONE);
    assert_eq!(message["purpose"], "register");
    let code = message["code"].as_str().unwrap().to_owned();
    assert!(message["text"].as_str().unwrap().contains(&code));
    assert!(message["sent_at"]
        .as_str()
        .unwrap()
        .starts_with("2026-11-29T02:00:00"));

    let done = app
        .register(&c, good_form(PHONE, &code, json!({"marketing": true})))
        .await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert_eq!(done.body["masked_phone"], "138****8000");
    let cookie = done.set_cookie.unwrap();
    assert!(cookie.contains("gatehouse_session="), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert!(
        !cookie.contains("Secure"),
        "development cookies are not Secure: {cookie}"
    );

    let me = app.get(&c, "/api/account").await;
    assert_eq!(me.status, 200, "{}", me.body);
    assert_eq!(me.body["masked_phone"], "138****8000");
    assert_eq!(app.count("accounts").await, 1);
    // The two documents, and the ticked marketing box as a ledger row of its own.
    assert_eq!(app.count("consent_records").await, 3);
    let marketing = "document = 'marketing' AND granted = TRUE AND method = 'sign-up'";
    assert_eq!(app.count_where("consent_records", marketing).await, 1);

    let out = app.post(&c, "/api/session/sign-out", json!({})).await;
    assert_eq!(out.status, 200, "{}", out.body);
    assert_eq!(app.get(&c, "/api/account").await.status, 401);
    assert_eq!(app.count("sessions").await, 0);
}

#[tokio::test]
async fn consent_record_keeps_version_ip_and_browser() {
    let app = spawn_app().await;
    let c = client("zh-CN");
    assert_eq!(app.sign_up(&c, PHONE, json!({})).await.status, 200);
    let mut db = app.db().await;
    let rows: Vec<(String, i64, i64)> = sqlx::query_as(
        "SELECT document, version, accepted_at FROM consent_records ORDER BY document",
    )
    .fetch_all(&mut db)
    .await
    .unwrap();
    let origins = app.consent_origins(1).await;
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].0, "agreement");
    assert_eq!(rows[1].0, "privacy");
    assert!(rows.iter().all(|r| r.1 == 1));
    assert!(origins.iter().all(|o| o.2 == "127.0.0.1"), "{origins:?}");
    assert_eq!(rows[0].2, app.clock_unix());
    assert_eq!(
        app.count_where("consent_records", "document = 'marketing'")
            .await,
        0,
        "the marketing opt-in is unticked by default"
    );
}

#[tokio::test]
async fn every_bad_field_is_answered_at_once_localized_and_writes_nothing() {
    let app = spawn_app().await;
    for (lang, phone_msg, consent_msg) in [
        (
            "en",
            "Please enter 11-digit cell phone number",
            "Please read and agree",
        ),
        ("zh-CN", "请输入11位手机号码", "请阅读并同意"),
    ] {
        let c = client(lang);
        let bad = app
            .register(
                &c,
                json!({"phone": "1380013800", "code": "12345", "password": "abc def",
                       "invitation": "U", "consent": false, "marketing": false}),
            )
            .await;
        assert_eq!(bad.status, 422, "{}", bad.body);
        let fields = &error(&bad)["fields"];
        assert_eq!(fields["phone"], phone_msg);
        assert!(fields["consent"].as_str().unwrap().starts_with(consent_msg));
        for f in ["phone", "code", "password", "invitation", "consent"] {
            assert!(fields[f].is_string(), "{f} missing in {fields}");
        }
        let empty = app.send_code(&c, "").await;
        assert_eq!(empty.status, 422);
        assert!(error(&empty)["fields"]["phone"].as_str().unwrap().len() > 3);
    }
    assert_eq!(app.count("accounts").await, 0);
    assert_eq!(app.count("otp_codes").await, 0);
    assert!(app.outbox().is_empty());
}

#[tokio::test]
async fn common_passwords_and_the_own_number_are_refused_with_their_own_message() {
    let app = spawn_app().await;
    let c = client("en");
    assert_eq!(app.send_code(&c, PHONE).await.status, 200);
    let code = app.last_code(PHONE, "register").await;
    for (password, key, message) in [
        (
            "QQ123456",
            "PasswordCommon",
            "This password is too common and easy to guess; please choose another",
        ),
        (
            "5201314abc",
            "PasswordCommon",
            "This password is too common and easy to guess; please choose another",
        ),
        (
            "ab00138000",
            "PasswordHasPhone",
            "The password must not contain your phone number",
        ),
    ] {
        let r = app
            .register(&c, good_form(PHONE, &code, json!({ "password": password })))
            .await;
        assert_eq!(r.status, 422, "{password}: {}", r.body);
        assert_eq!(error(&r)["field_keys"]["password"], key);
        assert_eq!(error(&r)["fields"]["password"], message);
    }
    assert_eq!(app.count("accounts").await, 0, "nothing was created");
    // The code was not used up: a good password still signs up.
    let r = app.register(&c, good_form(PHONE, &code, json!({}))).await;
    assert_eq!(r.status, 200, "{}", r.body);
}

#[tokio::test]
async fn cooldown_answers_429_until_the_clock_passes_60_seconds() {
    let app = spawn_app().await;
    let c = client("en");
    assert_eq!(app.send_code(&c, PHONE).await.status, 200);
    app.clock.advance(20);
    let again = app.send_code(&c, PHONE).await;
    assert_eq!(again.status, 429, "{}", again.body);
    assert_eq!(error(&again)["retry_after"], 40);
    assert_eq!(
        error(&again)["message"],
        "Please wait 40 s before requesting another code"
    );
    let status = app.get(&c, "/api/register/status").await;
    assert_eq!(status.body["phone"], PHONE);
    assert_eq!(status.body["cooldown_secs"], 40);
    app.clock.advance(40);
    assert_eq!(app.send_code(&c, PHONE).await.status, 200);
    assert_eq!(app.outbox().len(), 2);
}

#[tokio::test]
async fn hourly_and_daily_caps_per_phone() {
    let app = spawn_app().await;
    let c = client("en");
    for _ in 0..5 {
        assert_eq!(app.send_code(&c, PHONE).await.status, 200);
        app.clock.advance(60);
    }
    let capped = app.send_code(&c, PHONE).await;
    assert_eq!(capped.status, 429);
    assert_eq!(error(&capped)["key"], "SendHourlyCap");
    // An hour after the first send, five more fit in the day; the 11th does not.
    app.clock.advance(3_600);
    for _ in 0..5 {
        assert_eq!(app.send_code(&c, PHONE).await.status, 200);
        app.clock.advance(60);
    }
    app.clock.advance(3_600);
    let daily = app.send_code(&c, PHONE).await;
    assert_eq!(daily.status, 429);
    assert_eq!(error(&daily)["key"], "SendDailyCap");
    app.clock.advance(86_400);
    assert_eq!(app.send_code(&c, PHONE).await.status, 200);
}

#[tokio::test]
async fn per_ip_and_global_caps_are_configurable() {
    let app = spawn_app_with(|s| s.sms_ip_hourly = 2).await;
    let c = client("en");
    assert_eq!(app.send_code(&c, "13800138001").await.status, 200);
    assert_eq!(app.send_code(&c, "13800138002").await.status, 200);
    let capped = app.send_code(&c, "13800138003").await;
    assert_eq!(capped.status, 429);
    assert_eq!(error(&capped)["key"], "SendIpCap");

    let app = spawn_app_with(|s| s.sms_global_hourly = 1).await;
    assert_eq!(app.send_code(&c, "13800138001").await.status, 200);
    let capped = app.send_code(&c, "13800138002").await;
    assert_eq!(error(&capped)["key"], "SendGlobalCap");
}

#[tokio::test]
async fn an_expired_code_asks_for_a_new_one() {
    let app = spawn_app().await;
    let c = client("en");
    app.send_code(&c, PHONE).await;
    let code = app.last_code(PHONE, "register").await;
    app.clock.advance(600);
    let late = app.register(&c, good_form(PHONE, &code, json!({}))).await;
    assert_eq!(late.status, 422);
    assert_eq!(error(&late)["key"], "CodeExpired");
    assert_eq!(app.count("accounts").await, 0);
}

#[tokio::test]
async fn five_wrong_tries_kill_the_code() {
    let app = spawn_app().await;
    let c = client("en");
    app.send_code(&c, PHONE).await;
    let code = app.last_code(PHONE, "register").await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for attempt in 1..=5 {
        let r = app.register(&c, good_form(PHONE, wrong, json!({}))).await;
        let expected = if attempt < 5 { "CodeWrong" } else { "CodeDead" };
        assert_eq!(error(&r)["key"], expected, "attempt {attempt}");
        assert!(error(&r)["fields"]["code"].is_string());
    }
    let right = app.register(&c, good_form(PHONE, &code, json!({}))).await;
    assert_eq!(error(&right)["key"], "CodeDead");
    assert_eq!(app.count("accounts").await, 0);
}

#[tokio::test]
async fn wrong_tries_across_resends_hit_the_phone_budget() {
    let app = spawn_app().await;
    let c = client("en");
    // 4 wrong tries on each of three codes (12 > 10 per rolling hour).
    let mut budget_hit = false;
    for _ in 0..3 {
        app.send_code(&c, PHONE).await;
        let code = app.last_code(PHONE, "register").await;
        let wrong = if code == "000000" { "111111" } else { "000000" };
        for _ in 0..4 {
            let r = app.register(&c, good_form(PHONE, wrong, json!({}))).await;
            budget_hit |= error(&r)["key"] == "CodeGuessBudget";
        }
        app.clock.advance(61);
    }
    assert!(budget_hit, "the 11th wrong try within the hour is refused");
    app.send_code(&c, PHONE).await;
    let code = app.last_code(PHONE, "register").await;
    let refused = app.register(&c, good_form(PHONE, &code, json!({}))).await;
    assert_eq!(refused.status, 429);
    assert_eq!(error(&refused)["key"], "CodeGuessBudget");
    app.clock.advance(3_600);
    app.send_code(&c, PHONE).await;
    let code = app.last_code(PHONE, "register").await;
    let ok = app.register(&c, good_form(PHONE, &code, json!({}))).await;
    assert_eq!(ok.status, 200, "{}", ok.body);
}

#[tokio::test]
async fn a_code_for_another_phone_or_purpose_fails() {
    let app = spawn_app().await;
    let c = client("en");
    app.send_code(&c, PHONE).await;
    let code = app.last_code(PHONE, "register").await;
    let other = app
        .register(&c, good_form("13900139000", &code, json!({})))
        .await;
    assert_eq!(error(&other)["key"], "CodeExpired");

    let phone = gatehouse::domain::PhoneNumber::parse("13700137000").unwrap();
    let (_, login_code) = gatehouse::server::otp::issue(
        &app.state,
        &phone,
        gatehouse::domain::OtpPurpose::Login,
        "127.0.0.1",
    )
    .await
    .unwrap()
    .unwrap();
    let wrong_purpose = app
        .register(
            &c,
            good_form("13700137000", login_code.expose_secret(), json!({})),
        )
        .await;
    assert_eq!(error(&wrong_purpose)["key"], "CodeExpired");
    assert_eq!(app.count("accounts").await, 0);
}

#[tokio::test]
async fn a_right_code_with_a_bad_field_still_works_on_the_corrected_retry() {
    let app = spawn_app().await;
    let c = client("en");
    app.send_code(&c, PHONE).await;
    let code = app.last_code(PHONE, "register").await;
    let bad_password = app
        .register(&c, good_form(PHONE, &code, json!({"password": "short"})))
        .await;
    assert_eq!(bad_password.status, 422);
    let no_consent = app
        .register(&c, good_form(PHONE, &code, json!({"consent": false})))
        .await;
    assert_eq!(no_consent.status, 422);
    assert!(error(&no_consent)["fields"]["consent"].is_string());
    let ok = app.register(&c, good_form(PHONE, &code, json!({}))).await;
    assert_eq!(ok.status, 200, "{}", ok.body);
}

#[tokio::test]
async fn a_registered_phone_is_told_only_after_its_code_verified() {
    let app = spawn_app().await;
    assert_eq!(
        app.sign_up(&client("en"), PHONE, json!({})).await.status,
        200
    );
    app.clock.advance(60);
    let c = client("en");
    assert_eq!(app.send_code(&c, PHONE).await.status, 200);
    let code = app.last_code(PHONE, "register").await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let probe = app.register(&c, good_form(PHONE, wrong, json!({}))).await;
    assert_eq!(error(&probe)["key"], "CodeWrong");
    let taken = app.register(&c, good_form(PHONE, &code, json!({}))).await;
    assert_eq!(taken.status, 409);
    assert_eq!(error(&taken)["key"], "PhoneTaken");
    assert_eq!(app.count("accounts").await, 1);
}

#[tokio::test]
async fn invitation_codes_expired_unknown_or_missing_create_nothing() {
    let app =
        spawn_app_with(|s| s.invitation_mode = gatehouse::domain::InvitationMode::Required).await;
    let expiring =
        gatehouse::server::cli::create_invitation(&app.state, 3, "2026-11-29T03:00:00Z", None)
            .await
            .unwrap();
    let c = client("en");
    app.send_code(&c, PHONE).await;
    let code = app.last_code(PHONE, "register").await;
    let missing = app.register(&c, good_form(PHONE, &code, json!({}))).await;
    assert_eq!(
        error(&missing)["fields"]["invitation"],
        "Invitation code is incorrect"
    );
    let unknown = app
        .register(
            &c,
            good_form(PHONE, &code, json!({"invitation": "ZZZZ ZZZZ"})),
        )
        .await;
    assert_eq!(error(&unknown)["message"], "Invitation code is incorrect");
    app.clock.advance(3_601);
    app.send_code(&c, PHONE).await;
    let code = app.last_code(PHONE, "register").await;
    let expired = app
        .register(
            &c,
            good_form(
                PHONE,
                &code,
                json!({"invitation": expiring.as_str().to_lowercase()}),
            ),
        )
        .await;
    assert_eq!(error(&expired)["key"], "InvitationIncorrect");
    assert_eq!(app.count("accounts").await, 0);

    let fresh = gatehouse::server::cli::create_invitation(&app.state, 1, "2026-12-31", None)
        .await
        .unwrap();
    let ok = app
        .register(
            &c,
            good_form(PHONE, &code, json!({"invitation": fresh.as_str()})),
        )
        .await;
    assert_eq!(
        ok.status, 200,
        "the code survived the failed tries: {}",
        ok.body
    );
}

#[tokio::test]
async fn an_invitation_quota_of_5_gives_exactly_5_accounts_under_20_concurrent_sign_ups() {
    let app = spawn_app().await;
    let invitation = gatehouse::server::cli::create_invitation(&app.state, 5, "2026-12-31", None)
        .await
        .unwrap();
    let phones: Vec<String> = (0..20).map(|i| format!("1390000{i:04}")).collect();
    let mut forms = Vec::new();
    for phone in &phones {
        let c = client("en");
        assert_eq!(app.send_code(&c, phone).await.status, 200);
        let code = app.last_code(phone, "register").await;
        forms.push((
            c,
            good_form(phone, &code, json!({"invitation": invitation.as_str()})),
        ));
    }
    let replies =
        futures::future::join_all(forms.iter().map(|(c, f)| app.register(c, f.clone()))).await;
    let ok = replies.iter().filter(|r| r.status == 200).count();
    assert_eq!(ok, 5);
    assert!(replies
        .iter()
        .filter(|r| r.status != 200)
        .all(|r| error(r)["key"] == "InvitationIncorrect"));
    assert_eq!(app.count("accounts").await, 5);
}

#[tokio::test]
async fn fifty_concurrent_sign_ups_of_different_phones_all_succeed() {
    let app = spawn_app().await;
    let phones: Vec<String> = (0..50).map(|i| format!("1500000{i:04}")).collect();
    let replies = futures::future::join_all(phones.iter().map(|p| {
        let app = &app;
        async move { app.sign_up(&client("en"), p, json!({})).await }
    }))
    .await;
    for r in &replies {
        assert_eq!(r.status, 200, "{}", r.body);
    }
    assert_eq!(app.count("accounts").await, 50);
}

#[tokio::test]
async fn ten_concurrent_sign_ups_of_the_same_phone_give_one_account() {
    let app = spawn_app().await;
    let c = client("en");
    app.send_code(&c, PHONE).await;
    let code = app.last_code(PHONE, "register").await;
    let replies = futures::future::join_all(
        (0..10).map(|_| app.register(&c, good_form(PHONE, &code, json!({})))),
    )
    .await;
    assert_eq!(replies.iter().filter(|r| r.status == 200).count(), 1);
    assert_eq!(app.count("accounts").await, 1);
}

#[tokio::test]
async fn the_database_file_holds_no_phone_number_in_plain_text() {
    let app = spawn_app().await;
    app.sign_up(&client("en"), PHONE, json!({})).await;
    app.sign_up(&client("en"), "19912345678", json!({})).await;
    let bytes = app.database_bytes().await;
    let marker = b"$argon2id$";
    assert!(
        bytes.windows(marker.len()).any(|w| w == marker),
        "the dump holds the accounts"
    );
    for needle in [PHONE, "19912345678", "138****8000"] {
        let hex: String = needle.bytes().map(|b| format!("{b:02x}")).collect();
        for form in [needle.as_bytes(), hex.as_bytes()] {
            assert!(
                !bytes.windows(form.len()).any(|w| w == form),
                "{needle} found in the database"
            );
        }
    }
}

#[tokio::test]
async fn pages_render_in_the_request_language() {
    let app = spawn_app().await;
    let zh = app.get(&client("zh-CN,zh;q=0.9"), "/register").await;
    assert_eq!(zh.status, 200);
    assert!(zh.body.as_str().unwrap().contains("注册个人账号"));
    let en = app.get(&client("en-US"), "/register").await;
    assert!(en
        .body
        .as_str()
        .unwrap()
        .contains("Sign up for a personal account"));
    let other = app.get(&client("fr-FR"), "/register").await;
    assert!(other.body.as_str().unwrap().contains("注册个人账号"));
    let chosen = reqwest::Client::new()
        .get(format!("{}/register", app.base))
        .header("accept-language", "en")
        .header("cookie", "gatehouse_lang=zh")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(chosen.contains("注册个人账号"));
    assert_eq!(app.get(&client("en"), "/no-such-page").await.status, 404);
    let legal = app.get(&client("en"), "/legal/privacy").await;
    assert!(legal.body.as_str().unwrap().contains("Privacy Policy"));
    assert!(legal
        .body
        .as_str()
        .unwrap()
        .contains("Gatehouse Example Co., Ltd."));
}

#[tokio::test]
async fn concurrent_wrong_guesses_cannot_pass_the_five_tries() {
    let app = spawn_app().await;
    let c = client("en");
    app.send_code(&c, PHONE).await;
    let code = app.last_code(PHONE, "register").await;
    let wrong: Vec<String> = (0..30)
        .map(|i| format!("{:06}", i))
        .filter(|g| *g != code)
        .take(25)
        .collect();
    let replies = futures::future::join_all(
        wrong
            .iter()
            .map(|g| app.register(&c, good_form(PHONE, g, json!({})))),
    )
    .await;
    let compared = replies
        .iter()
        .filter(|r| ["CodeWrong", "CodeDead"].contains(&error(r)["key"].as_str().unwrap()))
        .count();
    assert!(compared >= 5);
    assert_eq!(
        app.count("otp_failures").await,
        5,
        "only five guesses were compared"
    );
    let right = app.register(&c, good_form(PHONE, &code, json!({}))).await;
    assert_eq!(error(&right)["key"], "CodeDead");
}
