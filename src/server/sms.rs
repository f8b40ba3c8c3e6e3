//! SMS providers behind one trait (docs/DESIGN.md §2): the development outbox (refused
//! in production, see `config`) and a signed HTTPS webhook for production.

use async_trait::async_trait;
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use sha2::Sha256;
use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;
use tokio::sync::Mutex;

/// One text to send.
#[derive(Clone, Serialize)]
pub struct SmsMessage {
    /// Unique per message (32 hex digits), so a provider can drop a repeated delivery.
    pub id: String,
    /// 11-digit mainland number.
    pub to: String,
    /// `register`, `login`, ...
    pub purpose: &'static str,
    /// The 6 digits.
    pub code: String,
    /// The localized text that carries the code.
    pub text: String,
    /// RFC 3339.
    pub sent_at: String,
}

impl std::fmt::Debug for SmsMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmsMessage")
            .field("purpose", &self.purpose)
            .finish_non_exhaustive()
    }
}

/// The provider failed to take the message; the user sees "the SMS could not be sent".
#[derive(Debug, thiserror::Error)]
#[error("SMS provider: {0}")]
pub struct SmsError(pub String);

#[async_trait]
pub trait SmsProvider: Send + Sync + std::fmt::Debug + 'static {
    async fn send(&self, message: &SmsMessage) -> Result<(), SmsError>;
}

/// The development provider: appends each message as one JSON line
/// `{"to","purpose","code","text","sent_at"}` to the outbox file and logs it. The
/// one place a code may be written down; never used in production.
#[derive(Debug)]
pub struct DevOutbox {
    path: PathBuf,
    lock: Mutex<()>,
}

impl DevOutbox {
    pub fn new(path: PathBuf) -> Self {
        Self {
            path,
            lock: Mutex::new(()),
        }
    }
}

#[async_trait]
impl SmsProvider for DevOutbox {
    async fn send(&self, message: &SmsMessage) -> Result<(), SmsError> {
        let mut line = serde_json::to_string(message).map_err(|e| SmsError(e.to_string()))?;
        line.push('\n');
        let _guard = self.lock.lock().await;
        let path = self.path.clone();
        tokio::task::spawn_blocking(move || -> std::io::Result<()> {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)?
                .write_all(line.as_bytes())
        })
        .await
        .map_err(|e| SmsError(e.to_string()))?
        .map_err(|e| SmsError(format!("outbox {}: {e}", self.path.display())))?;
        tracing::info!(
            to = %message.to,
            purpose = message.purpose,
            code = %message.code,
            "development SMS provider: message written to the outbox"
        );
        Ok(())
    }
}

/// The webhook provider: one `POST` per code to the operator's SMS gateway, with the
/// JSON body `{"id", "phone", "template", "code", "text", "sent_at"}` (`template` is
/// the purpose: `register`, `login`, `reset`) and these headers:
///
/// - `Idempotency-Key`: the message's `id`, so a gateway or proxy that retries sends
///   one SMS;
/// - `X-Gatehouse-Timestamp`: Unix seconds of the request;
/// - `X-Gatehouse-Signature`: `sha256=` and the hex HMAC-SHA256, keyed with the
///   secret, of `{timestamp}.{body}` (the gateway rejects stale or unsigned requests).
///
/// A 2xx answer within the timeout means sent. Anything else is an [`SmsError`]; the
/// request is never retried here, so the caller withdraws the code and the user may
/// ask again: no cooldown starts and no second live code exists.
#[derive(Debug)]
pub struct Webhook {
    url: String,
    secret: SecretString,
    client: reqwest::Client,
}

impl Webhook {
    /// A provider posting to `url`, giving up after `timeout`.
    ///
    /// Errors: the HTTP client cannot be built (no TLS roots).
    pub fn new(url: String, secret: SecretString, timeout: Duration) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("gatehouse/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self {
            url,
            secret,
            client,
        })
    }

    /// `sha256=` + hex HMAC-SHA256 of `{timestamp}.{body}` under `secret`.
    pub fn signature(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        let hex: String = mac
            .finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        format!("sha256={hex}")
    }
}

#[derive(Serialize)]
struct WebhookBody<'a> {
    id: &'a str,
    phone: &'a str,
    template: &'a str,
    code: &'a str,
    text: &'a str,
    sent_at: &'a str,
}

#[async_trait]
impl SmsProvider for Webhook {
    async fn send(&self, message: &SmsMessage) -> Result<(), SmsError> {
        let body = serde_json::to_vec(&WebhookBody {
            id: &message.id,
            phone: &message.to,
            template: message.purpose,
            code: &message.code,
            text: &message.text,
            sent_at: &message.sent_at,
        })
        .map_err(|e| SmsError(e.to_string()))?;
        let timestamp = chrono::Utc::now().timestamp();
        let signature = Self::signature(self.secret.expose_secret().as_bytes(), timestamp, &body);
        let answer = self
            .client
            .post(&self.url)
            .header("content-type", "application/json")
            .header("idempotency-key", &message.id)
            .header("x-gatehouse-timestamp", timestamp.to_string())
            .header("x-gatehouse-signature", signature)
            .body(body)
            .send()
            .await
            // Without the URL: reqwest's error text would not hold secrets, but keep
            // the log to what an operator needs.
            .map_err(|e| {
                SmsError(if e.is_timeout() {
                    "webhook timed out".into()
                } else {
                    format!("webhook unreachable: {}", e.without_url())
                })
            })?;
        let status = answer.status();
        if status.is_success() {
            Ok(())
        } else {
            Err(SmsError(format!("webhook answered {status}")))
        }
    }
}
