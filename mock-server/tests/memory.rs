//! A long run must not grow without bound: the benchmark sends a million resends, each with
//! its own `Idempotency-Key`. Every structure that grows with traffic (outbox, journal,
//! idempotency records) must stop at its cap.
//!
//! This checks the caps, not resident memory: memory and speed figures come from
//! `cargo xtask bench`, which measures the release binary after a million requests.

use invitations_mock::core::Request;
use invitations_mock::{fixture, MockHandle};

/// 30,000 requests: three times the largest cap, so every structure is full and has evicted.
const REQUESTS: u64 = 30_000;

#[test]
fn resends_with_their_own_idempotency_keys_stay_within_every_cap() {
    let handle = MockHandle::default();
    let ids = [
        fixture::PENDING_ID,
        fixture::CANCELLED_ID,
        fixture::GLOBEX_PENDING_ID,
    ];
    for i in 0..REQUESTS {
        let (id, key) = match ids[(i % 3) as usize] {
            fixture::GLOBEX_PENDING_ID => (fixture::GLOBEX_PENDING_ID, fixture::GLOBEX_MANAGER_KEY),
            id => (id, fixture::ACME_MANAGER_KEY),
        };
        let request = Request::new("POST", format!("/iam/v1/users/{id}/actions/resend"))
            .bearer(key)
            .header(
                "Idempotency-Key",
                format!("bench-{i:016}-6f1c2a9e-0d2b-4e53-9a34"),
            );
        let response = handle.handle(&request);
        assert_eq!(response.status, 200, "request {i}: {response:?}");
    }
    assert_eq!(handle.outbox_total(), REQUESTS, "every resend is counted");
    let (outbox, journal, records) = handle.with_core(|core| {
        (
            core.outbox().len(),
            core.journal().len(),
            core.idempotency_records(),
        )
    });
    assert_eq!(
        outbox, 10_000,
        "the outbox keeps the most recent 10,000 emails"
    );
    assert_eq!(journal, 1_000, "the journal keeps the last 1,000 requests");
    assert_eq!(records, 10_000, "idempotency records are capped at 10,000");
}
