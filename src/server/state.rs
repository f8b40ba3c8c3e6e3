//! Everything a request needs, passed (not global) so tests can replace any part
//! (docs/STYLE.md §7): settings, storage, keys, hasher, SMS provider, clock.

use crate::domain::PhoneNumber;
use crate::server::clock::Clock;
use crate::server::config::Settings;
use crate::server::crypto::DataKeys;
use crate::server::db::Db;
use crate::server::hashing::PasswordHasher;
use crate::server::otp::rules::SendLimits;
use crate::server::sms::SmsProvider;
use crate::server::throttle::LoginThrottle;
use std::ops::Deref;
use std::sync::Arc;

/// Shared application state; cheap to clone.
#[derive(Clone, Debug)]
pub struct AppState(Arc<Inner>);

#[derive(Debug)]
pub struct Inner {
    pub settings: Settings,
    pub db: Db,
    pub keys: DataKeys,
    pub hasher: PasswordHasher,
    pub sms: Arc<dyn SmsProvider>,
    pub clock: Arc<dyn Clock>,
    pub send_limits: SendLimits,
    pub login_throttle: LoginThrottle,
    /// Work that outlives its request (sign-in and reset SMS sent after the
    /// answer); graceful shutdown waits for it before closing the database.
    pub background: tokio_util::task::TaskTracker,
    /// Reverse proxies whose `X-Forwarded-For` is believed (`client_ip`).
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// A hash of a random password at the hasher's cost: verified against when the
    /// phone has no account, so unknown and wrong cost the same (OWASP).
    pub dummy_hash: String,
    /// The settings an admin changes at run time (the invitation mode).
    pub site: crate::server::site_settings::SiteSettings,
    /// The anonymous pages rendered lately; cleared when a setting they show
    /// changes on this instance.
    pub pages: crate::server::page_cache::PageCache,
}

impl Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    pub fn new(inner: Inner) -> Self {
        Self(Arc::new(inner))
    }

    /// The blind index of a phone number (docs/DESIGN.md §7).
    pub fn phone_index(&self, phone: &PhoneNumber) -> Vec<u8> {
        self.keys.blind_index("phone", phone.as_str())
    }
}
