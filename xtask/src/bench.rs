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
//!    on all alike, on by-email and on resend. The ratio mock (log on) / bare is the headline;
//!    the p99 ratio is checked on the resend.
//! 4. Allocations per request: `allocs` (bench/src/bin/allocs.rs), a counting global
//!    allocator around the mock's server (log on) and around its core alone.
//! 5. SDK per call: `cargo bench -p invitations-bench --bench sdk` (criterion), the SDK's
//!    `invitation_by_email` against a raw reqwest GET decoded into the same type.
//! 6. Wall times of `cargo xtask contract` (embedded mock, after its build) and of
//!    `cargo xtask codegen --check`.
//!
//! Logs of the subprocesses go to target/bench/. Exits non-zero when a figure could not be
//! measured; a missed target is reported in the table, not as a failure.

mod proxy;

use std::fmt::Write as _;
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use crate::contract::MockBuild;

const CONNECTIONS: u32 = 64;
const API_KEY: &str = "acme-manager-key";
const BY_EMAIL_PATH: &str = "/tenant/admin/user/invitations_by_email?email=ada@example.com";
const RESEND_PATH: &str = "/iam/v1/users/9001/actions/resend";
const WARMUP_REQUESTS: u64 = 100;

struct Params {
    quick: bool,
    /// Measured seconds per server of each throughput comparison, split into `rounds` rounds
    /// alternating mock and bare (mock bare, bare mock, ...), each phase after `warmup` seconds.
    duration: f64,
    warmup: f64,
    rounds: u32,
    /// Requests sent to the mock between the two RSS readings.
    rss_requests: u64,
    /// Measured requests per operation of the allocation count.
    alloc_requests: u64,
}

/// One row of the table.
struct Row {
    figure: String,
    measured: String,
    target: String,
    verdict: String,
}

#[derive(Default)]
struct Table {
    rows: Vec<Row>,
    failures: Vec<String>,
}

impl Table {
    fn info(&mut self, figure: impl Into<String>, measured: impl Into<String>) {
        self.push(figure, measured, "-", "-");
    }

    fn push(
        &mut self,
        figure: impl Into<String>,
        measured: impl Into<String>,
        target: impl Into<String>,
        verdict: impl Into<String>,
    ) {
        self.rows.push(Row {
            figure: figure.into(),
            measured: measured.into(),
            target: target.into(),
            verdict: verdict.into(),
        });
    }

    fn checked(&mut self, figure: impl Into<String>, measured: String, target: &str, pass: bool) {
        self.push(figure, measured, target, if pass { "pass" } else { "MISS" });
    }

    /// A figure that could not be measured: shown as such, and the command fails at the end.
    fn failed(&mut self, figure: impl Into<String>, target: &str, err: &anyhow::Error) {
        let figure = figure.into();
        self.failures.push(format!("{figure}: {err:#}"));
        self.push(figure, "not measured (error below)", target, "ERROR");
    }

    fn render(&self) -> String {
        let header = Row {
            figure: "figure".into(),
            measured: "measured".into(),
            target: "target".into(),
            verdict: "verdict".into(),
        };
        let all: Vec<&Row> = std::iter::once(&header).chain(&self.rows).collect();
        let width = |f: fn(&Row) -> &str| all.iter().map(|r| f(r).chars().count()).max().unwrap();
        let w = [
            width(|r| &r.figure),
            width(|r| &r.measured),
            width(|r| &r.target),
            width(|r| &r.verdict),
        ];
        let mut out = String::new();
        let line = |out: &mut String, r: &Row| {
            let _ = writeln!(
                out,
                "| {:<a$} | {:<b$} | {:<c$} | {:<d$} |",
                r.figure,
                r.measured,
                r.target,
                r.verdict,
                a = w[0],
                b = w[1],
                c = w[2],
                d = w[3]
            );
        };
        line(&mut out, &header);
        let _ = writeln!(
            out,
            "|{}|{}|{}|{}|",
            "-".repeat(w[0] + 2),
            "-".repeat(w[1] + 2),
            "-".repeat(w[2] + 2),
            "-".repeat(w[3] + 2)
        );
        for r in &self.rows {
            line(&mut out, r);
        }
        out
    }
}

pub fn run(root: &Path, quick: bool) -> Result<()> {
    let params = if quick {
        Params {
            quick,
            duration: 5.0,
            warmup: 0.5,
            rounds: 2,
            rss_requests: 200_000,
            alloc_requests: 5_000,
        }
    } else {
        Params {
            quick,
            duration: 12.0,
            warmup: 1.0,
            rounds: 4,
            rss_requests: 1_000_000,
            alloc_requests: 20_000,
        }
    };
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
        let (mock, mock_url) =
            crate::contract::spawn_mock_logging_to(root, MockBuild::Release, &[], log.into())?;
        let quiet_log = std::fs::File::create(logs.join("mock-quiet-stderr.log"))?;
        let (quiet, quiet_url) = crate::contract::spawn_mock_logging_to(
            root,
            MockBuild::Release,
            &["--quiet"],
            quiet_log.into(),
        )?;
        let bare = Bare::spawn(root)?;
        memory(root, &params, &mut table, mock.pid(), &mock_url);
        throughput(
            root,
            &params,
            &mut table,
            &Servers {
                mock: &mock_url,
                bare: &bare.url,
                quiet: &quiet_url,
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
    // Built right before it is timed: others may have changed sources since the bench began.
    let contract = cargo_step(root, &CONTRACT_BUILD)
        .and_then(|()| cargo_step(root, &XTASK_BUILD))
        .and_then(|()| wall_time(root, &["xtask", "contract"], &logs.join("contract.log")));
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
    let codegen = wall_time(
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

    println!();
    print!("{}", table.render());
    println!();
    println!(
        "Parameters: {} mode; machine with {cores} cores, shared by the servers under test and \
         the load generator (nothing pinned); the mock runs as users run it: release binary, \
         default log level (one line per request), stderr to a file (target/bench/mock-stderr.log); \
         the --quiet mock is the same binary without the request log; loadgen = {CONNECTIONS} \
         keep-alive HTTP/1.1 connections, requests back to back; mock, bare hyper and quiet mock \
         measured {:.0} s each per operation, alternating in {} phases of {:.1} s warm-up + \
         {:.1} s (mock bare quiet, quiet bare mock, ...); every request answered 2xx (loadgen \
         fails otherwise); latencies per request, p50/p99 nearest rank. Allocations = alloc + \
         realloc calls per request on the server's threads (hyper, core, log line) or in \
         Core::handle alone, over {} requests after as many warm-up ones.",
        if params.quick { "--quick" } else { "full" },
        params.duration,
        3 * params.rounds,
        params.warmup,
        params.duration / f64::from(params.rounds),
        params.alloc_requests,
    );
    println!(
        "RSS = VmRSS of the mock process from /proc/PID/status. SDK figures = criterion median \
         per call, one client reused, against a bare hyper server serving the mock's by-email \
         body in-process, on the client's own thread (no cross-thread wake-ups). Wall times include cargo's start-up but no build. Total {:.0} s; \
         logs in target/bench/.",
        started.elapsed().as_secs_f64()
    );
    if !table.failures.is_empty() {
        for f in &table.failures {
            eprintln!("error: {f}");
        }
        bail!("{} figure(s) could not be measured", table.failures.len());
    }
    Ok(())
}

/// As `cargo xtask contract` builds it (the features of `tasks::TEST_PACKAGES`).
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
/// while a figure is timed (the mock binary is built by contract::spawn_mock).
fn build(root: &Path) -> Result<()> {
    cargo_step(
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
    cargo_step(
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

/// A release binary of the workspace, wherever cargo's target directory is.
fn release_bin(root: &Path, name: &str) -> Result<std::path::PathBuf> {
    Ok(crate::artifacts::target_dir(root)?
        .join("release")
        .join(name))
}

fn cargo_step(root: &Path, args: &[&str]) -> Result<()> {
    println!("==> cargo {}", args.join(" "));
    let status = crate::tasks::cargo()
        .args(args)
        .current_dir(root)
        .status()
        .context("could not start cargo")?;
    if !status.success() {
        bail!("`cargo {}` failed ({status})", args.join(" "));
    }
    Ok(())
}

fn memory(root: &Path, params: &Params, table: &mut Table, pid: u32, mock_url: &str) {
    let by_email_url = format!("{mock_url}{BY_EMAIL_PATH}");
    let resend_url = format!("{mock_url}{RESEND_PATH}");
    let half = params.rss_requests / 2;
    let result = (|| -> Result<()> {
        loadgen(
            root,
            &[&by_email_url],
            Template::Get,
            Amount::Requests(WARMUP_REQUESTS),
            4,
        )?;
        let start = vm_rss_kib(pid)?;
        table.info(
            format!("mock RSS at start (after {WARMUP_REQUESTS} requests)"),
            mib(start),
        );
        println!("    sending {half} by-email requests to the mock");
        loadgen(
            root,
            &[&by_email_url],
            Template::Get,
            Amount::Requests(half),
            CONNECTIONS,
        )?;
        let mid = vm_rss_kib(pid)?;
        table.info(
            format!(
                "mock RSS after {} requests (all by-email)",
                thousands(WARMUP_REQUESTS + half)
            ),
            mib(mid),
        );
        println!("    sending {half} resends (one Idempotency-Key each) to the mock");
        loadgen(
            root,
            &[&resend_url],
            Template::Resend,
            Amount::Requests(half),
            CONNECTIONS,
        )?;
        let end = vm_rss_kib(pid)?;
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

fn throughput(root: &Path, params: &Params, table: &mut Table, servers: &Servers<'_>) {
    let amount = Amount::Timed {
        warmup: params.warmup,
        duration: params.duration,
        rounds: params.rounds,
    };
    for (name, path, template, target) in [
        (
            "GET invitations_by_email",
            BY_EMAIL_PATH,
            Template::Get,
            0.85,
        ),
        (
            "IAM resend (own Idempotency-Key)",
            RESEND_PATH,
            Template::Resend,
            0.80,
        ),
    ] {
        println!("    {name}: mock, bare hyper and quiet mock, alternating");
        let urls = [servers.mock, servers.bare, servers.quiet].map(|base| format!("{base}{path}"));
        let result = loadgen(
            root,
            &urls.each_ref().map(String::as_str),
            template,
            amount,
            CONNECTIONS,
        );
        let target_text = format!(">= {target:.2}");
        let figure = format!("mock (log on) / bare hyper req/s, {name}");
        match result.as_deref() {
            Ok([m, b, q]) => {
                table.info(
                    format!("mock binary, log on, stderr to a file: {name}"),
                    m.describe(),
                );
                table.info(format!("bare hyper (fixed body): {name}"), b.describe());
                table.info(
                    format!("mock binary --quiet (no request log): {name}"),
                    q.describe(),
                );
                let ratio = m.rps / b.rps;
                table.checked(figure, format!("{ratio:.3}"), &target_text, ratio >= target);
                table.info(
                    format!("mock --quiet / bare hyper req/s, {name}"),
                    format!("{:.3}", q.rps / b.rps),
                );
                let p99 = m.p99_us / b.p99_us;
                let p99_figure = format!("mock (log on) p99 / bare hyper p99, {name}");
                if matches!(template, Template::Resend) {
                    table.checked(p99_figure, format!("{p99:.2}"), "<= 2.00", p99 <= 2.0);
                } else {
                    table.info(p99_figure, format!("{p99:.2}"));
                }
            }
            Ok(other) => table.failed(
                figure,
                &target_text,
                &anyhow::anyhow!("loadgen answered {} results for 3 URLs", other.len()),
            ),
            Err(err) => table.failed(figure, &target_text, err),
        }
    }
}

/// Runs `allocs` and adds one row per operation.
fn allocations(root: &Path, params: &Params, table: &mut Table, logs: &Path) {
    let result = (|| -> Result<Vec<(String, f64, f64)>> {
        // Its stderr is the request log of the in-process server (one line per request).
        let log = std::fs::File::create(logs.join("allocs.log"))?;
        let out = crate::artifacts::command(&release_bin(root, "allocs")?)?
            .args(["--requests", &params.alloc_requests.to_string()])
            .stdin(Stdio::null())
            .stderr(log)
            .output()
            .context("starting the allocs bench binary")?;
        let text = String::from_utf8_lossy(&out.stdout);
        if !out.status.success() {
            bail!(
                "allocs failed ({}): {}; see target/bench/allocs.log",
                out.status,
                text.trim()
            );
        }
        text.lines()
            .map(|line| {
                let value: serde_yaml::Value = serde_yaml::from_str(line)
                    .with_context(|| format!("allocs printed {line:?}"))?;
                let num = |k: &str| {
                    value[k]
                        .as_f64()
                        .with_context(|| format!("allocs output has no {k}: {line}"))
                };
                let op = value["operation"]
                    .as_str()
                    .with_context(|| format!("allocs output has no operation: {line}"))?;
                Ok((op.to_owned(), num("server")?, num("core")?))
            })
            .collect()
    })();
    match result {
        Ok(rows) if !rows.is_empty() => {
            for (op, server, core) in rows {
                table.info(
                    format!("allocations per request, {op}"),
                    format!("{server:.1} (server, log on); {core:.1} in Core::handle"),
                );
            }
        }
        Ok(_) => table.failed(
            "allocations per request",
            "-",
            &anyhow::anyhow!("allocs printed nothing"),
        ),
        Err(err) => table.failed("allocations per request", "-", &err),
    }
}

fn sdk_per_call(root: &Path, params: &Params, table: &mut Table, logs: &Path) {
    let home = match crate::artifacts::target_dir(root) {
        Ok(dir) => dir.join("criterion"),
        Err(err) => return table.failed("SDK per call", "-", &err),
    };
    let result = (|| -> Result<[f64; 4]> {
        let log = std::fs::File::create(logs.join("sdk.log"))?;
        let status = crate::tasks::cargo()
            .args([
                "bench",
                "--quiet",
                "-p",
                "invitations-bench",
                "--bench",
                "sdk",
            ])
            .env("CRITERION_HOME", &home)
            .env("BENCH_QUICK", if params.quick { "1" } else { "0" })
            .env_remove("BENCH_BASE_URL")
            .stdout(log.try_clone()?)
            .stderr(log)
            .current_dir(root)
            .status()
            .context("could not start cargo bench")?;
        if !status.success() {
            bail!("cargo bench --bench sdk failed ({status}); see target/bench/sdk.log");
        }
        Ok([
            criterion_median_ns(&home, "by_email/sdk")?,
            criterion_median_ns(&home, "by_email/generated")?,
            criterion_median_ns(&home, "by_email/raw_reqwest")?,
            criterion_median_ns(&home, "by_email/raw_reqwest_sdk_config")?,
        ])
    })();
    match result {
        Ok([sdk, generated, raw, raw_configured]) => {
            table.info("SDK invitation_by_email, per call", micros(sdk));
            table.info(
                "its generated (progenitor) client alone, per call",
                micros(generated),
            );
            table.info("raw reqwest GET + serde_json, per call", micros(raw));
            table.info(
                "same, reqwest set up like the SDK (timeouts, UA)",
                micros(raw_configured),
            );
            // The target compares like with like: both reqwest clients carry the same
            // timeouts (a timer per request) and user agent.
            let ratio = sdk / raw_configured;
            table.checked(
                "SDK / raw reqwest set up like the SDK, per call",
                format!("{ratio:.3}"),
                "<= 1.05",
                ratio <= 1.05,
            );
            table.info(
                "SDK / raw reqwest with reqwest's defaults, per call",
                format!("{:.3}", sdk / raw),
            );
        }
        Err(err) => table.failed(
            "SDK / raw reqwest set up like the SDK, per call",
            "<= 1.05",
            &err,
        ),
    }
}

/// The median point estimate (ns) criterion saved for `id` (group/function).
fn criterion_median_ns(home: &Path, id: &str) -> Result<f64> {
    let path = home.join(id).join("new/estimates.json");
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    // JSON is YAML: serde_yaml is already a dependency of xtask.
    let value: serde_yaml::Value = serde_yaml::from_str(&text)?;
    value["median"]["point_estimate"]
        .as_f64()
        .with_context(|| format!("no median.point_estimate in {}", path.display()))
}

/// Runs `cargo <args>` in `root` with its output in `log` and returns its wall time.
fn wall_time(root: &Path, args: &[&str], log: &Path) -> Result<Duration> {
    let file = std::fs::File::create(log)?;
    let started = Instant::now();
    let status = crate::tasks::cargo()
        .args(args)
        .stdout(file.try_clone()?)
        .stderr(file)
        .current_dir(root)
        .status()
        .with_context(|| format!("could not start cargo {}", args.join(" ")))?;
    let elapsed = started.elapsed();
    if !status.success() {
        bail!(
            "`cargo {}` failed ({status}); see {}",
            args.join(" "),
            log.display()
        );
    }
    Ok(elapsed)
}

#[derive(Clone, Copy)]
enum Template {
    Get,
    Resend,
}

#[derive(Clone, Copy)]
enum Amount {
    Requests(u64),
    Timed {
        warmup: f64,
        duration: f64,
        rounds: u32,
    },
}

/// What `loadgen` printed.
struct Load {
    rps: f64,
    p50_us: f64,
    p99_us: f64,
    requests: u64,
}

impl Load {
    fn describe(&self) -> String {
        format!(
            "{} req/s, p50 {:.2} ms, p99 {:.2} ms ({} req)",
            thousands(self.rps.round() as u64),
            self.p50_us / 1000.0,
            self.p99_us / 1000.0,
            thousands(self.requests)
        )
    }
}

/// Runs `loadgen` on `urls` (one result each, in order).
fn loadgen(
    root: &Path,
    urls: &[&str],
    template: Template,
    amount: Amount,
    connections: u32,
) -> Result<Vec<Load>> {
    let mut cmd = crate::artifacts::command(&release_bin(root, "loadgen")?)?;
    for url in urls {
        cmd.args(["--url", url]);
    }
    cmd.args(["--connections", &connections.to_string()])
        .args(["--header", &format!("Authorization: Bearer {API_KEY}")])
        .args(["--header", "Accept: application/json"]);
    if let Template::Resend = template {
        cmd.args([
            "--method",
            "POST",
            "--body",
            "{}",
            "--unique-idempotency-key",
        ]);
    }
    match amount {
        Amount::Requests(n) => cmd.args(["--requests", &n.to_string()]),
        Amount::Timed {
            warmup,
            duration,
            rounds,
        } => cmd.args([
            "--warmup",
            &warmup.to_string(),
            "--duration",
            &duration.to_string(),
            "--rounds",
            &rounds.to_string(),
        ]),
    };
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .context("starting loadgen")?;
    if !out.status.success() {
        bail!(
            "loadgen {} failed ({}): {}{}",
            urls.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stdout).trim(),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let value: serde_yaml::Value =
        serde_yaml::from_str(text.trim()).with_context(|| format!("loadgen printed {text:?}"))?;
    let objects = match value {
        serde_yaml::Value::Sequence(items) => items,
        one => vec![one],
    };
    objects
        .iter()
        .map(|o| {
            let num = |k: &str| {
                o[k].as_f64()
                    .with_context(|| format!("loadgen output has no {k}: {text}"))
            };
            Ok(Load {
                rps: num("rps")?,
                p50_us: num("p50_us")?,
                p99_us: num("p99_us")?,
                requests: num("requests")? as u64,
            })
        })
        .collect()
}

/// `bare-hyper --port 0`, killed on drop.
struct Bare {
    child: Child,
    url: String,
}

impl Bare {
    fn spawn(root: &Path) -> Result<Bare> {
        use std::io::{BufRead, BufReader};
        let mut child = crate::artifacts::command(&release_bin(root, "bare-hyper")?)?
            .args(["--port", "0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .context("starting bare-hyper")?;
        let stdout = child.stdout.take().context("bare-hyper stdout")?;
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line)?;
        let mut bare = Bare {
            child,
            url: String::new(),
        };
        let Some(url) = line.split_whitespace().find(|w| w.starts_with("http://")) else {
            bail!("bare-hyper printed {line:?} instead of its URL");
        };
        bare.url = url.trim_end_matches('/').to_owned();
        Ok(bare)
    }
}

impl Drop for Bare {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `VmRSS` of `pid`, in KiB.
fn vm_rss_kib(pid: u32) -> Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .with_context(|| format!("reading /proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .context("no VmRSS line")
}

fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

fn micros(ns: f64) -> String {
    format!("{:.1} µs", ns / 1000.0)
}

fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::thousands;

    #[test]
    fn groups_digits() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000_100), "1,000,100");
    }
}
