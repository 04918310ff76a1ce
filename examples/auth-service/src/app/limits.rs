//! Rate limits (per client address, per account), what a refused or busy
//! request answers, and the throttle on the log lines they write.

use std::{hash::Hash, net::IpAddr, time::Duration};

use governor::{
    DefaultKeyedRateLimiter, Quota, RateLimiter,
    clock::{Clock, DefaultClock},
};
use guardrail::password::Error as PasswordError;

use super::{AppState, Problem};

/// Lets one event through per interval and counts the ones it held back.
#[derive(Debug)]
pub struct LogThrottle {
    interval: Duration,
    last: std::sync::Mutex<Option<std::time::Instant>>,
    suppressed: std::sync::atomic::AtomicU64,
}

impl LogThrottle {
    /// One event per `interval`.
    #[must_use]
    pub fn new(interval: Duration) -> Self {
        Self { interval, last: std::sync::Mutex::new(None), suppressed: std::sync::atomic::AtomicU64::new(0) }
    }

    /// `Some(events held back since the last one)` if this event should be logged.
    pub fn admit(&self) -> Option<u64> {
        use std::sync::atomic::Ordering;
        let now = std::time::Instant::now();
        let mut last = self.last.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if last.is_some_and(|t| now.duration_since(t) < self.interval) {
            self.suppressed.fetch_add(1, Ordering::Relaxed);
            return None;
        }
        *last = Some(now);
        Some(self.suppressed.swap(0, Ordering::Relaxed))
    }
}

/// A per-minute limiter that allows the whole minute's budget as a burst.
#[must_use]
pub fn per_minute<K: Hash + Eq + Clone>(n: std::num::NonZeroU32) -> DefaultKeyedRateLimiter<K> {
    RateLimiter::keyed(Quota::per_minute(n))
}

/// `Err(seconds to wait)` when `key` is over its limit.
fn check<K: Hash + Eq + Clone>(limiter: &DefaultKeyedRateLimiter<K>, key: &K) -> Result<(), u64> {
    limiter.check_key(key).map_err(|not_until| {
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
    })
}

impl AppState {
    pub(super) fn limit_ip(&self, client: IpAddr) -> Result<(), Problem> {
        check(&self.per_ip, &client).map_err(|secs| self.limited("per_ip", client, secs))
    }

    pub(super) fn limit_account(&self, account: &[u8; 32], client: IpAddr) -> Result<(), Problem> {
        check(&self.per_account, account).map_err(|secs| self.limited("per_account", client, secs))
    }

    pub(super) fn hashing_failed(&self, e: PasswordError) -> Problem {
        if matches!(e, PasswordError::Busy) {
            if let Some(suppressed) = self.limit_log.admit() {
                tracing::warn!(target: "security", event = "excess_rate_limit_exceeded", limit = "hashing_slots", suppressed);
            }
            Problem::busy()
        } else {
            tracing::error!(error = %e, "hashing failed");
            Problem::internal()
        }
    }

    fn limited(&self, limit: &'static str, client: IpAddr, secs: u64) -> Problem {
        if let Some(suppressed) = self.limit_log.admit() {
            tracing::warn!(target: "security", event = "excess_rate_limit_exceeded", limit, %client, suppressed);
        }
        Problem::rate_limited(secs)
    }
}

/// The rate-limit key of an account: a digest, so the limiter holds no
/// submitted text.
pub(super) fn account_key(kind: &str, id: &str) -> [u8; 32] {
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    ctx.update(kind.as_bytes());
    ctx.update(&[0]);
    ctx.update(id.as_bytes());
    let mut out = [0u8; 32];
    out.copy_from_slice(ctx.finish().as_ref());
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)] // test code

    use super::*;

    #[test]
    fn log_throttle_lets_one_through_per_interval_and_counts_the_rest() {
        let t = LogThrottle::new(Duration::from_millis(50));
        assert_eq!(t.admit(), Some(0));
        assert_eq!(t.admit(), None);
        assert_eq!(t.admit(), None);
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(t.admit(), Some(2));
    }

    #[test]
    fn limiter_reports_a_whole_second_wait() {
        let l = per_minute::<u8>(std::num::NonZeroU32::new(1).unwrap());
        assert!(check(&l, &1).is_ok());
        let wait = check(&l, &1).unwrap_err();
        assert!((1..=60).contains(&wait), "{wait}");
        assert!(check(&l, &2).is_ok(), "keys are independent");
    }
}
