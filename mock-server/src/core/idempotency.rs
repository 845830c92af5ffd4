//! `Idempotency-Key` records for the IAM resend.
//!
//! As in the IETF httpapi draft "The Idempotency-Key HTTP Header Field": a repeat of the same
//! request replays the first response, the same key with a different request is refused
//! (422), and a repeat that arrives while the first request is still in flight is refused
//! too (409). The core answers a request at once under its lock, so a request is only ever
//! "in flight" while the transport holds its answer back for an injected delay: the record
//! carries the instant that answer goes out.
//!
//! A benchmark may send a million resends, each with its own key, so the records are
//! bounded twice: by age (a TTL on the mock clock) and by count (oldest evicted first).

use std::collections::{HashMap, VecDeque};
use std::time::Instant;

use chrono::{DateTime, Duration, Utc};

/// One recorded success.
struct Record {
    seq: u64,
    invite_id: String,
    dry_run: bool,
    at: DateTime<Utc>,
    /// When the first response reaches the client (after an injected delay); `None` when it
    /// went out at once.
    answered_at: Option<Instant>,
    body: Vec<u8>,
}

/// What a lookup found.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Lookup {
    /// No live record: process the request.
    Miss,
    /// Same key, same request: answer with this body again.
    Replay(Vec<u8>),
    /// Same key, different request: refuse (422).
    Mismatch {
        /// The invite id the key was first used with.
        first_invite_id: String,
        /// The `dryRun` the key was first used with.
        first_dry_run: bool,
    },
    /// Same key, same request, and the first is still in flight: refuse (409).
    InFlight,
}

/// Records keyed by (API key, Idempotency-Key).
pub(crate) struct IdempotencyStore {
    records: HashMap<(String, String), Record>,
    /// Insertion order, for eviction; an entry whose seq no longer matches the map is stale.
    order: VecDeque<(u64, (String, String))>,
    next_seq: u64,
    capacity: usize,
    ttl: Duration,
}

impl IdempotencyStore {
    pub(crate) fn new(capacity: usize, ttl: Duration) -> IdempotencyStore {
        IdempotencyStore {
            records: HashMap::new(),
            order: VecDeque::new(),
            next_seq: 0,
            capacity,
            ttl,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.records.len()
    }

    fn expired(&self, record: &Record, now: DateTime<Utc>) -> bool {
        now.signed_duration_since(record.at) >= self.ttl
    }

    /// What a request with this key finds. `instant` is the real time, compared with when
    /// the first answer goes out; `now` is the mock clock, for the TTL.
    pub(crate) fn lookup(
        &mut self,
        api_key: &str,
        idempotency_key: &str,
        invite_id: &str,
        dry_run: bool,
        now: DateTime<Utc>,
        instant: Instant,
    ) -> Lookup {
        let id = (api_key.to_owned(), idempotency_key.to_owned());
        let Some(record) = self.records.get(&id) else {
            return Lookup::Miss;
        };
        if self.expired(record, now) {
            self.records.remove(&id);
            return Lookup::Miss;
        }
        if record.invite_id != invite_id || record.dry_run != dry_run {
            Lookup::Mismatch {
                first_invite_id: record.invite_id.clone(),
                first_dry_run: record.dry_run,
            }
        } else if record.answered_at.is_some_and(|at| instant < at) {
            Lookup::InFlight
        } else {
            Lookup::Replay(record.body.clone())
        }
    }

    /// Records a success; `answered_at` is when its response reaches the client, if later
    /// than now (an injected delay).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn record(
        &mut self,
        api_key: &str,
        idempotency_key: &str,
        invite_id: &str,
        dry_run: bool,
        body: Vec<u8>,
        now: DateTime<Utc>,
        answered_at: Option<Instant>,
    ) {
        if self.capacity == 0 {
            return;
        }
        self.evict(now);
        while self.records.len() >= self.capacity {
            if !self.pop_oldest() {
                break;
            }
        }
        if self.order.len() >= self.capacity.saturating_mul(2) {
            // Clock jumps can strand stale entries behind a live one; compact them away.
            let records = &self.records;
            self.order
                .retain(|(seq, id)| records.get(id).is_some_and(|r| r.seq == *seq));
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        let id = (api_key.to_owned(), idempotency_key.to_owned());
        self.order.push_back((seq, id.clone()));
        self.records.insert(
            id,
            Record {
                seq,
                invite_id: invite_id.to_owned(),
                dry_run,
                at: now,
                answered_at,
                body,
            },
        );
    }

    /// Drops expired records from the old end, and stale order entries.
    fn evict(&mut self, now: DateTime<Utc>) {
        while let Some((seq, id)) = self.order.front() {
            let drop = match self.records.get(id) {
                Some(record) if record.seq == *seq => self.expired(record, now),
                _ => true,
            };
            if !drop {
                break;
            }
            self.pop_oldest();
        }
    }

    /// Removes the oldest order entry (and its record when it is current).
    fn pop_oldest(&mut self) -> bool {
        let Some((seq, id)) = self.order.pop_front() else {
            return false;
        };
        if self.records.get(&id).is_some_and(|r| r.seq == seq) {
            self.records.remove(&id);
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 3, 15, 12, 0, 0).unwrap()
    }

    /// A store that always reads at one real instant (no record is in flight then).
    struct At<'a>(&'a mut IdempotencyStore, Instant);

    impl At<'_> {
        fn lookup(&mut self, k: &str, i: &str, id: &str, dry: bool, at: DateTime<Utc>) -> Lookup {
            self.0.lookup(k, i, id, dry, at, self.1)
        }
        fn record(
            &mut self,
            k: &str,
            i: &str,
            id: &str,
            dry: bool,
            body: Vec<u8>,
            at: DateTime<Utc>,
        ) {
            self.0.record(k, i, id, dry, body, at, None);
        }
    }

    #[test]
    fn a_repeat_while_the_first_answer_is_delayed_is_in_flight() {
        let mut store = IdempotencyStore::new(10, Duration::hours(24));
        let t0 = Instant::now();
        let out = t0 + std::time::Duration::from_secs(2);
        store.record("k", "i", "9001", false, b"first".to_vec(), now(), Some(out));
        assert_eq!(
            store.lookup("k", "i", "9001", false, now(), t0),
            Lookup::InFlight
        );
        // A different request is refused as such even while the first is in flight.
        assert!(matches!(
            store.lookup("k", "i", "9002", false, now(), t0),
            Lookup::Mismatch { .. }
        ));
        assert_eq!(
            store.lookup("k", "i", "9001", false, now(), out),
            Lookup::Replay(b"first".to_vec())
        );
    }

    #[test]
    fn same_request_replays_and_different_request_mismatches() {
        let mut inner = IdempotencyStore::new(10, Duration::hours(24));
        let mut store = At(&mut inner, Instant::now());
        assert_eq!(store.lookup("k", "i", "9001", false, now()), Lookup::Miss);
        store.record("k", "i", "9001", false, b"first".to_vec(), now());
        assert_eq!(
            store.lookup("k", "i", "9001", false, now()),
            Lookup::Replay(b"first".to_vec())
        );
        assert!(matches!(
            store.lookup("k", "i", "9002", false, now()),
            Lookup::Mismatch { .. }
        ));
        assert!(matches!(
            store.lookup("k", "i", "9001", true, now()),
            Lookup::Mismatch { .. }
        ));
        assert_eq!(
            store.lookup("other-api-key", "i", "9001", false, now()),
            Lookup::Miss,
            "records are per API key"
        );
    }

    #[test]
    fn records_expire_on_the_mock_clock() {
        let mut inner = IdempotencyStore::new(10, Duration::hours(24));
        let mut store = At(&mut inner, Instant::now());
        store.record("k", "i", "9001", false, b"x".to_vec(), now());
        let almost = now() + Duration::hours(24) - Duration::seconds(1);
        assert!(matches!(
            store.lookup("k", "i", "9001", false, almost),
            Lookup::Replay(_)
        ));
        assert_eq!(
            store.lookup("k", "i", "9001", false, now() + Duration::hours(24)),
            Lookup::Miss
        );
        assert_eq!(store.0.len(), 0);
    }

    #[test]
    fn count_is_capped_oldest_first() {
        let mut inner = IdempotencyStore::new(3, Duration::hours(24));
        let mut store = At(&mut inner, Instant::now());
        for i in 0..10 {
            store.record("k", &i.to_string(), "9001", false, vec![i], now());
        }
        assert_eq!(store.0.len(), 3);
        assert!(store.0.order.len() <= 3);
        assert_eq!(store.lookup("k", "6", "9001", false, now()), Lookup::Miss);
        assert_eq!(
            store.lookup("k", "9", "9001", false, now()),
            Lookup::Replay(vec![9])
        );
    }

    #[test]
    fn re_recording_an_expired_key_is_not_evicted_by_its_stale_entry() {
        let mut inner = IdempotencyStore::new(2, Duration::hours(1));
        let mut store = At(&mut inner, Instant::now());
        store.record("k", "a", "1", false, vec![1], now());
        let later = now() + Duration::hours(2);
        assert_eq!(store.lookup("k", "a", "1", false, later), Lookup::Miss);
        store.record("k", "a", "1", false, vec![2], later);
        store.record("k", "b", "1", false, vec![3], later);
        assert_eq!(
            store.lookup("k", "a", "1", false, later),
            Lookup::Replay(vec![2])
        );
    }
}
