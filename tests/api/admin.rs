//! The operator's admin area (docs/DESIGN.md §6, issue 13) through the real router:
//! the role and its fresh confirmation on every server function, the account
//! actions, invitation codes, documents, the run-time invitation mode, misuse
//! reports and the audit log.

use crate::common::*;
use gatehouse::domain::PhoneNumber;
use gatehouse::server::caller::Caller;
use serde_json::{json, Value};

const ADMIN: &str = "13700137000";
const USER: &str = "13800138000";
const PASSWORD: &str = "kqzv1234";

async fn login(app: &TestApp, c: &reqwest::Client, phone: &str) -> Reply {
    app.post(
        c,
        "/api/login/password",
        json!({"form": {"phone": phone, "password": PASSWORD}}),
    )
    .await
}

/// An app with an admin (ADMIN, granted as the operator does) and a user (USER,
/// signed in on the second client); the admin's client is signed in, not
/// confirmed.
async fn app_with_admin() -> (TestApp, reqwest::Client, reqwest::Client) {
    let app = spawn_app().await;
    let admin = client("en");
    assert_eq!(app.sign_up(&admin, ADMIN, json!({})).await.status, 200);
    let user = client("en");
    assert_eq!(app.sign_up(&user, USER, json!({})).await.status, 200);
    grant(&app, ADMIN).await;
    app.clock.advance(60);
    (app, admin, user)
}

async fn grant(app: &TestApp, phone: &str) {
    let phone = PhoneNumber::parse(phone).unwrap();
    gatehouse::admin::service::set_admin(&app.state, &Caller::operator(), &phone, true)
        .await
        .unwrap();
}

async fn confirm(app: &TestApp, admin: &reqwest::Client) {
    let reply = app
        .post(
            admin,
            "/api/admin/confirm/password",
            json!({"form": {"password": PASSWORD}}),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["confirmed_secs_left"], 900);
}

fn key(reply: &Reply) -> Value {
    error(reply)["key"].clone()
}

fn field_key(reply: &Reply, field: &str) -> Value {
    error(reply)["field_keys"][field].clone()
}

/// Every server function Dioxus registered under `/api/admin/`.
fn admin_functions() -> Vec<(String, &'static str)> {
    let mut found: Vec<(String, &'static str)> = dioxus::server::ServerFunction::collect()
        .into_iter()
        .filter(|f| f.path().starts_with("/api/admin/"))
        .map(|f| (f.method().to_string(), f.path()))
        .collect();
    found.sort();
    found.dedup();
    found
}

async fn call(app: &TestApp, c: &reqwest::Client, method: &str, path: &str) -> Reply {
    if method == "GET" {
        app.get(c, path).await
    } else {
        app.post(c, path, json!({})).await
    }
}

async fn refusals(app: &TestApp) -> i64 {
    app.count_where("audit_events", "action = 'admin-refused'")
        .await
}

#[tokio::test]
async fn every_admin_server_function_needs_the_role_and_a_fresh_confirmation() {
    let (app, admin, user) = app_with_admin().await;
    let functions = admin_functions();
    // The enumeration sees the area's functions (a broken one would pass vacuously).
    for known in [
        "/api/admin/confirm/password",
        "/api/admin/accounts/act",
        "/api/admin/documents/publish",
        "/api/admin/settings",
        "/api/admin/audit",
    ] {
        assert!(
            functions.iter().any(|(_, p)| *p == known),
            "{known} not among {functions:?}"
        );
    }
    let exempt = |path: &str| path.starts_with("/api/admin/confirm/");
    let visitor = client("en");
    let before = refusals(&app).await;
    for (method, path) in &functions {
        let reply = call(&app, &visitor, method, path).await;
        assert_eq!(reply.status, 401, "visitor {method} {path}: {}", reply.body);
        let reply = call(&app, &user, method, path).await;
        assert_eq!(reply.status, 403, "user {method} {path}: {}", reply.body);
        assert_eq!(key(&reply), "AdminRequired", "{path}");
        let reply = call(&app, &admin, method, path).await;
        if exempt(path) {
            assert_ne!(
                reply.status, 403,
                "unconfirmed admin {path}: {}",
                reply.body
            );
            assert_ne!(
                reply.status, 401,
                "unconfirmed admin {path}: {}",
                reply.body
            );
        } else {
            assert_eq!(
                reply.status, 403,
                "unconfirmed admin {path}: {}",
                reply.body
            );
            assert_eq!(key(&reply), "AdminConfirmRequired", "{path}");
        }
    }
    // Each refusal of a signed-in account is audited (the visitor's are not).
    let guarded = functions.iter().filter(|(_, p)| !exempt(p)).count() as i64;
    let refused = refusals(&app).await - before;
    assert_eq!(refused, functions.len() as i64 + guarded);
    let mut db = app.db().await;
    let (actor, subject): (String, Option<i64>) = sqlx::query_as(
        "SELECT actor_kind, subject_id FROM audit_events WHERE action = 'admin-refused' \
         AND details LIKE '%confirmation-required%' ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(&mut db)
    .await
    .unwrap();
    assert_eq!((actor.as_str(), subject), ("admin", None));
    // A path nothing answers is refused too, and its row names no text of the
    // caller's choosing (the log is append-only).
    let probe = app.get(&user, "/api/admin/13912345678-zhang").await;
    assert_eq!(probe.status, 403, "{}", probe.body);
    let details: String = sqlx::query_scalar(
        "SELECT details FROM audit_events WHERE action = 'admin-refused' ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(&mut db)
    .await
    .unwrap();
    assert!(details.contains("unregistered"), "{details}");
    assert!(!details.contains("13912345678"), "{details}");

    // Confirmed, the admin gets past the guard everywhere...
    confirm(&app, &admin).await;
    for (method, path) in &functions {
        let reply = call(&app, &admin, method, path).await;
        assert!(
            reply.status != 401 && reply.status != 403,
            "confirmed admin {method} {path}: {} {}",
            reply.status,
            reply.body
        );
    }
    // ...for 15 minutes.
    app.clock.advance(15 * 60);
    let reply = app.get(&admin, "/api/admin/settings").await;
    assert_eq!(reply.status, 403, "{}", reply.body);
    assert_eq!(key(&reply), "AdminConfirmRequired");
    let status = app.get(&admin, "/api/admin/confirm/status").await;
    assert_eq!(status.body["confirmed_secs_left"], 0);
    assert_eq!(status.body["masked_phone"], "137****7000");
    // A revoked admin is an account like any other.
    let phone = PhoneNumber::parse(ADMIN).unwrap();
    gatehouse::admin::service::set_admin(&app.state, &Caller::operator(), &phone, false)
        .await
        .unwrap();
    confirm_refused(&app, &admin).await;
}

async fn confirm_refused(app: &TestApp, admin: &reqwest::Client) {
    let reply = app
        .post(
            admin,
            "/api/admin/confirm/password",
            json!({"form": {"password": PASSWORD}}),
        )
        .await;
    assert_eq!(reply.status, 403, "{}", reply.body);
    assert_eq!(key(&reply), "AdminRequired");
}

#[tokio::test]
async fn the_confirmation_takes_the_password_or_an_sms_code_and_renews_the_session() {
    let (app, admin, _) = app_with_admin().await;
    let wrong = app
        .post(
            &admin,
            "/api/admin/confirm/password",
            json!({"form": {"password": "wrong-one1"}}),
        )
        .await;
    assert_eq!(wrong.status, 422, "{}", wrong.body);
    assert_eq!(field_key(&wrong, "password"), "CurrentPasswordWrong");
    let empty = app
        .post(
            &admin,
            "/api/admin/confirm/password",
            json!({"form": {"password": ""}}),
        )
        .await;
    assert_eq!(field_key(&empty, "password"), "PasswordEmpty");
    assert_eq!(
        app.get(&admin, "/api/admin/settings").await.status,
        403,
        "a wrong password confirms nothing"
    );
    // By SMS: a code of its own purpose, to the admin's own number.
    let sent = app
        .post(&admin, "/api/admin/confirm/code/send", json!({}))
        .await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    let code = app.last_code(ADMIN, "admin-confirm").await;
    let before = admin_cookie(&app, &admin).await;
    let ok = app
        .post(
            &admin,
            "/api/admin/confirm/code",
            json!({"form": {"code": code}}),
        )
        .await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    let cookie = ok.set_cookie.expect("a new session id on confirmation");
    assert!(!cookie.contains(&before), "the session id changed");
    assert_eq!(app.get(&admin, "/api/admin/settings").await.status, 200);
    // The code is spent.
    let again = app
        .post(
            &admin,
            "/api/admin/confirm/code",
            json!({"form": {"code": code}}),
        )
        .await;
    assert_eq!(again.status, 422, "{}", again.body);
    let mut db = app.db().await;
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT result, details FROM audit_events WHERE action = 'admin-confirmed' ORDER BY id",
    )
    .fetch_all(&mut db)
    .await
    .unwrap();
    let results: Vec<&str> = rows.iter().map(|(r, _)| r.as_str()).collect();
    assert_eq!(results, ["refused", "success", "refused"], "{rows:?}");
    // Another admin signing in on this confirmed browser starts unconfirmed.
    grant(&app, USER).await;
    assert_eq!(login(&app, &admin, USER).await.status, 200);
    let other = app.get(&admin, "/api/admin/settings").await;
    assert_eq!(other.status, 403, "{}", other.body);
    assert_eq!(key(&other), "AdminConfirmRequired");
}

/// The session cookie's value the client holds now.
async fn admin_cookie(app: &TestApp, c: &reqwest::Client) -> String {
    // Any answer that sets nothing leaves the cookie; read it from a fresh sign-in.
    let reply = login(app, c, ADMIN).await;
    let cookie = reply.set_cookie.unwrap_or_default();
    cookie
        .split(';')
        .next()
        .unwrap_or_default()
        .trim_start_matches("gatehouse_session=")
        .to_owned()
}

async fn act(
    app: &TestApp,
    admin: &reqwest::Client,
    account: i64,
    action: &str,
    reason: &str,
) -> Reply {
    app.post(
        admin,
        "/api/admin/accounts/act",
        json!({"form": {"account": account, "action": action, "reason": reason}}),
    )
    .await
}

async fn find(app: &TestApp, admin: &reqwest::Client, phone: &str) -> Reply {
    app.post(
        admin,
        "/api/admin/accounts/find",
        json!({"form": {"phone": phone}}),
    )
    .await
}

#[tokio::test]
async fn an_admin_finds_suspends_reinstates_and_cancels_an_account() {
    let (app, admin, user) = app_with_admin().await;
    confirm(&app, &admin).await;
    // Exact numbers only, through the blind index.
    let unknown = find(&app, &admin, "13900139000").await;
    assert_eq!(unknown.status, 404, "{}", unknown.body);
    assert_eq!(field_key(&unknown, "phone"), "AccountNotFound");
    let partial = find(&app, &admin, "138").await;
    assert_eq!(partial.status, 422);
    let found = find(&app, &admin, USER).await;
    assert_eq!(found.status, 200, "{}", found.body);
    let id = found.body["id"].as_i64().unwrap();

    let view = app
        .post(
            &admin,
            "/api/admin/accounts/view",
            json!({"account": {"id": id}}),
        )
        .await;
    assert_eq!(view.status, 200, "{}", view.body);
    assert_eq!(view.body["masked_phone"], "138****8000");
    assert_eq!(view.body["status"], "active");
    assert_eq!(view.body["sessions"].as_array().unwrap().len(), 1);
    assert!(!view.body["consents"].as_array().unwrap().is_empty());
    let actions: Vec<&str> = view.body["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(
        actions.contains(&"sign-up") && actions.contains(&"account-looked-up"),
        "{actions:?}"
    );
    assert!(!view.body.to_string().contains(USER), "no full number");

    // No reason, no change.
    for reason in ["", "   "] {
        let refused = act(&app, &admin, id, "suspend", reason).await;
        assert_eq!(refused.status, 422, "{}", refused.body);
        assert_eq!(field_key(&refused, "reason"), "ReasonEmpty");
    }
    assert_eq!(app.get(&user, "/api/account").await.status, 200);

    let suspended = act(&app, &admin, id, "suspend", "spam complaint 2026-118").await;
    assert_eq!(suspended.status, 200, "{}", suspended.body);
    assert_eq!(suspended.body["status"], "suspended");
    assert!(suspended.body["sessions"].as_array().unwrap().is_empty());
    // The user's open browser is signed out; a sign-in is refused with the hotline.
    assert_eq!(app.get(&user, "/api/account").await.status, 401);
    let refused = login(&app, &user, USER).await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert_eq!(key(&refused), "AccountSuspended");
    let message = error(&refused)["message"].as_str().unwrap();
    assert!(message.contains("400-800-8888"), "{message}");
    // Someone without the password learns nothing more than a wrong password.
    let guess = app
        .post(
            &client("en"),
            "/api/login/password",
            json!({"form": {"phone": USER, "password": "guess12345"}}),
        )
        .await;
    assert_eq!(guess.status, 401);
    assert_eq!(key(&guess), "LoginFailed");

    let reinstated = act(&app, &admin, id, "reinstate", "appeal accepted").await;
    assert_eq!(reinstated.body["status"], "active", "{}", reinstated.body);
    assert_eq!(login(&app, &user, USER).await.status, 200);
    let ended = act(&app, &admin, id, "end-sessions", "lost phone").await;
    assert_eq!(ended.status, 200, "{}", ended.body);
    assert_eq!(app.get(&user, "/api/account").await.status, 401);

    let cancelled = act(&app, &admin, id, "cancel", "court order 42").await;
    assert_eq!(cancelled.status, 200, "{}", cancelled.body);
    assert_eq!(cancelled.body["status"], "deleted");
    assert_eq!(cancelled.body["masked_phone"], "");
    assert_eq!(find(&app, &admin, USER).await.status, 404);
    let again = act(&app, &admin, id, "suspend", "too late").await;
    assert_eq!(again.status, 409, "{}", again.body);
    assert_eq!(key(&again), "AccountIsDeleted");
    let missing = act(&app, &admin, 9999, "suspend", "nobody").await;
    assert_eq!(missing.status, 404);
    // The number can sign up again, as after a self-deletion.
    assert_eq!(
        app.sign_up(&client("en"), USER, json!({})).await.status,
        200
    );

    // Every step is the admin's in the audit log, with its reason, and so is every
    // refused attempt (the reason's key, never the text typed).
    let mut db = app.db().await;
    let rows: Vec<(String, String, String, Option<i64>, String)> = sqlx::query_as(
        "SELECT action, result, actor_kind, actor_id, details FROM audit_events \
         WHERE subject_id = $1 AND actor_kind = 'admin' ORDER BY id",
    )
    .bind(id)
    .fetch_all(&mut db)
    .await
    .unwrap();
    let actions: Vec<String> = rows.iter().map(|r| format!("{} {}", r.0, r.1)).collect();
    assert_eq!(
        actions,
        [
            "account-looked-up success",
            "account-viewed success",
            "account-suspended refused",
            "account-suspended refused",
            "account-suspended success",
            "sessions-ended success",
            "account-reinstated success",
            "sessions-ended success",
            "account-erased success",
            "account-suspended refused",
        ],
        "{rows:?}"
    );
    assert!(rows.iter().all(|r| r.3 == Some(1)), "actor is the admin");
    assert!(
        rows[2].4.contains(r#""reason":"ReasonEmpty""#),
        "{}",
        rows[2].4
    );
    assert!(rows[4].4.contains("spam complaint 2026-118"));
    assert!(rows[8].4.contains("court order 42"));
    assert!(rows[9].4.contains("AccountIsDeleted"), "{}", rows[9].4);
    // The unknown id's refusal is about no account.
    let unknown: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_events WHERE action = 'account-suspended' \
         AND result = 'refused' AND subject_id IS NULL AND details LIKE '%AccountNotFound%'",
    )
    .fetch_one(&mut db)
    .await
    .unwrap();
    assert_eq!(unknown, 1);
}

async fn create_code(
    app: &TestApp,
    admin: &reqwest::Client,
    quota: &str,
    expires: &str,
    note: &str,
) -> Reply {
    app.post(
        admin,
        "/api/admin/invitations/create",
        json!({"form": {"quota": quota, "expires": expires, "note": note}}),
    )
    .await
}

#[tokio::test]
async fn invitation_codes_are_created_listed_traced_and_withdrawn() {
    let (app, admin, _) = app_with_admin().await;
    confirm(&app, &admin).await;
    let invitations = app.count("invitation_codes").await;
    let zero = create_code(&app, &admin, "0", "2026-12-31", "").await;
    assert_eq!(zero.status, 422);
    assert_eq!(field_key(&zero, "quota"), "QuotaInvalid");
    // The test clock stands at 2026-11-29.
    let past = create_code(&app, &admin, "3", "2026-11-28", "").await;
    assert_eq!(past.status, 422, "{}", past.body);
    assert_eq!(field_key(&past, "expiry"), "ExpiryPast");
    let unreadable = create_code(&app, &admin, "3", "next week", "").await;
    assert_eq!(field_key(&unreadable, "expiry"), "ExpiryInvalid");
    assert_eq!(
        app.count("invitation_codes").await,
        invitations,
        "nothing created"
    );

    let created = create_code(&app, &admin, "2", "2026-12-31", "partner launch").await;
    assert_eq!(created.status, 200, "{}", created.body);
    let row = created.body[0].clone();
    let code = row["code"].as_str().unwrap().to_owned();
    assert_eq!(
        (row["quota"].clone(), row["left"].clone()),
        (json!(2), json!(2))
    );
    assert_eq!(row["note"], "partner launch");
    assert_eq!(row["expires_at"], "2026-12-31 23:59:59");
    let mut db = app.db().await;
    let stored: Option<Vec<u8>> =
        sqlx::query_scalar("SELECT note FROM invitation_codes WHERE code = $1")
            .bind(&code)
            .fetch_one(&mut db)
            .await
            .unwrap();
    let stored = stored.expect("a note");
    assert!(
        !String::from_utf8_lossy(&stored).contains("partner"),
        "encrypted"
    );

    let c = client("en");
    let signed = app
        .sign_up(
            &c,
            "13900139000",
            json!({"invitation": code.to_lowercase()}),
        )
        .await;
    assert_eq!(signed.status, 200, "{}", signed.body);
    let listed = app.get(&admin, "/api/admin/invitations").await;
    let row = listed
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["code"] == code.as_str())
        .unwrap()
        .clone();
    assert_eq!(
        (row["used"].clone(), row["left"].clone()),
        (json!(1), json!(1))
    );
    let uses = app
        .post(
            &admin,
            "/api/admin/invitations/uses",
            json!({"invitation": {"code": code}}),
        )
        .await;
    assert_eq!(uses.status, 200, "{}", uses.body);
    assert_eq!(uses.body[0]["masked_phone"], "139****9000");

    let withdrawn = app
        .post(
            &admin,
            "/api/admin/invitations/withdraw",
            json!({"invitation": {"code": code}}),
        )
        .await;
    assert_eq!(withdrawn.status, 200, "{}", withdrawn.body);
    let row = withdrawn
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["code"] == code.as_str())
        .unwrap()
        .clone();
    assert_eq!(
        (row["active"].clone(), row["left"].clone()),
        (json!(false), json!(0))
    );
    let refused = app
        .sign_up(&client("en"), "13600136000", json!({"invitation": code}))
        .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert_eq!(field_key(&refused, "invitation"), "InvitationIncorrect");
    let twice = app
        .post(
            &admin,
            "/api/admin/invitations/withdraw",
            json!({"invitation": {"code": code}}),
        )
        .await;
    assert_eq!(twice.status, 404);
    assert_eq!(key(&twice), "InvitationNotFound");
    let actions: Vec<String> = sqlx::query_scalar(
        "SELECT action || ' ' || result FROM audit_events WHERE actor_kind = 'admin' \
         AND action LIKE 'invitation-%' ORDER BY id",
    )
    .fetch_all(&mut db)
    .await
    .unwrap();
    // The refused attempts are there too: quota, expiry, then withdrawing twice.
    assert_eq!(
        actions,
        [
            "invitation-created refused",
            "invitation-created refused",
            "invitation-created refused",
            "invitation-created success",
            "invitation-withdrawn success",
            "invitation-withdrawn refused",
        ]
    );
}

fn publication(effective: &str, material: bool) -> Value {
    json!({
        "kind": "privacy",
        "zh": "# 隐私政策（第二版）\n\n我们是 {company}。*强调*\n\n<script>alert(1)</script>",
        "en": "# Privacy Policy (v2)\n\nWe are {company}. Call {hotline}.",
        "effective": effective,
        "material": material,
        "summary_zh": "新增第 5 条",
        "summary_en": "Adds section 5",
    })
}

#[tokio::test]
async fn documents_are_previewed_and_published_with_the_refusals_of_the_command_line() {
    let (app, admin, user) = app_with_admin().await;
    confirm(&app, &admin).await;
    let preview = app
        .post(
            &admin,
            "/api/admin/documents/preview",
            json!({"form": publication("2026-11-29", true)}),
        )
        .await;
    assert_eq!(preview.status, 200, "{}", preview.body);
    let docs = preview.body["documents"].as_array().unwrap();
    assert_eq!(docs[0]["title"], "隐私政策（第二版）");
    assert_eq!(docs[0]["entry"]["version"], 2);
    let html = docs[0]["html"].as_str().unwrap();
    assert!(html.contains("<em>强调</em>"), "{html}");
    assert!(!html.contains("<script"), "{html}");
    assert!(docs[1]["html"].as_str().unwrap().contains("400-800-8888"));
    assert_eq!(
        app.count("document_versions").await,
        2,
        "a preview writes nothing"
    );

    let versions = app.count("document_versions").await;
    let mut past = publication("2026-11-28", true);
    let past_reply = app
        .post(
            &admin,
            "/api/admin/documents/publish",
            json!({ "form": past.take() }),
        )
        .await;
    assert_eq!(past_reply.status, 422);
    assert_eq!(field_key(&past_reply, "effective"), "EffectivePast");
    let mut untitled = publication("2026-12-01", false);
    untitled["en"] = json!("Privacy Policy without its title line");
    let reply = app
        .post(
            &admin,
            "/api/admin/documents/publish",
            json!({ "form": untitled }),
        )
        .await;
    assert_eq!(field_key(&reply, "text-en"), "DocumentTitleMissing");
    // A text over 128 KiB is the field's error; a body over 512 KiB is refused whole.
    let mut long = publication("2026-12-01", false);
    long["zh"] = json!(format!("# 标题\n{}", "字".repeat(50_000)));
    let reply = app
        .post(
            &admin,
            "/api/admin/documents/publish",
            json!({ "form": long }),
        )
        .await;
    assert_eq!(reply.status, 422, "{}", reply.body);
    assert_eq!(field_key(&reply, "text-zh"), "DocumentTooLong");
    let mut huge = publication("2026-12-01", false);
    huge["zh"] = json!(format!("# 标题\n{}", "字".repeat(200_000)));
    let reply = app
        .post(
            &admin,
            "/api/admin/documents/publish",
            json!({ "form": huge }),
        )
        .await;
    assert_eq!(reply.status, 413, "{}", reply.body);
    assert_eq!(key(&reply), "BodyTooLarge");
    // Other server functions keep the 64 KiB limit.
    let big_reason = "x".repeat(70 * 1024);
    assert_eq!(
        act(&app, &admin, 2, "suspend", &big_reason).await.status,
        413
    );
    assert_eq!(
        app.count("document_versions").await,
        versions,
        "nothing published"
    );

    let published = app
        .post(
            &admin,
            "/api/admin/documents/publish",
            json!({"form": publication("2026-11-29", true)}),
        )
        .await;
    assert_eq!(published.status, 200, "{}", published.body);
    assert_eq!(published.body, json!({"kind": "privacy", "version": 2}));
    // The signed-in user now meets "Agree and Continue".
    let due = app.get(&user, "/api/account").await;
    assert_eq!(due.status, 403, "{}", due.body);
    assert_eq!(key(&due), "ReconsentRequired");
    let mut db = app.db().await;
    let (actor, details): (String, String) = sqlx::query_as(
        "SELECT actor_kind, details FROM audit_events WHERE action = 'document-published' \
         ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(&mut db)
    .await
    .unwrap();
    assert_eq!(actor, "admin");
    assert!(details.contains("\"version\":2"), "{details}");
    // The admin too, before the admin area opens again.
    let refused = app.get(&admin, "/api/admin/settings").await;
    assert_eq!(key(&refused), "ReconsentRequired");
    let (actor, details): (String, String) = sqlx::query_as(
        "SELECT actor_kind, details FROM audit_events WHERE action = 'admin-refused' \
         ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(&mut db)
    .await
    .unwrap();
    assert_eq!(actor, "admin");
    assert!(details.contains("documents-due"), "{details}");
    let accepted = app
        .post(
            &admin,
            "/api/consent",
            json!({"accepted": [["privacy", 2]]}),
        )
        .await;
    assert_eq!(accepted.status, 200, "{}", accepted.body);
    // The next preview is numbered after it.
    let next = app
        .post(
            &admin,
            "/api/admin/documents/preview",
            json!({"form": publication("2026-12-01", false)}),
        )
        .await;
    assert_eq!(next.status, 200, "{}", next.body);
    assert_eq!(next.body["documents"][1]["entry"]["version"], 3);
    assert_eq!(next.body["documents"][1]["entry"]["status"], "Upcoming");
}

#[tokio::test]
async fn the_invitation_mode_changes_at_run_time_on_every_instance() {
    let (app, admin, _) = app_with_admin().await;
    let other = app.second_instance().await;
    confirm(&app, &admin).await;
    let visitor = client("en");
    let page = |app: &TestApp| {
        let base = app.base.clone();
        async move {
            reqwest::get(format!("{base}/register"))
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        }
    };
    assert!(
        page(&app).await.contains("id=\"invitation\""),
        "optional by default"
    );
    let status = other.get(&visitor, "/api/register/status").await;
    assert_eq!(status.body["invitation_mode"], "optional");

    let saved = app
        .post(
            &admin,
            "/api/admin/settings",
            json!({"form": {"invitation_mode": "off"}}),
        )
        .await;
    assert_eq!(saved.status, 200, "{}", saved.body);
    assert_eq!(
        app.get(&admin, "/api/admin/settings").await.body["invitation_mode"],
        "off"
    );
    // This instance's cached page is dropped at once; the other reads the stored mode.
    assert!(!page(&app).await.contains("id=\"invitation\""));
    let status = other.get(&visitor, "/api/register/status").await;
    assert_eq!(status.body["invitation_mode"], "off");

    // A sign-up made under the mode the page showed before is refused, nothing used.
    let codes = app.count("otp_codes").await;
    assert_eq!(app.count("accounts").await, 2);
    let sent = other.send_code(&visitor, "13600136000").await;
    assert_eq!(sent.status, 200);
    let code = other.last_code("13600136000", "register").await;
    let stale = other
        .register(
            &visitor,
            good_form("13600136000", &code, json!({"invitation_mode": "optional"})),
        )
        .await;
    assert_eq!(stale.status, 409, "{}", stale.body);
    assert_eq!(key(&stale), "InvitationModeChanged");
    assert_eq!(app.count("otp_codes").await, codes + 1);
    assert_eq!(app.count("accounts").await, 2, "no account made");
    let fresh = other
        .register(
            &visitor,
            good_form("13600136000", &code, json!({"invitation_mode": "off"})),
        )
        .await;
    assert_eq!(
        fresh.status, 200,
        "the same code still works: {}",
        fresh.body
    );

    // Required: a sign-up without a code is refused on its field.
    app.post(
        &admin,
        "/api/admin/settings",
        json!({"form": {"invitation_mode": "required"}}),
    )
    .await;
    let c = client("en");
    let refused = app.sign_up(&c, "13500135000", json!({})).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert_eq!(field_key(&refused, "invitation"), "InvitationIncorrect");
    let mut db = app.db().await;
    let details: Vec<String> = sqlx::query_scalar(
        "SELECT details FROM audit_events WHERE action = 'setting-changed' ORDER BY id",
    )
    .fetch_all(&mut db)
    .await
    .unwrap();
    assert_eq!(details.len(), 2);
    assert!(details[0].contains("\"from\":\"optional\"") && details[0].contains("\"to\":\"off\""));
}

#[tokio::test]
async fn misuse_reports_are_listed_with_their_account_and_handled_once() {
    let (app, admin, user) = app_with_admin().await;
    confirm(&app, &admin).await;
    let filed = app
        .post(
            &user,
            "/api/account/report",
            json!({"form": {"about": "other", "reference": "", "note": "a sign-in at 3 am"}}),
        )
        .await;
    assert_eq!(filed.status, 200, "{}", filed.body);
    let id = filed.body["id"].as_i64().unwrap();
    let listed = app.get(&admin, "/api/admin/reports").await;
    assert_eq!(listed.status, 200, "{}", listed.body);
    assert_eq!(listed.body[0]["id"], id);
    assert_eq!(listed.body[0]["account_id"], 2);
    assert_eq!(listed.body[0]["note"], "a sign-in at 3 am");
    assert!(listed.body[0]["handled_at"].is_null());
    let handled = app
        .post(
            &admin,
            "/api/admin/reports/handled",
            json!({"report": {"id": id}}),
        )
        .await;
    assert_eq!(handled.status, 200, "{}", handled.body);
    assert!(handled.body[0]["handled_at"].is_string());
    let twice = app
        .post(
            &admin,
            "/api/admin/reports/handled",
            json!({"report": {"id": id}}),
        )
        .await;
    assert_eq!(twice.status, 404);
    assert_eq!(key(&twice), "ReportNotFound");
}

async fn audit(app: &TestApp, admin: &reqwest::Client, query: Value) -> Reply {
    let mut q = json!({"account": "", "action": "", "actor": "", "from": "", "to": ""});
    for (k, v) in query.as_object().unwrap() {
        q[k] = v.clone();
    }
    app.post(admin, "/api/admin/audit", json!({ "query": q }))
        .await
}

#[tokio::test]
async fn the_audit_log_is_filtered_paged_and_its_chain_verified() {
    let (app, admin, _) = app_with_admin().await;
    confirm(&app, &admin).await;
    for n in 0..3 {
        act(&app, &admin, 2, "end-sessions", &format!("round {n}")).await;
    }
    let all = audit(&app, &admin, json!({})).await;
    assert_eq!(all.status, 200, "{}", all.body);
    let ids: Vec<i64> = all.body["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "newest first");
    assert!(all.body["actions"]
        .as_array()
        .unwrap()
        .contains(&json!("admin-refused")));

    let by_admin = audit(
        &app,
        &admin,
        json!({"actor": "admin", "action": "sessions-ended"}),
    )
    .await;
    let rows = by_admin.body["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 3, "{}", by_admin.body);
    assert!(rows
        .iter()
        .all(|r| r["actor"] == "admin" && r["subject_id"] == 2));
    let by_account = audit(&app, &admin, json!({"account": "2", "action": "sign-up"})).await;
    assert_eq!(by_account.body["rows"].as_array().unwrap().len(), 1);
    let by_id = audit(
        &app,
        &admin,
        json!({"actor": "1", "action": "admin-confirmed"}),
    )
    .await;
    assert_eq!(by_id.body["rows"].as_array().unwrap().len(), 1);
    // Days in China Standard Time: the test clock's day, and none after it.
    let today = audit(
        &app,
        &admin,
        json!({"from": "2026-11-29", "to": "2026-11-29"}),
    )
    .await;
    assert_eq!(today.body["rows"].as_array().unwrap().len(), ids.len());
    let later = audit(&app, &admin, json!({"from": "2026-11-30"})).await;
    assert!(later.body["rows"].as_array().unwrap().is_empty());

    // Pages of 50: make more than one.
    for n in 0..50 {
        act(&app, &admin, 2, "end-sessions", &format!("page {n}")).await;
    }
    let first = audit(&app, &admin, json!({"action": "sessions-ended"})).await;
    assert_eq!(first.body["rows"].as_array().unwrap().len(), 50);
    let older = first.body["older"].as_i64().expect("an older page");
    let second = audit(
        &app,
        &admin,
        json!({"action": "sessions-ended", "before": older}),
    )
    .await;
    let rest = second.body["rows"].as_array().unwrap();
    assert_eq!(rest.len(), 3, "{}", second.body);
    assert!(rest.iter().all(|r| r["id"].as_i64().unwrap() < older));
    assert!(second.body["older"].is_null());

    let bad = audit(
        &app,
        &admin,
        json!({"account": "two", "from": "2026-02-30", "action": "1; DROP"}),
    )
    .await;
    assert_eq!(bad.status, 422);
    assert_eq!(field_key(&bad, "account"), "AccountIdInvalid");
    assert_eq!(field_key(&bad, "from"), "DateInvalid");
    assert_eq!(field_key(&bad, "action"), "ActionUnknown");

    let chain = app.post(&admin, "/api/admin/audit/verify", json!({})).await;
    assert_eq!(chain.status, 200, "{}", chain.body);
    assert!(chain.body["broken"].is_null());
    assert!(chain.body["sealed"].as_u64().unwrap() > 50);
}

#[tokio::test]
async fn granting_needs_an_account_and_is_audited_as_the_operator() {
    let (app, _, _) = app_with_admin().await;
    let nobody = PhoneNumber::parse("13900139000").unwrap();
    let refused =
        gatehouse::admin::service::set_admin(&app.state, &Caller::operator(), &nobody, true).await;
    assert!(refused.is_err());
    let mut db = app.db().await;
    let (actor, subject): (String, i64) = sqlx::query_as(
        "SELECT actor_kind, subject_id FROM audit_events WHERE action = 'admin-granted'",
    )
    .fetch_one(&mut db)
    .await
    .unwrap();
    assert_eq!((actor.as_str(), subject), ("operator", 1));
}

/// Each confirmation gives the session a new id, but not a new life: the absolute
/// timeout (12 hours) still counts from the sign-in.
#[tokio::test]
async fn confirming_again_and_again_does_not_stretch_the_session_past_12_hours() {
    let (app, admin, _) = app_with_admin().await;
    let mut confirmations = 0;
    let status = loop {
        app.clock.advance(20 * 60);
        let reply = app
            .post(
                &admin,
                "/api/admin/confirm/password",
                json!({"form": {"password": PASSWORD}}),
            )
            .await;
        if reply.status != 200 || confirmations == 40 {
            break reply.status;
        }
        confirmations += 1;
    };
    assert_eq!(status, 401, "ended by the absolute timeout");
    // Signed up 60 s before the first step: the 36th step (12 h 1 min) is past it.
    assert_eq!(confirmations, 35);
}

/// Two cancellations of one account at once: one erases it, the other is told the
/// account is deleted (409), and the log holds one erasure.
#[tokio::test]
async fn two_cancellations_at_once_erase_once_and_the_second_is_told() {
    let (app, admin, _) = app_with_admin().await;
    confirm(&app, &admin).await;
    let id = find(&app, &admin, USER).await.body["id"].as_i64().unwrap();
    let (a, b) = tokio::join!(
        act(&app, &admin, id, "cancel", "duplicate report A"),
        act(&app, &admin, id, "cancel", "duplicate report B"),
    );
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(statuses, [200, 409], "{} / {}", a.body, b.body);
    assert_eq!(
        app.count_where(
            "audit_events",
            "action = 'account-erased' AND result = 'success'"
        )
        .await,
        1
    );
}

fn client_form(name: &str, redirect: &str, logout: &str, public: bool) -> Value {
    json!({"form": {
        "name": name,
        "redirect_uris": redirect,
        "post_logout_redirect_uris": logout,
        "public": public,
        "first_party": true,
    }})
}

/// OpenID Connect clients from the admin area (issue 15, docs/DESIGN.md §6, §11):
/// only a confirmed admin registers one; the fields are refused by the shared
/// `validate()` and then by the server's rule for addresses, each on its field;
/// a confidential client's secret is in the answer once, stored only as a hash
/// that the token endpoint's check accepts; the list never holds it; revoking
/// works once; every step is in the audit log with the admin as actor.
#[tokio::test]
async fn an_admin_registers_lists_and_revokes_oidc_clients() {
    use gatehouse::oidc::service::{authenticate, ClientCredentials};
    let (app, admin, user) = app_with_admin().await;
    let good = client_form(
        "Console",
        "https://console.example.com/cb\n\nhttp://127.0.0.1:8080/cb\n",
        "https://console.example.com/",
        false,
    );
    for (method, path) in [
        ("GET", "/api/admin/oidc/clients"),
        ("POST", "/api/admin/oidc/clients/add"),
        ("POST", "/api/admin/oidc/clients/revoke"),
    ] {
        let reply = if method == "GET" {
            app.get(&user, path).await
        } else {
            app.post(&user, path, good.clone()).await
        };
        assert_eq!(reply.status, 403, "user {path}: {}", reply.body);
        assert_eq!(key(&reply), "AdminRequired", "{path}");
    }
    let unconfirmed = app
        .post(&admin, "/api/admin/oidc/clients/add", good.clone())
        .await;
    assert_eq!(unconfirmed.status, 403);
    assert_eq!(key(&unconfirmed), "AdminConfirmRequired");
    assert_eq!(app.count("oidc_clients").await, 0);

    confirm(&app, &admin).await;
    let admin_id = find(&app, &admin, ADMIN).await.body["id"].as_i64().unwrap();
    let add = |form: Value| {
        let (app, admin) = (&app, &admin);
        async move { app.post(admin, "/api/admin/oidc/clients/add", form).await }
    };
    let bad = add(client_form(" ", "console.example.com/cb", "logout", false)).await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert_eq!(field_key(&bad, "client-name"), "ClientNameInvalid");
    assert_eq!(field_key(&bad, "redirect-uris"), "RedirectUriInvalid");
    assert_eq!(field_key(&bad, "post-logout-uris"), "RedirectUriInvalid");
    let none = add(client_form("Console", "\n \n", "", false)).await;
    assert_eq!(field_key(&none, "redirect-uris"), "RedirectUrisEmpty");
    // Past `validate()`, the server's own rule: no fragment, on the field at fault.
    let fragment = add(client_form(
        "Console",
        "https://console.example.com/cb#x",
        "",
        false,
    ))
    .await;
    assert_eq!(fragment.status, 422, "{}", fragment.body);
    assert_eq!(field_key(&fragment, "redirect-uris"), "RedirectUriRefused");
    assert!(error(&fragment)["fields"]["redirect-uris"]
        .as_str()
        .unwrap()
        .contains("https://"));
    let fragment = add(client_form(
        "Console",
        "https://console.example.com/cb",
        "https://console.example.com/#bye",
        false,
    ))
    .await;
    assert_eq!(
        field_key(&fragment, "post-logout-uris"),
        "RedirectUriRefused"
    );
    assert_eq!(app.count("oidc_clients").await, 0, "nothing registered");

    let created = add(good).await;
    assert_eq!(created.status, 200, "{}", created.body);
    let client_id = created.body["client_id"].as_str().unwrap().to_owned();
    let secret = created.body["client_secret"].as_str().unwrap().to_owned();
    assert_eq!(secret.len(), 43, "256 bits, base64url");
    app.clock.advance(1);
    let public = add(client_form("Mobile", "https://m.example.com/cb", "", true)).await;
    assert_eq!(public.status, 200, "{}", public.body);
    assert!(public.body["client_secret"].is_null());

    // The list: newest first, everything but the secret.
    let listed = app.get(&admin, "/api/admin/oidc/clients").await;
    assert_eq!(listed.status, 200, "{}", listed.body);
    assert!(!listed.body.to_string().contains(&secret));
    let rows = listed.body.as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["name"], "Mobile");
    let row = &rows[1];
    assert_eq!(row["client_id"], client_id.as_str());
    assert_eq!(row["name"], "Console");
    assert_eq!(
        row["redirect_uris"],
        json!(["https://console.example.com/cb", "http://127.0.0.1:8080/cb"])
    );
    assert_eq!(
        row["post_logout_redirect_uris"],
        json!(["https://console.example.com/"])
    );
    assert_eq!(
        (
            row["public"].clone(),
            row["first_party"].clone(),
            row["revoked"].clone()
        ),
        (json!(false), json!(true), json!(false))
    );
    assert!(row
        .as_object()
        .unwrap()
        .keys()
        .all(|k| !k.contains("secret")));

    // Stored as a hash only, which the token endpoint's check accepts.
    let mut db = app.db().await;
    let stored: Vec<u8> =
        sqlx::query_scalar("SELECT secret_hash FROM oidc_clients WHERE client_id = $1")
            .bind(&client_id)
            .fetch_one(&mut db)
            .await
            .unwrap();
    assert!(!String::from_utf8_lossy(&stored).contains(&secret));
    let with = |secret: &str| ClientCredentials {
        client_id: client_id.clone(),
        secret: Some(secret.to_owned()),
    };
    assert!(authenticate(&app.state, &with(&secret)).await.is_ok());
    assert!(authenticate(&app.state, &with("wrong")).await.is_err());

    // Revoked once: its secret stops working; a second time is 404.
    let revoked = app
        .post(
            &admin,
            "/api/admin/oidc/clients/revoke",
            json!({"client_id": client_id}),
        )
        .await;
    assert_eq!(revoked.status, 200, "{}", revoked.body);
    let row = revoked
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["client_id"] == client_id.as_str())
        .unwrap()
        .clone();
    assert_eq!(row["revoked"], true);
    assert!(authenticate(&app.state, &with(&secret)).await.is_err());
    let twice = app
        .post(
            &admin,
            "/api/admin/oidc/clients/revoke",
            json!({"client_id": client_id}),
        )
        .await;
    assert_eq!(twice.status, 404, "{}", twice.body);
    assert_eq!(key(&twice), "ClientNotFound");

    let events: Vec<(String, String, Option<i64>, String)> = sqlx::query_as(
        "SELECT action || ' ' || result, actor_kind, actor_id, details FROM audit_events \
         WHERE action LIKE 'oidc-client-%' ORDER BY id",
    )
    .fetch_all(&mut db)
    .await
    .unwrap();
    let actions: Vec<&str> = events.iter().map(|e| e.0.as_str()).collect();
    // The refusals past the guard are there too: validate() twice, the server's
    // rule twice, then revoking twice.
    assert_eq!(
        actions,
        [
            "oidc-client-added refused",
            "oidc-client-added refused",
            "oidc-client-added refused",
            "oidc-client-added refused",
            "oidc-client-added success",
            "oidc-client-added success",
            "oidc-client-revoked success",
            "oidc-client-revoked refused",
        ]
    );
    for (action, actor, actor_id, details) in &events {
        assert_eq!(
            (actor.as_str(), *actor_id),
            ("admin", Some(admin_id)),
            "{action}"
        );
        assert!(!details.contains(&secret), "{action}: {details}");
    }
    let added: Value = serde_json::from_str(&events[4].3).unwrap();
    assert_eq!(added["client_id"], client_id.as_str());
    assert_eq!(added["public"], false);
}
