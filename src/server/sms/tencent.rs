//! Tencent Cloud SMS (腾讯云短信): `SendSms` of API version 2021-01-11, JSON over
//! `POST`, signed with TC3-HMAC-SHA256.
//!
//! Spec: "签名方法 v3" (cloud.tencent.com/document/api/382/52072); the request:
//! cloud.tencent.com/document/api/382/55981; error codes:
//! cloud.tencent.com/document/api/382/59177.

use super::{
    hmac_sha256, host_of, http_client, sha256_hex, transport_error, vendor_detail, SmsError,
    SmsMessage, SmsProvider, Templates,
};
use async_trait::async_trait;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use std::time::Duration;

const ACTION: &str = "SendSms";
const VERSION: &str = "2021-01-11";
const SERVICE: &str = "sms";
const ALGORITHM: &str = "TC3-HMAC-SHA256";
const CONTENT_TYPE: &str = "application/json; charset=utf-8";

/// What [`Tencent::new`] needs (`GATEHOUSE_SMS_TENCENT_*`, `GATEHOUSE_SMS_SIGN_NAME`,
/// `GATEHOUSE_SMS_TEMPLATE_*`).
pub struct TencentConfig {
    /// `https://sms.tencentcloudapi.com` (scheme, host and optional port; no path).
    pub endpoint: String,
    /// `ap-guangzhou`, ...
    pub region: String,
    pub secret_id: String,
    pub secret_key: SecretString,
    /// The SMS application's `SdkAppId`, e.g. `1400006666`.
    pub sdk_app_id: String,
    /// The approved sign name (签名内容).
    pub sign_name: String,
    /// Template ids (`1110`) by purpose.
    pub templates: Templates,
    /// The whole exchange; slower counts as not sent.
    pub timeout: Duration,
}

/// The Tencent Cloud SMS provider: one `POST {endpoint}/` per message with headers
/// `X-TC-Action: SendSms`, `X-TC-Version: 2021-01-11`, `X-TC-Timestamp`,
/// `X-TC-Region` and the JSON body `PhoneNumberSet` (`["+8613800138000"]`),
/// `SmsSdkAppId`, `SignName`, `TemplateId`, `TemplateParamSet` (`["123456"]`) and
/// `SessionContext` (the message id).
///
/// Sent when `Response.SendStatusSet[0].Code` is `Ok`. An error code, in
/// `Response.Error.Code` or in that status (see [`classify`]): `LimitExceeded.*` is
/// [`SmsError::RateLimited`]; `InvalidParameterValue.IncorrectPhoneNumber` and
/// `FailedOperation.PhoneNumberInBlacklist` are [`SmsError::InvalidNumber`]; keys,
/// balance, sign name and template errors are [`SmsError::Misconfigured`]; the rest,
/// and no answer within the timeout, [`SmsError::Failed`].
pub struct Tencent {
    endpoint: reqwest::Url,
    host: String,
    region: String,
    secret_id: String,
    secret_key: SecretString,
    sdk_app_id: String,
    sign_name: String,
    templates: Templates,
    client: reqwest::Client,
}

impl std::fmt::Debug for Tencent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tencent")
            .field("endpoint", &self.endpoint.as_str())
            .field("region", &self.region)
            .field("secret_id", &self.secret_id)
            .field("sdk_app_id", &self.sdk_app_id)
            .field("sign_name", &self.sign_name)
            .field("templates", &self.templates)
            .finish_non_exhaustive()
    }
}

impl Tencent {
    /// Errors: the endpoint is not a URL with a host; the HTTP client cannot be built.
    pub fn new(config: TencentConfig) -> anyhow::Result<Self> {
        let mut endpoint = reqwest::Url::parse(config.endpoint.trim_end_matches('/'))?;
        endpoint.set_path("/");
        Ok(Self {
            host: host_of(&endpoint)?,
            endpoint,
            region: config.region,
            secret_id: config.secret_id,
            secret_key: config.secret_key,
            sdk_app_id: config.sdk_app_id,
            sign_name: config.sign_name,
            templates: config.templates,
            client: http_client(config.timeout)?,
        })
    }
}

/// One `POST /` request signed with TC3-HMAC-SHA256, over the headers
/// `content-type` and `host`.
pub struct Tc3Request<'a> {
    /// The `Host` header: `sms.tencentcloudapi.com`.
    pub host: &'a str,
    /// The product: `sms`.
    pub service: &'a str,
    /// `X-TC-Timestamp`, Unix seconds; its UTC date enters the credential scope.
    pub timestamp: i64,
    /// The `Content-Type` header, exactly as sent.
    pub content_type: &'a str,
    /// The JSON body, exactly as sent.
    pub body: &'a [u8],
}

impl Tc3Request<'_> {
    /// `POST\n/\n\ncontent-type:…\nhost:…\n\ncontent-type;host\n{hex sha256(body)}`.
    pub fn canonical_request(&self) -> String {
        format!(
            "POST\n/\n\ncontent-type:{}\nhost:{}\n\ncontent-type;host\n{}",
            self.content_type.trim().to_ascii_lowercase(),
            self.host.trim().to_ascii_lowercase(),
            sha256_hex(self.body)
        )
    }

    /// `YYYY-MM-DD/{service}/tc3_request`, the date in UTC.
    pub fn credential_scope(&self) -> String {
        let date = chrono::DateTime::from_timestamp(self.timestamp, 0)
            .unwrap_or_default()
            .format("%Y-%m-%d");
        format!("{date}/{}/tc3_request", self.service)
    }

    /// `TC3-HMAC-SHA256\n{timestamp}\n{scope}\n{hex sha256(canonical request)}`.
    pub fn string_to_sign(&self) -> String {
        format!(
            "{ALGORITHM}\n{}\n{}\n{}",
            self.timestamp,
            self.credential_scope(),
            sha256_hex(self.canonical_request().as_bytes())
        )
    }

    /// Hex HMAC-SHA256 of the string to sign under the key derived from the
    /// SecretKey: `HMAC(HMAC(HMAC("TC3" + key, date), service), "tc3_request")`.
    pub fn signature(&self, secret_key: &[u8]) -> String {
        let scope = self.credential_scope();
        let date = scope.split('/').next().unwrap_or_default();
        let mut key = b"TC3".to_vec();
        key.extend_from_slice(secret_key);
        let key = hmac_sha256(&key, date.as_bytes());
        let key = hmac_sha256(&key, self.service.as_bytes());
        let key = hmac_sha256(&key, b"tc3_request");
        hex::encode(hmac_sha256(&key, self.string_to_sign().as_bytes()))
    }

    /// The `Authorization` header: `TC3-HMAC-SHA256 Credential={id}/{scope},
    /// SignedHeaders=content-type;host, Signature={hex}`.
    pub fn authorization(&self, secret_id: &str, secret_key: &[u8]) -> String {
        format!(
            "{ALGORITHM} Credential={secret_id}/{}, SignedHeaders=content-type;host, Signature={}",
            self.credential_scope(),
            self.signature(secret_key)
        )
    }
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct SendSms<'a> {
    phone_number_set: [String; 1],
    sms_sdk_app_id: &'a str,
    sign_name: &'a str,
    template_id: &'a str,
    template_param_set: Vec<&'a str>,
    session_context: &'a str,
}

#[derive(Deserialize)]
struct Answer {
    #[serde(rename = "Response")]
    response: Response,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Response {
    error: Option<Status>,
    #[serde(default)]
    send_status_set: Vec<Status>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Status {
    code: String,
    #[serde(default)]
    message: String,
}

/// The [`SmsError`] of an error code (the SMS error-code table and the common
/// TencentCloud API codes).
fn classify(code: &str, message: &str) -> SmsError {
    let detail = format!("Tencent {}", vendor_detail(code, message));
    match code {
        // The application's own daily caps: every send fails until tomorrow, which
        // needs the operator (raise them in the console), not a user's retry.
        "LimitExceeded.AppCountryOrRegionInBlacklist"
        | "LimitExceeded.PhoneNumberCountLimit"
        | "LimitExceeded.AppDailyLimit"
        | "LimitExceeded.AppGlobalDailyLimit"
        | "LimitExceeded.AppMainlandChinaDailyLimit"
        | "LimitExceeded.DailyLimit" => SmsError::Misconfigured(detail),
        c if c.starts_with("LimitExceeded") || c.starts_with("RequestLimitExceeded") => {
            SmsError::RateLimited(detail)
        }
        "InvalidParameterValue.IncorrectPhoneNumber"
        | "FailedOperation.PhoneNumberInBlacklist"
        | "FailedOperation.PhoneNumberParseFail" => SmsError::InvalidNumber(detail),
        "FailedOperation.InsufficientBalanceInSmsPackage"
        | "FailedOperation.SignatureIncorrectOrUnapproved"
        | "FailedOperation.TemplateIncorrectOrUnapproved"
        | "FailedOperation.TemplateParamSetNotMatchApprovedTemplate"
        | "FailedOperation.TemplateUnapprovedOrNotExist"
        | "FailedOperation.ContainSensitiveWord"
        | "InvalidParameterValue.SdkAppIdNotExist"
        | "InvalidParameterValue.TemplateParameterFormatError"
        | "InvalidParameterValue.TemplateParameterLengthLimit"
        | "InvalidParameterValue.ProhibitedUseUrlInTemplateParameter"
        | "InvalidParameterValue.ContentLengthLimit"
        | "InvalidAction"
        | "NoSuchProduct"
        | "NoSuchVersion"
        | "IpInBlacklist"
        | "IpNotInWhitelist"
        | "InternalError.SigVerificationFail" => SmsError::Misconfigured(detail),
        c if c.starts_with("AuthFailure") || c.starts_with("UnauthorizedOperation") => {
            SmsError::Misconfigured(detail)
        }
        _ => SmsError::Failed(detail),
    }
}

#[async_trait]
impl SmsProvider for Tencent {
    async fn send(&self, message: &SmsMessage) -> Result<(), SmsError> {
        let Some(template) = self.templates.resolve(message.purpose)? else {
            tracing::debug!(
                purpose = message.purpose,
                "no Tencent template for this notice; skipped"
            );
            return Ok(());
        };
        let params = message.template_params();
        let body = serde_json::to_vec(&SendSms {
            phone_number_set: [format!("+86{}", message.to)],
            sms_sdk_app_id: &self.sdk_app_id,
            sign_name: &self.sign_name,
            template_id: template,
            template_param_set: params.iter().map(|(_, value)| *value).collect(),
            session_context: &message.id,
        })
        .map_err(|e| SmsError::Failed(e.to_string()))?;
        let timestamp = chrono::Utc::now().timestamp();
        let authorization = Tc3Request {
            host: &self.host,
            service: SERVICE,
            timestamp,
            content_type: CONTENT_TYPE,
            body: &body,
        }
        .authorization(&self.secret_id, self.secret_key.expose_secret().as_bytes());
        let answer = self
            .client
            .post(self.endpoint.clone())
            .header("host", &self.host)
            .header("content-type", CONTENT_TYPE)
            .header("x-tc-action", ACTION)
            .header("x-tc-version", VERSION)
            .header("x-tc-timestamp", timestamp.to_string())
            .header("x-tc-region", &self.region)
            .header("authorization", authorization)
            .body(body)
            .send()
            .await
            .map_err(|e| transport_error("Tencent", e))?;
        let status = answer.status();
        let body = answer
            .bytes()
            .await
            .map_err(|e| transport_error("Tencent", e))?;
        let Ok(Answer { response }) = serde_json::from_slice::<Answer>(&body) else {
            return Err(if status == reqwest::StatusCode::TOO_MANY_REQUESTS {
                SmsError::RateLimited(format!("Tencent answered {status}"))
            } else {
                SmsError::Failed(format!("Tencent answered {status} without a Response"))
            });
        };
        if let Some(error) = response.error {
            return Err(classify(&error.code, &error.message));
        }
        match response.send_status_set.first() {
            Some(sent) if sent.code == "Ok" && status.is_success() => Ok(()),
            Some(refused) => Err(classify(&refused.code, &refused.message)),
            None => Err(SmsError::Failed(format!(
                "Tencent answered {status} without a SendStatusSet"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Tencent Cloud's own example in "签名方法 v3": CVM `DescribeInstances`,
    /// timestamp 1551113065, this exact body. The current document masks the keys
    /// as `AKIDz8krbsJ5yKBZQpn74WFkmLPx3*******` / `Gu5t9xGARNpq86cd98joQYCN3*******`
    /// and signs with those literal strings (signature `2230eefd…`); earlier
    /// editions used `…EXAMPLE` keys (signature `72e494ea…`). Both reproduced byte
    /// for byte, with the intermediate values the document prints.
    #[test]
    fn reproduces_the_published_signing_example() {
        let body = br#"{"Limit": 1, "Filters": [{"Values": ["\u672a\u547d\u540d"], "Name": "instance-name"}]}"#;
        let request = Tc3Request {
            host: "cvm.tencentcloudapi.com",
            service: "cvm",
            timestamp: 1551113065,
            content_type: "application/json; charset=utf-8",
            body,
        };
        assert_eq!(
            sha256_hex(body),
            "35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064"
        );
        assert_eq!(
            request.canonical_request(),
            "POST\n/\n\ncontent-type:application/json; charset=utf-8\nhost:cvm.tencentcloudapi.com\n\n\
             content-type;host\n35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064"
        );
        assert_eq!(
            request.string_to_sign(),
            "TC3-HMAC-SHA256\n1551113065\n2019-02-25/cvm/tc3_request\n\
             5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031"
        );
        assert_eq!(
            request.authorization(
                "AKIDz8krbsJ5yKBZQpn74WFkmLPx3*******",
                b"Gu5t9xGARNpq86cd98joQYCN3*******"
            ),
            "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3*******/2019-02-25/cvm/tc3_request, \
             SignedHeaders=content-type;host, \
             Signature=2230eefd229f582d8b1b891af7107b91597240707d778ab3738f756258d7652c"
        );
        assert_eq!(
            request.authorization(
                "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE",
                b"Gu5t9xGARNpq86cd98joQYCN3EXAMPLE"
            ),
            "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/cvm/tc3_request, \
             SignedHeaders=content-type;host, \
             Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"
        );
    }

    #[test]
    fn error_codes_map_to_what_the_caller_can_do() {
        for code in [
            "LimitExceeded.PhoneNumberDailyLimit",
            "LimitExceeded.PhoneNumberThirtySecondLimit",
            "LimitExceeded.PhoneNumberOneHourLimit",
            "LimitExceeded.DeliveryFrequencyLimit",
            "RequestLimitExceeded",
        ] {
            assert!(
                matches!(classify(code, ""), SmsError::RateLimited(_)),
                "{code}"
            );
        }
        for code in [
            "InvalidParameterValue.IncorrectPhoneNumber",
            "FailedOperation.PhoneNumberInBlacklist",
        ] {
            assert!(
                matches!(classify(code, ""), SmsError::InvalidNumber(_)),
                "{code}"
            );
        }
        for code in [
            "FailedOperation.InsufficientBalanceInSmsPackage",
            "FailedOperation.SignatureIncorrectOrUnapproved",
            "FailedOperation.TemplateIncorrectOrUnapproved",
            "UnauthorizedOperation.ServiceSuspendDueToArrears",
            "AuthFailure.SignatureFailure",
            "AuthFailure.SecretIdNotFound",
            // The application's own daily caps: no retry helps until tomorrow.
            "LimitExceeded.AppDailyLimit",
            "LimitExceeded.AppGlobalDailyLimit",
            "LimitExceeded.AppMainlandChinaDailyLimit",
            "LimitExceeded.DailyLimit",
        ] {
            assert!(
                matches!(classify(code, ""), SmsError::Misconfigured(_)),
                "{code}"
            );
        }
        assert!(matches!(
            classify("InternalError.Timeout", ""),
            SmsError::Failed(_)
        ));
    }

    #[test]
    fn debug_does_not_show_the_secret() {
        let provider = Tencent::new(TencentConfig {
            endpoint: "https://sms.tencentcloudapi.com".into(),
            region: "ap-guangzhou".into(),
            secret_id: "AKID-test-id".into(),
            secret_key: "very-secret-value-123".into(),
            sdk_app_id: "1400006666".into(),
            sign_name: "示例云".into(),
            templates: Templates::new([("register", Some("1110"))]),
            timeout: Duration::from_secs(5),
        })
        .unwrap();
        let debug = format!("{provider:?}");
        assert!(debug.contains("AKID-test-id"), "{debug}");
        assert!(!debug.contains("very-secret-value-123"), "{debug}");
    }
}
