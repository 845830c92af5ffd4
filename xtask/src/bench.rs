//! `cargo xtask bench [--quick]`: every speed and memory figure of the project, in one table.
//!
//! 1. Builds (release) the mock binary, `bare-hyper`, `loadgen` and the criterion bench first
//!    (the contract suite and xtask right before their wall times), so that no build runs
//!    while anything is timed.
//! 2. Memory: starts `invitations-mock` as users run it (default log level: one line per
//!    request, stderr to a file, target/bench/mock-stderr.log), reads `VmRSS` from `/proc/PID/status` after a
//!    warm-up, sends N requests (half `GET invitations_by_email`, half IAM resends, each with
//!    its own `Idempotency-Key`) and reads it again.
//! 3. Throughput: `loadgen` (bench/src/bin/loadgen.rs: 64 keep-alive HTTP/1.1 connections)
//!    against that mock, against `bare-hyper` (fixed body) and against a second mock started
//!    with `--quiet` (no request log), with the same parameters, alternating between them in
//!    phases (mock bare quiet, quiet bare mock, ...) so that load from other processes weighs
//!    on all alike, on by-email and on resend; each ratio is the median over the rounds of the
//!    round's own ratio. The ratio mock (log on) / bare is the headline;
//!    the p99 ratio is checked on the resend.
//! 4. Allocations per request: `allocs` (bench/src/bin/allocs.rs), a counting global
//!    allocator around the mock's server (log on) and around its core alone.
//! 5. Proxy: `invitations-mock proxy` and the `bare-proxy` baseline (bench/src/bin/bare-proxy.rs)
//!    in front of the mock, against the mock alone (bench/proxy.rs).
//! 6. SDK per call: `cargo bench -p invitations-bench --bench sdk` (criterion), the SDK's
//!    `invitation_by_email` against a raw reqwest GET decoded into the same type.
//! 7. Wall times of `cargo xtask contract` (embedded mock, after its build) and of
//!    `cargo xtask codegen --check`.
//!
//! Logs of the subprocesses go to target/bench/. Exits non-zero when a figure could not be
//! measured; a missed target is reported in the table, not as a failure.

mod measure;
mod proxy;
mod render;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Result};

use crate::mock::MockBuild;
use crate::process;
use measure::{Amount, Params, Template, CONNECTIONS, WARMUP_REQUESTS};
use render::{mib, micros, thousands, Table};

/// `cargo xtask bench [--quick]`: measures every figure, prints the table, and fails when a
/// figure could not be measured.
pub fn run(root: &Path, quick: bool) -> Result<()> {
    let params = Params::new(quick);
    let started = Instant::now();
    let logs = crate::artifacts::target_dir(root)?.join("bench");
    std::fs::create_dir_all(&logs)?;
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());

    build(root)?;
    let mut table = Table::default();

    // The mock binary as users start it: default log level, its stderr in a file.
    println!(
        "==> load: mock binary (log on, and --quiet) and bare hyper, {CONNECTIONS} connections"
    );
    {
        let log = std::fs::File::create(logs.join("mock-stderr.log"))?;
        let mock = crate::mock::spawn_logging_to(root, MockBuild::Release, &[], log.into())?;
        let quiet_log = std::fs::File::create(logs.join("mock-quiet-stderr.log"))?;
        let quiet = crate::mock::spawn_logging_to(
            root,
            MockBuild::Release,
            &["--quiet"],
            quiet_log.into(),
        )?;
        let bare = process::Server::start("bare-hyper --port 0", bare_hyper(root)?)?;
        memory(root, &params, &mut table, mock.pid(), mock.url());
        throughput(
            root,
            &params,
            &mut table,
            &Servers {
                mock: mock.url(),
                bare: bare.url(),
                quiet: quiet.url(),
            },
        );
        drop(bare);
        drop(quiet);
        drop(mock);
    }

    println!("==> allocations per request (counting allocator, logs in target/bench/allocs.log)");
    allocations(root, &params, &mut table, &logs);

    proxy::section(root, &params, &mut table);

    println!("==> SDK per call (criterion, logs in target/bench/sdk.log)");
    sdk_per_call(root, &params, &mut table, &logs);

    println!("==> wall times of cargo xtask contract and codegen --check");
    wall_times(root, &mut table, &logs);

    println!();
    print!("{}", table.render());
    println!();
    println!("{}", render::parameters(&params, cores, started.elapsed()));
    if !table.failures().is_empty() {
        for f in table.failures() {
            eprintln!("error: {f}");
        }
        bail!("{} figure(s) could not be measured", table.failures().len());
    }
    Ok(())
}

/// `bare-hyper --port 0` (bench/src/bin/bare-hyper.rs: a fixed body, the baseline).
fn bare_hyper(root: &Path) -> Result<Command> {
    let mut cmd = crate::artifacts::command(&crate::artifacts::release_bin(root, "bare-hyper")?)?;
    cmd.args(["--port", "0"]).stderr(Stdio::null());
    Ok(cmd)
}

/// As `cargo xtask contract` builds it (the features of `process::TEST_PACKAGES`).
const CONTRACT_BUILD: [&str; 8] = [
    "test",
    "--quiet",
    "--no-run",
    "--workspace",
    "--exclude",
    "xtask",
    "--test",
    "contract",
];
const XTASK_BUILD: [&str; 4] = ["build", "--quiet", "-p", "xtask"];

/// Builds the load generator, the baseline server and the SDK bench, so that no build runs
/// while a figure is timed (the mock binary is built by `mock::spawn`).
fn build(root: &Path) -> Result<()> {
    process::cargo_step(
        root,
        &[
            "build",
            "--quiet",
            "--release",
            "-p",
            "invitations-bench",
            "--bins",
        ],
    )?;
    process::cargo_step(
        root,
        &[
            "bench",
            "--quiet",
            "--no-run",
            "-p",
            "invitations-bench",
            "--bench",
            "sdk",
        ],
    )
}

/// The mock's RSS after a warm-up and after N requests.
fn memory(root: &Path, params: &Params, table: &mut Table, pid: u32, mock_url: &str) {
    let half = params.rss_requests / 2;
    let result = (|| -> Result<()> {
        measure::loadgen(
            root,
            [mock_url],
            Template::Get,
            Amount::Requests(WARMUP_REQUESTS),
            4,
        )?;
        let start = measure::vm_rss_kib(pid)?;
        table.info(
            format!("mock RSS at start (after {WARMUP_REQUESTS} requests)"),
            mib(start),
        );
        // The mock's RSS after `half` more requests of `template`.
        let rss_after = |template: Template, what: &str| {
            println!("    sending {half} {what} to the mock");
            let more = Amount::Requests(half);
            measure::loadgen(root, [mock_url], template, more, CONNECTIONS)?;
            measure::vm_rss_kib(pid)
        };
        let mid = rss_after(Template::Get, "by-email requests")?;
        table.info(
            format!(
                "mock RSS after {} requests (all by-email)",
                thousands(WARMUP_REQUESTS + half)
            ),
            mib(mid),
        );
        let end = rss_after(Template::Resend, "resends (one Idempotency-Key each)")?;
        let total = WARMUP_REQUESTS + 2 * half;
        let figure = format!(
            "mock RSS after {} requests ({} by-email + {} resend)",
            thousands(total),
            thousands(WARMUP_REQUESTS + half),
            thousands(half)
        );
        let target = if params.quick {
            "< 64 MiB (at 1,000,000)"
        } else {
            "< 64 MiB"
        };
        table.checked(figure, mib(end), target, end < 64 * 1024);
        Ok(())
    })();
    if let Err(err) = result {
        table.failed("mock RSS after N requests", "< 64 MiB", &err);
    }
}

/// The servers compared, by base URL.
struct Servers<'a> {
    /// The mock as users run it (request log on).
    mock: &'a str,
    bare: &'a str,
    /// The mock with `--quiet`.
    quiet: &'a str,
}

/// req/s and latencies of the mock (log on), bare hyper and the quiet mock, alternating.
fn throughput(root: &Path, params: &Params, table: &mut Table, servers: &Servers<'_>) {
    let amount = params.timed();
    for (name, template, target) in [
        ("GET invitations_by_email", Template::Get, 0.85),
        ("IAM resend (own Idempotency-Key)", Template::Resend, 0.80),
    ] {
        println!("    {name}: mock, bare hyper and quiet mock, alternating");
        let result = measure::loadgen(
            root,
            [servers.mock, servers.bare, servers.quiet],
            template,
            amount,
            CONNECTIONS,
        );
        let target_text = format!(">= {target:.2}");
        let figure = format!("mock (log on) / bare hyper req/s, {name}");
        match result {
            Ok([m, b, q]) => {
                table.info(
                    format!("mock binary, log on, stderr to a file: {name}"),
                    render::load(&m),
                );
                table.info(format!("bare hyper (fixed body): {name}"), render::load(&b));
                table.info(
                    format!("mock binary --quiet (no request log): {name}"),
                    render::load(&q),
                );
                table.ratio_at_least(figure, &m, &b, target);
                table.info(
                    format!("mock --quiet / bare hyper req/s, {name}"),
                    render::ratio(&q, &b),
                );
                let p99 = m.p99_us / b.p99_us;
                let p99_figure = format!("mock (log on) p99 / bare hyper p99, {name}");
                if matches!(template, Template::Resend) {
                    table.checked(p99_figure, format!("{p99:.2}"), "<= 2.00", p99 <= 2.0);
                } else {
                    table.info(p99_figure, format!("{p99:.2}"));
                }
            }
            Err(err) => table.failed(figure, &target_text, &err),
        }
    }
}

/// Runs `allocs` and adds one row per operation.
fn allocations(root: &Path, params: &Params, table: &mut Table, logs: &Path) {
    // Its stderr is the request log of the in-process server (one line per request).
    match measure::allocs(root, params.alloc_requests, &logs.join("allocs.log")) {
        Ok(rows) => {
            for row in rows {
                table.info(
                    format!("allocations per request, {}", row.operation),
                    format!(
                        "{:.1} (server, log on); {:.1} in Core::handle",
                        row.server, row.core
                    ),
                );
            }
        }
        Err(err) => table.failed("allocations per request", "-", &err),
    }
}

/// One variant's figures in one round of the SDK bench, per call (ns).
#[derive(Clone, Copy)]
struct PerCall {
    /// Its fastest sample: what the ratio is taken from (see `criterion_fastest_ns`).
    fastest: f64,
    /// Criterion's median estimate, shown beside it.
    median: f64,
}

/// One round of the SDK bench, by variant (named as in `bench/benches/calls`).
struct SdkRound {
    sdk: PerCall,
    generated: PerCall,
    raw: PerCall,
    raw_configured: PerCall,
}

/// The SDK's per-call time against raw reqwest (criterion).
fn sdk_per_call(root: &Path, params: &Params, table: &mut Table, logs: &Path) {
    let home = match crate::artifacts::target_dir(root) {
        Ok(dir) => dir.join("criterion"),
        Err(err) => return table.failed("SDK per call", "-", &err),
    };
    let result = (|| -> Result<Vec<SdkRound>> {
        measure::sdk_bench(root, params.quick, &home, &logs.join("sdk.log"))?;
        (1..=measure::SDK_ROUNDS)
            .map(|round| {
                let per_call = |variant: &str| -> Result<PerCall> {
                    let id = format!("by_email_round{round}/{variant}");
                    Ok(PerCall {
                        fastest: measure::criterion_fastest_ns(&home, &id)?,
                        median: measure::criterion_median_ns(&home, &id)?,
                    })
                };
                Ok(SdkRound {
                    sdk: per_call("sdk")?,
                    generated: per_call("generated")?,
                    raw: per_call("raw_reqwest")?,
                    raw_configured: per_call("raw_reqwest_sdk_config")?,
                })
            })
            .collect()
    })();
    match result {
        Ok(rounds) => {
            // The median over the rounds of one figure, or of each round's own ratio.
            fn median_of(rounds: &[SdkRound], figure: impl Fn(&SdkRound) -> f64) -> f64 {
                measure::median(rounds.iter().map(figure).collect())
            }
            let shown = |figure: fn(&SdkRound) -> PerCall| {
                format!(
                    "{} (criterion median {})",
                    micros(median_of(&rounds, |r| figure(r).fastest)),
                    micros(median_of(&rounds, |r| figure(r).median))
                )
            };
            table.info("SDK invitation_by_email, per call", shown(|r| r.sdk));
            table.info(
                "its generated (progenitor) client alone, per call",
                shown(|r| r.generated),
            );
            table.info("raw reqwest GET + serde_json, per call", shown(|r| r.raw));
            table.info(
                "same, reqwest set up like the SDK (timeouts, UA)",
                shown(|r| r.raw_configured),
            );
            // The target compares like with like: both reqwest clients carry the same
            // timeouts (a timer per request) and user agent. Each round's ratio is taken
            // within the round, from the fastest samples, then the median of the rounds.
            let ratios: Vec<f64> = rounds
                .iter()
                .map(|r| r.sdk.fastest / r.raw_configured.fastest)
                .collect();
            let ratio = measure::median(ratios.clone());
            let each: Vec<String> = ratios.iter().map(|r| format!("{r:.3}")).collect();
            table.checked(
                "SDK / raw reqwest set up like the SDK, per call",
                format!("{ratio:.3} (rounds: {})", each.join(", ")),
                "<= 1.05",
                ratio <= 1.05,
            );
            table.info(
                "same, from criterion's medians instead of the fastest samples",
                format!(
                    "{:.3}",
                    median_of(&rounds, |r| r.sdk.median / r.raw_configured.median)
                ),
            );
            table.info(
                "SDK / raw reqwest with reqwest's defaults, per call",
                format!(
                    "{:.3}",
                    median_of(&rounds, |r| r.sdk.fastest / r.raw.fastest)
                ),
            );
        }
        Err(err) => table.failed(
            "SDK / raw reqwest set up like the SDK, per call",
            "<= 1.05",
            &err,
        ),
    }
}

/// The wall times of `cargo xtask contract` (embedded mock) and `cargo xtask codegen --check`.
fn wall_times(root: &Path, table: &mut Table, logs: &Path) {
    // Built right before it is timed: others may have changed sources since the bench began.
    let contract = process::cargo_step(root, &CONTRACT_BUILD)
        .and_then(|()| process::cargo_step(root, &XTASK_BUILD))
        .and_then(|()| {
            measure::wall_time(root, &["xtask", "contract"], &logs.join("contract.log"))
        });
    match contract {
        Ok(t) => table.checked(
            "cargo xtask contract (embedded mock, after its build)",
            format!("{:.1} s", t.as_secs_f64()),
            "< 10 s",
            t < Duration::from_secs(10),
        ),
        Err(err) => table.failed("cargo xtask contract", "< 10 s", &err),
    }
    // xtask was built just above, for the contract timing.
    let codegen = measure::wall_time(
        root,
        &["xtask", "codegen", "--check"],
        &logs.join("codegen.log"),
    );
    match codegen {
        Ok(t) => table.info(
            "cargo xtask codegen --check",
            format!("{:.1} s", t.as_secs_f64()),
        ),
        Err(err) => table.failed("cargo xtask codegen --check", "-", &err),
    }
}
