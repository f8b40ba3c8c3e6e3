//! The audit log (issue 11): every change writes its row in the same transaction,
//! the rows hold no secret or phone number in plain, the database refuses to
//! change them, the chain names the first row edited behind the application's
//! back, and concurrent writers keep it whole.

use crate::common::*;
use gatehouse::server::audit::{self, Verification};
use gatehouse::server::db::Backend;
use serde_json::{json, Value};

const PHONE: &str = "13800138000";
const PASSWORD: &str = "kqzv1234";

/// (action, result, details) of every event, oldest first.
async fn events(app: &TestApp) -> Vec<(String, String, Value)> {
    let mut db = app.db().await;
    let rows: Vec<(String, String, String)> =
        sqlx::query_as("SELECT action, result, details FROM audit_events ORDER BY id")
            .fetch_all(&mut db)
            .await
            .unwrap();
    rows.into_iter()
        .map(|(a, r, d)| (a, r, serde_json::from_str(&d).unwrap()))
        .collect()
}

async fn sealed_and_verified(app: &TestApp) -> Verification {
    audit::seal_pending(&app.state.db, app.state.clock.as_ref())
        .await
        .unwrap();
    audit::verify(&app.state.db).await.unwrap()
}

fn whole(sealed: u64) -> Verification {
    Verification {
        sealed,
        unsealed: 0,
        broken: None,
    }
}

async fn login(app: &TestApp, c: &reqwest::Client, password: &str) -> Reply {
    let form = json!({ "form": { "phone": PHONE, "password": password } });
    app.post(c, "/api/login/password", form).await
}

#[tokio::test]
async fn every_change_writes_one_row_without_secrets_and_the_chain_verifies() {
    let app = spawn_app().await;
    let c = client("en");
    assert_eq!(app.sign_up(&c, PHONE, json!({})).await.status, 200);
    let code = app.last_code(PHONE, "register").await;
    assert_eq!(
        app.post(&c, "/api/session/sign-out", json!({}))
            .await
            .status,
        200
    );
    assert_eq!(login(&app, &c, "wrong-pass1").await.status, 401);
    assert_eq!(login(&app, &c, PASSWORD).await.status, 200);

    // (The first two rows are version 1 of each document, published at start-up.)
    let actions: Vec<_> = events(&app)
        .await
        .into_iter()
        .skip(2)
        .map(|(a, r, d)| format!("{a} {r} {d}"))
        .collect();
    assert_eq!(
        actions,
        [
            r#"sign-up success {"invitation":false,"marketing_opt_in":false}"#,
            r#"consent-given success {"documents":[["agreement",1],["privacy",1]],"method":"sign-up"}"#,
            r#"sign-in success {"method":"sign-up"}"#,
            "sign-out success {}",
            r#"sign-in refused {"method":"password","reason":"wrong-password"}"#,
            r#"sign-in success {"method":"password"}"#,
        ]
    );
    // Actor and subject: a visitor signs up account 1; account 1 signs out.
    let mut db = app.db().await;
    let who: Vec<(String, Option<i64>, Option<i64>, String)> = sqlx::query_as(
        "SELECT actor_kind, actor_id, subject_id, request_id FROM audit_events ORDER BY id",
    )
    .fetch_all(&mut db)
    .await
    .unwrap();
    assert_eq!(
        (who[0].0.as_str(), who[0].1, who[0].2),
        ("system", None, None)
    );
    assert_eq!(
        (who[2].0.as_str(), who[2].1, who[2].2),
        ("visitor", None, Some(1))
    );
    assert_eq!(
        (who[5].0.as_str(), who[5].1, who[5].2),
        ("account", Some(1), Some(1))
    );
    assert!(
        who[2..].iter().all(|w| w.3.len() >= 16),
        "request ids: {who:?}"
    );

    // Neither the number, nor the code, nor the password, nor the address appears
    // anywhere in the database's audit rows.
    let rows: Vec<(Vec<u8>, Vec<u8>, String)> =
        sqlx::query_as("SELECT ip, user_agent, details FROM audit_events")
            .fetch_all(&mut db)
            .await
            .unwrap();
    for (ip, ua, details) in rows {
        let all = [ip, ua, details.into_bytes()].concat();
        for secret in [PHONE, &code, PASSWORD, "127.0.0.1", "38000"] {
            assert!(
                !all.windows(secret.len()).any(|w| w == secret.as_bytes()),
                "{secret} in an audit row"
            );
        }
    }
    assert_eq!(sealed_and_verified(&app).await, whole(8));
}

#[tokio::test]
async fn the_other_changes_write_their_rows_too() {
    let app = spawn_app().await;
    let c = client("en");
    assert_eq!(app.sign_up(&c, PHONE, json!({})).await.status, 200);
    let operator = gatehouse::server::caller::Caller::operator();
    gatehouse::server::cli::create_invitation(&app.state, 3, "2026-12-31", None)
        .await
        .unwrap();
    let account = gatehouse::server::db::accounts::AccountId(1);
    gatehouse::admin::service::set_suspended(&app.state, &operator, account, true, "spam")
        .await
        .unwrap();
    gatehouse::admin::service::set_suspended(&app.state, &operator, account, false, "appeal")
        .await
        .unwrap();
    // Five wrong passwords throttle the number.
    for _ in 0..5 {
        assert_eq!(login(&app, &client("en"), "wrong-pass1").await.status, 401);
    }
    app.clock.advance(3_600);
    let reset = client("en");
    let sent = app
        .post(
            &reset,
            "/api/reset/code/send",
            json!({ "form": { "phone": PHONE } }),
        )
        .await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    app.state.background.close();
    app.state.background.wait().await;
    let code = app.last_code(PHONE, "reset").await;
    let form = json!({ "form": { "phone": PHONE, "code": code, "password": "newpass123" } });
    assert_eq!(app.post(&reset, "/api/reset", form).await.status, 200);

    let found = events(&app).await;
    let named = |action: &str| found.iter().filter(|e| e.0 == action).count();
    assert_eq!(named("invitation-created"), 1);
    assert_eq!(
        found
            .iter()
            .find(|e| e.0 == "invitation-created")
            .unwrap()
            .2["uses"],
        3
    );
    assert_eq!(named("account-suspended"), 1);
    assert_eq!(named("account-reinstated"), 1);
    assert_eq!(named("sign-in-throttled"), 1, "{found:?}");
    assert_eq!(named("password-reset"), 1);
    // The suspension ended the sign-up's session; the reset had none left to end.
    let ended: Vec<_> = found.iter().filter(|e| e.0 == "sessions-ended").collect();
    assert_eq!(ended.len(), 1, "{ended:?}");
    assert_eq!(ended[0].2, json!({ "count": 1, "reason": "suspended" }));
    assert_eq!(
        named("document-published"),
        2,
        "version 1 of each at first start"
    );
    let verified = sealed_and_verified(&app).await;
    assert_eq!(verified.sealed, found.len() as u64);
    assert_eq!(verified.broken, None);
}

#[tokio::test]
async fn a_change_and_its_audit_row_commit_or_fail_together() {
    let app = spawn_app().await;
    let mut db = app.db().await;
    let refuse_sign_up_rows = match app.state.db.backend() {
        Backend::Sqlite => vec![
            "CREATE TRIGGER refuse_sign_up BEFORE INSERT ON audit_events \
             WHEN NEW.action = 'sign-up' BEGIN SELECT RAISE(ABORT, 'refused'); END",
        ],
        Backend::Postgres => vec![
            "CREATE FUNCTION refuse_sign_up() RETURNS trigger LANGUAGE plpgsql AS $$ \
             BEGIN IF NEW.action = 'sign-up' THEN RAISE EXCEPTION 'refused'; END IF; \
             RETURN NEW; END $$",
            "CREATE TRIGGER refuse_sign_up BEFORE INSERT ON audit_events \
             FOR EACH ROW EXECUTE FUNCTION refuse_sign_up()",
        ],
    };
    for statement in refuse_sign_up_rows {
        sqlx::query(statement).execute(&mut db).await.unwrap();
    }
    let c = client("en");
    let failed = app.sign_up(&c, PHONE, json!({})).await;
    assert_eq!(failed.status, 500, "{}", failed.body);
    assert_eq!(app.count("accounts").await, 0);
    assert_eq!(app.count("consent_records").await, 0);
    let changes = "action <> 'document-published'";
    assert_eq!(app.count_where("audit_events", changes).await, 0);
    // The code was not used up either: the same form succeeds once the audit row
    // can be written.
    let drop = match app.state.db.backend() {
        Backend::Sqlite => "DROP TRIGGER refuse_sign_up",
        Backend::Postgres => "DROP TRIGGER refuse_sign_up ON audit_events",
    };
    sqlx::query(drop).execute(&mut db).await.unwrap();
    let code = app.last_code(PHONE, "register").await;
    let again = app.register(&c, good_form(PHONE, &code, json!({}))).await;
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(app.count_where("audit_events", changes).await, 3);
}

#[tokio::test]
async fn the_database_refuses_to_change_or_remove_audit_rows() {
    let app = spawn_app().await;
    assert_eq!(
        app.sign_up(&client("en"), PHONE, json!({})).await.status,
        200
    );
    assert_eq!(sealed_and_verified(&app).await, whole(5));
    let mut db = app.db().await;
    let mut statements = vec![
        "UPDATE audit_events SET details = '{}'",
        "DELETE FROM audit_events",
        "UPDATE audit_seals SET hash = hash",
        "DELETE FROM audit_seals",
    ];
    if app.state.db.backend() == Backend::Postgres {
        statements.extend(["TRUNCATE audit_seals", "TRUNCATE audit_events CASCADE"]);
    }
    for statement in statements {
        let refused = sqlx::query(statement).execute(&mut db).await.unwrap_err();
        assert!(
            refused.to_string().contains("append-only"),
            "{statement}: {refused}"
        );
    }
    assert_eq!(sealed_and_verified(&app).await, whole(5));
}

#[tokio::test]
async fn an_edit_behind_the_applications_back_names_the_first_broken_row() {
    let app = spawn_app().await;
    for i in 0..3 {
        let c = client("en");
        let phone = format!("1380013800{i}");
        assert_eq!(app.sign_up(&c, &phone, json!({})).await.status, 200);
    }
    assert_eq!(sealed_and_verified(&app).await, whole(11));
    let mut db = app.db().await;
    // Someone with the database's own access switches the guard off and edits the
    // 7th sealed event (the second account's consent).
    let (off, on) = match app.state.db.backend() {
        Backend::Sqlite => (
            "DROP TRIGGER audit_events_no_update",
            "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events \
             BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END",
        ),
        Backend::Postgres => (
            "ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_change",
            "ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_change",
        ),
    };
    sqlx::query(off).execute(&mut db).await.unwrap();
    let id: i64 = sqlx::query_scalar("SELECT event_id FROM audit_seals WHERE seq = 7")
        .fetch_one(&mut db)
        .await
        .unwrap();
    sqlx::query("UPDATE audit_events SET details = '{\"marketing_opt_in\":true}' WHERE id = $1")
        .bind(id)
        .execute(&mut db)
        .await
        .unwrap();
    sqlx::query(on).execute(&mut db).await.unwrap();
    let verified = audit::verify(&app.state.db).await.unwrap();
    let broken = verified.broken.expect("the edit went unnoticed");
    assert_eq!((broken.seq, broken.event_id), (7, id));
    assert_eq!(verified.sealed, 6, "the links before it hold");
    // The command line says the same and exits with 1.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_gatehouse"))
        .args(["audit", "verify"])
        .env("GATEHOUSE_DATA_DIR", app.dir.path())
        .env("GATEHOUSE_DATABASE_URL", app.state.settings.database_url())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains(&format!("seal 7 (event {id})")), "{stderr}");
}

#[tokio::test]
async fn the_command_line_verifies_and_prints_the_log() {
    let app = spawn_app().await;
    assert_eq!(
        app.sign_up(&client("en"), PHONE, json!({})).await.status,
        200
    );
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_gatehouse"))
            .args(args)
            .env("GATEHOUSE_DATA_DIR", app.dir.path())
            .env("GATEHOUSE_DATABASE_URL", app.state.settings.database_url())
            .output()
            .unwrap()
    };
    let verified = run(&["audit", "verify"]);
    let stdout = String::from_utf8_lossy(&verified.stdout);
    assert!(
        verified.status.success(),
        "{}",
        String::from_utf8_lossy(&verified.stderr)
    );
    assert!(
        stdout.contains("audit chain whole: 5 events (5 sealed now)"),
        "{stdout}"
    );
    let tail = run(&["audit", "tail", "--account", "1", "--limit", "2"]);
    let lines: Vec<Value> = String::from_utf8_lossy(&tail.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["action"], "sign-in");
    assert_eq!(lines[1]["action"], "consent-given");
    assert_eq!(lines[0]["subject_id"], 1);
    assert!(!String::from_utf8_lossy(&tail.stdout).contains(PHONE));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_sign_ups_on_two_instances_keep_the_chain_whole_while_it_is_sealed() {
    let app = spawn_app().await;
    let second = app.second_instance().await;
    let sealing = [&app, &second].map(|instance| {
        let (db, clock) = (instance.state.db.clone(), instance.state.clock.clone());
        tokio::spawn(async move {
            for _ in 0..40 {
                audit::seal_pending(&db, clock.as_ref()).await.unwrap();
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
        })
    });
    let sign_ups = (0..50).map(|i| {
        let instance = if i % 2 == 0 { &app } else { &second };
        async move {
            let phone = format!("1390000{i:04}");
            instance.sign_up(&client("en"), &phone, json!({})).await
        }
    });
    let replies = futures::future::join_all(sign_ups).await;
    assert!(replies.iter().all(|r| r.status == 200));
    for sealer in sealing {
        sealer.await.unwrap();
    }
    // 2 first versions + 50 x (sign-up, consent, sign-in).
    assert_eq!(sealed_and_verified(&app).await, whole(152));
    let mut db = app.db().await;
    let (seals, max_seq): (i64, i64) = sqlx::query_as("SELECT COUNT(*), MAX(seq) FROM audit_seals")
        .fetch_one(&mut db)
        .await
        .unwrap();
    assert_eq!((seals, max_seq), (152, 152));
}
