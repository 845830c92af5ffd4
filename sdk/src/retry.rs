//! Retries: which failures, which operations, and why.
//!
//! A failed call is retried, with exponential backoff and jitter, only when the failure is
//! transient:
//!
//! * the connection could not be established (nothing was sent), or broke before the
//!   answer was complete;
//! * `429 Too Many Requests`, after the server's `Retry-After` (in seconds) when it sent one;
//! * `502 Bad Gateway`, `503 Service Unavailable`, `504 Gateway Timeout`.
//!
//! Other errors (4xx, 500, timeouts, decode errors) are returned at once: retrying would give
//! the same answer, or (for a timeout) the request may already have been processed and the
//! timeout is the caller's budget.
//!
//! Whether a transient failure is retried also depends on what a repeat would do:
//!
//! | operation | retried on | why |
//! |---|---|---|
//! | `GetUserInvitationByEmail` (GET) | every transient failure | a read; repeating it changes nothing |
//! | `resendInvite` (IAM POST) | every transient failure | every attempt carries the same `Idempotency-Key` (the caller's, or one the SDK generates per call: 128 random bits in hex), and the server answers a repeat with the first response without sending a second email |
//! | `ResendInvitation` (tenant PUT) | failures to connect only | it has no idempotency key: once the request may have reached the server, a repeat could send a second email and rotate the token twice. A broken connection, a 429 or a 502/503/504 (which may come from a proxy after the server acted) is returned to the caller |
//!
//! The delay before retry `n` (1-based) is drawn uniformly from
//! `[d/2, d]` with `d = min(base_delay * 2^(n-1), max_delay)`. A `Retry-After` replaces it;
//! one longer than [`RetryPolicy::max_retry_after`] is not waited for and the 429 is returned.

use std::time::Duration;

/// How failed calls are retried. See the [module docs](self) for which failures and which
/// operations.
///
/// ```
/// use std::time::Duration;
/// use invitations_sdk::RetryPolicy;
///
/// let policy = RetryPolicy::default()
///     .with_max_attempts(5)
///     .with_base_delay(Duration::from_millis(100));
/// assert_eq!(policy.max_attempts(), 5);
/// assert_eq!(policy.base_delay(), Duration::from_millis(100));
/// assert_eq!(RetryPolicy::none().max_attempts(), 1);
/// ```
///
/// Settings are `with_*` and getters carry the plain name (the Rust API guidelines'
/// C-GETTER); `get_max_attempts` and `get_base_delay` remain as deprecated aliases for one
/// release.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    base_delay: Duration,
    max_delay: Duration,
    max_retry_after: Duration,
}

impl Default for RetryPolicy {
    /// 3 attempts, 200 ms base delay, 5 s cap, `Retry-After` honoured up to 60 s.
    fn default() -> Self {
        Self {
            max_attempts: 3,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(5),
            max_retry_after: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// No retries: one attempt per call.
    pub fn none() -> Self {
        Self::default().with_max_attempts(1)
    }

    /// Attempts per call, the first included (at least 1; 0 is taken as 1). Default 3.
    pub fn with_max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The delay before the first retry, doubled for each further one. Default 200 ms.
    pub fn with_base_delay(mut self, delay: Duration) -> Self {
        self.base_delay = delay;
        self
    }

    /// The longest backoff delay. Default 5 s.
    pub fn with_max_delay(mut self, delay: Duration) -> Self {
        self.max_delay = delay;
        self
    }

    /// The longest `Retry-After` the client waits for; a longer one ends the call with the
    /// 429. Default 60 s.
    pub fn with_max_retry_after(mut self, delay: Duration) -> Self {
        self.max_retry_after = delay;
        self
    }

    /// Attempts per call, the first included (at least 1).
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The delay before the first retry.
    pub fn base_delay(&self) -> Duration {
        self.base_delay
    }

    /// The longest backoff delay.
    pub fn max_delay(&self) -> Duration {
        self.max_delay
    }

    /// The longest `Retry-After` the client waits for.
    pub fn max_retry_after(&self) -> Duration {
        self.max_retry_after
    }

    /// Attempts per call.
    #[deprecated(note = "use `RetryPolicy::max_attempts`; this alias goes in the next release")]
    pub fn get_max_attempts(&self) -> u32 {
        self.max_attempts()
    }

    /// The delay before the first retry.
    #[deprecated(note = "use `RetryPolicy::base_delay`; this alias goes in the next release")]
    pub fn get_base_delay(&self) -> Duration {
        self.base_delay()
    }

    /// The backoff delay before retry number `retry` (1 = the first retry), with jitter.
    pub(crate) fn backoff(&self, retry: u32) -> Duration {
        let exp = retry.saturating_sub(1).min(20);
        let full = self
            .base_delay
            .saturating_mul(1u32 << exp)
            .min(self.max_delay);
        let half = full / 2;
        let spread = (full - half).as_nanos() as u64;
        let jitter = if spread == 0 {
            0
        } else {
            rand::random_range(0..=spread)
        };
        half + Duration::from_nanos(jitter)
    }

    /// How long to wait before the next attempt, or `None` to give up.
    pub(crate) fn delay_for(&self, retry: u32, retry_after: Option<Duration>) -> Option<Duration> {
        match retry_after {
            Some(wait) if wait > self.max_retry_after => None,
            Some(wait) => Some(wait),
            None => Some(self.backoff(retry)),
        }
    }
}

/// What a repeat of an operation would do, and so which transient failures may be retried.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Safety {
    /// A read, or a write made idempotent by a key: every transient failure.
    Idempotent,
    /// A write without a key: only failures where the request surely was not sent.
    ConnectOnly,
}

impl Safety {
    pub(crate) fn allows(self, err: &crate::error::Error) -> bool {
        match self {
            Safety::Idempotent => err.is_retryable(),
            Safety::ConnectOnly => err.is_connect(),
        }
    }
}

/// A new idempotency key: 128 random bits as 32 lowercase hex digits.
pub(crate) fn new_idempotency_key() -> String {
    format!("{:032x}", rand::random::<u128>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_within_jitter_and_is_capped() {
        let policy = RetryPolicy::default()
            .with_base_delay(Duration::from_millis(100))
            .with_max_delay(Duration::from_millis(350));
        for _ in 0..50 {
            let first = policy.backoff(1);
            assert!(first >= Duration::from_millis(50) && first <= Duration::from_millis(100));
            let second = policy.backoff(2);
            assert!(second >= Duration::from_millis(100) && second <= Duration::from_millis(200));
            let capped = policy.backoff(10);
            assert!(capped >= Duration::from_millis(175) && capped <= Duration::from_millis(350));
        }
        // Jitter: not every draw is the same.
        let draws: std::collections::HashSet<_> = (0..20).map(|_| policy.backoff(2)).collect();
        assert!(draws.len() > 1);
    }

    #[test]
    fn retry_after_is_honoured_up_to_the_cap() {
        let policy = RetryPolicy::default().with_max_retry_after(Duration::from_secs(10));
        assert_eq!(
            policy.delay_for(1, Some(Duration::from_secs(3))),
            Some(Duration::from_secs(3))
        );
        assert_eq!(policy.delay_for(1, Some(Duration::from_secs(11))), None);
    }

    #[test]
    fn idempotency_keys_are_128_bit_hex_and_differ() {
        let a = new_idempotency_key();
        let b = new_idempotency_key();
        assert_eq!(a.len(), 32);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }

    #[test]
    fn getters_read_what_the_settings_set_and_the_deprecated_aliases_agree() {
        let policy = RetryPolicy::default()
            .with_max_attempts(7)
            .with_base_delay(Duration::from_millis(30))
            .with_max_delay(Duration::from_millis(900))
            .with_max_retry_after(Duration::from_secs(12));
        assert_eq!(policy.max_attempts(), 7);
        assert_eq!(policy.base_delay(), Duration::from_millis(30));
        assert_eq!(policy.max_delay(), Duration::from_millis(900));
        assert_eq!(policy.max_retry_after(), Duration::from_secs(12));
        #[allow(deprecated)]
        let old = (policy.get_max_attempts(), policy.get_base_delay());
        assert_eq!(old, (7, Duration::from_millis(30)));
    }

    #[test]
    fn zero_attempts_means_one() {
        assert_eq!(
            RetryPolicy::default().with_max_attempts(0).max_attempts(),
            1
        );
    }
}

/// Which operations may repeat which failures (found by `cargo xtask mutants`).
#[cfg(test)]
mod safety_tests {
    use super::*;

    #[test]
    fn a_503_is_retried_only_with_an_idempotency_key() {
        let unavailable = crate::error::Error::Api {
            status: reqwest::StatusCode::SERVICE_UNAVAILABLE,
            code: None,
            message: String::new(),
            info: Vec::new(),
            retry_after: None,
        };
        assert!(Safety::Idempotent.allows(&unavailable));
        assert!(!Safety::ConnectOnly.allows(&unavailable));
    }

    #[test]
    fn a_retry_after_equal_to_the_cap_is_waited_for() {
        let policy = RetryPolicy::default().with_max_retry_after(Duration::from_secs(10));
        assert_eq!(
            policy.delay_for(1, Some(Duration::from_secs(10))),
            Some(Duration::from_secs(10))
        );
        assert_eq!(
            policy.delay_for(1, Some(Duration::ZERO)),
            Some(Duration::ZERO)
        );
    }
}
