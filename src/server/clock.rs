//! Injectable time (docs/STYLE.md §8): tests cross a 60 s cooldown or a 10 min expiry by
//! moving a [`ManualClock`] instead of sleeping.

use chrono::{DateTime, Utc};
use std::sync::{Arc, Mutex};

/// Unix seconds (UTC): the unit every stored time and every rule's "now" uses.
pub type Timestamp = i64;

/// The source of "now" for every rule that depends on time.
pub trait Clock: Send + Sync + std::fmt::Debug + 'static {
    fn now(&self) -> DateTime<Utc>;

    /// Now as Unix seconds, the unit the database stores.
    fn unix(&self) -> Timestamp {
        self.now().timestamp()
    }
}

/// The wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that moves only when told to; clones share the same time.
#[derive(Debug, Clone)]
pub struct ManualClock(Arc<Mutex<DateTime<Utc>>>);

impl ManualClock {
    pub fn new(start: DateTime<Utc>) -> Self {
        Self(Arc::new(Mutex::new(start)))
    }

    /// Moves the clock forward by `seconds`.
    pub fn advance(&self, seconds: i64) {
        let mut now = self.0.lock().expect("clock lock");
        *now += chrono::Duration::seconds(seconds);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().expect("clock lock")
    }
}

/// China Standard Time (UTC+8, no daylight saving): the zone every date and time
/// shown to users and typed by operators is in.
pub fn china_standard_time() -> chrono::FixedOffset {
    chrono::FixedOffset::east_opt(8 * 3_600).expect("UTC+8 is a valid offset")
}

/// `unix` (seconds) as a China Standard Time date, `YYYY-MM-DD`.
pub fn china_date(unix: i64) -> String {
    china_format(unix, "%Y-%m-%d")
}

/// `unix` (seconds) as China Standard Time, `YYYY-MM-DD HH:MM:SS`.
pub fn china_datetime(unix: i64) -> String {
    china_format(unix, "%Y-%m-%d %H:%M:%S")
}

/// `unix` (seconds) as RFC 3339 in China Standard Time, `2026-12-02T16:54:17+08:00`:
/// the form machine-readable files (the account's download) carry.
pub fn china_rfc3339(unix: i64) -> String {
    china_format(unix, "%Y-%m-%dT%H:%M:%S%:z")
}

fn china_format(unix: i64, format: &str) -> String {
    DateTime::from_timestamp(unix, 0)
        .map(|t| {
            t.with_timezone(&china_standard_time())
                .format(format)
                .to_string()
        })
        .unwrap_or_default()
}
