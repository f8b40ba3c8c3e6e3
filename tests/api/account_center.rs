//! The account center (docs/DESIGN.md §5, issue 12) through the real router: every
//! promise of the Privacy Policy's §5 and every refusal.

use crate::common::*;
use serde_json::{json, Value};

const PHONE: &str = "13800138000";
const OTHER: &str = "13900139000";
const PASSWORD: &str = "kqzv1234";

/// An app with one account (PHONE / PASSWORD), signed in on the returned client.
async fn signed_up() -> (TestApp, reqwest::Client) {
    let app = spawn_app().await;
    let c = client("en");
    assert_eq!(app.sign_up(&c, PHONE, json!({})).await.status, 200);
    app.clock.advance(60);
    (app, c)
}

async fn login(app: &TestApp, c: &reqwest::Client, phone: &str, password: &str) -> Reply {
    app.post(
        c,
        "/api/login/password",
        json!({"form": {"phone": phone, "password": password}}),
    )
    .await
}

/// A second browser signed in to PHONE.
async fn second_browser(app: &TestApp) -> reqwest::Client {
    let c = client("zh-CN");
    assert_eq!(login(app, &c, PHONE, PASSWORD).await.status, 200);
    c
}

fn field_key(reply: &Reply, field: &str) -> Value {
    error(reply)["field_keys"][field].clone()
}

async fn save_profile(app: &TestApp, c: &reqwest::Client, form: Value) -> Reply {
    app.post(c, "/api/account/profile", json!({ "form": form }))
        .await
}

fn profile(real_name: &str, company: &str, address: &str, email: &str) -> Value {
    json!({"real_name": real_name, "company": company, "address": address, "email": email})
}

#[tokio::test]
async fn a_profile_is_saved_encrypted_and_bad_input_changes_nothing() {
    let (app, c) = signed_up().await;
    let good = profile(
        " 张三丰 ",
        "Wudang Cloud Ltd",
        "湖北省十堰市武当山特区玄岳路 88 号",
        "zhang.sanfeng@example.cn",
    );
    let saved = save_profile(&app, &c, good).await;
    assert_eq!(saved.status, 200, "{}", saved.body);
    assert_eq!(saved.body["real_name"], "张三丰", "trimmed as saved");
    assert_eq!(saved.body["email"], "zhang.sanfeng@example.cn");
    let me = app.get(&c, "/api/account").await;
    assert_eq!(me.body["profile"], saved.body);

    // The database holds none of it in plain text.
    let bytes = app.database_bytes().await;
    for secret in ["张三丰", "Wudang Cloud", "玄岳路", "zhang.sanfeng"] {
        let needle = secret.as_bytes();
        assert!(
            !bytes.windows(needle.len()).any(|w| w == needle),
            "{secret} is stored in plain text"
        );
    }

    // Each bad field is named, in the request's language, and nothing changes.
    let bad = profile(
        &"张".repeat(51),
        &"c".repeat(101),
        "a\u{7}b",
        "nobody@localhost",
    );
    let refused = save_profile(&app, &c, bad).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert_eq!(field_key(&refused, "real-name"), "RealNameTooLong");
    assert_eq!(field_key(&refused, "company"), "CompanyTooLong");
    assert_eq!(field_key(&refused, "address"), "ProfileControlCharacters");
    assert_eq!(field_key(&refused, "email"), "EmailInvalid");
    assert_eq!(
        error(&refused)["fields"]["email"],
        "Please enter an email address such as name@example.com"
    );
    let zh = save_profile(&app, &client("zh-CN"), profile("", "", "", "x")).await;
    assert_eq!(zh.status, 401, "another browser has no session");
    let after = app.get(&c, "/api/account").await;
    assert_eq!(
        after.body["profile"], saved.body,
        "the refusal changed nothing"
    );

    // Malformed bodies are refused before the function runs.
    let malformed = app
        .post(
            &c,
            "/api/account/profile",
            json!({"form": {"real_name": 5}}),
        )
        .await;
    assert!(
        matches!(malformed.status, 400 | 422),
        "{}",
        malformed.status
    );
    // Emptying a field removes it.
    let cleared = save_profile(&app, &c, profile("", "", "", "")).await;
    assert_eq!(cleared.status, 200);
    assert_eq!(cleared.body["real_name"], "");
    let events = app
        .count_where("audit_events", "action = 'profile-updated'")
        .await;
    assert_eq!(events, 2, "one audit row per save, none for the refusal");
}

#[tokio::test]
async fn a_password_change_needs_the_current_one_and_ends_the_other_sessions() {
    let (app, c) = signed_up().await;
    let other = second_browser(&app).await;
    let change =
        |current: &str, new: &str| json!({"form": {"current_password": current, "password": new}});

    let wrong = app
        .post(
            &c,
            "/api/account/password",
            change("wrong-pass1", "newpass123"),
        )
        .await;
    assert_eq!(wrong.status, 422, "{}", wrong.body);
    assert_eq!(
        field_key(&wrong, "current-password"),
        "CurrentPasswordWrong"
    );
    let weak = app
        .post(&c, "/api/account/password", change(PASSWORD, "short"))
        .await;
    assert_eq!(field_key(&weak, "password"), "PasswordRule");
    let common = app
        .post(&c, "/api/account/password", change(PASSWORD, "1qaz2wsx"))
        .await;
    assert_eq!(field_key(&common, "password"), "PasswordCommon");
    // The page knows only the masked number: the server refuses the own number.
    let own = app
        .post(&c, "/api/account/password", change(PASSWORD, "pw00138000!"))
        .await;
    assert_eq!(own.status, 422, "{}", own.body);
    assert_eq!(field_key(&own, "password"), "PasswordHasPhone");
    assert_eq!(
        error(&own)["fields"]["password"],
        "The password must not contain your phone number"
    );
    assert_eq!(
        app.get(&other, "/api/account").await.status,
        200,
        "refusals end nothing"
    );
    // The wrong current password counts as a failed sign-in.
    let me = app.get(&c, "/api/account").await;
    assert_eq!(me.body["sign_ins"][0]["outcome"], "OutcomeWrongPassword");

    let done = app
        .post(&c, "/api/account/password", change(PASSWORD, "newpass123"))
        .await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert_eq!(done.body, 1, "one other session ended");
    assert_eq!(app.get(&other, "/api/account").await.status, 401);
    assert_eq!(
        app.get(&c, "/api/account").await.status,
        200,
        "this one stays"
    );
    let fresh = client("en");
    assert_eq!(login(&app, &fresh, PHONE, PASSWORD).await.status, 401);
    assert_eq!(login(&app, &fresh, PHONE, "newpass123").await.status, 200);
    assert_eq!(
        app.count_where("audit_events", "action = 'password-changed'")
            .await,
        1
    );
}

#[tokio::test]
async fn wrong_current_passwords_are_throttled_like_sign_ins() {
    let (app, c) = signed_up().await;
    let change = json!({"form": {"current_password": "wrong-pass1", "password": "newpass123"}});
    let mut statuses = Vec::new();
    for _ in 0..7 {
        statuses.push(app.post(&c, "/api/account/password", change.clone()).await);
    }
    let last = statuses.last().unwrap();
    assert_eq!(last.status, 429, "{}", last.body);
    assert_eq!(error(last)["key"], "LoginThrottled");
    // The throttle is the number's: signing in is throttled too.
    let fresh = client("en");
    assert_eq!(login(&app, &fresh, PHONE, PASSWORD).await.status, 429);
}

async fn send(app: &TestApp, c: &reqwest::Client, path: &str, body: Value) -> Reply {
    let sent = app.post(c, path, body).await;
    assert_eq!(sent.status, 200, "{path}: {}", sent.body);
    sent
}

#[tokio::test]
async fn a_phone_change_needs_both_codes_and_a_free_number() {
    let (app, c) = signed_up().await;
    let other = second_browser(&app).await;
    let taken = "13700137000";
    assert_eq!(
        app.sign_up(&client("en"), taken, json!({})).await.status,
        200
    );
    app.clock.advance(60);

    // The account's own number is refused before any code.
    let same = app
        .post(
            &c,
            "/api/account/phone/new-code/send",
            json!({"form": {"new_phone": PHONE}}),
        )
        .await;
    assert_eq!(field_key(&same, "new-phone"), "NewPhoneSame");

    send(&app, &c, "/api/account/phone/code/send", json!({})).await;
    let current = app.last_code(PHONE, "change-phone").await;
    let to_taken = json!({"form": {"new_phone": taken}});
    send(&app, &c, "/api/account/phone/new-code/send", to_taken).await;
    let taken_code = app.last_code(taken, "change-phone").await;
    let change = |code: &str, phone: &str, new_code: &str| json!({"form": {"code": code, "new_phone": phone, "new_code": new_code}});
    // A taken number is told only after its code verified.
    let wrong_new = if taken_code == "000000" {
        "111111"
    } else {
        "000000"
    };
    let guessed = app
        .post(&c, "/api/account/phone", change(&current, taken, wrong_new))
        .await;
    assert_eq!(guessed.status, 422, "{}", guessed.body);
    assert_eq!(field_key(&guessed, "new-code"), "CodeWrong");
    let refused = app
        .post(
            &c,
            "/api/account/phone",
            change(&current, taken, &taken_code),
        )
        .await;
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert_eq!(field_key(&refused, "new-phone"), "PhoneTaken");
    assert_eq!(app.get(&other, "/api/account").await.status, 200);

    // A wrong current code names the current code's field.
    app.clock.advance(60);
    let to_new = json!({"form": {"new_phone": OTHER}});
    send(&app, &c, "/api/account/phone/new-code/send", to_new).await;
    let new_code = app.last_code(OTHER, "change-phone").await;
    let wrong_current = if current == "000000" {
        "111111"
    } else {
        "000000"
    };
    let bad = app
        .post(
            &c,
            "/api/account/phone",
            change(wrong_current, OTHER, &new_code),
        )
        .await;
    assert_eq!(field_key(&bad, "code"), "CodeWrong");

    let done = app
        .post(&c, "/api/account/phone", change(&current, OTHER, &new_code))
        .await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert_eq!(done.body["masked_phone"], "139****9000");
    assert_eq!(done.body["sessions_ended"], 1);
    assert_eq!(app.get(&other, "/api/account").await.status, 401);
    let me = app.get(&c, "/api/account").await;
    assert_eq!(me.body["masked_phone"], "139****9000");
    let fresh = client("en");
    assert_eq!(login(&app, &fresh, PHONE, PASSWORD).await.status, 401);
    assert_eq!(login(&app, &fresh, OTHER, PASSWORD).await.status, 200);
    // Used codes are spent: the same change cannot be replayed.
    let replay = app
        .post(&c, "/api/account/phone", change(&current, OTHER, &new_code))
        .await;
    assert_eq!(replay.status, 422, "{}", replay.body);
    assert_eq!(
        app.count_where("audit_events", "action = 'phone-changed'")
            .await,
        1
    );
}

fn session_ids(summary: &Reply) -> Vec<(String, bool)> {
    summary.body["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["id"].as_str().unwrap().to_owned(), s["current"] == true))
        .collect()
}

#[tokio::test]
async fn sessions_are_listed_by_public_id_and_end_at_once() {
    let (app, c) = signed_up().await;
    let other = second_browser(&app).await;
    let third = second_browser(&app).await;
    let me = app.get(&c, "/api/account").await;
    let sessions = session_ids(&me);
    assert_eq!(sessions.len(), 3, "{}", me.body);
    assert_eq!(
        sessions.iter().filter(|s| s.1).count(),
        1,
        "one is this device"
    );
    let first = &me.body["sessions"][0];
    assert_eq!(first["ip"], "127.0.0.1");
    assert!(first["browser"].as_str().is_some());
    assert!(first["signed_in_at"].as_str().unwrap().starts_with("2026-"));
    for (id, _) in &sessions {
        assert!(
            id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()),
            "{id}"
        );
    }
    // No session id appears in the page's data.
    let mut db = app.db().await;
    let hashes: Vec<Vec<u8>> = sqlx::query_scalar("SELECT id_hash FROM sessions")
        .fetch_all(&mut db)
        .await
        .unwrap();
    let text = me.body.to_string();
    for hash in hashes {
        let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
        assert!(!text.contains(&hex));
    }

    // End the second browser's session from the first.
    let theirs = session_ids(&app.get(&other, "/api/account").await)
        .into_iter()
        .find(|s| s.1)
        .unwrap()
        .0;
    let ended = app
        .post(
            &c,
            "/api/account/sessions/end",
            json!({"form": {"session": theirs}}),
        )
        .await;
    assert_eq!(ended.status, 200, "{}", ended.body);
    assert_eq!(app.get(&other, "/api/account").await.status, 401);
    let again = app
        .post(
            &c,
            "/api/account/sessions/end",
            json!({"form": {"session": theirs}}),
        )
        .await;
    assert_eq!(again.status, 404);
    assert_eq!(error(&again)["key"], "SessionNotFound");

    // Another account cannot end this account's sessions.
    let stranger = client("en");
    assert_eq!(app.sign_up(&stranger, OTHER, json!({})).await.status, 200);
    let mine = sessions.iter().find(|s| s.1).unwrap().0.clone();
    let foreign = app
        .post(
            &stranger,
            "/api/account/sessions/end",
            json!({"form": {"session": mine}}),
        )
        .await;
    assert_eq!(foreign.status, 404);
    assert_eq!(app.get(&c, "/api/account").await.status, 200);

    let others = app
        .post(&c, "/api/account/sessions/end-others", json!({}))
        .await;
    assert_eq!(others.status, 200, "{}", others.body);
    assert_eq!(others.body, 1);
    assert_eq!(app.get(&third, "/api/account").await.status, 401);
    assert_eq!(session_ids(&app.get(&c, "/api/account").await).len(), 1);
}

#[tokio::test]
async fn each_marketing_switch_is_a_row_of_the_consent_ledger() {
    let (app, c) = signed_up().await;
    let me = app.get(&c, "/api/account").await;
    assert_eq!(me.body["marketing"]["granted"], false);
    for (granted, advance) in [(true, 10), (false, 10), (true, 10)] {
        app.clock.advance(advance);
        let set = app
            .post(
                &c,
                "/api/account/marketing",
                json!({"form": {"granted": granted}}),
            )
            .await;
        assert_eq!(set.status, 200, "{}", set.body);
        assert_eq!(set.body["granted"], granted);
    }
    let me = app.get(&c, "/api/account").await;
    assert_eq!(me.body["marketing"]["granted"], true);
    assert_eq!(
        app.count_where(
            "consent_records",
            "document = 'marketing' AND method = 'account-center'"
        )
        .await,
        3
    );
    assert_eq!(
        app.count_where(
            "consent_records",
            "document = 'marketing' AND granted = FALSE"
        )
        .await,
        1
    );
    // The download shows each row with where it was made.
    let export = c
        .get(format!("{}/api/account/export", app.base))
        .send()
        .await
        .unwrap();
    let data: Value = export.json().await.unwrap();
    let marketing: Vec<&Value> = data["consents"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["document"] == "marketing")
        .collect();
    assert_eq!(marketing.len(), 3);
    assert!(marketing.iter().all(|m| m["ip"] == "127.0.0.1"));
}

#[tokio::test]
async fn the_download_holds_what_the_database_holds() {
    let (app, c) = signed_up().await;
    save_profile(&app, &c, profile("李四", "", "", "li.si@example.com")).await;
    let _other = second_browser(&app).await;
    app.post(
        &c,
        "/api/account/marketing",
        json!({"form": {"granted": true}}),
    )
    .await;
    app.post(
        &c,
        "/api/account/report",
        json!({"form": {"about": "other", "reference": "", "note": "an SMS I did not ask for"}}),
    )
    .await;
    let res = c
        .get(format!("{}/api/account/export", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let header = |name: &str| res.headers()[name].to_str().unwrap().to_owned();
    assert!(header("content-disposition").starts_with("attachment; filename=\"gatehouse-account-"));
    assert_eq!(header("cache-control"), "no-store");
    assert!(header("content-type").starts_with("application/json"));
    let data: Value = res.json().await.unwrap();

    assert_eq!(data["format"], "gatehouse-account-export/1");
    assert_eq!(data["phone"], PHONE);
    assert_eq!(data["account"]["status"], "active");
    assert_eq!(data["profile"]["real_name"], "李四");
    assert_eq!(data["profile"]["company"], Value::Null);
    assert_eq!(data["profile"]["email"], "li.si@example.com");
    assert_eq!(data["marketing"]["granted"], true);
    assert_eq!(data["invitation_code"], Value::Null);
    let len = |key: &str| data[key].as_array().unwrap().len() as i64;
    assert_eq!(
        len("consents"),
        app.count_where("consent_records", "account_id = 1").await
    );
    assert_eq!(
        len("sign_ins"),
        app.count_where("sign_in_attempts", "account_id = 1").await
    );
    assert_eq!(
        len("sessions"),
        app.count_where("sessions", "account_id = 1").await
    );
    assert_eq!(len("misuse_reports"), 1);
    assert_eq!(
        data["misuse_reports"][0]["note"],
        "an SMS I did not ask for"
    );
    assert_eq!(
        len("audit_events"),
        app.count_where("audit_events", "subject_id = 1").await,
        "every audit event about the account, the download's own included"
    );
    let actions: Vec<&str> = data["audit_events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions.first(), Some(&"sign-up"));
    assert_eq!(actions.last(), Some(&"data-exported"));
    assert!(data["audit_events"][0]["ip"] == "127.0.0.1");
    let consent = &data["consents"][0];
    assert_eq!(consent["document"], "agreement");
    assert_eq!(consent["ip"], "127.0.0.1");
    assert!(consent["at"].as_str().unwrap().ends_with("+08:00"));

    // Signed out, there is nothing to download.
    let out = client("en")
        .get(format!("{}/api/account/export", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 401);
}

#[tokio::test]
async fn a_report_is_stored_for_the_operator_and_confirmed() {
    let (app, c) = signed_up().await;
    let me = app.get(&c, "/api/account").await;
    let sign_in = me.body["sign_ins"][0]["id"].to_string();
    let filed = app
        .post(
            &c,
            "/api/account/report",
            json!({"form": {"about": "sign-in", "reference": sign_in, "note": "不是我登录的"}}),
        )
        .await;
    assert_eq!(filed.status, 200, "{}", filed.body);
    assert!(filed.body["id"].as_i64().unwrap() > 0);
    assert_eq!(
        app.count_where("misuse_reports", "subject = 'sign-in'")
            .await,
        1
    );
    let bytes = app.database_bytes().await;
    let needle = "不是我登录的".as_bytes();
    assert!(!bytes.windows(needle.len()).any(|w| w == needle));
    let long = "字".repeat(501);
    let refused = app
        .post(
            &c,
            "/api/account/report",
            json!({"form": {"about": "other", "reference": "", "note": long}}),
        )
        .await;
    assert_eq!(field_key(&refused, "report"), "ReportTooLong");
    assert_eq!(app.count("misuse_reports").await, 1);
}

#[tokio::test]
async fn deleting_erases_the_account_and_the_number_can_sign_up_again() {
    let (app, c) = signed_up().await;
    save_profile(&app, &c, profile("王五", "", "", "")).await;
    let other = second_browser(&app).await;
    send(&app, &c, "/api/account/delete/code/send", json!({})).await;
    let code = app.last_code(PHONE, "delete").await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let refused = app
        .post(&c, "/api/account/delete", json!({"form": {"code": wrong}}))
        .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert_eq!(field_key(&refused, "code"), "CodeWrong");
    assert_eq!(
        app.get(&other, "/api/account").await.status,
        200,
        "nothing changed"
    );

    let done = app
        .post(&c, "/api/account/delete", json!({"form": {"code": code}}))
        .await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert_eq!(app.get(&c, "/api/account").await.status, 401);
    assert_eq!(app.get(&other, "/api/account").await.status, 401);
    assert_eq!(
        app.count_where("accounts", "deleted_at IS NOT NULL").await,
        1
    );
    assert_eq!(app.count("sessions").await, 0);
    assert_eq!(app.count("profiles").await, 0);
    assert_eq!(app.count("account_keys").await, 0);
    assert_eq!(app.count("known_browsers").await, 0);
    assert_eq!(
        app.count_where("sign_in_attempts", "account_id = 1").await,
        0
    );
    assert_eq!(
        app.count_where("consent_records", "account_id = 1").await,
        2,
        "kept as proof"
    );
    assert_eq!(
        app.count_where("audit_events", "action = 'account-erased'")
            .await,
        1
    );

    let fresh = client("en");
    let by_password = login(&app, &fresh, PHONE, PASSWORD).await;
    assert_eq!(by_password.status, 401);
    app.post(
        &fresh,
        "/api/login/code/send",
        json!({"form": {"phone": PHONE}}),
    )
    .await;
    let again = app.sign_up(&fresh, PHONE, json!({})).await;
    assert_eq!(again.status, 200, "{}", again.body);
    let me = app.get(&fresh, "/api/account").await;
    assert_eq!(me.body["masked_phone"], "138****8000");
    assert_eq!(me.body["profile"]["real_name"], "", "a fresh account");
    assert_eq!(app.count_where("accounts", "deleted_at IS NULL").await, 1);
}

#[tokio::test]
async fn a_deletion_racing_a_sign_in_leaves_the_account_deleted_and_nothing_half_done() {
    for round in 0..4 {
        let (app, c) = signed_up().await;
        send(&app, &c, "/api/account/delete/code/send", json!({})).await;
        let code = app.last_code(PHONE, "delete").await;
        let racer = client("en");
        let (deleted, signed_in) = tokio::join!(
            app.post(&c, "/api/account/delete", json!({"form": {"code": code}})),
            login(&app, &racer, PHONE, PASSWORD),
        );
        assert_eq!(deleted.status, 200, "round {round}: {}", deleted.body);
        assert!(
            matches!(signed_in.status, 200 | 401),
            "round {round}: {}",
            signed_in.body
        );
        // Whichever came first, the account ends deleted and the racer signed out.
        assert_eq!(
            app.count_where("accounts", "deleted_at IS NOT NULL").await,
            1
        );
        assert_eq!(
            app.get(&racer, "/api/account").await.status,
            401,
            "round {round}"
        );
        assert_eq!(
            app.count_where("sessions", "account_id = 1").await,
            0,
            "round {round}"
        );
        assert_eq!(
            app.count_where("sign_in_attempts", "account_id = 1").await,
            0,
            "round {round}: no history of a deleted account"
        );
    }
}

#[tokio::test]
async fn every_account_function_is_refused_without_a_session() {
    let app = spawn_app().await;
    let c = client("en");
    for path in [
        "/api/account/profile",
        "/api/account/marketing",
        "/api/account/password",
        "/api/account/phone/code/send",
        "/api/account/phone/new-code/send",
        "/api/account/phone",
        "/api/account/sessions/end",
        "/api/account/sessions/end-others",
        "/api/account/report",
        "/api/account/delete/code/send",
        "/api/account/delete",
    ] {
        let reply = app.post(&c, path, json!({})).await;
        assert_eq!(reply.status, 401, "{path}: {}", reply.body);
    }
    assert_eq!(app.get(&c, "/api/account/export").await.status, 401);
}

#[tokio::test]
async fn retention_deletes_old_history_codes_and_sessions_only() {
    let (app, c) = signed_up().await;
    let days = app.state.settings.retention_days;
    assert_eq!(days, 180, "the default");
    app.clock.advance(i64::from(days - 1) * 86_400);
    // A fresh sign-in just inside the period, from another browser.
    let recent = reqwest::Client::builder()
        .cookie_store(true)
        .user_agent("Another browser/1.0")
        .build()
        .unwrap();
    assert_eq!(login(&app, &recent, PHONE, PASSWORD).await.status, 200);
    app.clock.advance(2 * 86_400);
    let purged = gatehouse::server::retention::purge(&app.state.db, &app.clock, days)
        .await
        .unwrap();
    assert_eq!(purged.sign_ins, 1, "the sign-up's sign-in: {purged:?}");
    assert_eq!(purged.otp_rows, 1, "the sign-up's code");
    assert_eq!(
        purged.sessions, 1,
        "the sign-up's session, unseen for 181 days"
    );
    assert_eq!(purged.known_browsers, 1, "the sign-up's browser, likewise");
    assert_eq!(app.count("known_browsers").await, 1, "the recent one stays");
    assert_eq!(
        app.count("sign_in_attempts").await,
        1,
        "the recent one stays"
    );
    assert_eq!(app.count("otp_codes").await, 0);
    assert_eq!(app.count("consent_records").await, 2, "the ledger is kept");
    // A second run, as another instance would, finds nothing more.
    let again = gatehouse::server::retention::purge(&app.state.db, &app.clock, days)
        .await
        .unwrap();
    assert_eq!(again, Default::default());
    drop(c);
}

#[tokio::test]
async fn a_change_still_in_flight_when_the_account_is_erased_writes_nothing() {
    use gatehouse::account::service;
    use gatehouse::domain::{Password, PhoneNumber, Profile, RealName, SmsCode};
    use gatehouse::server::caller::Caller;
    use gatehouse::server::db::accounts;
    let (app, _c) = signed_up().await;
    let state = &app.state;
    // The account as a request read it before the erasure.
    let stale = {
        let mut conn = state.db.read().await.unwrap();
        accounts::by_id(&mut conn, accounts::AccountId(1))
            .await
            .unwrap()
            .unwrap()
    };
    let caller = Caller::system().as_account(stale.id);
    service::erase(state, &Caller::operator(), stale.id, "test")
        .await
        .unwrap();

    let profile = Profile {
        real_name: RealName::parse("赵六").unwrap(),
        ..Profile::default()
    };
    assert!(service::save_profile(state, &caller, stale.id, &profile)
        .await
        .is_err());
    assert!(service::set_marketing(state, &caller, stale.id, true)
        .await
        .is_err());
    let current = secrecy::SecretString::from(PASSWORD.to_owned());
    let new = Password::parse("newpass123").unwrap();
    let changed = service::change_password(
        state,
        &caller,
        &stale,
        current,
        new,
        b"x",
        gatehouse::i18n::Lang::En,
    )
    .await;
    assert!(changed.is_err(), "{changed:?}");
    let code = SmsCode::parse("123456").unwrap();
    let phone = PhoneNumber::parse(OTHER).unwrap();
    let change = gatehouse::account::form::PhoneChange {
        code: code.clone(),
        new_phone: phone,
        new_code: code,
    };
    let moved = service::change_phone(
        state,
        &caller,
        &stale,
        change,
        b"x",
        gatehouse::i18n::Lang::En,
    )
    .await;
    assert!(moved.is_err(), "{moved:?}");
    assert_eq!(app.count("profiles").await, 0);
    assert_eq!(app.count("account_keys").await, 0, "no key made again");
    assert_eq!(app.count_where("accounts", "password_hash = ''").await, 1);
    assert_eq!(
        app.count_where("consent_records", "document = 'marketing'")
            .await,
        0
    );
}
