//! Sign-up and sign-in against raw argon2, and pages against a bare server, measured
//! in one run (issues 2 to 4).
//!
//! Baselines: argon2id hashing and verifying at production cost on all cores (one
//! thread a core). Then, through HTTP against the real server binary in its own
//! process (127.0.0.1, production cost, development outbox), with 4 clients a core:
//! - sign-up rate (send code + register) / hashing rate (target >= 0.8), on a fresh
//!   SQLite file and, when `POSTGRES_TEST_URL` names a server, on a fresh
//!   PostgreSQL database;
//! - password sign-in rate / verify rate (target >= 0.9), on both;
//! - p99 of `GET /login` while sign-ins saturate the CPU / its p99 idle (target <= 3);
//! - peak RSS under 32 concurrent sign-ins minus idle RSS, / (permits x 19 MiB)
//!   (target <= 1.5);
//! - `GET /register` requests per second / a bare axum server (this bench binary
//!   again, in its own process) answering the same bytes (target >= 0.5).
//!
//! - OpenID Connect token endpoint (issue 15): authorization code exchanges a
//!   second (each after the `/authorize` that issues its code) and refresh-token
//!   rotations a second, beside the sign-in rate, on both databases.
//!
//! Run: `scripts/bench.sh`. `BENCH_SECONDS` sets each rate phase's length (default 10).

use gatehouse::server::hashing::HashCost;
use serde_json::json;
use std::collections::HashMap;
use std::io::{Read, Seek, SeekFrom};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Reads codes from the server's development outbox as they are appended.
struct Outbox {
    path: PathBuf,
    seen: Mutex<(u64, HashMap<String, String>)>,
}

impl Outbox {
    async fn code_for(&self, phone: &str) -> String {
        for _ in 0..500 {
            {
                let mut seen = self.seen.lock().unwrap();
                if let Ok(mut file) = std::fs::File::open(&self.path) {
                    file.seek(SeekFrom::Start(seen.0)).unwrap();
                    let mut text = String::new();
                    file.read_to_string(&mut text).unwrap();
                    let complete = text.rfind('\n').map_or(0, |i| i + 1);
                    for line in text[..complete].lines() {
                        let m: serde_json::Value = serde_json::from_str(line).unwrap();
                        let to = m["to"].as_str().unwrap().to_owned();
                        seen.1.insert(to, m["code"].as_str().unwrap().to_owned());
                    }
                    seen.0 += complete as u64;
                }
                if let Some(code) = seen.1.remove(phone) {
                    return code;
                }
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        panic!("no code for {phone} in the outbox");
    }
}

const PASSWORD: &str = "abcd1234!";

fn window() -> Duration {
    Duration::from_secs(
        std::env::var("BENCH_SECONDS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(10),
    )
}

fn argon2() -> argon2::Argon2<'static> {
    let c = HashCost::PRODUCTION;
    let params = argon2::Params::new(c.memory_kib, c.iterations, c.lanes, None).unwrap();
    argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
}

/// Operations per second of `op` on `cores` threads for `window`.
/// The proof of work before an SMS (src/server/otp/pow.rs): what checking one
/// solution costs the server, against one argon2id verify on one core (the
/// baseline measured above), and how fast one core of this machine searches,
/// natively (the browser's figures come from scripts/pow_solve_time.mjs). The
/// solution is found before the timed loop.
fn proof_of_work(window: Duration, argon2_verifies_per_core: f64) {
    use gatehouse::domain::pow;
    use gatehouse::domain::OtpPurpose;
    use gatehouse::server::crypto::DataKeys;
    use gatehouse::server::otp::pow::{challenge, check};
    let keys = DataKeys::from_master(&[7; 32]);
    let (client, now) = ("203.0.113.5", 1_767_225_600);
    let issued = challenge(&keys, client, OtpPurpose::Register, now, 16);
    let solution = pow::PowSolution {
        nonce: pow::solve(&issued.token, 16),
        token: issued.token.clone(),
    };
    let checks = raw_rate(1, window, || {
        check(&keys, client, OtpPurpose::Register, now, &solution).expect("solved");
    });
    println!(
        "proof-of-work check (HMAC tag + one SHA-256), one core: {checks:.0}/s, {:.2} µs per request",
        1e6 / checks
    );
    println!(
        "  ratio to one argon2id verify: {:.5} (the check costs 1/{:.0} of a sign-in's hash)",
        argon2_verifies_per_core / checks,
        checks / argon2_verifies_per_core
    );
    const SLICE: u64 = 10_000;
    let next = std::sync::atomic::AtomicU64::new(0);
    let hashes = raw_rate(1, window, || {
        // 64 bits: never solved, so every slice hashes SLICE nonces.
        let from = next.fetch_add(SLICE, Ordering::Relaxed);
        assert!(pow::search(&issued.token, 64, from, SLICE).is_none());
    }) * SLICE as f64;
    println!(
        "proof-of-work search, native, one core: {:.2} M hashes/s; expected solve at 16 bits {:.1} ms, at 20 bits {:.1} ms",
        hashes / 1e6,
        pow::expected_tries(16) as f64 / hashes * 1e3,
        pow::expected_tries(20) as f64 / hashes * 1e3
    );
}

fn raw_rate(cores: usize, window: Duration, op: impl Fn() + Sync) -> f64 {
    let done = AtomicUsize::new(0);
    let start = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..cores {
            s.spawn(|| {
                while start.elapsed() < window {
                    op();
                    done.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
    });
    done.load(Ordering::Relaxed) as f64 / start.elapsed().as_secs_f64()
}

struct Bench {
    base: String,
    outbox: Outbox,
    next_phone: AtomicUsize,
    /// The document versions the sign-up page shows, sent back with each sign-up.
    documents: serde_json::Value,
}

impl Bench {
    /// Waits for the server on `port` to answer.
    async fn connect(port: u16, outbox: PathBuf) -> Arc<Self> {
        let base = format!("http://127.0.0.1:{port}");
        wait_for(&format!("{base}/login")).await;
        let status: serde_json::Value = reqwest::get(format!("{base}/api/register/status"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        Arc::new(Bench {
            documents: status["documents"].clone(),
            base,
            outbox: Outbox {
                path: outbox,
                seen: Mutex::new((0, HashMap::new())),
            },
            next_phone: AtomicUsize::new(0),
        })
    }

    /// Sign-up rate, then password sign-in rate over the accounts it made; prints
    /// both and returns (accounts, sign-ups/s, sign-ins/s).
    async fn auth_rates(
        self: &Arc<Self>,
        workers: usize,
        window: Duration,
    ) -> (Arc<Vec<String>>, f64, f64) {
        let accounts = Arc::new(Mutex::new(Vec::new()));
        let list = accounts.clone();
        let signup = self
            .rate(workers, window, move |b, http, _| {
                let list = list.clone();
                async move {
                    let phone = b.sign_up(&http).await;
                    list.lock().unwrap().push(phone);
                }
            })
            .await;
        let phones: Arc<Vec<String>> = Arc::new(accounts.lock().unwrap().clone());
        let signin = self.rate(workers, window, sign_in_op(phones.clone())).await;
        (phones, signup, signin)
    }

    fn client() -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
    }

    /// A code from `/authorize` for `client`, signing in as `phone` first when the
    /// browser has no session.
    async fn code(&self, http: &reqwest::Client, client: &OidcClient, phone: &str) -> String {
        for _ in 0..2 {
            let reply = http
                .get(format!("{}/authorize", self.base))
                .query(&[
                    ("client_id", client.id.as_str()),
                    ("redirect_uri", OIDC_REDIRECT),
                    ("response_type", "code"),
                    ("scope", "openid phone"),
                    ("state", "s"),
                ])
                .send()
                .await
                .unwrap();
            let location = reply.headers()["location"].to_str().unwrap().to_owned();
            if location.starts_with("/login") {
                self.sign_in(http, phone).await;
                continue;
            }
            let url = reqwest::Url::parse(&location).unwrap();
            return url
                .query_pairs()
                .find(|(k, _)| k == "code")
                .map(|(_, v)| v.into_owned())
                .expect("a code");
        }
        panic!("no code after signing in");
    }

    /// A token request for `client` with `form`; the answer's JSON.
    async fn token(
        &self,
        http: &reqwest::Client,
        client: &OidcClient,
        form: &[(&str, &str)],
    ) -> serde_json::Value {
        let reply = http
            .post(format!("{}/token", self.base))
            .basic_auth(&client.id, Some(&client.secret))
            .form(form)
            .send()
            .await
            .unwrap();
        assert!(reply.status().is_success(), "token: {}", reply.status());
        reply.json().await.unwrap()
    }

    /// Code exchanges a second, then refresh rotations a second, `workers` at a
    /// time, each worker signed in as one of `phones`.
    async fn token_rates(
        self: &Arc<Self>,
        phones: Arc<Vec<String>>,
        client: Arc<OidcClient>,
        workers: usize,
        window: Duration,
    ) -> (f64, f64) {
        let (p, c) = (phones.clone(), client.clone());
        let exchange = self
            .rate(workers, window, move |b, http, i| {
                let (phones, client) = (p.clone(), c.clone());
                async move {
                    let phone = &phones[(i / 1_000_000) % phones.len()];
                    let code = b.code(&http, &client, phone).await;
                    let form = [
                        ("grant_type", "authorization_code"),
                        ("code", code.as_str()),
                        ("redirect_uri", OIDC_REDIRECT),
                    ];
                    b.token(&http, &client, &form).await;
                }
            })
            .await;
        let held: Arc<Mutex<HashMap<usize, String>>> = Arc::default();
        let refresh = self
            .rate(workers, window, move |b, http, i| {
                let (phones, client, held) = (phones.clone(), client.clone(), held.clone());
                async move {
                    let worker = i / 1_000_000;
                    let token = held.lock().unwrap().get(&worker).cloned();
                    let token = match token {
                        Some(token) => token,
                        None => {
                            let phone = &phones[worker % phones.len()];
                            let code = b.code(&http, &client, phone).await;
                            let form = [
                                ("grant_type", "authorization_code"),
                                ("code", code.as_str()),
                                ("redirect_uri", OIDC_REDIRECT),
                            ];
                            let tokens = b.token(&http, &client, &form).await;
                            tokens["refresh_token"].as_str().unwrap().to_owned()
                        }
                    };
                    let form = [
                        ("grant_type", "refresh_token"),
                        ("refresh_token", token.as_str()),
                    ];
                    let tokens = b.token(&http, &client, &form).await;
                    let next = tokens["refresh_token"].as_str().unwrap().to_owned();
                    held.lock().unwrap().insert(worker, next);
                }
            })
            .await;
        (exchange, refresh)
    }

    async fn sign_up(&self, http: &reqwest::Client) -> String {
        let phone = format!("13{:09}", self.next_phone.fetch_add(1, Ordering::Relaxed));
        // The server runs the proof of work at 0 bits here: any nonce solves it, the
        // challenge round trip and its check are still paid (measured apart below).
        let challenge: serde_json::Value = http
            .post(format!("{}/api/pow/challenge", self.base))
            .json(&json!({"purpose": "register"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let pow = json!({"token": challenge["token"], "nonce": 0});
        let sent = http
            .post(format!("{}/api/register/code", self.base))
            .json(&json!({"form": {"phone": phone, "pow": pow}}))
            .send()
            .await
            .unwrap();
        assert!(sent.status().is_success(), "send: {}", sent.status());
        let code = self.outbox.code_for(&phone).await;
        let form = json!({"form": {"phone": phone, "code": code, "password": PASSWORD,
            "invitation": "", "consent": true, "marketing": false,
            "documents": self.documents}});
        let reply = http
            .post(format!("{}/api/register", self.base))
            .json(&form)
            .send()
            .await
            .unwrap();
        assert!(reply.status().is_success(), "register: {}", reply.status());
        phone
    }

    async fn sign_in(&self, http: &reqwest::Client, phone: &str) {
        let reply = http
            .post(format!("{}/api/login/password", self.base))
            .json(&json!({"form": {"phone": phone, "password": PASSWORD}}))
            .send()
            .await
            .unwrap();
        assert!(reply.status().is_success(), "sign-in: {}", reply.status());
    }

    /// Runs `workers` loops of `op` for `window`; returns operations per second.
    async fn rate<F, Fut>(self: &Arc<Self>, workers: usize, window: Duration, op: F) -> f64
    where
        F: Fn(Arc<Self>, reqwest::Client, usize) -> Fut + Send + Sync + Clone + 'static,
        Fut: std::future::Future<Output = ()> + Send,
    {
        let done = Arc::new(AtomicUsize::new(0));
        let start = Instant::now();
        let tasks: Vec<_> = (0..workers)
            .map(|w| {
                let (me, done, op) = (self.clone(), done.clone(), op.clone());
                tokio::spawn(async move {
                    let http = Self::client();
                    let mut i = 0;
                    while start.elapsed() < window {
                        op(me.clone(), http.clone(), w * 1_000_000 + i).await;
                        done.fetch_add(1, Ordering::Relaxed);
                        i += 1;
                    }
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
        done.load(Ordering::Relaxed) as f64 / start.elapsed().as_secs_f64()
    }

    /// p99 of `GET /login` over `n` sequential requests on one connection, in ms.
    async fn page_p99(&self, n: usize) -> f64 {
        let http = reqwest::Client::new();
        let mut times = Vec::with_capacity(n);
        for _ in 0..n {
            let start = Instant::now();
            let body = http
                .get(format!("{}/login", self.base))
                .send()
                .await
                .unwrap()
                .bytes()
                .await
                .unwrap();
            assert!(body.len() > 1000);
            times.push(start.elapsed().as_secs_f64() * 1e3);
        }
        times.sort_by(f64::total_cmp);
        times[(n * 99 / 100).min(n - 1)]
    }
}

/// (VmRSS, VmHWM) of process `pid` in KiB.
fn rss_kib(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn main() {
    if let Ok(spec) = std::env::var(BARE_SERVER) {
        return bare_server(&spec);
    }
    let cores = std::thread::available_parallelism()
        .map(usize::from)
        .unwrap_or(2);
    let window = window();
    println!("cores: {cores}, {} s per rate phase", window.as_secs());

    let a = argon2();
    let hashing = raw_rate(cores, window, || {
        use argon2::password_hash::{rand_core::OsRng, PasswordHasher, SaltString};
        a.hash_password(PASSWORD.as_bytes(), &SaltString::generate(&mut OsRng))
            .unwrap();
    });
    println!("argon2id hash (m=19456 KiB, t=2, p=1), all cores: {hashing:.1}/s");
    let stored = {
        use argon2::password_hash::{rand_core::OsRng, PasswordHasher, SaltString};
        a.hash_password(PASSWORD.as_bytes(), &SaltString::generate(&mut OsRng))
            .unwrap()
            .to_string()
    };
    let verifying = raw_rate(cores, window, || {
        use argon2::password_hash::{PasswordHash, PasswordVerifier};
        a.verify_password(PASSWORD.as_bytes(), &PasswordHash::new(&stored).unwrap())
            .unwrap();
    });
    println!("argon2id verify, all cores: {verifying:.1}/s");
    proof_of_work(window, verifying / cores as f64);

    let sqlite = Server::start(cores, None);
    let pid = sqlite.child.id();
    let permits = cores;
    let port = sqlite.port;
    let outbox = sqlite.outbox.clone();

    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async move {
        let bench = Bench::connect(port, outbox).await;
        let workers = cores * 4;
        let (phones, signup, signin) = bench.auth_rates(workers, window).await;
        let sign_in = sign_in_op(phones.clone());

        let idle = bench.page_p99(300).await;
        let busy = Arc::new(AtomicBool::new(true));
        let load: Vec<_> = (0..workers)
            .map(|w| {
                let (b, busy, sign_in) = (bench.clone(), busy.clone(), sign_in.clone());
                tokio::spawn(async move {
                    let http = Bench::client();
                    let mut i = w;
                    while busy.load(Ordering::Relaxed) {
                        sign_in(b.clone(), http.clone(), i).await;
                        i += workers;
                    }
                })
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(500)).await;
        let loaded = bench.page_p99(300).await;
        busy.store(false, Ordering::Relaxed);
        for t in load {
            t.await.unwrap();
        }
        println!("GET /login p99: idle {idle:.2} ms, under sign-in load {loaded:.2} ms");
        println!("  ratio loaded / idle: {:.2} (target <= 3)", loaded / idle);

        tokio::time::sleep(Duration::from_millis(300)).await;
        let (idle_rss, _) = rss_kib(pid);
        // Reset the server's peak RSS mark (needs the right to write its clear_refs).
        let _ = std::fs::write(format!("/proc/{pid}/clear_refs"), "5");
        for round in 0..3 {
            let batch: Vec<_> = (0..32)
                .map(|i| {
                    let (b, phones) = (bench.clone(), phones.clone());
                    tokio::spawn(async move {
                        b.sign_in(&Bench::client(), &phones[(round * 32 + i) % phones.len()]).await
                    })
                })
                .collect();
            for t in batch {
                t.await.unwrap();
            }
        }
        let (_, peak) = rss_kib(pid);
        let extra_mib = peak.saturating_sub(idle_rss) as f64 / 1024.0;
        let budget = permits as f64 * 19.0;
        println!(
            "RSS: idle {:.1} MiB, peak under 32 concurrent sign-ins {:.1} MiB (+{extra_mib:.1} MiB)",
            idle_rss as f64 / 1024.0,
            peak as f64 / 1024.0
        );
        println!(
            "  ratio extra / ({permits} permits x 19 MiB): {:.2} (target <= 1.5)",
            extra_mib / budget
        );

        // Anonymous page against a bare server of the same bytes.
        let page = reqwest::get(format!("{}/register", bench.base))
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        let page_file = sqlite.dir.path().join("register.html");
        std::fs::write(&page_file, &page).unwrap();
        let bare = BareServer::start(&page_file);
        let bare_base = format!("http://127.0.0.1:{}", bare.port);
        wait_for(&format!("{bare_base}/register")).await;
        let ours = page_rate(&bench.base, workers, window, page.len()).await;
        let theirs = page_rate(&bare_base, workers, window, page.len()).await;
        println!(
            "GET /register ({} bytes, {workers} clients): Gatehouse {ours:.0}/s, bare axum {theirs:.0}/s",
            page.len()
        );
        println!("  ratio Gatehouse / bare: {:.2} (target >= 0.5)", ours / theirs);
        drop(bare);

        let client = Arc::new(sqlite.add_client());
        let (exchange, refresh) = bench
            .token_rates(phones.clone(), client, workers, window)
            .await;
        let mut rows = vec![("SQLite", signup, signin, exchange, refresh)];
        drop(sqlite);
        if let Ok(server) = std::env::var("POSTGRES_TEST_URL") {
            let url = fresh_postgres(&server).await;
            let pg = Server::start(cores, Some(url));
            let bench = Bench::connect(pg.port, pg.outbox.clone()).await;
            let (phones, signup, signin) = bench.auth_rates(workers, window).await;
            let client = Arc::new(pg.add_client());
            let (exchange, refresh) = bench.token_rates(phones, client, workers, window).await;
            rows.push(("PostgreSQL", signup, signin, exchange, refresh));
        }
        println!("side by side ({workers} clients):");
        for (db, signup, signin, _, _) in &rows {
            println!(
                "  {db:<10} sign-up {signup:6.1}/s ({:.2} of hash)   sign-in {signin:6.1}/s ({:.2} of verify)",
                signup / hashing,
                signin / verifying
            );
        }
        println!("OpenID Connect token endpoint ({workers} clients):");
        for (db, _, signin, exchange, refresh) in rows {
            println!(
                "  {db:<10} code exchange (with its /authorize) {exchange:6.1}/s ({:.2} of sign-in)   refresh {refresh:6.1}/s ({:.2} of sign-in)",
                exchange / signin,
                refresh / signin
            );
        }
    });
}

/// The server binary in its own process on a free port, with a temp data dir and
/// `database_url` (default: a SQLite file there); stopped on drop.
struct Server {
    child: std::process::Child,
    port: u16,
    outbox: PathBuf,
    dir: tempfile::TempDir,
    database_url: Option<String>,
}

impl Server {
    fn start(cores: usize, database_url: Option<String>) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let outbox = dir.path().join("outbox.jsonl");
        let big = u32::MAX.to_string();
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_gatehouse"));
        command
            .arg("serve")
            .env("IP", "127.0.0.1")
            .env("PORT", port.to_string())
            .env("DIOXUS_PUBLIC_PATH", dir.path())
            .env("GATEHOUSE_DATA_DIR", dir.path())
            .env("GATEHOUSE_SMS_OUTBOX", &outbox)
            .env("GATEHOUSE_SMS_IP_HOURLY", &big)
            .env("GATEHOUSE_SMS_GLOBAL_HOURLY", &big)
            .env("GATEHOUSE_LOGIN_IP_HOURLY", &big)
            .env("GATEHOUSE_POW_DIFFICULTY", "0")
            .env("GATEHOUSE_POW_RAISED_DIFFICULTY", "0")
            .env("GATEHOUSE_HASH_PERMITS", cores.to_string())
            .env("RUST_LOG", "warn")
            .stdout(std::process::Stdio::null());
        if let Some(url) = &database_url {
            command.env("GATEHOUSE_DATABASE_URL", url);
        }
        let child = command.spawn().expect("starting the server binary");
        Self {
            child,
            port,
            outbox,
            dir,
            database_url,
        }
    }
}

/// A confidential first-party client registered for the bench.
struct OidcClient {
    id: String,
    secret: String,
}

/// Where the bench's client says codes go (nothing listens: the bench reads the
/// `Location`).
const OIDC_REDIRECT: &str = "http://127.0.0.1:9/callback";

impl Server {
    /// Registers a confidential first-party client with `gatehouse oidc client add`
    /// on this server's data directory and database.
    fn add_client(&self) -> OidcClient {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_gatehouse"));
        command
            .args(["oidc", "client", "add", "--name", "bench", "--first-party"])
            .args(["--redirect-uri", OIDC_REDIRECT])
            .env("GATEHOUSE_DATA_DIR", self.dir.path())
            .env("RUST_LOG", "warn");
        if let Some(url) = &self.database_url {
            command.env("GATEHOUSE_DATABASE_URL", url);
        }
        let out = command.output().expect("gatehouse oidc client add");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let created: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        OidcClient {
            id: created["client_id"].as_str().unwrap().to_owned(),
            secret: created["client_secret"].as_str().unwrap().to_owned(),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// This bench binary again, as a bare axum server answering `GET /register` with
/// the bytes of one file: the ceiling for serving a page.
struct BareServer {
    child: std::process::Child,
    port: u16,
}

impl BareServer {
    fn start(page: &std::path::Path) -> Self {
        let port = free_port();
        let child = std::process::Command::new(std::env::current_exe().unwrap())
            .env(BARE_SERVER, format!("{port}:{}", page.display()))
            .spawn()
            .unwrap();
        Self { child, port }
    }
}

impl Drop for BareServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const BARE_SERVER: &str = "BENCH_BARE_SERVER";

/// Runs the bare server of `spec` (`PORT:FILE`) until killed.
fn bare_server(spec: &str) {
    use dioxus::server::axum::{http::header, routing::get, Router};
    let (port, file) = spec.split_once(':').unwrap();
    let body = dioxus::server::axum::body::Bytes::from(std::fs::read(file).unwrap());
    let app = Router::new().route(
        "/register",
        get(move || {
            let body = body.clone();
            async move { ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], body) }
        }),
    );
    tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(async move {
            let listener = tokio::net::TcpListener::bind(format!("127.0.0.1:{port}"))
                .await
                .unwrap();
            dioxus::server::axum::serve(listener, app).await.unwrap();
        });
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn wait_for(url: &str) {
    for _ in 0..300 {
        if reqwest::get(url).await.is_ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{url} did not answer");
}

/// A new database on the PostgreSQL server `server` (`postgres://USER@HOST:PORT`).
async fn fresh_postgres(server: &str) -> String {
    use sqlx::Connection;
    let server = server.trim_end_matches('/');
    let mut admin = sqlx::PgConnection::connect(&format!("{server}/postgres"))
        .await
        .unwrap();
    let name = format!("gatehouse_bench_{}", std::process::id());
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .unwrap();
    format!("{server}/{name}")
}

/// `GET /register` per second from `workers` keep-alive clients for `window`,
/// each answer checked for its length.
async fn page_rate(base: &str, workers: usize, window: Duration, length: usize) -> f64 {
    let done = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let tasks: Vec<_> = (0..workers)
        .map(|_| {
            let (done, url) = (done.clone(), format!("{base}/register"));
            tokio::spawn(async move {
                let http = reqwest::Client::new();
                while start.elapsed() < window {
                    let body = http.get(&url).send().await.unwrap().bytes().await.unwrap();
                    assert_eq!(body.len(), length);
                    done.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    done.load(Ordering::Relaxed) as f64 / start.elapsed().as_secs_f64()
}

/// Signs in as one of `phones`, chosen by the loop counter.
fn sign_in_op(
    phones: Arc<Vec<String>>,
) -> impl Fn(
    Arc<Bench>,
    reqwest::Client,
    usize,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>
       + Send
       + Sync
       + Clone
       + 'static {
    move |b: Arc<Bench>, http: reqwest::Client, i: usize| {
        let phones = phones.clone();
        Box::pin(async move { b.sign_in(&http, &phones[i % phones.len()]).await })
    }
}
