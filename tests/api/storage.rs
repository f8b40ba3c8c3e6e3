//! Storage (issue 11): both databases migrate to the same tables and columns; on
//! PostgreSQL a transaction locks only what it touches; the SMS caps, which take
//! their own locks, still hold under concurrent sends; a stored name this version
//! does not know is an error, never a default.

use crate::common::*;
use gatehouse::server::db::{Backend, Db, Lock};
use serde_json::json;
use sqlx::Connection;
use std::collections::BTreeSet;
use std::time::Duration;

/// Every (table, column) of a migrated database, Gatehouse's tables only.
async fn columns(url: &str) -> BTreeSet<(String, String)> {
    let mut conn = sqlx::AnyConnection::connect(url).await.unwrap();
    let query = match Backend::of(url).unwrap() {
        Backend::Sqlite => {
            "SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> '_sqlx_migrations'"
        }
        Backend::Postgres => {
            "SELECT table_name::text, column_name::text FROM information_schema.columns \
             WHERE table_schema = 'public' AND table_name <> '_sqlx_migrations'"
        }
    };
    sqlx::query_as(query)
        .fetch_all(&mut conn)
        .await
        .unwrap()
        .into_iter()
        .collect()
}

#[tokio::test]
async fn both_databases_migrate_to_the_same_tables_and_columns() {
    if std::env::var("POSTGRES_TEST_URL").is_err() {
        eprintln!("POSTGRES_TEST_URL not set: compared on the PostgreSQL run only");
        return;
    }
    sqlx::any::install_default_drivers();
    let dir = tempfile::tempdir().unwrap();
    let sqlite = format!("sqlite://{}", dir.path().join("schema.db").display());
    let postgres = fresh_database(dir.path()).await;
    for url in [&sqlite, &postgres] {
        Db::open(url).await.unwrap().migrate().await.unwrap();
    }
    let (on_sqlite, on_postgres) = (columns(&sqlite).await, columns(&postgres).await);
    assert!(on_sqlite.len() > 40, "{on_sqlite:?}");
    let only_sqlite: Vec<_> = on_sqlite.difference(&on_postgres).collect();
    let only_postgres: Vec<_> = on_postgres.difference(&on_sqlite).collect();
    assert!(
        only_sqlite.is_empty() && only_postgres.is_empty(),
        "only on SQLite: {only_sqlite:?}; only on PostgreSQL: {only_postgres:?}"
    );
}

#[tokio::test]
async fn on_postgres_a_transaction_on_one_phone_does_not_hold_up_another_phones_sign_up() {
    let app = spawn_app().await;
    if app.state.db.backend() != Backend::Postgres {
        eprintln!("SQLite has one writer: this holds on PostgreSQL only");
        return;
    }
    let held = gatehouse::domain::PhoneNumber::parse("13800138000").unwrap();
    let index = app.state.phone_index(&held);
    let tx = app.state.db.write(&[Lock::Phone(&index)]).await.unwrap();

    // Another phone signs up from start to finish while the transaction is open.
    let other = tokio::time::timeout(
        Duration::from_secs(20),
        app.sign_up(&client("en"), "13900139000", json!({})),
    )
    .await
    .expect("the other phone's sign-up waited for the held lock");
    assert_eq!(other.status, 200, "{}", other.body);

    // The held phone's own send waits for the lock, and goes through once it ends.
    let base = app.base.clone();
    let send = tokio::spawn(async move {
        let http = client("en");
        let pow = pow_solution(&http, &base, "register").await;
        http.post(format!("{base}/api/register/code"))
            .json(&json!({ "form": { "phone": "13800138000", "pow": pow } }))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(!send.is_finished(), "the held phone's send did not wait");
    drop(tx);
    assert_eq!(send.await.unwrap(), 200);
}

#[tokio::test]
async fn the_per_ip_and_total_send_caps_hold_under_concurrent_sends_on_two_instances() {
    let app = spawn_app_with(|s| s.sms_ip_hourly = 3).await;
    let second = app.second_instance().await;
    let sends = (0..12).map(|i| {
        let instance = if i % 2 == 0 { &app } else { &second };
        async move {
            instance
                .send_code(&client("en"), &format!("1380013{i:04}"))
                .await
        }
    });
    let replies = futures::future::join_all(sends).await;
    let sent = replies.iter().filter(|r| r.status == 200).count();
    assert_eq!(
        sent,
        3,
        "{:?}",
        replies.iter().map(|r| &r.body).collect::<Vec<_>>()
    );
    assert!(replies
        .iter()
        .filter(|r| r.status != 200)
        .all(|r| error(r)["key"] == "SendIpCap"));
    assert_eq!(app.count("otp_codes").await, 3);

    let app = spawn_app_with(|s| {
        s.sms_global_hourly = 4;
        s.trusted_proxies = "127.0.0.1".into();
    })
    .await;
    let second = app.second_instance().await;
    let sends = (0..12).map(|i| {
        let instance = if i % 2 == 0 { &app } else { &second };
        async move {
            let from = reqwest::Client::builder()
                .default_headers(
                    [(
                        "x-forwarded-for".parse().unwrap(),
                        format!("203.0.113.{i}").parse().unwrap(),
                    )]
                    .into_iter()
                    .collect(),
                )
                .build()
                .unwrap();
            instance.send_code(&from, &format!("1390013{i:04}")).await
        }
    });
    let replies = futures::future::join_all(sends).await;
    assert_eq!(replies.iter().filter(|r| r.status == 200).count(), 4);
    assert!(replies
        .iter()
        .filter(|r| r.status != 200)
        .all(|r| error(r)["key"] == "SendGlobalCap"));
    assert_eq!(app.count("otp_codes").await, 4);
}

#[tokio::test]
async fn a_stored_name_this_version_does_not_know_is_an_error_not_a_default() {
    let app = spawn_app().await;
    let c = client("en");
    assert_eq!(app.sign_up(&c, "13800138000", json!({})).await.status, 200);
    assert_eq!(app.get(&c, "/api/account").await.status, 200);
    let mut db = app.db().await;
    sqlx::query(
        "INSERT INTO sign_in_attempts (account_id, at, ip, user_agent, method, outcome) \
         VALUES (1, 0, '127.0.0.1', 'curl', 'carrier-pigeon', 'success')",
    )
    .execute(&mut db)
    .await
    .unwrap();
    let summary = app.get(&c, "/api/account").await;
    assert_eq!(summary.status, 500, "{}", summary.body);
    assert_eq!(error(&summary)["key"], "Unexpected");
}
