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

use std::collections::hash_map::Entry;
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, Duration, Utc};

/// One recorded success. A replay is rendered again from the request (the answer is a
/// function of the invite id and `dryRun`), so nothing more is kept.
struct Record {
    seq: u64,
    invite_id: Box<str>,
    dry_run: bool,
    at: DateTime<Utc>,
    /// When the first response reaches the client (after an injected delay); `None` when it
    /// went out at once.
    answered_at: Option<Instant>,
}

/// What a lookup found.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Lookup {
    /// No live record: process the request.
    Miss,
    /// Same key, same request: answer as the first time.
    Replay,
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

/// A request as the records see it: who sent it, under which `Idempotency-Key`, for what.
pub(crate) struct Attempt<'a> {
    pub(crate) api_key: &'a str,
    pub(crate) idempotency_key: &'a str,
    pub(crate) invite_id: &'a str,
    pub(crate) dry_run: bool,
}

/// An (API key, Idempotency-Key) pair; the queue shares the map's strings.
type Id = (Arc<str>, Arc<str>);

/// The records made with one API key, by Idempotency-Key.
type Group = HashMap<Arc<str>, Record, super::store::FastHash>;

/// Records keyed by (API key, Idempotency-Key).
///
/// Grouped by API key first, then keyed by Idempotency-Key, so that a lookup borrows the
/// request's strings instead of building an owned pair (it runs on every resend, under the
/// core's lock), and a record allocates its Idempotency-Key once, shared with the queue.
/// Only authenticated keys get here, the fixture's few, so the groups are a list: comparing
/// a handful of short strings costs less than hashing one.
pub(crate) struct IdempotencyStore {
    records: Vec<(Arc<str>, Group)>,
    /// How many records `records` holds.
    live: usize,
    /// Insertion order, for eviction; an entry whose seq no longer matches the map is stale.
    order: VecDeque<(u64, Id)>,
    next_seq: u64,
    capacity: usize,
    ttl: Duration,
    /// How often `record` compacted `order`: the test that keeps compaction rare reads it.
    #[cfg(test)]
    compactions: u64,
}

impl IdempotencyStore {
    pub(crate) fn new(capacity: usize, ttl: Duration) -> IdempotencyStore {
        IdempotencyStore {
            records: Vec::new(),
            live: 0,
            order: VecDeque::new(),
            next_seq: 0,
            capacity,
            ttl,
            #[cfg(test)]
            compactions: 0,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.live
    }

    fn expired(&self, record: &Record, now: DateTime<Utc>) -> bool {
        now.signed_duration_since(record.at) >= self.ttl
    }

    /// The records made with `api_key`.
    fn group(&self, api_key: &str) -> Option<&Group> {
        self.records
            .iter()
            .find(|(api, _)| **api == *api_key)
            .map(|(_, keys)| keys)
    }

    fn get(&self, api_key: &str, idempotency_key: &str) -> Option<&Record> {
        self.group(api_key)?.get(idempotency_key)
    }

    fn remove(&mut self, api_key: &str, idempotency_key: &str) {
        let group = self.records.iter_mut().find(|(api, _)| **api == *api_key);
        if let Some((_, keys)) = group
            && keys.remove(idempotency_key).is_some()
        {
            self.live -= 1;
        }
    }

    /// Removes the record of `id` if the queue entry `seq` is still its current one.
    fn remove_current(&mut self, seq: u64, id: Id) {
        let (api_key, key) = id;
        let group = self.records.iter_mut().find(|(api, _)| *api == api_key);
        if let Some((_, keys)) = group
            && let Entry::Occupied(entry) = keys.entry(key)
            && entry.get().seq == seq
        {
            entry.remove();
            self.live -= 1;
        }
    }

    /// Whether the queue entry `(seq, id)` is the current record of its key.
    fn is_current(&self, seq: u64, id: &Id) -> bool {
        self.get(&id.0, &id.1).is_some_and(|r| r.seq == seq)
    }

    /// What `attempt` finds. `instant` is the real time, compared with when the first answer
    /// goes out; `now` is the mock clock, for the TTL.
    pub(crate) fn lookup(
        &mut self,
        attempt: &Attempt<'_>,
        now: DateTime<Utc>,
        instant: Instant,
    ) -> Lookup {
        let Some(record) = self.get(attempt.api_key, attempt.idempotency_key) else {
            return Lookup::Miss;
        };
        if self.expired(record, now) {
            self.remove(attempt.api_key, attempt.idempotency_key);
            return Lookup::Miss;
        }
        if *record.invite_id != *attempt.invite_id || record.dry_run != attempt.dry_run {
            Lookup::Mismatch {
                first_invite_id: record.invite_id.to_string(),
                first_dry_run: record.dry_run,
            }
        } else if record.answered_at.is_some_and(|at| instant < at) {
            Lookup::InFlight
        } else {
            Lookup::Replay
        }
    }

    /// Records `attempt`'s success; `answered_at` is when its response reaches the client, if
    /// later than now (an injected delay).
    pub(crate) fn record(
        &mut self,
        attempt: &Attempt<'_>,
        now: DateTime<Utc>,
        answered_at: Option<Instant>,
    ) {
        if self.capacity == 0 {
            return;
        }
        self.evict(now);
        // `evict` leaves a current record at the front, so one pop frees a place.
        if self.live >= self.capacity {
            self.pop_oldest();
        }
        if self.order.len() >= self.capacity.saturating_mul(2) {
            // Clock jumps can strand stale entries behind a live one; compact them away.
            let order = std::mem::take(&mut self.order);
            self.order = order
                .into_iter()
                .filter(|(seq, id)| self.is_current(*seq, id))
                .collect();
            #[cfg(test)]
            {
                self.compactions += 1;
            }
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        // A group is made once per API key; its name is then shared with the queue.
        let index = match self
            .records
            .iter()
            .position(|(api, _)| **api == *attempt.api_key)
        {
            Some(index) => index,
            None => {
                self.records
                    .push((Arc::from(attempt.api_key), HashMap::default()));
                self.records.len() - 1
            }
        };
        let (api, keys) = &mut self.records[index];
        let key: Arc<str> = Arc::from(attempt.idempotency_key);
        self.order
            .push_back((seq, (Arc::clone(api), Arc::clone(&key))));
        let previous = keys.insert(
            key,
            Record {
                seq,
                invite_id: attempt.invite_id.into(),
                dry_run: attempt.dry_run,
                at: now,
                answered_at,
            },
        );
        if previous.is_none() {
            self.live += 1;
        }
    }

    /// Drops expired records from the old end, and stale order entries.
    fn evict(&mut self, now: DateTime<Utc>) {
        // At most one pass over the queue: a mistake in here must not spin forever.
        for _ in 0..self.order.len() {
            let Some((seq, id)) = self.order.front() else {
                break;
            };
            let drop = match self.get(&id.0, &id.1) {
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
        self.remove_current(seq, id);
        true
    }
}

/// A test's attempt, by position: API key, Idempotency-Key, invite id, dryRun.
#[cfg(test)]
fn attempt<'a>(api_key: &'a str, key: &'a str, invite_id: &'a str, dry_run: bool) -> Attempt<'a> {
    Attempt {
        api_key,
        idempotency_key: key,
        invite_id,
        dry_run,
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
        fn lookup(&mut self, attempt: &Attempt<'_>, at: DateTime<Utc>) -> Lookup {
            self.0.lookup(attempt, at, self.1)
        }
        fn record(&mut self, attempt: &Attempt<'_>, at: DateTime<Utc>) {
            self.0.record(attempt, at, None);
        }
    }

    #[test]
    fn a_repeat_while_the_first_answer_is_delayed_is_in_flight() {
        let mut store = IdempotencyStore::new(10, Duration::hours(24));
        let t0 = Instant::now();
        let out = t0 + std::time::Duration::from_secs(2);
        store.record(&attempt("k", "i", "9001", false), now(), Some(out));
        assert_eq!(
            store.lookup(&attempt("k", "i", "9001", false), now(), t0),
            Lookup::InFlight
        );
        // A different request is refused as such even while the first is in flight.
        assert!(matches!(
            store.lookup(&attempt("k", "i", "9002", false), now(), t0),
            Lookup::Mismatch { .. }
        ));
        assert_eq!(
            store.lookup(&attempt("k", "i", "9001", false), now(), out),
            Lookup::Replay
        );
    }

    #[test]
    fn same_request_replays_and_different_request_mismatches() {
        let mut inner = IdempotencyStore::new(10, Duration::hours(24));
        let mut store = At(&mut inner, Instant::now());
        assert_eq!(
            store.lookup(&attempt("k", "i", "9001", false), now()),
            Lookup::Miss
        );
        store.record(&attempt("k", "i", "9001", false), now());
        assert_eq!(
            store.lookup(&attempt("k", "i", "9001", false), now()),
            Lookup::Replay
        );
        assert!(matches!(
            store.lookup(&attempt("k", "i", "9002", false), now()),
            Lookup::Mismatch { .. }
        ));
        assert!(matches!(
            store.lookup(&attempt("k", "i", "9001", true), now()),
            Lookup::Mismatch { .. }
        ));
        assert_eq!(
            store.lookup(&attempt("other-api-key", "i", "9001", false), now()),
            Lookup::Miss,
            "records are per API key"
        );
    }

    #[test]
    fn records_expire_on_the_mock_clock() {
        let mut inner = IdempotencyStore::new(10, Duration::hours(24));
        let mut store = At(&mut inner, Instant::now());
        store.record(&attempt("k", "i", "9001", false), now());
        let almost = now() + Duration::hours(24) - Duration::seconds(1);
        assert!(matches!(
            store.lookup(&attempt("k", "i", "9001", false), almost),
            Lookup::Replay
        ));
        assert_eq!(
            store.lookup(
                &attempt("k", "i", "9001", false),
                now() + Duration::hours(24)
            ),
            Lookup::Miss
        );
        assert_eq!(store.0.len(), 0);
    }

    #[test]
    fn count_is_capped_oldest_first() {
        let mut inner = IdempotencyStore::new(3, Duration::hours(24));
        let mut store = At(&mut inner, Instant::now());
        for i in 0..10 {
            store.record(&attempt("k", &i.to_string(), "9001", false), now());
        }
        assert_eq!(store.0.len(), 3);
        assert!(store.0.order.len() <= 3);
        assert_eq!(
            store.lookup(&attempt("k", "6", "9001", false), now()),
            Lookup::Miss
        );
        assert_eq!(
            store.lookup(&attempt("k", "9", "9001", false), now()),
            Lookup::Replay
        );
    }

    #[test]
    fn re_recording_an_expired_key_is_not_evicted_by_its_stale_entry() {
        let mut inner = IdempotencyStore::new(2, Duration::hours(1));
        let mut store = At(&mut inner, Instant::now());
        store.record(&attempt("k", "a", "1", false), now());
        let later = now() + Duration::hours(2);
        assert_eq!(
            store.lookup(&attempt("k", "a", "1", false), later),
            Lookup::Miss
        );
        store.record(&attempt("k", "a", "1", false), later);
        store.record(&attempt("k", "b", "1", false), later);
        assert_eq!(
            store.lookup(&attempt("k", "a", "1", false), later),
            Lookup::Replay
        );
    }
}

/// Lifetime and bound of the records, under many keys and clock jumps (found by
/// `cargo xtask mutants`).
#[cfg(test)]
mod bound_tests {
    use super::*;
    use chrono::TimeZone;

    fn t(hours: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 3, 15, 0, 0, 0).unwrap() + Duration::hours(hours)
    }

    fn replayed(store: &mut IdempotencyStore, key: &str, now: DateTime<Utc>) -> bool {
        matches!(
            store.lookup(&attempt("k", key, "1", false), now, Instant::now()),
            Lookup::Replay
        )
    }

    #[test]
    fn expired_keys_are_forgotten_by_the_next_record_without_a_lookup() {
        let mut store = IdempotencyStore::new(10, Duration::hours(1));
        for key in ["a", "b", "c"] {
            store.record(&attempt("k", key, "1", false), t(0), None);
        }
        assert_eq!(store.len(), 3);
        store.record(&attempt("k", "d", "1", false), t(1), None);
        assert_eq!(store.len(), 1, "a, b and c are exactly one TTL old");
        assert_eq!(store.order.len(), 1);
        assert!(replayed(&mut store, "d", t(1)));
    }

    #[test]
    fn many_keys_stay_within_the_bound() {
        let mut store = IdempotencyStore::new(50, Duration::hours(24));
        for i in 0..10_000 {
            store.record(&attempt("k", &i.to_string(), "1", false), t(0), None);
            assert!(store.len() <= 50 && store.order.len() <= 100, "after {i}");
        }
        assert_eq!(store.len(), 50);
        assert!(replayed(&mut store, "9999", t(0)));
        assert!(replayed(&mut store, "9950", t(0)));
        assert!(!replayed(&mut store, "9949", t(0)));
    }

    #[test]
    fn stale_entries_behind_a_live_one_are_compacted() {
        // A record made "in the future" stays live while keys recorded after the clock went
        // back expire and are looked up: their queue entries pile up behind it.
        let mut store = IdempotencyStore::new(2, Duration::hours(1));
        store.record(&attempt("k", "anchor", "1", false), t(10), None);
        for i in 0..100 {
            let key = format!("gone-{i}");
            store.record(&attempt("k", &key, "1", false), t(0), None);
            assert!(!replayed(&mut store, &key, t(10)), "expired by t(10)");
            assert!(store.order.len() <= 4, "after {i}: {}", store.order.len());
        }
        assert_eq!(store.len(), 1);
        assert!(store.compactions > 0);
        assert!(
            store.order.iter().any(|(_, id)| &*id.1 == "anchor"),
            "compaction keeps the live entry"
        );
        assert!(replayed(&mut store, "anchor", t(10)));
    }

    #[test]
    fn a_stale_entry_does_not_evict_the_re_recorded_key() {
        // b, recorded "in the future", stays live; a expires, is looked up (its record goes,
        // its queue entry stays), c comes, then a is recorded again: the queue is
        // [b, a (stale), c, a]. The stale entry must not count as a's current record.
        let mut store = IdempotencyStore::new(3, Duration::hours(1));
        store.record(&attempt("k", "b", "1", false), t(10), None);
        store.record(&attempt("k", "a", "1", false), t(0), None);
        assert!(!replayed(&mut store, "a", t(10)));
        store.record(&attempt("k", "c", "1", false), t(10), None);
        store.record(&attempt("k", "a", "1", false), t(10), None);
        store.record(&attempt("k", "d", "1", false), t(10), None); // full: b, the oldest, goes
        store.record(&attempt("k", "e", "1", false), t(10), None); // full: c goes, not a
        assert_eq!(store.len(), 3);
        assert!(!replayed(&mut store, "b", t(10)));
        assert!(!replayed(&mut store, "c", t(10)));
        for key in ["a", "d", "e"] {
            assert!(replayed(&mut store, key, t(10)), "{key}");
        }
    }

    #[test]
    fn compaction_is_rare_without_stale_entries() {
        let mut store = IdempotencyStore::new(100, Duration::hours(1));
        for i in 0..1_000 {
            store.record(&attempt("k", &i.to_string(), "1", false), t(0), None);
        }
        assert_eq!(store.compactions, 0, "amortised O(1) per record");
    }

    #[test]
    fn capacity_zero_keeps_nothing() {
        let mut store = IdempotencyStore::new(0, Duration::hours(1));
        store.record(&attempt("k", "a", "1", false), t(0), None);
        assert_eq!(store.len(), 0);
        assert_eq!(
            store.lookup(&attempt("k", "a", "1", false), t(0), Instant::now()),
            Lookup::Miss
        );
    }

    #[test]
    fn a_key_used_for_another_invite_is_a_mismatch_not_a_replay() {
        let mut store = IdempotencyStore::new(10, Duration::hours(1));
        store.record(&attempt("k", "a", "9001", false), t(0), None);
        assert_eq!(
            store.lookup(&attempt("k", "a", "9002", false), t(0), Instant::now()),
            Lookup::Mismatch {
                first_invite_id: "9001".to_owned(),
                first_dry_run: false,
            }
        );
        assert_eq!(
            store.lookup(&attempt("k", "a", "9002", true), t(0), Instant::now()),
            Lookup::Mismatch {
                first_invite_id: "9001".to_owned(),
                first_dry_run: false,
            }
        );
    }
}
