//! Alibaba Cloud SMS (阿里云短信服务): `SendSms` of API version 2017-05-25, RPC style,
//! signed with the V3 signature ACS3-HMAC-SHA256.
//!
//! Spec: "V3版本请求体&签名机制" (help.aliyun.com/zh/sdk/product-overview/
//! v3-request-structure-and-signature); error codes: "API错误码"
//! (help.aliyun.com/document_detail/101346.html).

use super::{
    hmac_sha256, host_of, http_client, nonce, sha256_hex, transport_error, vendor_detail, SmsError,
    SmsMessage, SmsProvider, Templates,
};
use async_trait::async_trait;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use std::time::Duration;

const ACTION: &str = "SendSms";
const VERSION: &str = "2017-05-25";
const ALGORITHM: &str = "ACS3-HMAC-SHA256";

/// What [`Aliyun::new`] needs (`GATEHOUSE_SMS_ALIYUN_*`, `GATEHOUSE_SMS_SIGN_NAME`,
/// `GATEHOUSE_SMS_TEMPLATE_*`).
pub struct AliyunConfig {
    /// `https://dysmsapi.aliyuncs.com` (scheme, host and optional port; no path).
    pub endpoint: String,
    pub access_key_id: String,
    pub access_key_secret: SecretString,
    /// The approved sign name (签名), e.g. `示例云`.
    pub sign_name: String,
    /// Template codes (`SMS_123456789`) by purpose.
    pub templates: Templates,
    /// The whole exchange; slower counts as not sent.
    pub timeout: Duration,
}

/// The Alibaba Cloud SMS provider: one `POST {endpoint}/?{parameters}` per message,
/// parameters `PhoneNumbers` (the 11 digits), `SignName`, `TemplateCode`,
/// `TemplateParam` (`{"code":"123456"}`) and `OutId` (the message id), in the query
/// string as the API's metadata places them, with an empty body.
///
/// The answer's `Code` is `OK` when sent. Otherwise (see [`classify`]):
/// throttling (`isv.BUSINESS_LIMIT_CONTROL`, `isv.DAY_LIMIT_CONTROL`, ...) is
/// [`SmsError::RateLimited`]; `isv.MOBILE_NUMBER_ILLEGAL` and
/// `isv.MOBILE_COUNT_OVER_LIMIT` are [`SmsError::InvalidNumber`]; balance, keys,
/// sign name and template errors are [`SmsError::Misconfigured`]; the rest, and no
/// answer within the timeout, [`SmsError::Failed`].
pub struct Aliyun {
    endpoint: reqwest::Url,
    host: String,
    access_key_id: String,
    access_key_secret: SecretString,
    sign_name: String,
    templates: Templates,
    client: reqwest::Client,
}

impl std::fmt::Debug for Aliyun {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Aliyun")
            .field("endpoint", &self.endpoint.as_str())
            .field("access_key_id", &self.access_key_id)
            .field("sign_name", &self.sign_name)
            .field("templates", &self.templates)
            .finish_non_exhaustive()
    }
}

impl Aliyun {
    /// Errors: the endpoint is not a URL with a host; the HTTP client cannot be built.
    pub fn new(config: AliyunConfig) -> anyhow::Result<Self> {
        let endpoint = reqwest::Url::parse(config.endpoint.trim_end_matches('/'))?;
        Ok(Self {
            host: host_of(&endpoint)?,
            endpoint,
            access_key_id: config.access_key_id,
            access_key_secret: config.access_key_secret,
            sign_name: config.sign_name,
            templates: config.templates,
            client: http_client(config.timeout)?,
        })
    }
}

/// One request signed with ACS3-HMAC-SHA256 (RPC style: the path is `/`).
pub struct Acs3Request<'a> {
    /// `POST`.
    pub method: &'a str,
    /// The `Host` header: `dysmsapi.aliyuncs.com`.
    pub host: &'a str,
    /// `x-acs-action`: `SendSms`.
    pub action: &'a str,
    /// `x-acs-version`: `2017-05-25`.
    pub version: &'a str,
    /// `x-acs-date`: UTC, `2023-10-26T10:22:32Z`.
    pub date: &'a str,
    /// `x-acs-signature-nonce`: unique per request.
    pub nonce: &'a str,
    /// The parameters, in any order.
    pub query: &'a [(&'a str, &'a str)],
    /// The body (empty for `SendSms`).
    pub body: &'a [u8],
}

impl Acs3Request<'_> {
    /// The canonical query string, also the one sent: parameters sorted by name,
    /// names and values percent-encoded per RFC 3986, joined with `&`.
    pub fn canonical_query(&self) -> String {
        let mut pairs: Vec<_> = self
            .query
            .iter()
            .map(|(k, v)| (percent_encode(k), percent_encode(v)))
            .collect();
        pairs.sort();
        pairs
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("&")
    }

    /// The signed headers, by lower-case name in ascending order; the request
    /// carries each of them.
    pub fn headers(&self) -> Vec<(&'static str, String)> {
        vec![
            ("host", self.host.to_owned()),
            ("x-acs-action", self.action.to_owned()),
            ("x-acs-content-sha256", sha256_hex(self.body)),
            ("x-acs-date", self.date.to_owned()),
            ("x-acs-signature-nonce", self.nonce.to_owned()),
            ("x-acs-version", self.version.to_owned()),
        ]
    }

    /// `METHOD\n/\nquery\nheaders\nsigned-headers\nsha256(body)`.
    pub fn canonical_request(&self) -> String {
        let headers = self.headers();
        let canonical: String = headers
            .iter()
            .map(|(name, value)| format!("{name}:{}\n", value.trim()))
            .collect();
        format!(
            "{}\n/\n{}\n{canonical}\n{}\n{}",
            self.method,
            self.canonical_query(),
            signed_headers(&headers),
            sha256_hex(self.body)
        )
    }

    /// Hex HMAC-SHA256, under the AccessKey secret, of
    /// `ACS3-HMAC-SHA256\n{hex sha256(canonical request)}`.
    pub fn signature(&self, access_key_secret: &[u8]) -> String {
        let to_sign = format!(
            "{ALGORITHM}\n{}",
            sha256_hex(self.canonical_request().as_bytes())
        );
        hex::encode(hmac_sha256(access_key_secret, to_sign.as_bytes()))
    }

    /// The `Authorization` header:
    /// `ACS3-HMAC-SHA256 Credential={id},SignedHeaders={names},Signature={hex}`.
    pub fn authorization(&self, access_key_id: &str, access_key_secret: &[u8]) -> String {
        format!(
            "{ALGORITHM} Credential={access_key_id},SignedHeaders={},Signature={}",
            signed_headers(&self.headers()),
            self.signature(access_key_secret)
        )
    }
}

fn signed_headers(headers: &[(&'static str, String)]) -> String {
    headers
        .iter()
        .map(|(name, _)| *name)
        .collect::<Vec<_>>()
        .join(";")
}

/// RFC 3986 percent-encoding: `A-Z a-z 0-9 - _ . ~` kept, every other UTF-8 byte
/// as `%XX` (upper case), so a space is `%20` and `*` is `%2A`.
fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The answer's fields Gatehouse reads.
#[derive(Deserialize)]
struct Answer {
    #[serde(rename = "Code")]
    code: Option<String>,
    #[serde(rename = "Message", default)]
    message: String,
}

/// The [`SmsError`] of a `Code` other than `OK` (the error-code table of
/// help.aliyun.com/document_detail/101346.html and the OpenAPI gateway's codes).
fn classify(code: &str, message: &str) -> SmsError {
    let detail = format!("Aliyun {}", vendor_detail(code, message));
    match code {
        "isv.BUSINESS_LIMIT_CONTROL"
        | "isv.DAY_LIMIT_CONTROL"
        | "isv.MONTH_LIMIT_CONTROL"
        | "isv.MINUTE_LIMIT_CONTROL"
        | "isv.HOUR_LIMIT_CONTROL"
        | "isv.SMS_OVER_LIMIT" => SmsError::RateLimited(detail),
        c if c.starts_with("Throttling") => SmsError::RateLimited(detail),
        "isv.MOBILE_NUMBER_ILLEGAL" => SmsError::InvalidNumber(detail),
        "isv.AMOUNT_NOT_ENOUGH"
        | "isv.OUT_OF_SERVICE"
        | "isv.PRODUCT_UN_SUBSCRIPT"
        | "isv.PRODUCT_UNSUBSCRIBE"
        | "isv.ACCOUNT_NOT_EXISTS"
        | "isv.ACCOUNT_ABNORMAL"
        | "isv.SECURITY_FROZEN_ACCOUNT"
        | "isp.RAM_PERMISSION_DENY"
        | "isv.DENY_IP_RANGE"
        | "isv.SMS_SIGNATURE_ILLEGAL"
        | "isv.SMS_SIGN_ILLEGAL"
        | "isv.SIGN_STATE_ILLEGAL"
        | "isv.SMS_SIGNATURE_SCENE_ILLEGAL"
        | "isv.SMS_TEMPLATE_ILLEGAL"
        | "isv.TEMPLATE_MISSING_PARAMETERS"
        | "isv.TEMPLATE_PARAMS_ILLEGAL"
        | "isv.INVALID_JSON_PARAM"
        | "isv.PARAM_LENGTH_LIMIT"
        | "isv.PARAM_NOT_SUPPORT_URL"
        | "isv.SMS_CONTENT_ILLEGAL"
        | "isv.BLACK_KEY_CONTROL_LIMIT"
        | "isv.DOMESTIC_NUMBER_NOT_SUPPORTED"
        | "isv.EXTEND_CODE_ERROR"
        | "isv.SMS_TEST_SIGN_TEMPLATE_LIMIT"
        | "isv.SMS_TEST_NUMBER_LIMIT"
        | "SignatureDoesNotMatch"
        | "IncompleteSignature"
        | "InvalidTimeStamp.Expired"
        | "InvalidVersion"
        | "InvalidAction.NotFound" => SmsError::Misconfigured(detail),
        c if c.starts_with("InvalidAccessKeyId") || c.starts_with("Forbidden") => {
            SmsError::Misconfigured(detail)
        }
        _ => SmsError::Failed(detail),
    }
}

#[async_trait]
impl SmsProvider for Aliyun {
    async fn send(&self, message: &SmsMessage) -> Result<(), SmsError> {
        let Some(template) = self.templates.resolve(message.purpose)? else {
            tracing::debug!(
                purpose = message.purpose,
                "no Aliyun template for this notice; skipped"
            );
            return Ok(());
        };
        let params: serde_json::Map<String, serde_json::Value> = message
            .template_params()
            .into_iter()
            .map(|(name, value)| (name.to_owned(), value.into()))
            .collect();
        let params = serde_json::Value::Object(params).to_string();
        let mut query = vec![
            ("PhoneNumbers", message.to.as_str()),
            ("SignName", self.sign_name.as_str()),
            ("TemplateCode", template),
            ("OutId", message.id.as_str()),
        ];
        if params != "{}" {
            query.push(("TemplateParam", &params));
        }
        let date = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string();
        let nonce = nonce();
        let request = Acs3Request {
            method: "POST",
            host: &self.host,
            action: ACTION,
            version: VERSION,
            date: &date,
            nonce: &nonce,
            query: &query,
            body: b"",
        };
        let authorization = request.authorization(
            &self.access_key_id,
            self.access_key_secret.expose_secret().as_bytes(),
        );
        let mut url = self.endpoint.clone();
        url.set_path("/");
        url.set_query(Some(&request.canonical_query()));
        let mut post = self.client.post(url);
        for (name, value) in request.headers() {
            post = post.header(name, value);
        }
        let answer = post
            .header("authorization", authorization)
            .header("accept", "application/json")
            .body(Vec::new())
            .send()
            .await
            .map_err(|e| transport_error("Aliyun", e))?;
        let status = answer.status();
        let body = answer
            .bytes()
            .await
            .map_err(|e| transport_error("Aliyun", e))?;
        match serde_json::from_slice::<Answer>(&body) {
            Ok(Answer {
                code: Some(code), ..
            }) if code == "OK" && status.is_success() => Ok(()),
            Ok(Answer {
                code: Some(code),
                message,
            }) => Err(classify(&code, &message)),
            _ if status == reqwest::StatusCode::TOO_MANY_REQUESTS => {
                Err(SmsError::RateLimited(format!("Aliyun answered {status}")))
            }
            _ => Err(SmsError::Failed(format!(
                "Aliyun answered {status} without a Code"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Alibaba Cloud's own example in "V3版本请求体&签名机制": `RunInstances` of ECS
    /// 2014-05-26 with AccessKey `YourAccessKeyId` / `YourAccessKeySecret`; the
    /// document gives the hashed canonical request `7ea06492…` and the signature
    /// `06563a9e…`, reproduced here byte for byte.
    #[test]
    fn reproduces_the_published_signing_example() {
        let request = Acs3Request {
            method: "POST",
            host: "ecs.cn-shanghai.aliyuncs.com",
            action: "RunInstances",
            version: "2014-05-26",
            date: "2023-10-26T10:22:32Z",
            nonce: "3156853299f313e23d1673dc12e1703d",
            query: &[
                ("RegionId", "cn-shanghai"),
                (
                    "ImageId",
                    "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd",
                ),
            ],
            body: b"",
        };
        assert_eq!(
            request.canonical_query(),
            "ImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd&RegionId=cn-shanghai"
        );
        assert_eq!(
            request.canonical_request(),
            "POST\n/\nImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd&RegionId=cn-shanghai\n\
             host:ecs.cn-shanghai.aliyuncs.com\n\
             x-acs-action:RunInstances\n\
             x-acs-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n\
             x-acs-date:2023-10-26T10:22:32Z\n\
             x-acs-signature-nonce:3156853299f313e23d1673dc12e1703d\n\
             x-acs-version:2014-05-26\n\n\
             host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version\n\
             e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            sha256_hex(request.canonical_request().as_bytes()),
            "7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259"
        );
        assert_eq!(
            request.authorization("YourAccessKeyId", b"YourAccessKeySecret"),
            "ACS3-HMAC-SHA256 Credential=YourAccessKeyId,\
             SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,\
             Signature=06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0"
        );
    }

    #[test]
    fn percent_encoding_follows_rfc_3986() {
        assert_eq!(percent_encode("AZaz09-_.~"), "AZaz09-_.~");
        assert_eq!(percent_encode("a b*c+d/e"), "a%20b%2Ac%2Bd%2Fe");
        assert_eq!(
            percent_encode("{\"code\":\"1\"}"),
            "%7B%22code%22%3A%221%22%7D"
        );
        assert_eq!(percent_encode("示例"), "%E7%A4%BA%E4%BE%8B");
    }

    #[test]
    fn error_codes_map_to_what_the_caller_can_do() {
        for code in [
            "isv.BUSINESS_LIMIT_CONTROL",
            "isv.DAY_LIMIT_CONTROL",
            "isv.MINUTE_LIMIT_CONTROL",
            "Throttling.User",
        ] {
            assert!(
                matches!(classify(code, ""), SmsError::RateLimited(_)),
                "{code}"
            );
        }
        assert!(matches!(
            classify("isv.MOBILE_NUMBER_ILLEGAL", ""),
            SmsError::InvalidNumber(_)
        ));
        // Too many numbers in one request: never ours (one number each).
        assert!(matches!(
            classify("isv.MOBILE_COUNT_OVER_LIMIT", ""),
            SmsError::Failed(_)
        ));
        for code in [
            "isv.AMOUNT_NOT_ENOUGH",
            "isv.OUT_OF_SERVICE",
            "isv.SMS_SIGNATURE_ILLEGAL",
            "isv.SMS_TEMPLATE_ILLEGAL",
            "SignatureDoesNotMatch",
            "InvalidAccessKeyId.NotFound",
        ] {
            assert!(
                matches!(classify(code, ""), SmsError::Misconfigured(_)),
                "{code}"
            );
        }
        assert!(matches!(
            classify("isp.SYSTEM_ERROR", ""),
            SmsError::Failed(_)
        ));
    }

    #[test]
    fn debug_does_not_show_the_secret() {
        let provider = Aliyun::new(AliyunConfig {
            endpoint: "https://dysmsapi.aliyuncs.com".into(),
            access_key_id: "LTAI-test-id".into(),
            access_key_secret: "very-secret-value-123".into(),
            sign_name: "示例云".into(),
            templates: Templates::new([("register", Some("SMS_1"))]),
            timeout: Duration::from_secs(5),
        })
        .unwrap();
        let debug = format!("{provider:?}");
        assert!(debug.contains("LTAI-test-id"), "{debug}");
        assert!(!debug.contains("very-secret-value-123"), "{debug}");
    }
}
