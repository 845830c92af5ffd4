//! A long run must not grow without bound: the benchmark sends a million resends, each with
//! its own `Idempotency-Key`, and the mock's resident memory must stay under 64 MB.
//!
//! Runs alone in its own test binary so the measurement is this process's.

use invitations_mock::core::Request;
use invitations_mock::{fixture, MockHandle};

/// Resident set size of this process, from /proc (Linux).
fn rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// The default run: 100,000 requests, ten times every cap, so the plateau shows; a debug
/// build answers about 30,000 a second, so a million would cost every `cargo test` half a
/// minute. `MOCK_MEMORY_REQUESTS` overrides the count.
#[test]
fn resends_with_their_own_idempotency_keys_plateau_under_64_mb() {
    let requests = std::env::var("MOCK_MEMORY_REQUESTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    run(requests);
}

/// The full benchmark load: `cargo test -p invitations-mock --test memory -- --ignored`.
#[test]
#[ignore = "a million requests take about 35 s in a debug build; run with --ignored"]
fn a_million_resends_with_their_own_idempotency_keys_stay_under_64_mb() {
    run(1_000_000);
}

fn run(requests: u64) {
    let handle = MockHandle::default();
    let ids = [
        fixture::PENDING_ID,
        fixture::CANCELLED_ID,
        fixture::GLOBEX_PENDING_ID,
    ];
    let mut peak = 0;
    let mut after_warmup = None;
    for i in 0..requests {
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
        if i % 10_000 == 0 {
            let rss = rss_bytes().unwrap_or(0);
            peak = peak.max(rss);
            // Every bounded structure is full from 10,000 requests on.
            if i == 20_000 {
                after_warmup = Some(rss);
            }
        }
    }
    peak = peak.max(rss_bytes().unwrap_or(0));
    eprintln!(
        "{requests} requests: peak RSS {} KB, {} KB after warm-up",
        peak / 1024,
        after_warmup.unwrap_or(0) / 1024
    );

    assert_eq!(handle.outbox_total(), requests);
    let (outbox, journal, records) = handle.with_core(|core| {
        (
            core.outbox().len(),
            core.journal().len(),
            core.idempotency_records(),
        )
    });
    let cap = |n: u64, limit: usize| usize::try_from(n).unwrap_or(usize::MAX).min(limit);
    assert_eq!(outbox, cap(requests, 10_000));
    assert_eq!(journal, cap(requests, 1_000));
    assert_eq!(records, cap(requests, 10_000));
    if cfg!(target_os = "linux") {
        assert!(peak > 0, "could not read VmRSS");
        assert!(
            peak < 64 * 1024 * 1024,
            "resident memory reached {} MB",
            peak / (1024 * 1024)
        );
        if let Some(warm) = after_warmup {
            let growth = peak.saturating_sub(warm);
            assert!(
                growth < 8 * 1024 * 1024,
                "resident memory kept growing after every cap was reached: +{} KB",
                growth / 1024
            );
        }
    }
}
