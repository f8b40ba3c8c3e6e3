//! Layered configuration (docs/STYLE.md §12): defaults in code, then a TOML file
//! (`GATEHOUSE_CONFIG`, default `gatehouse.toml` when present), then the
//! `GATEHOUSE_*` environment variables of docs/DESIGN.md §9. A bad value stops the start
//! with a message that names the setting.

use crate::domain::InvitationMode;
use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Development (the default) or production. Production refuses the development SMS
/// provider, needs a configured data key and marks cookies `Secure`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    #[default]
    Development,
    Production,
}

/// Which SMS provider sends codes (docs/DESIGN.md §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmsProviderKind {
    /// Appends each message to the outbox file and logs it; refused in production.
    #[default]
    Development,
    /// POSTs each message to `sms_webhook_url`, signed with `sms_webhook_secret`
    /// (see `sms::Webhook`).
    Webhook,
    /// Alibaba Cloud SMS `SendSms` (see `sms::Aliyun`): `sms_aliyun_*`, the sign name
    /// and the code templates.
    Aliyun,
    /// Tencent Cloud SMS `SendSms` (see `sms::Tencent`): `sms_tencent_*`, the sign
    /// name and the code templates.
    Tencent,
}

impl SmsProviderKind {
    /// The value of `GATEHOUSE_SMS_PROVIDER` that selects it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Development => "development",
            Self::Webhook => "webhook",
            Self::Aliyun => "aliyun",
            Self::Tencent => "tencent",
        }
    }
}

/// Every setting, after layering. Field `x` is set by `GATEHOUSE_X` or by `x` in the file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    pub mode: Mode,
    /// The address visitors open, `scheme://host[:port]` (no path), e.g.
    /// `https://account.example.com`: its origin is the one whose pages may send
    /// state-changing requests (`origin`), and links and the OpenID Connect issuer
    /// use it. Required in production (`https://`).
    pub public_url: Option<String>,
    /// Product name in the header and in SMS texts.
    pub brand: String,
    /// Legal name of the operator: documents and footer.
    pub company: String,
    /// Support hotline shown under the form and in the documents.
    pub hotline: String,
    /// ICP filing number shown in the footer, when set.
    pub icp: Option<String>,
    pub invitation_mode: InvitationMode,
    /// `sqlite:PATH` or `postgres://USER:PASSWORD@HOST:PORT/DATABASE`; default
    /// `sqlite://{data_dir}/gatehouse.db`. Several instances need PostgreSQL.
    pub database_url: Option<String>,
    /// Folder for the SQLite database, the generated development key and the outbox.
    pub data_dir: PathBuf,
    /// 32 bytes, base64 (standard alphabet) or 64 hex digits: encrypts personal data
    /// and keys the blind index and OTP hashes (docs/DESIGN.md §7). Required in production.
    #[serde(skip_serializing)]
    pub data_key: Option<SecretString>,
    pub sms_provider: SmsProviderKind,
    /// The development provider's outbox (JSON lines); default `{data_dir}/sms-outbox.jsonl`.
    pub sms_outbox: Option<PathBuf>,
    /// The webhook provider's endpoint; `https://` in production.
    pub sms_webhook_url: Option<String>,
    /// Key of the webhook's HMAC-SHA256 signature header; at least 32 characters.
    #[serde(skip_serializing)]
    pub sms_webhook_secret: Option<SecretString>,
    /// Seconds the webhook may take before the send counts as failed.
    pub sms_webhook_timeout_seconds: u32,
    /// Seconds the Alibaba Cloud or Tencent Cloud API may take before the send
    /// counts as failed (not sent, no cooldown).
    pub sms_timeout_seconds: u32,
    /// Alibaba Cloud AccessKey ID (RAM user with `AliyunDysmsFullAccess` or a
    /// `dysms:SendSms` policy).
    pub sms_aliyun_access_key_id: Option<String>,
    /// Alibaba Cloud AccessKey secret.
    #[serde(skip_serializing)]
    pub sms_aliyun_access_key_secret: Option<SecretString>,
    /// Alibaba Cloud SMS endpoint, `scheme://host[:port]`; `https://` in production.
    pub sms_aliyun_endpoint: String,
    /// Tencent Cloud SecretId.
    pub sms_tencent_secret_id: Option<String>,
    /// Tencent Cloud SecretKey.
    #[serde(skip_serializing)]
    pub sms_tencent_secret_key: Option<SecretString>,
    /// Tencent Cloud SMS application id (`SmsSdkAppId`, e.g. `1400006666`).
    pub sms_tencent_sdk_app_id: Option<String>,
    /// Tencent Cloud region of the API (`X-TC-Region`).
    pub sms_tencent_region: String,
    /// Tencent Cloud SMS endpoint, `scheme://host[:port]`; `https://` in production.
    pub sms_tencent_endpoint: String,
    /// The approved SMS sign name (签名), e.g. `示例云`; required by `aliyun` and
    /// `tencent`.
    pub sms_sign_name: Option<String>,
    /// Vendor template id of `register` codes (Aliyun `SMS_…`, Tencent a number);
    /// the code templates are required by `aliyun` and `tencent`.
    pub sms_template_register: Option<String>,
    /// Template id of `login` codes.
    pub sms_template_login: Option<String>,
    /// Template id of `reset` codes.
    pub sms_template_reset: Option<String>,
    /// Template id of `change-phone` codes.
    pub sms_template_change_phone: Option<String>,
    /// Template id of `delete` codes.
    pub sms_template_delete: Option<String>,
    /// Template id of `admin-confirm` codes.
    pub sms_template_admin_confirm: Option<String>,
    /// Template id of the "password changed" notice; unset: the notice is not sent.
    pub sms_template_password_changed: Option<String>,
    /// Template id of the "phone number changed" notice; unset: not sent.
    pub sms_template_phone_changed: Option<String>,
    /// Template id of the "sign-in from a new browser" notice; unset: not sent.
    pub sms_template_new_browser: Option<String>,
    /// Reverse proxies whose `X-Forwarded-For` is believed, comma-separated addresses
    /// or CIDR blocks (`10.0.0.0/8, ::1`). Empty: the client IP is the socket's peer.
    pub trusted_proxies: String,
    /// Codes sent per client IP per rolling hour.
    pub sms_ip_hourly: u32,
    /// Codes sent in total per rolling hour.
    pub sms_global_hourly: u32,
    /// The proof of work before a public send-code request, in leading zero bits of
    /// SHA-256 (about 2^n hashes; src/server/otp/pow.rs): 0 to 28, default 16.
    pub pow_difficulty: u8,
    /// The difficulty once the client's sends in the last hour reach half of
    /// `sms_ip_hourly` or all sends half of `sms_global_hourly`; at least
    /// `pow_difficulty`, at most 28, default 20.
    pub pow_raised_difficulty: u8,
    /// Failed sign-ins per client IP per rolling hour.
    pub login_ip_hourly: u32,
    /// Concurrent argon2 hashes (each holds 19 MiB); default: the number of cores.
    pub hash_permits: Option<usize>,
    /// A session ends after this many minutes without a request.
    pub session_idle_minutes: u32,
    /// A session ends this many hours after sign-in, active or not.
    pub session_absolute_hours: u32,
    /// Seconds an anonymous page (sign-up, sign-in, documents) is served from memory
    /// before it is rendered again; 0 renders every request.
    pub page_cache_seconds: u32,
    /// Days the notice banner announces a new document version after it takes
    /// effect (docs/DESIGN.md §4); 0 turns the banner off.
    pub legal_notice_days: u32,
    /// Days sign-in history, SMS code rows and ended sessions are kept before the
    /// retention purge deletes them (docs/DESIGN.md §7; Privacy Policy §4).
    pub retention_days: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            mode: Mode::Development,
            public_url: None,
            brand: "Gatehouse Cloud".into(),
            company: "Gatehouse Example Co., Ltd.".into(),
            hotline: "400-800-8888".into(),
            icp: None,
            invitation_mode: InvitationMode::Optional,
            database_url: None,
            data_dir: PathBuf::from("data"),
            data_key: None,
            sms_provider: SmsProviderKind::Development,
            sms_outbox: None,
            sms_webhook_url: None,
            sms_webhook_secret: None,
            sms_webhook_timeout_seconds: 5,
            sms_timeout_seconds: 5,
            sms_aliyun_access_key_id: None,
            sms_aliyun_access_key_secret: None,
            sms_aliyun_endpoint: "https://dysmsapi.aliyuncs.com".into(),
            sms_tencent_secret_id: None,
            sms_tencent_secret_key: None,
            sms_tencent_sdk_app_id: None,
            sms_tencent_region: "ap-guangzhou".into(),
            sms_tencent_endpoint: "https://sms.tencentcloudapi.com".into(),
            sms_sign_name: None,
            sms_template_register: None,
            sms_template_login: None,
            sms_template_reset: None,
            sms_template_change_phone: None,
            sms_template_delete: None,
            sms_template_admin_confirm: None,
            sms_template_password_changed: None,
            sms_template_phone_changed: None,
            sms_template_new_browser: None,
            trusted_proxies: String::new(),
            sms_ip_hourly: 30,
            sms_global_hourly: 2000,
            pow_difficulty: 16,
            pow_raised_difficulty: 20,
            login_ip_hourly: 100,
            hash_permits: None,
            session_idle_minutes: 30,
            session_absolute_hours: 12,
            page_cache_seconds: 30,
            legal_notice_days: 30,
            retention_days: 180,
        }
    }
}

/// Why the configuration cannot be used; the text names the setting.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration: {0}")]
    Parse(String),
    #[error("configuration: {setting}: {reason}")]
    Invalid {
        setting: &'static str,
        reason: String,
    },
}

impl Settings {
    /// Every setting's key; `GATEHOUSE_` + the upper-case key is its variable.
    pub const KEYS: [&'static str; 46] = [
        "mode",
        "public_url",
        "brand",
        "company",
        "hotline",
        "icp",
        "invitation_mode",
        "database_url",
        "data_dir",
        "data_key",
        "sms_provider",
        "sms_outbox",
        "sms_webhook_url",
        "sms_webhook_secret",
        "sms_webhook_timeout_seconds",
        "sms_timeout_seconds",
        "sms_aliyun_access_key_id",
        "sms_aliyun_access_key_secret",
        "sms_aliyun_endpoint",
        "sms_tencent_secret_id",
        "sms_tencent_secret_key",
        "sms_tencent_sdk_app_id",
        "sms_tencent_region",
        "sms_tencent_endpoint",
        "sms_sign_name",
        "sms_template_register",
        "sms_template_login",
        "sms_template_reset",
        "sms_template_change_phone",
        "sms_template_delete",
        "sms_template_admin_confirm",
        "sms_template_password_changed",
        "sms_template_phone_changed",
        "sms_template_new_browser",
        "trusted_proxies",
        "sms_ip_hourly",
        "sms_global_hourly",
        "pow_difficulty",
        "pow_raised_difficulty",
        "login_ip_hourly",
        "hash_permits",
        "session_idle_minutes",
        "session_absolute_hours",
        "page_cache_seconds",
        "legal_notice_days",
        "retention_days",
    ];

    /// `GATEHOUSE_*` variables that name no setting (likely typos), for a warning.
    pub fn unknown_env_vars() -> Vec<String> {
        std::env::vars()
            .filter_map(|(name, _)| {
                let key = name.strip_prefix("GATEHOUSE_")?.to_ascii_lowercase();
                (key != "config" && !Self::KEYS.contains(&key.as_str())).then_some(name)
            })
            .collect()
    }

    /// Loads defaults, then the file, then the environment.
    ///
    /// Errors: [`ConfigError::Parse`] for an unreadable file, an unknown key in it or a
    /// value of the wrong type (figment names the key, e.g. `invitation_mode`);
    /// [`ConfigError::Invalid`] for a value that parses but breaks a rule.
    pub fn load() -> Result<Self, ConfigError> {
        let file = std::env::var_os("GATEHOUSE_CONFIG")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("gatehouse.toml"));
        Self::from_figment(
            Figment::from(Serialized::defaults(Settings::default()))
                .merge(Toml::file(file))
                .merge(Env::prefixed("GATEHOUSE_").only(&Self::KEYS)),
        )
    }

    /// Extracts and checks settings from any figment (tests build their own).
    pub fn from_figment(figment: Figment) -> Result<Self, ConfigError> {
        let settings: Settings = figment.extract().map_err(|e| {
            let key = e.path.join(".");
            let setting = if key.is_empty() {
                String::new()
            } else {
                format!("GATEHOUSE_{} ", key.to_ascii_uppercase())
            };
            ConfigError::Parse(format!("{setting}{}", e.kind))
        })?;
        settings.check()?;
        Ok(settings)
    }

    fn check(&self) -> Result<(), ConfigError> {
        let invalid = |setting, reason: &str| {
            Err(ConfigError::Invalid {
                setting,
                reason: reason.into(),
            })
        };
        if let Some(url) = &self.public_url {
            if let Err(reason) = origin_of(url) {
                return invalid("GATEHOUSE_PUBLIC_URL", &reason);
            }
            if self.mode == Mode::Production && !url.starts_with("https://") {
                return invalid("GATEHOUSE_PUBLIC_URL", "must be https:// in production");
            }
        }
        if self.brand.trim().is_empty() {
            return invalid("GATEHOUSE_BRAND", "must not be empty");
        }
        if self.company.trim().is_empty() {
            return invalid("GATEHOUSE_COMPANY", "must not be empty");
        }
        if let Some(url) = &self.database_url {
            if crate::server::db::Backend::of(url).is_none() {
                return invalid(
                    "GATEHOUSE_DATABASE_URL",
                    "must start with sqlite: or postgres:",
                );
            }
        }
        if let Err(e) = self.trusted_proxies() {
            return invalid("GATEHOUSE_TRUSTED_PROXIES", &e);
        }
        if self.sms_provider == SmsProviderKind::Webhook {
            let Some(url) = &self.sms_webhook_url else {
                return invalid(
                    "GATEHOUSE_SMS_WEBHOOK_URL",
                    "the webhook provider needs a URL",
                );
            };
            let https = url.starts_with("https://");
            if !https && !url.starts_with("http://") {
                return invalid("GATEHOUSE_SMS_WEBHOOK_URL", "must be an http(s):// URL");
            }
            if !https && self.mode == Mode::Production {
                return invalid(
                    "GATEHOUSE_SMS_WEBHOOK_URL",
                    "must be https:// in production",
                );
            }
            use secrecy::ExposeSecret;
            let secret_len = self
                .sms_webhook_secret
                .as_ref()
                .map_or(0, |s| s.expose_secret().len());
            if secret_len < 32 {
                return invalid(
                    "GATEHOUSE_SMS_WEBHOOK_SECRET",
                    "the webhook provider needs a secret of at least 32 characters",
                );
            }
            if !(1..=60).contains(&self.sms_webhook_timeout_seconds) {
                return invalid("GATEHOUSE_SMS_WEBHOOK_TIMEOUT_SECONDS", "must be 1 to 60");
            }
        }
        if let Some((setting, reason)) = self.vendor_problem() {
            return invalid(setting, &reason);
        }
        if self.legal_notice_days > 365 {
            return invalid("GATEHOUSE_LEGAL_NOTICE_DAYS", "must be 0 to 365");
        }
        // More than a day: the SMS limits look back one day (docs/DESIGN.md §2).
        if !(2..=3_650).contains(&self.retention_days) {
            return invalid("GATEHOUSE_RETENTION_DAYS", "must be 2 to 3650");
        }
        if self.hash_permits == Some(0) {
            return invalid("GATEHOUSE_HASH_PERMITS", "must be at least 1");
        }
        let max = crate::domain::pow::MAX_DIFFICULTY;
        if self.pow_difficulty > max {
            return invalid("GATEHOUSE_POW_DIFFICULTY", "must be 0 to 28 (bits)");
        }
        if !(self.pow_difficulty..=max).contains(&self.pow_raised_difficulty) {
            return invalid(
                "GATEHOUSE_POW_RAISED_DIFFICULTY",
                "must be GATEHOUSE_POW_DIFFICULTY to 28 (bits)",
            );
        }
        if self.session_idle_minutes == 0 || self.session_absolute_hours == 0 {
            return invalid(
                "GATEHOUSE_SESSION_IDLE_MINUTES",
                "session timeouts must be positive",
            );
        }
        if self.mode == Mode::Production && self.pow_difficulty < 10 {
            // Below 2^10 hashes the proof of work costs a sender nothing.
            return invalid(
                "GATEHOUSE_POW_DIFFICULTY",
                "must be at least 10 in production",
            );
        }
        if self.mode == Mode::Production {
            if self.data_key.is_none() {
                return invalid(
                    "GATEHOUSE_DATA_KEY",
                    "production mode needs a data key (32 bytes, base64); every instance must share it",
                );
            }
            if self.sms_provider == SmsProviderKind::Development {
                return invalid(
                    "GATEHOUSE_SMS_PROVIDER",
                    "the development provider writes codes to a file and is refused in production",
                );
            }
            if self.public_url.is_none() {
                return invalid(
                    "GATEHOUSE_PUBLIC_URL",
                    "production needs the address visitors open, e.g. https://account.example.com: only its pages may send sign-in and sign-up requests",
                );
            }
            if self.company == Settings::default().company {
                return invalid(
                    "GATEHOUSE_COMPANY",
                    "production needs the operator's legal name: it is written into the published documents",
                );
            }
        }
        Ok(())
    }

    /// What stops the chosen Alibaba Cloud or Tencent Cloud provider: the setting
    /// and why. Keys, sign name and every code template are required; the endpoint
    /// is an origin, `https://` in production.
    fn vendor_problem(&self) -> Option<(&'static str, String)> {
        use secrecy::ExposeSecret;
        let missing = |value: Option<&str>| value.is_none_or(|v| v.trim().is_empty());
        let secret_missing =
            |value: &Option<SecretString>| missing(value.as_ref().map(|s| s.expose_secret()));
        let required: Vec<(&'static str, bool)> = match self.sms_provider {
            SmsProviderKind::Aliyun => vec![
                (
                    "GATEHOUSE_SMS_ALIYUN_ACCESS_KEY_ID",
                    missing(self.sms_aliyun_access_key_id.as_deref()),
                ),
                (
                    "GATEHOUSE_SMS_ALIYUN_ACCESS_KEY_SECRET",
                    secret_missing(&self.sms_aliyun_access_key_secret),
                ),
            ],
            SmsProviderKind::Tencent => vec![
                (
                    "GATEHOUSE_SMS_TENCENT_SECRET_ID",
                    missing(self.sms_tencent_secret_id.as_deref()),
                ),
                (
                    "GATEHOUSE_SMS_TENCENT_SECRET_KEY",
                    secret_missing(&self.sms_tencent_secret_key),
                ),
                (
                    "GATEHOUSE_SMS_TENCENT_SDK_APP_ID",
                    missing(self.sms_tencent_sdk_app_id.as_deref()),
                ),
                (
                    "GATEHOUSE_SMS_TENCENT_REGION",
                    missing(Some(&self.sms_tencent_region)),
                ),
            ],
            SmsProviderKind::Development | SmsProviderKind::Webhook => return None,
        };
        let templates = self
            .sms_templates()
            .into_iter()
            .filter(|(purpose, ..)| !crate::server::sms::NOTICE_PURPOSES.contains(purpose))
            .map(|(_, setting, id)| (setting, missing(id)));
        let sign_name = (
            "GATEHOUSE_SMS_SIGN_NAME",
            missing(self.sms_sign_name.as_deref()),
        );
        if let Some((setting, _)) = required
            .into_iter()
            .chain([sign_name])
            .chain(templates)
            .find(|(_, missing)| *missing)
        {
            let provider = self.sms_provider.name();
            return Some((setting, format!("the {provider} SMS provider needs it")));
        }
        let (setting, endpoint) = match self.sms_provider {
            SmsProviderKind::Aliyun => ("GATEHOUSE_SMS_ALIYUN_ENDPOINT", &self.sms_aliyun_endpoint),
            _ => ("GATEHOUSE_SMS_TENCENT_ENDPOINT", &self.sms_tencent_endpoint),
        };
        if let Err(reason) = origin_of(endpoint) {
            return Some((setting, reason));
        }
        if self.mode == Mode::Production && !endpoint.trim().starts_with("https://") {
            return Some((setting, "must be https:// in production".into()));
        }
        if !(1..=60).contains(&self.sms_timeout_seconds) {
            return Some(("GATEHOUSE_SMS_TIMEOUT_SECONDS", "must be 1 to 60".into()));
        }
        None
    }

    /// Every template setting: (purpose, variable, template id if set), the code
    /// purposes first, then the notices of `sms::NOTICE_PURPOSES`.
    pub fn sms_templates(&self) -> [(&'static str, &'static str, Option<&str>); 9] {
        [
            (
                "register",
                "GATEHOUSE_SMS_TEMPLATE_REGISTER",
                &self.sms_template_register,
            ),
            (
                "login",
                "GATEHOUSE_SMS_TEMPLATE_LOGIN",
                &self.sms_template_login,
            ),
            (
                "reset",
                "GATEHOUSE_SMS_TEMPLATE_RESET",
                &self.sms_template_reset,
            ),
            (
                "change-phone",
                "GATEHOUSE_SMS_TEMPLATE_CHANGE_PHONE",
                &self.sms_template_change_phone,
            ),
            (
                "delete",
                "GATEHOUSE_SMS_TEMPLATE_DELETE",
                &self.sms_template_delete,
            ),
            (
                "admin-confirm",
                "GATEHOUSE_SMS_TEMPLATE_ADMIN_CONFIRM",
                &self.sms_template_admin_confirm,
            ),
            (
                "password-changed",
                "GATEHOUSE_SMS_TEMPLATE_PASSWORD_CHANGED",
                &self.sms_template_password_changed,
            ),
            (
                "phone-changed",
                "GATEHOUSE_SMS_TEMPLATE_PHONE_CHANGED",
                &self.sms_template_phone_changed,
            ),
            (
                "new-browser",
                "GATEHOUSE_SMS_TEMPLATE_NEW_BROWSER",
                &self.sms_template_new_browser,
            ),
        ]
        .map(|(purpose, setting, id)| (purpose, setting, id.as_deref()))
    }

    /// The OpenID Connect issuer (docs/DESIGN.md §11): `public_url` exactly as
    /// configured, without a trailing `/`; in development without one, the
    /// address browsers use: `dx serve`'s own (it proxies to the app's inner
    /// port), else the listener's `http://IP:PORT`.
    pub fn issuer(&self) -> String {
        match &self.public_url {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None => {
                let addr = dioxus::cli_config::devserver_raw_addr()
                    .unwrap_or_else(dioxus::cli_config::fullstack_address_or_localhost);
                format!("http://{addr}")
            }
        }
    }

    /// The origin of `public_url` (`https://account.example.com`, lower case), when
    /// set; `check` has made sure it parses.
    pub fn public_origin(&self) -> Option<String> {
        self.public_url
            .as_deref()
            .and_then(|url| origin_of(url).ok())
    }

    /// The database URL, defaulting to a file in the data directory.
    pub fn database_url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", self.data_dir.join("gatehouse.db").display()))
    }

    /// The development outbox path.
    pub fn sms_outbox(&self) -> PathBuf {
        self.sms_outbox
            .clone()
            .unwrap_or_else(|| self.data_dir.join("sms-outbox.jsonl"))
    }

    /// The parsed `trusted_proxies`; a bare address is a block of one.
    ///
    /// Errors: the entry that is neither an IP address nor a CIDR block.
    pub fn trusted_proxies(&self) -> Result<Vec<ipnet::IpNet>, String> {
        self.trusted_proxies
            .split(',')
            .map(str::trim)
            .filter(|entry| !entry.is_empty())
            .map(|entry| {
                entry
                    .parse::<ipnet::IpNet>()
                    .or_else(|_| entry.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                    .map_err(|_| format!("{entry:?} is not an IP address or CIDR block"))
            })
            .collect()
    }

    /// Concurrent argon2 hashes allowed.
    pub fn hash_permits(&self) -> usize {
        self.hash_permits.unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map(usize::from)
                .unwrap_or(2)
        })
    }
}

/// The origin (RFC 6454) of a public URL: `scheme://host[:port]` in lower case.
///
/// Errors: the reason, when `url` is not `http://` or `https://`, has no host, or
/// carries a path, query or fragment (a trailing `/` is fine).
fn origin_of(url: &str) -> Result<String, String> {
    let url = url.trim().trim_end_matches('/').to_ascii_lowercase();
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or("must start with http:// or https://")?;
    if rest.is_empty() || rest.contains(['/', '?', '#', '@', ' ']) {
        return Err("must be scheme://host[:port], without a path".into());
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;
    use figment::providers::Serialized;

    fn with(key: &str, value: &str) -> Result<Settings, ConfigError> {
        Settings::from_figment(
            Figment::from(Serialized::defaults(Settings::default()))
                .merge(Serialized::default(key, value)),
        )
    }

    #[test]
    fn keys_name_every_setting() {
        let json = serde_json::to_value(Settings {
            data_key: None,
            ..Settings::default()
        })
        .unwrap();
        let mut fields: Vec<String> = json.as_object().unwrap().keys().cloned().collect();
        // The secrets are never serialized.
        fields.extend([
            "data_key".into(),
            "sms_webhook_secret".into(),
            "sms_aliyun_access_key_secret".into(),
            "sms_tencent_secret_key".into(),
        ]);
        fields.sort();
        let mut keys: Vec<String> = Settings::KEYS.iter().map(|k| k.to_string()).collect();
        keys.sort();
        assert_eq!(fields, keys);
    }

    #[test]
    fn defaults_are_valid() {
        let s = Settings::from_figment(Figment::from(Serialized::defaults(Settings::default())))
            .unwrap();
        assert_eq!(s.invitation_mode, InvitationMode::Optional);
        assert!(s.database_url().starts_with("sqlite://"));
    }

    #[test]
    fn a_bad_value_names_the_setting() {
        let err = with("invitation_mode", "sometimes")
            .unwrap_err()
            .to_string();
        assert!(err.contains("GATEHOUSE_INVITATION_MODE"), "{err}");
        let err = with("database_url", "mysql://x").unwrap_err().to_string();
        assert!(err.contains("GATEHOUSE_DATABASE_URL"), "{err}");
    }

    #[test]
    fn production_needs_a_key_and_a_real_sms_provider() {
        let err = with("mode", "production").unwrap_err().to_string();
        assert!(err.contains("GATEHOUSE_DATA_KEY"), "{err}");
        let err = Settings::from_figment(
            Figment::from(Serialized::defaults(Settings::default()))
                .merge(Serialized::default("mode", "production"))
                .merge(Serialized::default(
                    "data_key",
                    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
                )),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("GATEHOUSE_SMS_PROVIDER"), "{err}");
        let err = production_with(&[
            ("sms_webhook_url", "https://sms.example/send"),
            ("sms_webhook_secret", "0123456789abcdef0123456789abcdef"),
            ("company", &Settings::default().company),
        ])
        .unwrap_err()
        .to_string();
        assert!(err.contains("GATEHOUSE_COMPANY"), "{err}");
    }

    #[test]
    fn the_proof_of_work_difficulties_are_checked() {
        let webhook = [
            ("sms_webhook_url", "https://sms.example/send"),
            ("sms_webhook_secret", "0123456789abcdef0123456789abcdef"),
        ];
        let at = |mode: &str, low: u8, raised: u8| {
            let mut figment = production_figment();
            for (key, value) in webhook {
                figment = figment.merge(Serialized::default(key, value));
            }
            Settings::from_figment(
                figment
                    .merge(Serialized::default("mode", mode))
                    .merge(Serialized::default("pow_difficulty", low))
                    .merge(Serialized::default("pow_raised_difficulty", raised)),
            )
            .map_err(|e| e.to_string())
        };
        assert!(at("production", 16, 20).is_ok());
        let err = at("production", 4, 20).unwrap_err();
        assert!(err.contains("GATEHOUSE_POW_DIFFICULTY"), "{err}");
        assert!(at("development", 0, 0).is_ok(), "tests run at the lowest");
        let err = at("development", 29, 29).unwrap_err();
        assert!(err.contains("GATEHOUSE_POW_DIFFICULTY"), "{err}");
        let err = at("development", 16, 12).unwrap_err();
        assert!(err.contains("GATEHOUSE_POW_RAISED_DIFFICULTY"), "{err}");
    }

    fn production_with(pairs: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let mut figment = production_figment();
        for (key, value) in pairs {
            figment = figment.merge(Serialized::default(key, value));
        }
        Settings::from_figment(figment)
    }

    /// A production configuration that starts, but for the webhook's URL and secret.
    fn production_figment() -> Figment {
        Figment::from(Serialized::defaults(Settings::default()))
            .merge(Serialized::default("mode", "production"))
            .merge(Serialized::default(
                "data_key",
                "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
            ))
            .merge(Serialized::default("sms_provider", "webhook"))
            .merge(Serialized::default("company", "Example Cloud Co., Ltd."))
            .merge(Serialized::default(
                "public_url",
                "https://account.example.com",
            ))
    }

    #[test]
    fn production_starts_with_the_webhook_provider_and_checks_its_settings() {
        let secret = ("sms_webhook_secret", "0123456789abcdef0123456789abcdef");
        let ok = production_with(&[("sms_webhook_url", "https://sms.example/send"), secret]);
        assert!(ok.is_ok(), "{ok:?}");
        for (pairs, setting) in [
            (vec![secret], "GATEHOUSE_SMS_WEBHOOK_URL"),
            (
                vec![("sms_webhook_url", "http://sms.example/send"), secret],
                "GATEHOUSE_SMS_WEBHOOK_URL",
            ),
            (
                vec![
                    ("sms_webhook_url", "https://sms.example/send"),
                    ("sms_webhook_secret", "short"),
                ],
                "GATEHOUSE_SMS_WEBHOOK_SECRET",
            ),
        ] {
            let err = production_with(&pairs).unwrap_err().to_string();
            assert!(err.contains(setting), "{err}");
        }
    }

    /// Production with `provider` and `pairs` over the webhook defaults of
    /// [`production_with`].
    fn vendor_with(provider: &str, pairs: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let mut all = vec![("sms_provider", provider)];
        all.extend_from_slice(pairs);
        production_with(&all)
    }

    const CODE_TEMPLATES: [(&str, &str); 7] = [
        ("sms_sign_name", "示例云"),
        ("sms_template_register", "SMS_1"),
        ("sms_template_login", "SMS_2"),
        ("sms_template_reset", "SMS_3"),
        ("sms_template_change_phone", "SMS_4"),
        ("sms_template_delete", "SMS_5"),
        ("sms_template_admin_confirm", "SMS_6"),
    ];

    #[test]
    fn every_code_purpose_has_a_template_setting() {
        let s = Settings::default();
        let purposes: Vec<&str> = s.sms_templates().iter().map(|(p, ..)| *p).collect();
        for purpose in crate::domain::OtpPurpose::ALL {
            assert!(purposes.contains(&purpose.as_str()), "{purpose:?}");
        }
        for notice in crate::server::sms::NOTICE_PURPOSES {
            assert!(purposes.contains(&notice), "{notice}");
        }
        for (_, setting, _) in s.sms_templates() {
            let key = setting
                .strip_prefix("GATEHOUSE_")
                .unwrap()
                .to_ascii_lowercase();
            assert!(Settings::KEYS.contains(&key.as_str()), "{setting}");
        }
    }

    #[test]
    fn the_aliyun_provider_needs_its_keys_sign_name_and_code_templates() {
        let keys = [
            ("sms_aliyun_access_key_id", "LTAI5tExample"),
            ("sms_aliyun_access_key_secret", "example-secret"),
        ];
        let all: Vec<_> = keys.iter().chain(CODE_TEMPLATES.iter()).copied().collect();
        let ok = vendor_with("aliyun", &all);
        assert!(ok.is_ok(), "{ok:?}");
        let ok = ok.unwrap();
        assert_eq!(ok.sms_aliyun_endpoint, "https://dysmsapi.aliyuncs.com");
        assert_eq!(ok.sms_template_new_browser, None, "notices are optional");
        for skip in 0..all.len() {
            let mut pairs = all.clone();
            let (key, _) = pairs.remove(skip);
            let err = vendor_with("aliyun", &pairs).unwrap_err().to_string();
            let setting = format!("GATEHOUSE_{}", key.to_ascii_uppercase());
            assert!(err.contains(&setting), "{key}: {err}");
        }
        let mut plain = all.clone();
        plain.push(("sms_aliyun_endpoint", "http://dysmsapi.aliyuncs.com"));
        let err = vendor_with("aliyun", &plain).unwrap_err().to_string();
        assert!(
            err.contains("GATEHOUSE_SMS_ALIYUN_ENDPOINT") && err.contains("https://"),
            "{err}"
        );
        let mut path = all.clone();
        path.push(("sms_aliyun_endpoint", "https://dysmsapi.aliyuncs.com/x"));
        let err = vendor_with("aliyun", &path).unwrap_err().to_string();
        assert!(err.contains("GATEHOUSE_SMS_ALIYUN_ENDPOINT"), "{err}");
    }

    #[test]
    fn the_tencent_provider_needs_its_keys_sign_name_and_code_templates() {
        let keys = [
            ("sms_tencent_secret_id", "AKIDExample"),
            ("sms_tencent_secret_key", "example-secret"),
            ("sms_tencent_sdk_app_id", "1400006666"),
        ];
        let all: Vec<_> = keys.iter().chain(CODE_TEMPLATES.iter()).copied().collect();
        let ok = vendor_with("tencent", &all);
        assert!(ok.is_ok(), "{ok:?}");
        assert_eq!(ok.unwrap().sms_tencent_region, "ap-guangzhou");
        for skip in 0..all.len() {
            let mut pairs = all.clone();
            let (key, _) = pairs.remove(skip);
            let err = vendor_with("tencent", &pairs).unwrap_err().to_string();
            let setting = format!("GATEHOUSE_{}", key.to_ascii_uppercase());
            assert!(err.contains(&setting), "{key}: {err}");
        }
        let mut plain = all.clone();
        plain.push(("sms_tencent_endpoint", "http://127.0.0.1:9000"));
        let err = vendor_with("tencent", &plain).unwrap_err().to_string();
        assert!(err.contains("GATEHOUSE_SMS_TENCENT_ENDPOINT"), "{err}");
        plain.push(("mode", "development"));
        assert!(
            vendor_with("tencent", &plain).is_ok(),
            "http is fine in development"
        );
        let mut slow = all.clone();
        slow.push(("sms_timeout_seconds", "0"));
        let err = vendor_with("tencent", &slow).unwrap_err().to_string();
        assert!(err.contains("GATEHOUSE_SMS_TIMEOUT_SECONDS"), "{err}");
    }

    #[test]
    fn vendor_secrets_are_never_serialized_or_printed() {
        let s = Settings {
            sms_aliyun_access_key_secret: Some("aliyun-secret-value".into()),
            sms_tencent_secret_key: Some("tencent-secret-value".into()),
            ..Settings::default()
        };
        let json = serde_json::to_string(&s).unwrap();
        let debug = format!("{s:?}");
        for secret in ["aliyun-secret-value", "tencent-secret-value"] {
            assert!(!json.contains(secret), "{json}");
            assert!(!debug.contains(secret), "{debug}");
        }
    }

    #[test]
    fn public_url_is_an_origin_and_required_in_production() {
        let s = with("public_url", "https://Account.Example.com/").unwrap();
        assert_eq!(
            s.public_origin().as_deref(),
            Some("https://account.example.com")
        );
        let s = with("public_url", "http://127.0.0.1:8080").unwrap();
        assert_eq!(s.public_origin().as_deref(), Some("http://127.0.0.1:8080"));
        for bad in [
            "account.example.com",
            "https://",
            "https://a.example/login",
            "ftp://a",
        ] {
            let err = with("public_url", bad).unwrap_err().to_string();
            assert!(err.contains("GATEHOUSE_PUBLIC_URL"), "{bad}: {err}");
        }
        let secret = ("sms_webhook_secret", "0123456789abcdef0123456789abcdef");
        let url = ("sms_webhook_url", "https://sms.example/send");
        let mut figment = Figment::from(Serialized::defaults(Settings::default()));
        for (key, value) in [
            ("mode", "production"),
            ("data_key", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="),
            ("sms_provider", "webhook"),
            ("company", "Example Cloud Co., Ltd."),
            url,
            secret,
        ] {
            figment = figment.merge(Serialized::default(key, value));
        }
        let err = Settings::from_figment(figment.clone())
            .unwrap_err()
            .to_string();
        assert!(err.contains("GATEHOUSE_PUBLIC_URL"), "{err}");
        let plain = figment.clone().merge(Serialized::default(
            "public_url",
            "http://account.example.com",
        ));
        let err = Settings::from_figment(plain).unwrap_err().to_string();
        assert!(err.contains("https://"), "{err}");
    }

    #[test]
    fn trusted_proxies_take_addresses_and_blocks() {
        let s = with("trusted_proxies", " 10.0.0.0/8, 127.0.0.1 ,::1").unwrap();
        let nets = s.trusted_proxies().unwrap();
        assert_eq!(nets.len(), 3);
        assert!(nets[0].contains(&"10.2.3.4".parse::<std::net::IpAddr>().unwrap()));
        assert!(nets[1].contains(&"127.0.0.1".parse::<std::net::IpAddr>().unwrap()));
        assert!(!nets[1].contains(&"127.0.0.2".parse::<std::net::IpAddr>().unwrap()));
        let err = with("trusted_proxies", "10.0.0.0/8, proxy.local")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("GATEHOUSE_TRUSTED_PROXIES") && err.contains("proxy.local"),
            "{err}"
        );
    }
}
