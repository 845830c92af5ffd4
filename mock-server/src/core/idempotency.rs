//! `Idempotency-Key` records for the IAM resend.
//!
//! A benchmark may send a million resends, each with its own key, so the records are
//! bounded twice: by age (a TTL on the mock clock) and by count (oldest evicted first).

use std::collections::{HashMap, VecDeque};

use chrono::{DateTime, Duration, Utc};

/// One recorded success.
struct Record {
    seq: u64,
    invite_id: String,
    dry_run: bool,
    at: DateTime<Utc>,
    body: Vec<u8>,
}

/// What a lookup found.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Lookup {
    /// No live record: process the request.
    Miss,
    /// Same key, same request: answer with this body again.
    Replay(Vec<u8>),
    /// Same key, different request: refuse.
    Mismatch {
        /// The invite id the key was first used with.
        first_invite_id: String,
    },
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

    pub(crate) fn lookup(
        &mut self,
        api_key: &str,
        idempotency_key: &str,
        invite_id: &str,
        dry_run: bool,
        now: DateTime<Utc>,
    ) -> Lookup {
        let id = (api_key.to_owned(), idempotency_key.to_owned());
        let Some(record) = self.records.get(&id) else {
            return Lookup::Miss;
        };
        if self.expired(record, now) {
            self.records.remove(&id);
            return Lookup::Miss;
        }
        if record.invite_id == invite_id && record.dry_run == dry_run {
            Lookup::Replay(record.body.clone())
        } else {
            Lookup::Mismatch {
                first_invite_id: record.invite_id.clone(),
            }
        }
    }

    pub(crate) fn record(
        &mut self,
        api_key: &str,
        idempotency_key: &str,
        invite_id: &str,
        dry_run: bool,
        body: Vec<u8>,
        now: DateTime<Utc>,
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

    #[test]
    fn same_request_replays_and_different_request_mismatches() {
        let mut store = IdempotencyStore::new(10, Duration::hours(24));
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
        let mut store = IdempotencyStore::new(10, Duration::hours(24));
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
        assert_eq!(store.len(), 0);
    }

    #[test]
    fn count_is_capped_oldest_first() {
        let mut store = IdempotencyStore::new(3, Duration::hours(24));
        for i in 0..10 {
            store.record("k", &i.to_string(), "9001", false, vec![i], now());
        }
        assert_eq!(store.len(), 3);
        assert!(store.order.len() <= 3);
        assert_eq!(store.lookup("k", "6", "9001", false, now()), Lookup::Miss);
        assert_eq!(
            store.lookup("k", "9", "9001", false, now()),
            Lookup::Replay(vec![9])
        );
    }

    #[test]
    fn re_recording_an_expired_key_is_not_evicted_by_its_stale_entry() {
        let mut store = IdempotencyStore::new(2, Duration::hours(1));
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
