//! The rules of SMS codes (docs/DESIGN.md §2; NIST SP 800-63B §5.1.3), pure: how long a
//! code lives, how many wrong tries kill it, and the send limits per phone, per IP
//! and in total. They read plain data ([`SendHistory`]) and know no storage or HTTP.

use crate::server::clock::Timestamp;

/// Seconds a code stays valid.
pub const CODE_TTL_SECS: i64 = 600;
/// Wrong tries that kill a code.
pub const MAX_ATTEMPTS: u32 = 5;
/// Wrong tries per phone per rolling hour, across its codes.
pub const PHONE_FAILURE_BUDGET: u32 = 10;
const HOUR: i64 = 3_600;
const DAY: i64 = 86_400;

/// The send rate limits (docs/DESIGN.md §2). Per-phone numbers are fixed by the design;
/// per-IP and global caps come from configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SendLimits {
    /// Seconds between two sends to one phone for one purpose.
    pub cooldown_secs: i64,
    /// Sends to one phone per rolling hour.
    pub phone_hourly: u32,
    /// Sends to one phone per rolling 24 hours.
    pub phone_daily: u32,
    /// Sends from one client IP per rolling hour.
    pub ip_hourly: u32,
    /// Sends in total per rolling hour.
    pub global_hourly: u32,
}

/// Why a send was refused, with the seconds until it would be allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendRefused {
    Cooldown(u64),
    PhoneHourly(u64),
    PhoneDaily(u64),
    Ip(u64),
    Global(u64),
}

impl SendLimits {
    /// The design's per-phone limits with the given per-IP and global caps.
    pub fn new(ip_hourly: u32, global_hourly: u32) -> Self {
        Self {
            cooldown_secs: 60,
            phone_hourly: 5,
            phone_daily: 10,
            ip_hourly,
            global_hourly,
        }
    }

    /// Seconds left of the cooldown after the last send of the same purpose to this
    /// phone (0 when none). The hourly and daily caps count every purpose.
    pub fn cooldown_left(&self, history: &SendHistory, now: Timestamp) -> u64 {
        history
            .last_same_purpose
            .map_or(0, |last| (last + self.cooldown_secs - now).max(0) as u64)
    }

    /// Whether one more send is allowed at `now`.
    pub fn admit(&self, history: &SendHistory, now: Timestamp) -> Result<(), SendRefused> {
        // Seconds until the send that is `cap` back in `times` leaves its window.
        let wait = |times: &[Timestamp], cap: u32, window: i64| -> Option<u64> {
            let in_window: Vec<_> = times.iter().filter(|t| **t > now - window).collect();
            (in_window.len() as u32 >= cap).then(|| {
                let oldest_that_counts = in_window[in_window.len() - cap as usize];
                (oldest_that_counts + window - now).max(1) as u64
            })
        };
        let cooldown = self.cooldown_left(history, now);
        if cooldown > 0 {
            return Err(SendRefused::Cooldown(cooldown));
        }
        if let Some(s) = wait(&history.phone, self.phone_hourly, HOUR) {
            return Err(SendRefused::PhoneHourly(s));
        }
        if let Some(s) = wait(&history.phone, self.phone_daily, DAY) {
            return Err(SendRefused::PhoneDaily(s));
        }
        if let Some(s) = wait(&history.ip, self.ip_hourly, HOUR) {
            return Err(SendRefused::Ip(s));
        }
        if history.global_count >= self.global_hourly {
            let s = history
                .global_oldest
                .map_or(60, |oldest| (oldest + HOUR - now).max(1) as u64);
            return Err(SendRefused::Global(s));
        }
        Ok(())
    }
}

/// The sends that count against a phone, an IP and the service (docs/DESIGN.md §2).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SendHistory {
    /// Send times for this phone in the last 24 hours, any purpose, oldest first
    /// (withdrawn codes included).
    pub phone: Vec<Timestamp>,
    /// The last delivered send for this phone and the purpose at hand (the
    /// cooldown's start; a withdrawn code starts none).
    pub last_same_purpose: Option<Timestamp>,
    /// Send times from this IP in the last hour, oldest first.
    pub ip: Vec<Timestamp>,
    /// Sends in total in the last hour, and the oldest of them.
    pub global_count: u32,
    pub global_oldest: Option<Timestamp>,
}

/// Why a code did not verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OtpRejected {
    /// Wrong digits; the code still has tries left.
    Wrong,
    /// No live code: never sent, expired, consumed or replaced.
    Expired,
    /// 5 wrong tries killed it.
    Dead,
    /// 10 wrong tries for this phone in the last hour, across codes.
    PhoneBudget,
}

/// The limits on guessing (docs/DESIGN.md §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VerifyRules {
    /// Wrong tries that kill a code.
    pub max_attempts: u32,
    /// Wrong tries per phone within the window, across its codes.
    pub phone_budget: u32,
    pub budget_window_secs: i64,
}

/// 5 tries a code, 10 wrong tries a phone per rolling hour.
pub const VERIFY_RULES: VerifyRules = VerifyRules {
    max_attempts: MAX_ATTEMPTS,
    phone_budget: PHONE_FAILURE_BUDGET,
    budget_window_secs: HOUR,
};

#[cfg(test)]
mod tests {
    use super::*;

    fn history(phone: &[i64]) -> SendHistory {
        SendHistory {
            phone: phone.to_vec(),
            last_same_purpose: phone.last().copied(),
            ..Default::default()
        }
    }

    #[test]
    fn cooldown_then_hourly_then_daily() {
        let l = SendLimits::new(100, 1000);
        let now = 100_000;
        assert_eq!(l.admit(&history(&[]), now), Ok(()));
        assert_eq!(
            l.admit(&history(&[now - 10]), now),
            Err(SendRefused::Cooldown(50))
        );
        assert_eq!(l.admit(&history(&[now - 60]), now), Ok(()));
        let other_purpose = SendHistory {
            phone: vec![now - 10],
            ..Default::default()
        };
        assert_eq!(
            l.admit(&other_purpose, now),
            Ok(()),
            "the cooldown is per purpose"
        );
        let five_in_hour: Vec<i64> = (0..5).map(|i| now - 3000 + i * 600).collect();
        assert_eq!(
            l.admit(&history(&five_in_hour), now),
            Err(SendRefused::PhoneHourly(600))
        );
        let ten_in_day: Vec<i64> = (0..10).map(|i| now - 80_000 + i * 7_000).collect();
        assert_eq!(
            l.admit(&history(&ten_in_day), now),
            Err(SendRefused::PhoneDaily(6_400))
        );
    }

    #[test]
    fn ip_and_global_caps() {
        let l = SendLimits::new(2, 3);
        let now = 10_000;
        let h = SendHistory {
            ip: vec![now - 100, now - 50],
            ..Default::default()
        };
        assert_eq!(l.admit(&h, now), Err(SendRefused::Ip(3_500)));
        let h = SendHistory {
            global_count: 3,
            global_oldest: Some(now - 600),
            ..Default::default()
        };
        assert_eq!(l.admit(&h, now), Err(SendRefused::Global(3_000)));
    }
}
