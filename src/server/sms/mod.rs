//! SMS providers behind one trait (docs/DESIGN.md §2): the development outbox (refused
//! in production, see `config`), a signed HTTPS webhook, and the Alibaba Cloud and
//! Tencent Cloud SMS APIs. One provider per file; this module holds what they share.

use async_trait::async_trait;
use hmac::{Hmac, Mac};
use serde::{Serialize, Serializer};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;
use tokio::sync::Mutex;

mod aliyun;
mod tencent;
mod webhook;

pub use aliyun::{Acs3Request, Aliyun, AliyunConfig};
pub use tencent::{Tc3Request, Tencent, TencentConfig};
pub use webhook::Webhook;

/// The purposes of security notices: texts without a code, sent when a template is
/// configured and skipped otherwise (docs/DESIGN.md §2).
pub const NOTICE_PURPOSES: [&str; 3] = ["password-changed", "phone-changed", "new-browser"];

/// One text to send: a code (`code` is `Some`) or a security notice (`None`).
#[derive(Clone, Serialize)]
pub struct SmsMessage {
    /// Unique per message (32 hex digits), so a provider can drop a repeated delivery.
    pub id: String,
    /// 11-digit mainland number.
    pub to: String,
    /// Names the template: an [`OtpPurpose`](crate::domain::OtpPurpose) name
    /// (`register`, `login`, ...) or one of [`NOTICE_PURPOSES`].
    pub purpose: &'static str,
    /// The 6 digits; `None` for a notice.
    pub code: Option<String>,
    /// Further named template parameters, in template order (empty for codes today).
    #[serde(serialize_with = "as_map", skip_serializing_if = "Vec::is_empty")]
    pub params: Vec<(&'static str, String)>,
    /// The localized text, for providers that send free text.
    pub text: String,
    /// RFC 3339.
    pub sent_at: String,
}

impl SmsMessage {
    /// The template's parameters in order: `code` first when there is one, then
    /// [`Self::params`]. Alibaba Cloud takes them by name, Tencent Cloud by position
    /// (`{1}` is the first).
    pub fn template_params(&self) -> Vec<(&'static str, &str)> {
        self.code
            .as_deref()
            .map(|code| ("code", code))
            .into_iter()
            .chain(
                self.params
                    .iter()
                    .map(|(name, value)| (*name, value.as_str())),
            )
            .collect()
    }
}

fn as_map<S: Serializer>(params: &[(&'static str, String)], s: S) -> Result<S::Ok, S::Error> {
    s.collect_map(params.iter().map(|(k, v)| (k, v)))
}

impl std::fmt::Debug for SmsMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmsMessage")
            .field("purpose", &self.purpose)
            .finish_non_exhaustive()
    }
}

/// Why a message was not sent. In every case it counts as not sent: the caller
/// withdraws the code, so no cooldown starts. The texts carry the vendor's error
/// code and message (digit runs masked), never the number, the code or a key.
#[derive(Debug, thiserror::Error)]
pub enum SmsError {
    /// The vendor throttled the send (its per-number or per-account limits, HTTP
    /// 429): the user is told to try later.
    #[error("SMS provider throttled the send: {0}")]
    RateLimited(String),
    /// The vendor says the number cannot receive messages (malformed, or on a
    /// do-not-disturb list): a 422 on the phone field.
    #[error("SMS provider refused the number: {0}")]
    InvalidNumber(String),
    /// Keys, balance, sign name or template are wrong at the vendor: logged as an
    /// error for the operator; the user sees "could not be sent".
    #[error("SMS provider misconfigured: {0}; operator action needed")]
    Misconfigured(String),
    /// Anything else, including no answer within the timeout.
    #[error("SMS provider failed: {0}")]
    Failed(String),
}

#[async_trait]
pub trait SmsProvider: Send + Sync + std::fmt::Debug + 'static {
    /// Hands `message` to the provider; `Ok` once the provider accepted it.
    ///
    /// Errors: [`SmsError`]; the send is never retried here.
    async fn send(&self, message: &SmsMessage) -> Result<(), SmsError>;
}

/// The development provider: appends each message as one JSON line
/// `{"id","to","purpose","code","text","sent_at"}` (`code` is `null` for a notice;
/// `params` appears when a message has any) to the outbox file and logs it. The one
/// place a code may be written down; never used in production.
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
        let mut line =
            serde_json::to_string(message).map_err(|e| SmsError::Failed(e.to_string()))?;
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
        .map_err(|e| SmsError::Failed(e.to_string()))?
        .map_err(|e| SmsError::Failed(format!("outbox {}: {e}", self.path.display())))?;
        tracing::info!(
            to = %message.to,
            purpose = message.purpose,
            code = message.code.as_deref().unwrap_or("-"),
            "development SMS provider: message written to the outbox"
        );
        Ok(())
    }
}

/// The vendor template id of each purpose (`GATEHOUSE_SMS_TEMPLATE_*`).
#[derive(Debug, Clone, Default)]
pub struct Templates(Vec<(&'static str, String)>);

impl Templates {
    /// Templates from (purpose, template id) pairs; a purpose without an id is left out.
    pub fn new<'a>(pairs: impl IntoIterator<Item = (&'static str, Option<&'a str>)>) -> Self {
        Self(
            pairs
                .into_iter()
                .filter_map(|(purpose, id)| Some((purpose, id?.trim().to_owned())))
                .filter(|(_, id)| !id.is_empty())
                .collect(),
        )
    }

    /// The template for `purpose`: `Ok(None)` for a notice without one (skip it).
    ///
    /// Errors: [`SmsError::Misconfigured`] for a code purpose without a template
    /// (`config` refuses to start without them, so only an unknown purpose).
    fn resolve(&self, purpose: &str) -> Result<Option<&str>, SmsError> {
        match self.0.iter().find(|(p, _)| *p == purpose) {
            Some((_, id)) => Ok(Some(id)),
            None if NOTICE_PURPOSES.contains(&purpose) => Ok(None),
            None => Err(SmsError::Misconfigured(format!(
                "no template for purpose {purpose:?}"
            ))),
        }
    }
}

/// The HTTP client of the remote providers: `timeout` for the whole exchange, no
/// redirects (a redirect could carry the request elsewhere).
///
/// Errors: the client cannot be built (no TLS roots).
fn http_client(timeout: Duration) -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("gatehouse/", env!("CARGO_PKG_VERSION")))
        .build()?)
}

/// A transport failure as an [`SmsError::Failed`], without the URL (a vendor URL
/// may carry the number in its query).
fn transport_error(vendor: &str, e: reqwest::Error) -> SmsError {
    SmsError::Failed(if e.is_timeout() {
        format!("{vendor} timed out")
    } else {
        format!("{vendor} unreachable: {}", e.without_url())
    })
}

/// `endpoint`'s `Host` value (`host[:port]`, the port only when not the scheme's
/// default), as the request carries it and the signatures cover it.
///
/// Errors: the endpoint does not parse or has no host.
fn host_of(endpoint: &reqwest::Url) -> anyhow::Result<String> {
    let host = endpoint
        .host_str()
        .ok_or_else(|| anyhow::anyhow!("the SMS endpoint has no host"))?;
    Ok(match endpoint.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    })
}

/// Hex SHA-256 of `data`.
fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// HMAC-SHA256 of `data` under `key`.
fn hmac_sha256(key: &[u8], data: &[u8]) -> [u8; 32] {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// A vendor's error code and message for the log: at most 200 characters, runs of
/// 7 or more digits masked (a vendor may echo the number).
fn vendor_detail(code: &str, message: &str) -> String {
    let mut out = String::new();
    let mut digits = String::new();
    for c in format!("{code}: {message}").chars().take(200) {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        out.push_str(if digits.len() >= 7 { "***" } else { &digits });
        digits.clear();
        out.push(c);
    }
    out.push_str(if digits.len() >= 7 { "***" } else { &digits });
    out
}

/// A random 128-bit nonce in hex.
fn nonce() -> String {
    use rand::Rng;
    let bytes: [u8; 16] = rand::rngs::OsRng.gen();
    hex::encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vendor_detail_masks_numbers_and_keeps_codes() {
        assert_eq!(
            vendor_detail("isv.MOBILE_NUMBER_ILLEGAL", "bad number 13800138000, try 5"),
            "isv.MOBILE_NUMBER_ILLEGAL: bad number ***, try 5"
        );
        assert_eq!(vendor_detail("x", "+8613800138000"), "x: +***");
        assert!(vendor_detail("x", &"y".repeat(500)).chars().count() <= 200);
    }

    #[test]
    fn template_params_put_the_code_first() {
        let message = SmsMessage {
            id: "i".into(),
            to: "13800138000".into(),
            purpose: "new-browser",
            code: None,
            params: vec![("time", "10:00".into())],
            text: String::new(),
            sent_at: String::new(),
        };
        assert_eq!(message.template_params(), vec![("time", "10:00")]);
        let json = serde_json::to_value(&message).unwrap();
        assert_eq!(json["code"], serde_json::Value::Null);
        assert_eq!(json["params"]["time"], "10:00");
        let code = SmsMessage {
            code: Some("123456".into()),
            params: Vec::new(),
            ..message
        };
        assert_eq!(code.template_params(), vec![("code", "123456")]);
        assert!(serde_json::to_value(&code).unwrap().get("params").is_none());
    }

    #[test]
    fn templates_skip_notices_and_refuse_unknown_codes() {
        let t = Templates::new([("register", Some("SMS_1")), ("login", Some(" "))]);
        assert_eq!(t.resolve("register").unwrap(), Some("SMS_1"));
        assert_eq!(t.resolve("new-browser").unwrap(), None);
        assert!(matches!(
            t.resolve("login"),
            Err(SmsError::Misconfigured(_))
        ));
    }
}
