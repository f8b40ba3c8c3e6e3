//! Sign-up throughput against raw argon2, measured in one run (issue 2).
//!
//! 1. Raw argon2id hashing rate at production cost on all cores (one thread a core).
//! 2. End-to-end sign-up rate through HTTP: the real router on 127.0.0.1, a fresh
//!    SQLite file, production hashing cost; clients send a code and register, with
//!    concurrency twice the cores.
//!
//! Prints both rates and their ratio (target: sign-up >= 0.8 x hashing).
//! Run: `scripts/bench.sh` (or `cargo bench --features server --bench signup`).
//! `BENCH_SECONDS` sets each phase's length (default 10).

use async_trait::async_trait;
use gatehouse::server::cli::open_state;
use gatehouse::server::hashing::HashCost;
use gatehouse::server::sms::{SmsError, SmsMessage, SmsProvider};
use gatehouse::server::{Settings, SystemClock};
use serde_json::json;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Keeps sent codes in memory so the clients can read them back.
#[derive(Debug, Default)]
struct CapturedCodes(Mutex<HashMap<String, String>>);

#[async_trait]
impl SmsProvider for CapturedCodes {
    async fn send(&self, m: &SmsMessage) -> Result<(), SmsError> {
        self.0.lock().unwrap().insert(m.to.clone(), m.code.clone());
        Ok(())
    }
}

fn seconds() -> Duration {
    Duration::from_secs(
        std::env::var("BENCH_SECONDS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(10),
    )
}

fn hashing_rate(cores: usize, window: Duration) -> f64 {
    use argon2::password_hash::{rand_core::OsRng, PasswordHasher, SaltString};
    let c = HashCost::PRODUCTION;
    let params = argon2::Params::new(c.memory_kib, c.iterations, c.lanes, None).unwrap();
    let argon2 = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let done = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..cores {
            let (argon2, done) = (argon2.clone(), done.clone());
            s.spawn(move || {
                while start.elapsed() < window {
                    let salt = SaltString::generate(&mut OsRng);
                    argon2.hash_password(b"abcd1234!", &salt).unwrap();
                    done.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
    });
    done.load(Ordering::Relaxed) as f64 / start.elapsed().as_secs_f64()
}

async fn signup_rate(cores: usize, window: Duration) -> f64 {
    let dir = tempfile::tempdir().unwrap();
    std::env::set_var("DIOXUS_PUBLIC_PATH", dir.path());
    let settings = Settings {
        data_dir: dir.path().to_path_buf(),
        sms_ip_hourly: u32::MAX,
        sms_global_hourly: u32::MAX,
        hash_permits: Some(cores),
        ..Settings::default()
    };
    let codes = Arc::new(CapturedCodes::default());
    let state = open_state(settings, Arc::new(SystemClock), HashCost::PRODUCTION)
        .await
        .unwrap()
        .with_sms(codes.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let router = gatehouse::server::http::router(state);
    tokio::spawn(gatehouse::server::http::serve(
        listener,
        router,
        std::future::pending(),
    ));

    let next = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let clients: Vec<_> = (0..cores * 2)
        .map(|_| {
            let (base, codes, next, done) = (base.clone(), codes.clone(), next.clone(), done.clone());
            tokio::spawn(async move {
                while start.elapsed() < window {
                    let http = reqwest::Client::builder().cookie_store(true).build().unwrap();
                    let phone = format!("13{:09}", next.fetch_add(1, Ordering::Relaxed));
                    let sent = http
                        .post(format!("{base}/api/register/code"))
                        .json(&json!({"form": {"phone": phone}}))
                        .send()
                        .await
                        .unwrap();
                    assert!(sent.status().is_success(), "send: {}", sent.status());
                    let code = codes.0.lock().unwrap().remove(&phone).unwrap();
                    let form = json!({"form": {"phone": phone, "code": code, "password": "abcd1234!",
                        "invitation": "", "consent": true, "marketing": false}});
                    let done_reply = http
                        .post(format!("{base}/api/register"))
                        .json(&form)
                        .send()
                        .await
                        .unwrap();
                    assert!(done_reply.status().is_success(), "register: {}", done_reply.status());
                    done.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    for c in clients {
        c.await.unwrap();
    }
    done.load(Ordering::Relaxed) as f64 / start.elapsed().as_secs_f64()
}

fn main() {
    let cores = std::thread::available_parallelism()
        .map(usize::from)
        .unwrap_or(2);
    let window = seconds();
    println!("cores: {cores}, window: {} s per phase", window.as_secs());
    let hashing = hashing_rate(cores, window);
    println!("argon2id hashing (m=19456 KiB, t=2, p=1), all cores: {hashing:.1} hashes/s");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let signup = runtime.block_on(signup_rate(cores, window));
    println!(
        "sign-up through HTTP (send code + register, {} clients): {signup:.1} sign-ups/s",
        cores * 2
    );
    let ratio = signup / hashing;
    println!("ratio sign-up / hashing: {ratio:.2} (target >= 0.80)");
}
