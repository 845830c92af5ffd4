//! The SDK's time per call against raw reqwest, same server, same request (criterion).
//!
//! `cargo bench -p invitations-bench --bench sdk` times `GET invitations_by_email` two ways,
//! each with one client reused across iterations:
//! - `by_email/sdk`: `invitations_sdk::Client::invitation_by_email` (the hand-written layer
//!   users call: URL building, tracing span, retry wrapper, envelope unwrapping);
//! - `by_email/generated`: the progenitor-generated client alone (same reqwest client), to
//!   tell the hand-written layer's cost from the generated code's;
//! - `by_email/raw_reqwest`: a `reqwest::Client` GET with the same headers, decoded with
//!   `serde_json` into the same generated type (the reference of the ratio);
//! - `by_email/raw_reqwest_sdk_config`: the same with the SDK's reqwest settings (timeouts,
//!   user agent), to tell reqwest's per-request timer from the SDK's own code.
//!
//! The server is a bare hyper server started in-process serving the mock's by-email answer,
//! on the client's own current-thread runtime (so the ratio shows the client's cost, not a
//! server's or the scheduler's), or the server at `BENCH_BASE_URL` when set (it must serve the
//! default fixture). `BENCH_QUICK=1`
//! shortens the measurement. `cargo xtask bench` reads criterion's
//! `by_email/{sdk,raw_reqwest}/new/estimates.json`.

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use invitations_bench::{API_KEY, BY_EMAIL_BODY, PENDING_EMAIL};
use invitations_sdk::types::{UserInvitationModel, UserInvitationResult};

/// One current-thread runtime for the client and, unless `BENCH_BASE_URL` is set, the bare
/// server too: client and server then take turns on one thread, so a call costs the CPU work
/// of both and no cross-thread wake-up (on an idle VM, waking a parked vCPU costs more than
/// the call itself and varies with whatever else runs).
fn runtime_and_server() -> (tokio::runtime::Runtime, String) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    if let Ok(url) = std::env::var("BENCH_BASE_URL") {
        return (rt, url.trim_end_matches('/').to_owned());
    }
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    rt.spawn(invitations_bench::bare::serve(
        listener,
        BY_EMAIL_BODY.into(),
    ));
    (rt, url)
}

async fn raw_call(client: &reqwest::Client, url: &str, auth: &str) -> UserInvitationModel {
    let resp = client
        .get(url)
        .header(reqwest::header::AUTHORIZATION, auth)
        .header(reqwest::header::ACCEPT, "application/json")
        .header("api-version", "1.0.0")
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success(), "{}", resp.status());
    let bytes = resp.bytes().await.unwrap();
    let envelope: UserInvitationResult = serde_json::from_slice(&bytes).unwrap();
    envelope.value.expect("a value")
}

fn by_email(c: &mut Criterion) {
    let (rt, base) = runtime_and_server();

    let sdk = invitations_sdk::Client::builder()
        .base_url(base.clone())
        .api_key(API_KEY)
        .build()
        .unwrap();
    let raw = reqwest::Client::new();
    // Raw reqwest configured like the SDK's client (timeouts, user agent): shows how much of the
    // SDK's cost is reqwest's per-request timer rather than the SDK's own code.
    let raw_configured = reqwest::Client::builder()
        .user_agent(invitations_sdk::DEFAULT_USER_AGENT)
        .connect_timeout(invitations_sdk::DEFAULT_CONNECT_TIMEOUT)
        .timeout(invitations_sdk::DEFAULT_TIMEOUT)
        .build()
        .unwrap();
    let raw_url = format!("{base}/tenant/admin/user/invitations_by_email?email={PENDING_EMAIL}");
    let auth = format!("Bearer {API_KEY}");

    // Both must answer the same invitation before anything is timed.
    let a = rt.block_on(sdk.invitation_by_email(PENDING_EMAIL)).unwrap();
    let b = rt.block_on(raw_call(&raw, &raw_url, &auth));
    assert_eq!(a.id, b.id);

    let mut group = c.benchmark_group("by_email");
    group.bench_function("sdk", |bench| {
        bench.iter(|| rt.block_on(sdk.invitation_by_email(PENDING_EMAIL)).unwrap())
    });
    group.bench_function("generated", |bench| {
        bench.iter(|| {
            rt.block_on(async {
                let resp = sdk
                    .generated()
                    .get_user_invitation_by_email()
                    .email(PENDING_EMAIL)
                    .send()
                    .await
                    .unwrap();
                resp.into_inner().value.expect("a value")
            })
        })
    });
    group.bench_function("raw_reqwest", |bench| {
        bench.iter(|| rt.block_on(raw_call(&raw, &raw_url, &auth)))
    });
    group.bench_function("raw_reqwest_sdk_config", |bench| {
        bench.iter(|| rt.block_on(raw_call(&raw_configured, &raw_url, &auth)))
    });
    group.finish();
}

fn config() -> Criterion {
    let quick = std::env::var_os("BENCH_QUICK").is_some_and(|v| v != "0");
    let (warm, measure) = if quick { (1, 3) } else { (3, 15) };
    Criterion::default()
        .warm_up_time(Duration::from_secs(warm))
        .measurement_time(Duration::from_secs(measure))
        .sample_size(50)
}

criterion_group! {
    name = benches;
    config = config();
    targets = by_email
}
criterion_main!(benches);
