//! SMS providers behind one trait (DESIGN.md §2). This build has the development
//! provider; production refuses it at start (see `config`).

use async_trait::async_trait;
use serde::Serialize;
use std::io::Write;
use std::path::PathBuf;
use tokio::sync::Mutex;

/// One text to send.
#[derive(Clone, Serialize)]
pub struct SmsMessage {
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
