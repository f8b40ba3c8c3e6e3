//! The webhook provider: the operator's own SMS gateway behind a signed `POST`.

use super::{http_client, transport_error, SmsError, SmsMessage, SmsProvider};
use async_trait::async_trait;
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use std::time::Duration;

/// One `POST` per message to the operator's SMS gateway, with the JSON body
/// `{"id", "phone", "template", "code", "text", "sent_at"}` and these headers:
///
/// - `Idempotency-Key`: the message's `id`, so a gateway or proxy that retries sends
///   one SMS;
/// - `X-Gatehouse-Timestamp`: Unix seconds of the request;
/// - `X-Gatehouse-Signature`: `sha256=` and the hex HMAC-SHA256, keyed with the
///   secret, of `{timestamp}.{body}` (the gateway rejects stale or unsigned requests).
///
/// `template` is the purpose: a code's (`register`, `login`, `reset`, ...) or a
/// notice's (`password-changed`, `phone-changed`, `new-browser`), for which `code`
/// is `null`. A message with further template parameters adds `"params": {name:
/// value}`.
///
/// A 2xx answer within the timeout means sent; 429 is [`SmsError::RateLimited`];
/// anything else is [`SmsError::Failed`]. The request is never retried here, so the
/// caller withdraws the code and the user may ask again: no cooldown starts and no
/// second live code exists.
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
        Ok(Self {
            url,
            secret,
            client: http_client(timeout)?,
        })
    }

    /// `sha256=` + hex HMAC-SHA256 of `{timestamp}.{body}` under `secret`.
    pub fn signature(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
        let mut signed = format!("{timestamp}.").into_bytes();
        signed.extend_from_slice(body);
        format!(
            "sha256={}",
            hex::encode(super::hmac_sha256(secret, &signed))
        )
    }
}

#[derive(Serialize)]
struct WebhookBody<'a> {
    id: &'a str,
    phone: &'a str,
    template: &'a str,
    code: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    params: Option<serde_json::Map<String, serde_json::Value>>,
    text: &'a str,
    sent_at: &'a str,
}

#[async_trait]
impl SmsProvider for Webhook {
    async fn send(&self, message: &SmsMessage) -> Result<(), SmsError> {
        let params = (!message.params.is_empty()).then(|| {
            message
                .params
                .iter()
                .map(|(name, value)| (name.to_string(), value.clone().into()))
                .collect()
        });
        let body = serde_json::to_vec(&WebhookBody {
            id: &message.id,
            phone: &message.to,
            template: message.purpose,
            code: message.code.as_deref(),
            params,
            text: &message.text,
            sent_at: &message.sent_at,
        })
        .map_err(|e| SmsError::Failed(e.to_string()))?;
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
            .map_err(|e| transport_error("webhook", e))?;
        let status = answer.status();
        if status.is_success() {
            Ok(())
        } else if status == reqwest::StatusCode::TOO_MANY_REQUESTS {
            Err(SmsError::RateLimited(format!("webhook answered {status}")))
        } else {
            Err(SmsError::Failed(format!("webhook answered {status}")))
        }
    }
}
