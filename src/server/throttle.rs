//! Sign-in throttling (docs/DESIGN.md §3; OWASP Authentication Cheat Sheet, NIST SP
//! 800-63B §5.2.2): failed sign-ins slow down per phone number — whether or not it
//! has an account — and per client IP. Counts live in the database, so every
//! instance sees the same.

use crate::server::clock::Timestamp;

/// The throttle's numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginThrottle {
    /// Failures allowed before any wait.
    pub free_failures: u32,
    /// Seconds of the first wait; it doubles with each further failure.
    pub base_wait_secs: i64,
    /// Longest wait, in seconds.
    pub max_wait_secs: i64,
    /// Failed sign-ins per client IP per rolling hour.
    pub ip_hourly: u32,
}

/// A phone's failures and the IP's, as stored.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FailureCounts {
    /// Consecutive failures of the phone since its last success.
    pub phone_failures: u32,
    pub phone_last_failed_at: Option<Timestamp>,
    /// Failures from the IP in the last hour, and the oldest of them.
    pub ip_failures: u32,
    pub ip_oldest: Option<Timestamp>,
}

/// Why a sign-in is not tried now, with the seconds to wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Throttled {
    Phone(u64),
    Ip(u64),
}

impl LoginThrottle {
    /// After 5 failures: 1 minute, doubling to at most 15 minutes; `ip_hourly` per IP.
    pub fn new(ip_hourly: u32) -> Self {
        Self {
            free_failures: 5,
            base_wait_secs: 60,
            max_wait_secs: 900,
            ip_hourly,
        }
    }

    /// The wait the phone has earned after `failures` consecutive failures.
    pub fn phone_wait(&self, failures: u32) -> i64 {
        if failures < self.free_failures {
            return 0;
        }
        let doublings = (failures - self.free_failures).min(10);
        (self.base_wait_secs << doublings).min(self.max_wait_secs)
    }

    /// Whether a sign-in may be tried at `now`.
    pub fn check(&self, counts: &FailureCounts, now: Timestamp) -> Result<(), Throttled> {
        if let Some(last) = counts.phone_last_failed_at {
            let until = last + self.phone_wait(counts.phone_failures);
            if until > now {
                return Err(Throttled::Phone((until - now) as u64));
            }
        }
        if counts.ip_failures >= self.ip_hourly {
            let until = counts.ip_oldest.unwrap_or(now) + 3_600;
            return Err(Throttled::Ip((until - now).max(1) as u64));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_start_after_five_failures_and_double_to_fifteen_minutes() {
        let t = LoginThrottle::new(100);
        assert_eq!(t.phone_wait(4), 0);
        assert_eq!(t.phone_wait(5), 60);
        assert_eq!(t.phone_wait(6), 120);
        assert_eq!(t.phone_wait(8), 480);
        assert_eq!(t.phone_wait(9), 900);
        assert_eq!(t.phone_wait(40), 900);
    }

    #[test]
    fn check_tells_the_time_left() {
        let t = LoginThrottle::new(3);
        let counts = FailureCounts {
            phone_failures: 5,
            phone_last_failed_at: Some(1_000),
            ..Default::default()
        };
        assert_eq!(t.check(&counts, 1_010), Err(Throttled::Phone(50)));
        assert_eq!(t.check(&counts, 1_060), Ok(()));
        let counts = FailureCounts {
            ip_failures: 3,
            ip_oldest: Some(1_000),
            ..Default::default()
        };
        assert_eq!(t.check(&counts, 1_600), Err(Throttled::Ip(3_000)));
    }
}
