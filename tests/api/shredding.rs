//! Erasure without breaking the append-only promise (issue 11): the IP and
//! browser in an account's consent records and audit rows are encrypted under the
//! account's own key; destroying the key leaves every row (and the audit chain)
//! in place but unreadable. Consent rows an older database kept in plain text are
//! moved under their accounts' keys.

use crate::common::*;
use gatehouse::server::audit;
use gatehouse::server::crypto::AccountKey;
use gatehouse::server::db::accounts::AccountId;
use gatehouse::server::db::{account_keys, consents, Backend};
use serde_json::json;
use sqlx::Connection;
use std::sync::Arc;

/// The (ip, user_agent) ciphertexts of the account's consent and audit rows.
async fn ciphertexts(app: &TestApp, account: i64) -> Vec<Vec<u8>> {
    let mut db = app.db().await;
    let mut all = Vec::new();
    for query in [
        "SELECT ip, user_agent FROM consent_records WHERE account_id = $1",
        "SELECT ip, user_agent FROM audit_events WHERE subject_id = $1",
    ] {
        let rows: Vec<(Vec<u8>, Vec<u8>)> = sqlx::query_as(query)
            .bind(account)
            .fetch_all(&mut db)
            .await
            .unwrap();
        all.extend(rows.into_iter().flat_map(|(a, b)| [a, b]));
    }
    all
}

async fn key_of(app: &TestApp, account: i64) -> Option<AccountKey> {
    let mut conn = app.state.db.read().await.unwrap();
    account_keys::for_reading(&mut conn, &app.state.keys, AccountId(account))
        .await
        .unwrap()
}

#[tokio::test]
async fn destroying_an_accounts_key_leaves_its_rows_verifiable_and_unreadable() {
    let app = spawn_app().await;
    for phone in ["13800138000", "13900139000"] {
        assert_eq!(
            app.sign_up(&client("en"), phone, json!({})).await.status,
            200
        );
    }
    let (first, second) = (
        key_of(&app, 1).await.unwrap(),
        key_of(&app, 2).await.unwrap(),
    );
    let rows = ciphertexts(&app, 1).await;
    assert_eq!(
        rows.len(),
        2 * (2 + 3),
        "2 consents and 3 audit rows, IP and browser each"
    );
    assert!(rows.iter().all(|c| first.decrypt(c).is_ok()));
    audit::seal_pending(&app.state.db, app.state.clock.as_ref())
        .await
        .unwrap();

    let mut tx = app.state.db.write(&[]).await.unwrap();
    assert!(account_keys::destroy(&mut tx, AccountId(1)).await.unwrap());
    tx.commit().await.unwrap();

    // The rows are all still there, byte for byte, and the chain still holds.
    assert_eq!(ciphertexts(&app, 1).await, rows);
    let verified = audit::verify(&app.state.db).await.unwrap();
    assert_eq!((verified.sealed, verified.broken), (2 + 6, None));
    // No key left reads them: not the data key, not another account's.
    assert!(key_of(&app, 1).await.is_none());
    assert!(rows.iter().all(|c| app.state.keys.decrypt(c).is_err()));
    assert!(rows.iter().all(|c| second.decrypt(c).is_err()));
    let mut conn = app.state.db.read().await.unwrap();
    let gone = consents::origins_of(&mut conn, &app.state.keys, AccountId(1))
        .await
        .unwrap();
    assert_eq!(gone, None);
    // The other account is untouched.
    assert_eq!(app.consent_origins(2).await.len(), 2);
    assert!(ciphertexts(&app, 2)
        .await
        .iter()
        .all(|c| second.decrypt(c).is_ok()));
}

#[tokio::test]
async fn plain_consent_rows_of_an_older_database_move_under_their_accounts_keys() {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let url = fresh_database(dir.path()).await;
    // The database as the release before account keys left it.
    let db = gatehouse::server::db::Db::open(&url).await.unwrap();
    let (mut migrator, before_keys) = match db.backend() {
        Backend::Sqlite => (sqlx::migrate!("./migrations/sqlite"), 6),
        Backend::Postgres => (sqlx::migrate!("./migrations/postgres"), 3),
    };
    migrator.migrations = std::borrow::Cow::Owned(migrator.migrations[..before_keys].to_vec());
    let mut conn = sqlx::AnyConnection::connect(&url).await.unwrap();
    migrator.run_direct(&mut conn).await.unwrap();
    for statement in [
        "INSERT INTO accounts (id, phone_index, phone_encrypted, password_hash, created_at, \
         marketing_opt_in) VALUES (7, 'x', 'y', 'z', 1700000000, TRUE)",
        "INSERT INTO consent_records (id, account_id, document, version, accepted_at, ip, \
         user_agent, method) VALUES (41, 7, 'agreement', 1, 1700000000, '203.0.113.9', \
         'Mozilla/5.0 Old', 'sign-up'), (42, 7, 'privacy', 1, 1700000000, '203.0.113.9', \
         'Mozilla/5.0 Old', 'sign-up')",
    ] {
        sqlx::query(statement).execute(&mut conn).await.unwrap();
    }
    db.close().await;

    // Starting the new release migrates and moves the rows.
    let mut settings = test_settings(dir.path());
    settings.database_url = Some(url.clone());
    let app = start(settings, test_clock(), dir.clone()).await;
    assert_eq!(
        app.consent_origins(7).await,
        [
            (
                "agreement".into(),
                1,
                "203.0.113.9".into(),
                "Mozilla/5.0 Old".into()
            ),
            (
                "privacy".into(),
                1,
                "203.0.113.9".into(),
                "Mozilla/5.0 Old".into()
            ),
        ]
    );
    let rows: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, document FROM consent_records ORDER BY id")
            .fetch_all(&mut conn)
            .await
            .unwrap();
    assert_eq!(
        rows[..2],
        [(41, "agreement".into()), (42, "privacy".into())]
    );
    // The old opt-in column became a ledger row, after the moved ones.
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert!(rows[2].0 > 42 && rows[2].1 == "marketing", "{rows:?}");
    let opted_in = "document = 'marketing' AND granted = TRUE AND account_id = 7";
    assert_eq!(app.count_where("consent_records", opted_in).await, 1);
    let stored: Vec<Vec<u8>> = sqlx::query_scalar("SELECT ip FROM consent_records")
        .fetch_all(&mut conn)
        .await
        .unwrap();
    assert!(stored.iter().all(|ip| !ip.windows(4).any(|w| w == b"203.")));
    for aside in ["consent_records_plain", "marketing_opt_ins_plain"] {
        let left = sqlx::query(&format!("SELECT 1 FROM {aside}"))
            .execute(&mut conn)
            .await;
        assert!(left.is_err(), "{aside} is dropped");
    }
    // The ledger goes on: a new sign-up's rows come after the moved ones.
    assert_eq!(
        app.sign_up(&client("en"), "13800138000", json!({}))
            .await
            .status,
        200
    );
    let after: Vec<i64> = sqlx::query_scalar("SELECT id FROM consent_records ORDER BY id")
        .fetch_all(&mut conn)
        .await
        .unwrap();
    assert_eq!(after.len(), 5);
    assert!(after[3] > after[2], "{after:?}");
    // A second start finds nothing left to move.
    let again = app.second_instance().await;
    assert_eq!(again.consent_origins(7).await.len(), 2);
}

#[tokio::test]
async fn erasing_an_account_leaves_a_tombstone_and_frees_the_number() {
    let app = spawn_app().await;
    let c = client("en");
    assert_eq!(app.sign_up(&c, "13800138000", json!({})).await.status, 200);
    assert_eq!(app.get(&c, "/api/account").await.status, 200);
    let operator = gatehouse::server::caller::Caller::operator();
    gatehouse::account::service::erase(&app.state, &operator, AccountId(1), "test")
        .await
        .unwrap();

    // Signed out everywhere, unknown to sign-in, free to sign up again.
    assert_eq!(app.get(&c, "/api/account").await.status, 401);
    let form = json!({ "form": { "phone": "13800138000", "password": "kqzv1234" } });
    let refused = app.post(&client("en"), "/api/login/password", form).await;
    assert_eq!(refused.status, 401, "{}", refused.body);
    app.clock.advance(60);
    let again = app.sign_up(&client("en"), "13800138000", json!({})).await;
    assert_eq!(again.status, 200, "{}", again.body);

    // The tombstone: the row stays, the number, its ciphertext and the hash do not.
    let mut db = app.db().await;
    let (encrypted, hash, deleted_at): (Vec<u8>, String, Option<i64>) = sqlx::query_as(
        "SELECT phone_encrypted, password_hash, deleted_at FROM accounts WHERE id = 1",
    )
    .fetch_one(&mut db)
    .await
    .unwrap();
    assert_eq!((encrypted.len(), hash.as_str()), (0, ""));
    assert_eq!(deleted_at, Some(app.clock_unix() - 60));
    let holders: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM accounts WHERE phone_index = $1")
        .bind(
            app.state
                .phone_index(&gatehouse::domain::PhoneNumber::parse("13800138000").unwrap()),
        )
        .fetch_one(&mut db)
        .await
        .unwrap();
    assert_eq!(holders, 1, "only the new account holds the number");
    assert_eq!(
        app.count_where("sign_in_attempts", "account_id = 1").await,
        0
    );
    assert_eq!(
        app.count_where("consent_records", "account_id = 1").await,
        2
    );
    assert!(key_of(&app, 1).await.is_none());
    let erased: (String, Option<i64>, String) = sqlx::query_as(
        "SELECT action, subject_id, details FROM audit_events WHERE action = 'account-erased'",
    )
    .fetch_one(&mut db)
    .await
    .unwrap();
    assert_eq!((erased.0.as_str(), erased.1), ("account-erased", Some(1)));
    assert!(!erased.2.contains("138"), "{}", erased.2);
    audit::seal_pending(&app.state.db, app.state.clock.as_ref())
        .await
        .unwrap();
    assert_eq!(audit::verify(&app.state.db).await.unwrap().broken, None);
}
