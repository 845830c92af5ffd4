//! The bounded list of exchanges that broke the contract, and the proxy's counters.

use std::collections::VecDeque;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::exchange::Finding;

/// One exchange that broke the contract, as `GET /__admin/violations` lists it.
///
/// It holds the method, the path (no query string), the operation, the status and the
/// findings, whose messages have the exchange's secrets redacted: never a header value, an
/// API key or a token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Violation {
    /// When the answer came back (wall clock).
    pub at: DateTime<Utc>,
    /// The request method.
    pub method: String,
    /// The request path, without the query string (at most 256 characters).
    pub path: String,
    /// The operationId the request matched, if any.
    pub operation: Option<String>,
    /// The status the upstream answered.
    pub status: u16,
    /// What broke, answer first.
    pub findings: Vec<Finding>,
}

/// Counters of a running proxy, as `GET /__admin/health` shows them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProxyStats {
    /// Exchanges checked against the spec (forwarded `/__admin/` calls are not checked).
    pub exchanges: u64,
    /// Exchanges that broke the contract, since start or the last clear.
    pub violations: u64,
    /// How many of them `/__admin/violations` still holds (the most recent).
    pub violations_kept: usize,
    /// Requests outside the contract that the upstream refused with a documented error:
    /// the contract working as written, counted but not violations (unless
    /// `--strict-requests`).
    pub refused_invalid_requests: u64,
    /// Requests the upstream could not answer (unreachable, timeout, broken answer).
    pub upstream_errors: u64,
}

/// The most recent violations and the counters.
#[derive(Debug)]
pub(crate) struct ViolationLog {
    entries: VecDeque<Violation>,
    capacity: usize,
    stats: ProxyStats,
}

impl ViolationLog {
    pub(crate) fn new(capacity: usize) -> ViolationLog {
        ViolationLog {
            entries: VecDeque::new(),
            capacity,
            stats: ProxyStats::default(),
        }
    }

    pub(crate) fn exchange(&mut self, violation: Option<Violation>, refused_invalid: bool) {
        self.stats.exchanges += 1;
        if refused_invalid {
            self.stats.refused_invalid_requests += 1;
        }
        if let Some(violation) = violation {
            self.stats.violations += 1;
            if self.capacity > 0 {
                while self.entries.len() >= self.capacity {
                    self.entries.pop_front();
                }
                self.entries.push_back(violation);
            }
        }
    }

    pub(crate) fn upstream_error(&mut self) {
        self.stats.upstream_errors += 1;
    }

    pub(crate) fn entries(&self) -> Vec<Violation> {
        self.entries.iter().cloned().collect()
    }

    pub(crate) fn stats(&self) -> ProxyStats {
        ProxyStats {
            violations_kept: self.entries.len(),
            ..self.stats.clone()
        }
    }

    pub(crate) fn clear(&mut self) {
        self.entries.clear();
        self.stats = ProxyStats::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn violation(status: u16) -> Violation {
        Violation {
            at: Utc::now(),
            method: "GET".into(),
            path: "/x".into(),
            operation: None,
            status,
            findings: Vec::new(),
        }
    }

    #[test]
    fn keeps_the_most_recent_and_counts_all() {
        let mut log = ViolationLog::new(2);
        for status in [500, 501, 502] {
            log.exchange(Some(violation(status)), false);
        }
        log.exchange(None, true);
        let kept: Vec<u16> = log.entries().iter().map(|v| v.status).collect();
        assert_eq!(kept, [501, 502]);
        let stats = log.stats();
        assert_eq!(
            (stats.exchanges, stats.violations, stats.violations_kept),
            (4, 3, 2)
        );
        assert_eq!(stats.refused_invalid_requests, 1);
        log.clear();
        assert_eq!(log.stats(), ProxyStats::default());
    }
}
