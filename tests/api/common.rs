//! `spawn_app()`: the real router on 127.0.0.1:0 over a fresh database, a manual
//! clock, minimal argon2 cost and the development SMS outbox (docs/STYLE.md §10).
//!
//! The database is a new SQLite file in the test's temp dir, or, when
//! `POSTGRES_TEST_URL` names a PostgreSQL server (`postgres://USER@HOST:PORT`,
//! as `scripts/test.sh` sets it), a new database on that server for each test.

use chrono::{TimeZone, Utc};
use gatehouse::server::cli::open_state;
use gatehouse::server::hashing::HashCost;
use gatehouse::server::{AppState, ManualClock, Settings};
use serde_json::{json, Value};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, Once};

/// Panics raised outside the tests' own code (in a handler, the router or a
/// library) since the suite started; [`reply`] fails the test that meets one, so
/// no request of the suite can panic the server unnoticed (issue 10).
static SERVER_PANICS: Mutex<Vec<String>> = Mutex::new(Vec::new());
static PANIC_WATCH: Once = Once::new();

/// Records every panic whose location is not under `tests/` (an assertion of a
/// test is not a server panic), then lets the default hook print it.
fn watch_for_panics() {
    PANIC_WATCH.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let location = info.location().map(|l| l.to_string()).unwrap_or_default();
            if !location.starts_with("tests/") {
                SERVER_PANICS
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(format!("{location}: {info}"));
            }
            default(info);
        }));
    });
}

pub struct TestApp {
    pub base: String,
    pub clock: ManualClock,
    pub state: AppState,
    pub dir: Arc<tempfile::TempDir>,
    _server: tokio::task::JoinHandle<()>,
}

/// A database URL for one test: a new PostgreSQL database when
/// `POSTGRES_TEST_URL` is set, else a SQLite file in `dir`.
pub async fn fresh_database(dir: &std::path::Path) -> String {
    use sqlx::Connection;
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let Ok(server) = std::env::var("POSTGRES_TEST_URL") else {
        return format!("sqlite://{}", dir.join("gatehouse.db").display());
    };
    let name = format!(
        "gatehouse_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    let server = server.trim_end_matches('/');
    let mut admin = sqlx::PgConnection::connect(&format!("{server}/postgres"))
        .await
        .expect("POSTGRES_TEST_URL: cannot connect");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .unwrap();
    admin.close().await.ok();
    format!("{server}/{name}")
}

static PUBLIC: Once = Once::new();

/// Settings for a test: a temp data dir, generous IP and global caps, the proof of
/// work at 1 bit (the puzzle's own tests set theirs).
pub fn test_settings(dir: &std::path::Path) -> Settings {
    Settings {
        data_dir: dir.to_path_buf(),
        sms_ip_hourly: 10_000,
        sms_global_hourly: 100_000,
        pow_difficulty: 1,
        pow_raised_difficulty: 1,
        ..Settings::default()
    }
}

/// The send-code paths that need a proof of work (the public ones, and the one to
/// a new number of the user's choosing), with the purpose it is for.
pub const SEND_PATHS: [(&str, &str); 4] = [
    ("/api/register/code", "register"),
    ("/api/login/code/send", "login"),
    ("/api/reset/code/send", "reset"),
    ("/api/account/phone/new-code/send", "change-phone"),
];

/// A challenge for `purpose` from the server at `base`, as `http` (its address),
/// solved: the `pow` a send-code form carries.
pub async fn pow_solution(http: &reqwest::Client, base: &str, purpose: &str) -> Value {
    let challenge: Value = http
        .post(format!("{base}/api/pow/challenge"))
        .json(&json!({ "purpose": purpose }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = challenge["token"].as_str().expect("a challenge token");
    let difficulty = challenge["difficulty"].as_u64().unwrap() as u8;
    let nonce = gatehouse::domain::pow::solve(token, difficulty);
    json!({ "token": token, "nonce": nonce })
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

pub async fn spawn_app_with(configure: impl FnOnce(&mut Settings)) -> TestApp {
    PUBLIC.call_once(|| {
        let public = std::env::temp_dir().join("gatehouse-test-public");
        std::fs::create_dir_all(&public).unwrap();
        std::env::set_var("DIOXUS_PUBLIC_PATH", &public);
    });
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let mut settings = test_settings(dir.path());
    settings.database_url = Some(fresh_database(dir.path()).await);
    configure(&mut settings);
    start(settings, test_clock(), dir).await
}

/// The tests' clock: 2026-11-29 02:00 UTC, moved by hand.
pub fn test_clock() -> ManualClock {
    ManualClock::new(Utc.with_ymd_and_hms(2026, 11, 29, 2, 0, 0).unwrap())
}

/// Starts the app with `settings` (its database already chosen) in `dir`.
pub async fn start(
    mut settings: Settings,
    clock: ManualClock,
    dir: Arc<tempfile::TempDir>,
) -> TestApp {
    watch_for_panics();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    // The site's own origin is this listener's, as a browser on it would send.
    settings
        .public_url
        .get_or_insert_with(|| format!("http://{addr}"));
    let state = open_state(settings, Arc::new(clock.clone()), HashCost::MINIMAL)
        .await
        .expect("state");
    let router = gatehouse::server::http::router(state.clone());
    let server = tokio::spawn(async move {
        gatehouse::server::http::serve(listener, router, std::future::pending())
            .await
            .unwrap();
    });
    TestApp {
        base: format!("http://{addr}"),
        clock,
        state,
        dir,
        _server: server,
    }
}

/// A browser-like client that keeps cookies and follows no redirect, so a test
/// reads each 303 (the OpenID Connect flow, the sign-in form posted without the
/// wasm).
pub fn no_redirect_client(lang: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("accept-language", lang.parse().unwrap());
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .default_headers(headers)
        .build()
        .unwrap()
}

/// Every `Set-Cookie` line of `res`, one per line.
pub fn set_cookies(res: &reqwest::Response) -> String {
    let lines: Vec<&str> = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect();
    lines.join("\n")
}

/// A browser-like client: keeps cookies, sends a language.
pub fn client(lang: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("accept-language", lang.parse().unwrap());
    reqwest::Client::builder()
        .cookie_store(true)
        .default_headers(headers)
        .build()
        .unwrap()
}

pub struct Reply {
    pub status: u16,
    pub body: Value,
    pub set_cookie: Option<String>,
}

impl TestApp {
    /// A second instance of the app on the same database, data key, outbox and
    /// clock, listening on its own port: what a load balancer's second backend is.
    pub async fn second_instance(&self) -> TestApp {
        start(
            self.state.settings.clone(),
            self.clock.clone(),
            self.dir.clone(),
        )
        .await
    }

    /// POSTs `body` as JSON. To a public send-code path (as a browser does) a form
    /// without a `pow` gets one solved first; the tests of the puzzle give their own.
    pub async fn post(&self, c: &reqwest::Client, path: &str, mut body: Value) -> Reply {
        if let Some((_, purpose)) = SEND_PATHS.iter().find(|(p, _)| *p == path) {
            if let Some(form) = body.get_mut("form").and_then(Value::as_object_mut) {
                if !form.contains_key("pow") {
                    let pow = pow_solution(c, &self.base, purpose).await;
                    form.insert("pow".into(), pow);
                }
            }
        }
        let res = c
            .post(format!("{}{path}", self.base))
            .json(&body)
            .send()
            .await
            .unwrap();
        reply(res).await
    }

    pub async fn get(&self, c: &reqwest::Client, path: &str) -> Reply {
        let res = c.get(format!("{}{path}", self.base)).send().await.unwrap();
        reply(res).await
    }

    pub async fn send_code(&self, c: &reqwest::Client, phone: &str) -> Reply {
        self.post(
            c,
            "/api/register/code",
            json!({ "form": { "phone": phone } }),
        )
        .await
    }

    pub async fn register(&self, c: &reqwest::Client, form: Value) -> Reply {
        self.post(c, "/api/register", json!({ "form": form })).await
    }

    /// The newest code the development provider sent to `phone` for `purpose`
    /// (sign-in and reset codes are sent after the answer: wait up to 5 s).
    pub async fn last_code(&self, phone: &str, purpose: &str) -> String {
        outbox_code(&self.outbox_path(), phone, purpose).await
    }

    /// Account `account`'s ledger as (document, version, IP, browser), oldest first,
    /// decrypted under the account's own key.
    pub async fn consent_origins(&self, account: i64) -> Vec<(String, u32, String, String)> {
        let mut conn = self.state.db.read().await.unwrap();
        let account = gatehouse::server::db::accounts::AccountId(account);
        gatehouse::server::db::consents::origins_of(&mut conn, &self.state.keys, account)
            .await
            .unwrap()
            .expect("the account has a key")
            .into_iter()
            .map(|(kind, version, ip, agent)| (kind.to_string(), version, ip, agent))
            .collect()
    }

    pub fn clock_unix(&self) -> i64 {
        use gatehouse::server::Clock;
        self.clock.unix()
    }

    pub fn outbox(&self) -> Vec<Value> {
        read_outbox(&self.outbox_path())
    }

    pub fn outbox_path(&self) -> PathBuf {
        self.state.settings.sms_outbox()
    }

    /// A connection to the app's database, whichever it is.
    pub async fn db(&self) -> sqlx::AnyConnection {
        use sqlx::Connection;
        sqlx::any::install_default_drivers();
        sqlx::AnyConnection::connect(&self.state.settings.database_url())
            .await
            .unwrap()
    }

    /// Everything the database holds: the SQLite files' bytes, or every PostgreSQL
    /// table's rows as text (bytea as hex).
    pub async fn database_bytes(&self) -> Vec<u8> {
        let url = self.state.settings.database_url();
        if let Some(path) = url.strip_prefix("sqlite://") {
            let mut bytes = Vec::new();
            for suffix in ["", "-wal", "-shm"] {
                bytes.extend(std::fs::read(format!("{path}{suffix}")).unwrap_or_default());
            }
            return bytes;
        }
        let mut db = self.db().await;
        let tables: Vec<String> =
            sqlx::query_scalar("SELECT tablename::text FROM pg_tables WHERE schemaname = 'public'")
                .fetch_all(&mut db)
                .await
                .unwrap();
        let mut bytes = Vec::new();
        for table in tables {
            let rows: Vec<String> = sqlx::query_scalar(&format!("SELECT t::text FROM {table} t"))
                .fetch_all(&mut db)
                .await
                .unwrap();
            bytes.extend(rows.concat().into_bytes());
        }
        bytes
    }

    /// `SELECT COUNT(*)` of `table`, with an optional `WHERE` clause after it.
    pub async fn count(&self, table: &str) -> i64 {
        self.count_where(table, "TRUE").await
    }

    pub async fn count_where(&self, table: &str, condition: &str) -> i64 {
        let mut db = self.db().await;
        sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table} WHERE {condition}"))
            .fetch_one(&mut db)
            .await
            .unwrap()
    }

    /// Sends a code and signs up `phone` with a good form; returns the reply.
    pub async fn sign_up(&self, c: &reqwest::Client, phone: &str, extra: Value) -> Reply {
        let sent = self.send_code(c, phone).await;
        assert_eq!(sent.status, 200, "send code: {}", sent.body);
        let code = self.last_code(phone, "register").await;
        self.register(c, good_form(phone, &code, extra)).await
    }
}

/// A form every rule accepts, with `extra` fields merged over it.
pub fn good_form(phone: &str, code: &str, extra: Value) -> Value {
    let mut form = json!({
        "phone": phone,
        "code": code,
        "password": "kqzv1234",
        "invitation": "",
        "consent": true,
        "marketing": false,
        // Version 1 of both documents, published on the first start.
        "documents": [["agreement", 1], ["privacy", 1]],
    });
    if let Value::Object(extra) = extra {
        for (k, v) in extra {
            form[k] = v;
        }
    }
    form
}

/// A response as a [`Reply`]: status, JSON body (or the text as a string), cookies.
/// Fails when the server has panicked anywhere in the suite so far.
pub async fn reply(res: reqwest::Response) -> Reply {
    let status = res.status().as_u16();
    let set_cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .reduce(|a, b| format!("{a}\n{b}"));
    let text = res.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    let panics = SERVER_PANICS
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    assert!(panics.is_empty(), "the server panicked: {panics:#?}");
    Reply {
        status,
        body,
        set_cookie,
    }
}

/// The ApiError payload inside a server function's error body.
pub fn error(reply: &Reply) -> &Value {
    &reply.body["data"]
}

/// The development provider's messages in the outbox file at `path`.
pub fn read_outbox(path: &std::path::Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The newest code in the outbox at `path` for `phone` and `purpose`, waiting up to
/// 5 s for it.
pub async fn outbox_code(path: &std::path::Path, phone: &str, purpose: &str) -> String {
    for _ in 0..500 {
        let found = read_outbox(path)
            .into_iter()
            .rev()
            .find(|m| m["to"] == phone && m["purpose"] == purpose);
        if let Some(m) = found {
            return m["code"].as_str().unwrap().to_owned();
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("no {purpose} code for {phone} in the outbox")
}
