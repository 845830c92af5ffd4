//! The SDK's time per call against raw reqwest, same server, same request (criterion).
//!
//! `cargo bench -p invitations-bench --bench sdk` times `GET invitations_by_email` four ways,
//! each with one client reused across iterations:
//! - `sdk`: `invitations_sdk::Client::invitation_by_email` (the hand-written layer
//!   users call: URL building, tracing span, retry wrapper, envelope unwrapping);
//! - `generated`: the progenitor-generated client alone (same reqwest client), to
//!   tell the hand-written layer's cost from the generated code's;
//! - `raw_reqwest`: the call written by hand with a `reqwest::Client`: the URL built
//!   per call with the email as a `.query()` value (as the SDK must, the email being an
//!   argument; a URL formatted once outside the loop would be a call no user makes), the same
//!   headers, the body decoded with `serde_json` into the same generated type;
//! - `raw_reqwest_sdk_config`: the same with the SDK's reqwest settings (timeouts,
//!   user agent): the reference of the ratio `cargo xtask bench` checks (a timeout costs
//!   reqwest a timer per request, which is not the SDK's own cost).
//!
//! The server is a bare hyper server started in-process serving the mock's by-email answer,
//! on the client's own current-thread runtime (so the ratio shows the client's cost, not a
//! server's or the scheduler's), or the server at `BENCH_BASE_URL` when set (it must serve the
//! default fixture). `BENCH_QUICK=1`
//! shortens the measurement.
//!
//! The four are measured in `BENCH_SDK_ROUNDS` rounds (15 unless set), groups
//! `by_email_round1`, `by_email_round2`, ..., each in the order of `calls::VARIANTS` (the SDK
//! beside raw reqwest set up alike), reversed every other round: criterion measures one
//! function after the other, and on a shared machine the load drifts between their windows
//! by more than the difference looked for. Short windows, side by side, many rounds: with five
//! rounds of 4 s windows, the SDK three windows away from its reference, one run's rounds
//! ranged from 0.85 to 1.41. `cargo xtask bench` reads criterion's
//! `by_email_round<N>/<variant>/new/sample.json`, takes each round's ratio of the fastest
//! samples (load from elsewhere only slows a sample down) and the median over the rounds.

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};

mod calls;

/// How many times each variant is measured, in alternating order: `BENCH_SDK_ROUNDS`, which
/// `cargo xtask bench` sets to the number it reads back, or 5.
fn rounds() -> usize {
    std::env::var("BENCH_SDK_ROUNDS")
        .ok()
        .and_then(|n| n.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or(15)
}

fn by_email(c: &mut Criterion) {
    let (rt, base) = calls::runtime_and_server();
    let clients = calls::Clients::new(&rt, &base);
    for round in 1..=rounds() {
        let mut group = c.benchmark_group(format!("by_email_round{round}"));
        let mut order = calls::VARIANTS;
        if round % 2 == 0 {
            order.reverse();
        }
        for variant in order {
            group.bench_function(variant, |bench| {
                bench.iter(|| rt.block_on(clients.call(variant)))
            });
        }
        group.finish();
    }
}

fn config() -> Criterion {
    let quick = std::env::var_os("BENCH_QUICK").is_some_and(|v| v != "0");
    // Per variant and round: 0.3 s (quick) or 0.8 s; 4.5 s or 12 s per variant in all.
    let (warm, measure) = if quick { (100, 200) } else { (200, 600) };
    Criterion::default()
        .warm_up_time(Duration::from_millis(warm))
        .measurement_time(Duration::from_millis(measure))
        .sample_size(50)
}

criterion_group! {
    name = benches;
    config = config();
    targets = by_email
}
criterion_main!(benches);
