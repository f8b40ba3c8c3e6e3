//! Shipping (issue 4): health check, headers, compression, the client IP behind
//! proxies, and a graceful stop of the real binary on SIGTERM.

use crate::common::*;
use serde_json::{json, Value};

async fn get_with(app: &TestApp, path: &str, headers: &[(&str, &str)]) -> reqwest::Response {
    let mut request = reqwest::Client::new().get(format!("{}{path}", app.base));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn healthz_answers_ok_and_503_once_the_database_is_unreachable() {
    let app = spawn_app().await;
    let ok = app.get(&client("en"), "/healthz").await;
    assert_eq!(ok.status, 200);
    assert_eq!(ok.body, json!({"status": "ok"}));

    let url = app.state.settings.database_url();
    if let Some((server, name)) = url.rsplit_once('/').filter(|_| url.starts_with("postgres")) {
        // The database goes away under the running app.
        use sqlx::Connection;
        let mut admin = sqlx::PgConnection::connect(&format!("{server}/postgres"))
            .await
            .unwrap();
        sqlx::query(&format!("DROP DATABASE {name} WITH (FORCE)"))
            .execute(&mut admin)
            .await
            .unwrap();
    } else {
        // SQLite is a file the process holds open: close every connection instead.
        app.state.db.close().await;
    }
    let down = app.get(&client("en"), "/healthz").await;
    assert_eq!(down.status, 503, "{}", down.body);
    assert_eq!(down.body, json!({"status": "unavailable"}));
}

#[tokio::test]
async fn pages_carry_security_and_cache_headers_and_a_request_id() {
    let app = spawn_app().await;
    let page = get_with(&app, "/register", &[]).await;
    assert_eq!(page.status(), 200);
    let h = page.headers();
    let csp = h["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(csp.contains("'wasm-unsafe-eval'") && !csp.contains("'unsafe-eval'"));
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["referrer-policy"], "strict-origin-when-cross-origin");
    assert_eq!(h["cache-control"], "no-store");
    assert!(
        h.get("strict-transport-security").is_none(),
        "no HSTS in development"
    );
    assert_eq!(h["x-request-id"].len(), 36, "a UUID");

    let api = get_with(&app, "/api/register/status", &[]).await;
    assert_eq!(api.status(), 200);
    assert_eq!(api.headers()["cache-control"], "no-store");
    let traced = get_with(&app, "/login", &[("x-request-id", "proxy-42")]).await;
    assert_eq!(traced.headers()["x-request-id"], "proxy-42");
}

#[tokio::test]
async fn production_adds_hsts() {
    let app = spawn_app_with(|s| {
        s.mode = gatehouse::server::Mode::Production;
        s.public_url = Some("https://account.example.com".into());
        s.data_key = Some("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=".into());
        s.sms_provider = gatehouse::server::config::SmsProviderKind::Webhook;
        s.sms_webhook_url = Some("https://127.0.0.1:9/never-called".into());
        s.sms_webhook_secret = Some("0123456789abcdef0123456789abcdef".into());
    })
    .await;
    let page = get_with(&app, "/register", &[]).await;
    assert_eq!(page.status(), 200);
    assert_eq!(
        page.headers()["strict-transport-security"],
        "max-age=31536000; includeSubDomains"
    );
}

#[tokio::test]
async fn pages_are_compressed_with_gzip_or_brotli_as_the_browser_accepts() {
    let app = spawn_app().await;
    let plain = get_with(&app, "/register", &[]).await;
    assert!(plain.headers().get("content-encoding").is_none());
    let plain_len = plain.bytes().await.unwrap().len();
    for encoding in ["gzip", "br"] {
        let res = get_with(&app, "/register", &[("accept-encoding", encoding)]).await;
        assert_eq!(res.headers()["content-encoding"], encoding);
        let packed = res.bytes().await.unwrap().len();
        assert!(
            packed * 2 < plain_len,
            "{encoding}: {packed} of {plain_len} bytes"
        );
    }
}

/// Signs up with an `X-Forwarded-For` header; returns the IP the consent record kept.
async fn recorded_ip(app: &TestApp, forwarded: &str) -> String {
    let c = reqwest::Client::builder()
        .default_headers(
            [(
                "x-forwarded-for".parse().unwrap(),
                forwarded.parse().unwrap(),
            )]
            .into_iter()
            .collect(),
        )
        .cookie_store(true)
        .build()
        .unwrap();
    let reply = app.sign_up(&c, "13800138000", json!({})).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    app.consent_origins(1).await[0].2.clone()
}

#[tokio::test]
async fn a_forged_forwarded_header_from_an_untrusted_peer_changes_nothing() {
    let app = spawn_app().await;
    assert_eq!(recorded_ip(&app, "203.0.113.7").await, "127.0.0.1");
}

#[tokio::test]
async fn a_trusted_proxy_forwards_the_client_address() {
    let app = spawn_app_with(|s| s.trusted_proxies = "127.0.0.1".into()).await;
    // The left entry is the client's own claim; our proxy appended the real address.
    assert_eq!(
        recorded_ip(&app, "198.51.100.1, 203.0.113.7").await,
        "203.0.113.7"
    );
}

#[tokio::test]
async fn junk_a_client_puts_before_our_proxy_entry_does_not_hide_it() {
    let app = spawn_app_with(|s| s.trusted_proxies = "127.0.0.1".into()).await;
    assert_eq!(recorded_ip(&app, "junk, 203.0.113.7").await, "203.0.113.7");
}

#[tokio::test]
async fn ipv6_clients_share_the_per_ip_cap_per_64() {
    let app = spawn_app_with(|s| {
        s.trusted_proxies = "127.0.0.1".into();
        s.sms_ip_hourly = 1;
    })
    .await;
    let from = |forwarded: &str| {
        reqwest::Client::builder()
            .default_headers(
                [(
                    "x-forwarded-for".parse().unwrap(),
                    forwarded.parse().unwrap(),
                )]
                .into_iter()
                .collect(),
            )
            .build()
            .unwrap()
    };
    let first = app.send_code(&from("2001:db8:1:2::1"), "13800138001").await;
    assert_eq!(first.status, 200, "{}", first.body);
    let same_64 = app
        .send_code(&from("2001:db8:1:2::ffff"), "13800138002")
        .await;
    assert_eq!(same_64.status, 429, "{}", same_64.body);
    assert_eq!(error(&same_64)["key"], "SendIpCap");
    let other_64 = app.send_code(&from("2001:db8:1:3::1"), "13800138003").await;
    assert_eq!(other_64.status, 200, "{}", other_64.body);
}

#[tokio::test]
async fn a_page_with_session_data_is_never_served_to_another_visitor() {
    let app = spawn_app().await;
    let owner = client("en");
    let sent = app.send_code(&owner, "13912345678").await;
    assert_eq!(sent.status, 200);
    let session = sent
        .set_cookie
        .as_deref()
        .and_then(|all| all.lines().find(|l| l.starts_with("gatehouse_session=")))
        .and_then(|l| l.split(';').next())
        .and_then(|l| l.split_once('='))
        .map(|(_, id)| id.to_owned())
        .expect("a session cookie");
    let own = app.get(&owner, "/register").await;
    assert!(
        own.body.as_str().unwrap().contains("13912345678"),
        "the owner's page keeps the number it sent a code to"
    );
    // However the cookie is spelled, the page rendered for it stays its own.
    for cookie in [
        format!("gatehouse_session={session}"),
        format!("gatehouse_lang=en; gatehouse_session={session}"),
        format!("gatehouse_session ={session}"),
    ] {
        let _ = get_with(
            &app,
            "/register",
            &[("cookie", &cookie), ("accept-language", "en")],
        )
        .await;
        let other = get_with(&app, "/register", &[("accept-language", "en")]).await;
        let page = other.text().await.unwrap();
        assert!(!page.contains("13912345678"), "leaked after {cookie:?}");
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigterm_during_20_sign_ups_keeps_every_acknowledged_account() {
    use std::time::{Duration, Instant};
    let dir = tempfile::tempdir().unwrap();
    let public = dir.path().join("public");
    std::fs::create_dir_all(&public).unwrap();
    let database_url = fresh_database(dir.path()).await;
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let server = tokio::process::Command::new(env!("CARGO_BIN_EXE_gatehouse"))
        .arg("serve")
        .current_dir(dir.path())
        .env("IP", "127.0.0.1")
        .env("PORT", port.to_string())
        .env("DIOXUS_PUBLIC_PATH", &public)
        .env("GATEHOUSE_DATA_DIR", dir.path())
        .env("GATEHOUSE_DATABASE_URL", &database_url)
        .env("GATEHOUSE_SMS_IP_HOURLY", "1000")
        .env("GATEHOUSE_POW_DIFFICULTY", "1")
        .env("GATEHOUSE_POW_RAISED_DIFFICULTY", "1")
        .env("RUST_LOG", "info")
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let http = reqwest::Client::new();
    let started = Instant::now();
    while http.get(format!("{base}/healthz")).send().await.is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "server did not start"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let outbox = dir.path().join("sms-outbox.jsonl");
    let mut forms = Vec::new();
    for i in 0..20 {
        let phone = format!("1370000{i:04}");
        let pow = pow_solution(&http, &base, "register").await;
        let sent = http
            .post(format!("{base}/api/register/code"))
            .json(&json!({"form": {"phone": phone, "pow": pow}}))
            .send()
            .await
            .unwrap();
        assert_eq!(sent.status(), 200);
        let code = outbox_code(&outbox, &phone, "register").await;
        forms.push((phone.clone(), good_form(&phone, &code, json!({}))));
    }
    let sign_ups: Vec<_> = forms
        .into_iter()
        .map(|(phone, form)| {
            let http = http.clone();
            let url = format!("{base}/api/register");
            tokio::spawn(async move {
                let answer = http.post(url).json(&json!({"form": form})).send().await;
                let acknowledged = match answer {
                    Ok(res) => res.status() == 200 && res.json::<Value>().await.is_ok(),
                    Err(_) => false,
                };
                (phone, acknowledged, Instant::now())
            })
        })
        .collect();
    // Hashing at production cost takes tens of milliseconds per sign-up, so most
    // of the 20 are still in flight when the signal arrives.
    tokio::time::sleep(Duration::from_millis(30)).await;
    let signalled = Instant::now();
    let pid = server.id().unwrap().to_string();
    assert!(std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    let mut acknowledged = Vec::new();
    let mut after_signal = 0;
    for task in sign_ups {
        let (phone, ok, at) = task.await.unwrap();
        if ok {
            acknowledged.push(phone);
            after_signal += usize::from(at > signalled);
        }
    }
    let stopped = tokio::time::timeout(Duration::from_secs(30), server.wait_with_output())
        .await
        .expect("the server stops after SIGTERM")
        .unwrap();
    let log = String::from_utf8_lossy(&stopped.stderr);
    assert!(
        stopped.status.success(),
        "exit status {}:\n{log}",
        stopped.status
    );
    assert!(
        log.contains("request_id="),
        "request lines carry their id:\n{log}"
    );
    assert!(!log.contains("kqzv1234"), "a password reached the log");
    eprintln!(
        "SIGTERM: {} of 20 acknowledged, {after_signal} of them after the signal",
        acknowledged.len()
    );
    assert!(
        after_signal > 0,
        "some sign-ups were in flight at SIGTERM and finished ({} acknowledged)",
        acknowledged.len()
    );

    // Reopen the database the way the server does and look for every account.
    let mut settings = test_settings(dir.path());
    settings.database_url = Some(database_url);
    let state = gatehouse::server::cli::open_state(
        settings,
        std::sync::Arc::new(gatehouse::server::SystemClock),
        gatehouse::server::hashing::HashCost::MINIMAL,
    )
    .await
    .unwrap();
    for phone in &acknowledged {
        let phone = gatehouse::domain::PhoneNumber::parse(phone).unwrap();
        assert!(
            gatehouse::server::db::accounts::phone_taken(
                &mut state.db.read().await.unwrap(),
                &state.phone_index(&phone)
            )
            .await
            .unwrap(),
            "acknowledged account {} is missing",
            phone.as_str()
        );
    }
}
