//! The bench's instruments: the load generator (`loadgen`), the allocation counter
//! (`allocs`), criterion's saved estimates and `/proc`'s RSS, each read into numbers.
//! Their JSON is parsed with serde_json into the types below.

use std::path::Path;
use std::process::Stdio;

use anyhow::{bail, Context, Result};
use serde::Deserialize;

use crate::process;

/// Keep-alive connections of every timed load run.
pub(super) const CONNECTIONS: u32 = 64;
/// Requests sent before the first RSS reading.
pub(super) const WARMUP_REQUESTS: u64 = 100;

/// How long and how much to measure.
pub(super) struct Params {
    /// `--quick`.
    pub(super) quick: bool,
    /// Measured seconds per server of each throughput comparison, split into `rounds` rounds
    /// alternating mock and bare (mock bare, bare mock, ...), each phase after `warmup` seconds.
    pub(super) duration: f64,
    /// Seconds of warm-up before each phase.
    pub(super) warmup: f64,
    /// Phases per server.
    pub(super) rounds: u32,
    /// Requests sent to the mock between the two RSS readings.
    pub(super) rss_requests: u64,
    /// Measured requests per operation of the allocation count.
    pub(super) alloc_requests: u64,
}

impl Params {
    /// The figures of `cargo xtask bench` (`quick`: `--quick`).
    pub(super) fn new(quick: bool) -> Params {
        if quick {
            Params {
                quick,
                duration: 5.0,
                warmup: 0.25,
                rounds: 5,
                rss_requests: 200_000,
                alloc_requests: 5_000,
            }
        } else {
            Params {
                quick,
                duration: 12.0,
                warmup: 0.5,
                rounds: 8,
                rss_requests: 1_000_000,
                alloc_requests: 20_000,
            }
        }
    }

    /// A timed run of these parameters.
    pub(super) fn timed(&self) -> Amount {
        Amount::Timed {
            warmup: self.warmup,
            duration: self.duration,
            rounds: self.rounds,
        }
    }
}

/// Which request `loadgen` sends: one of the mock's default fixture, by name (`--request`;
/// its path, API key and body are written once, in `invitations_bench::Workload`).
#[derive(Clone, Copy)]
pub(super) enum Template {
    /// `GET invitations_by_email` of the pending invitation.
    Get,
    /// The IAM resend of the pending invitation, a fresh `Idempotency-Key` per request.
    Resend,
}

/// How much `loadgen` sends.
#[derive(Clone, Copy)]
pub(super) enum Amount {
    /// This many requests per URL.
    Requests(u64),
    /// Phases alternating between the URLs (see [`Params`]).
    Timed {
        warmup: f64,
        duration: f64,
        rounds: u32,
    },
}

/// What `loadgen` printed for one URL (the fields the table uses).
#[derive(Debug, Deserialize, PartialEq)]
pub(super) struct Load {
    pub(super) rps: f64,
    pub(super) p50_us: f64,
    pub(super) p99_us: f64,
    pub(super) requests: u64,
    /// req/s of each phase, in round order.
    #[serde(default)]
    pub(super) phase_rps: Vec<f64>,
}

impl Load {
    /// `self` against `other` measured in the same alternating run: the median over the
    /// rounds of the round's own ratio, so that a round where the machine was busy weighs on
    /// both alike instead of on whichever server it fell. The whole-run ratio when the
    /// phases do not pair up.
    pub(super) fn ratio_to(&self, other: &Load) -> f64 {
        let paired = self.phase_rps.len() == other.phase_rps.len()
            && !self.phase_rps.is_empty()
            && other.phase_rps.iter().all(|&rps| rps > 0.0);
        if !paired {
            return self.rps / other.rps;
        }
        median(
            self.phase_rps
                .iter()
                .zip(&other.phase_rps)
                .map(|(a, b)| a / b)
                .collect(),
        )
    }
}

/// `loadgen` prints one object for one URL, a list for several.
#[derive(Deserialize)]
#[serde(untagged)]
enum Loads {
    Many(Vec<Load>),
    One(Load),
}

/// Runs `loadgen` on the servers at `urls` (base URLs; one result each, in order).
pub(super) fn loadgen<const N: usize>(
    root: &Path,
    urls: [&str; N],
    template: Template,
    amount: Amount,
    connections: u32,
) -> Result<[Load; N]> {
    let mut cmd = crate::artifacts::command(&crate::artifacts::release_bin(root, "loadgen")?)?;
    for url in urls {
        cmd.args(["--url", url]);
    }
    let request = match template {
        Template::Get => "by-email",
        Template::Resend => "resend",
    };
    cmd.args(["--request", request])
        .args(["--connections", &connections.to_string()])
        .args(["--header", "Accept: application/json"]);
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
    let out = process::output(&format!("loadgen {}", urls.join(" ")), cmd)?;
    let loads = parse_loads(&out.stdout)?;
    let count = loads.len();
    loads
        .try_into()
        .map_err(|_| anyhow::anyhow!("loadgen answered {count} results for {N} URLs"))
}

fn parse_loads(stdout: &[u8]) -> Result<Vec<Load>> {
    let loads: Loads = serde_json::from_slice(stdout).with_context(|| {
        format!(
            "loadgen printed {:?}",
            String::from_utf8_lossy(stdout).trim()
        )
    })?;
    Ok(match loads {
        Loads::Many(loads) => loads,
        Loads::One(load) => vec![load],
    })
}

/// Allocations per request of one operation, as `allocs` counts them.
#[derive(Debug, Deserialize, PartialEq)]
pub(super) struct Allocs {
    /// The operation's name.
    pub(super) operation: String,
    /// On the server's threads (hyper, core, log line).
    pub(super) server: f64,
    /// In `Core::handle` alone.
    pub(super) core: f64,
}

/// Runs `allocs` (its stderr, the in-process server's request log, into `log`): one result
/// per operation.
pub(super) fn allocs(root: &Path, requests: u64, log: &Path) -> Result<Vec<Allocs>> {
    let mut cmd = crate::artifacts::command(&crate::artifacts::release_bin(root, "allocs")?)?;
    cmd.args(["--requests", &requests.to_string()])
        .stderr(std::fs::File::create(log)?);
    let out = process::output("allocs", cmd)
        .with_context(|| format!("the allocs bench binary failed; see {}", log.display()))?;
    let rows = parse_allocs(&String::from_utf8_lossy(&out.stdout))?;
    if rows.is_empty() {
        bail!("allocs printed nothing");
    }
    Ok(rows)
}

/// One JSON object a line.
fn parse_allocs(stdout: &str) -> Result<Vec<Allocs>> {
    stdout
        .lines()
        .map(|line| serde_json::from_str(line).with_context(|| format!("allocs printed {line:?}")))
        .collect()
}

/// The rounds `bench/benches/sdk.rs` runs (passed to it as `BENCH_SDK_ROUNDS`) and the bench
/// reads back.
pub(super) const SDK_ROUNDS: usize = 15;

/// Runs `cargo bench -p invitations-bench --bench sdk` in [`SDK_ROUNDS`] rounds, with
/// criterion's output under `home` and its own in `log`.
pub(super) fn sdk_bench(root: &Path, quick: bool, home: &Path, log: &Path) -> Result<()> {
    let args = [
        "bench",
        "--quiet",
        "-p",
        "invitations-bench",
        "--bench",
        "sdk",
    ];
    let mut cmd = process::cargo();
    cmd.args(args)
        .env("CRITERION_HOME", home)
        .env("BENCH_QUICK", if quick { "1" } else { "0" })
        .env("BENCH_SDK_ROUNDS", SDK_ROUNDS.to_string())
        .env_remove("BENCH_BASE_URL")
        .current_dir(root);
    process::run_logged(&format!("cargo {}", args.join(" ")), cmd, log)?;
    Ok(())
}

/// The median of `values` (the mean of the middle two for an even count); NaN when empty.
pub(super) fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

/// The median point estimate (ns) criterion saved for `id` (group/function).
pub(super) fn criterion_median_ns(home: &Path, id: &str) -> Result<f64> {
    criterion_figure(home, id, "estimates.json", median_ns)
}

/// `read` applied to the file `name` criterion saved for `id`'s latest run.
fn criterion_figure(
    home: &Path,
    id: &str,
    name: &str,
    read: fn(&str) -> Result<f64>,
) -> Result<f64> {
    let path = home.join(id).join("new").join(name);
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    read(&text).with_context(|| format!("in {}", path.display()))
}

fn median_ns(estimates: &str) -> Result<f64> {
    #[derive(Deserialize)]
    struct Estimates {
        median: Estimate,
    }
    #[derive(Deserialize)]
    struct Estimate {
        point_estimate: f64,
    }
    let estimates: Estimates =
        serde_json::from_str(estimates).context("no median.point_estimate")?;
    Ok(estimates.median.point_estimate)
}

/// The time per iteration (ns) of the fastest sample criterion saved for `id`
/// (group/function).
///
/// Load from other processes only ever slows a sample down, so on a shared machine the
/// fastest samples of two functions compare their own costs best (Chen and Revels, "Robust
/// benchmarking in noisy environments", 2016: the minimum, not the mean or median, as the
/// estimator). Criterion's median still moves with whatever ran during its window.
pub(super) fn criterion_fastest_ns(home: &Path, id: &str) -> Result<f64> {
    criterion_figure(home, id, "sample.json", fastest_ns)
}

fn fastest_ns(samples: &str) -> Result<f64> {
    #[derive(Deserialize)]
    struct Samples {
        iters: Vec<f64>,
        times: Vec<f64>,
    }
    let samples: Samples = serde_json::from_str(samples).context("no iters and times")?;
    if samples.iters.len() != samples.times.len() {
        bail!(
            "{} iteration counts for {} times",
            samples.iters.len(),
            samples.times.len()
        );
    }
    samples
        .iters
        .iter()
        .zip(&samples.times)
        .filter(|(iters, _)| **iters > 0.0)
        .map(|(iters, time)| time / iters)
        .min_by(f64::total_cmp)
        .context("no sample")
}

/// `VmRSS` of `pid`, in KiB.
pub(super) fn vm_rss_kib(pid: u32) -> Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .with_context(|| format!("reading /proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .context("no VmRSS line")
}

/// Runs `cargo <args>` in `root` with its output in `log` and returns its wall time.
pub(super) fn wall_time(root: &Path, args: &[&str], log: &Path) -> Result<std::time::Duration> {
    let mut cmd = process::cargo();
    cmd.args(args).current_dir(root).stdin(Stdio::null());
    process::run_logged(&format!("cargo {}", args.join(" ")), cmd, log)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratios_pair_the_rounds_and_take_their_median() {
        let load = |rps: f64, phases: &[f64]| Load {
            rps,
            p50_us: 1.0,
            p99_us: 1.0,
            requests: 1,
            phase_rps: phases.to_vec(),
        };
        // Round 2 was slow for both: the paired ratios are 0.8, 0.8 and 0.9.
        let mock = load(60.0, &[80.0, 40.0, 90.0]);
        let bare = load(70.0, &[100.0, 50.0, 100.0]);
        assert!((mock.ratio_to(&bare) - 0.8).abs() < 1e-9);
        // Unpaired (one URL, or phases missing): the whole-run ratio.
        assert!((load(60.0, &[]).ratio_to(&bare) - 60.0 / 70.0).abs() < 1e-9);
        assert!((mock.ratio_to(&load(70.0, &[100.0])) - 60.0 / 70.0).abs() < 1e-9);
        assert!((mock.ratio_to(&load(70.0, &[100.0, 0.0, 100.0])) - 60.0 / 70.0).abs() < 1e-9);
    }

    #[test]
    fn median_of_odd_even_and_no_values() {
        assert_eq!(median(vec![3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(vec![4.0, 1.0, 3.0, 2.0]), 2.5);
        assert_eq!(median(vec![1.5]), 1.5);
        assert!(median(Vec::new()).is_nan());
    }

    #[test]
    fn loadgen_prints_an_object_for_one_url_and_a_list_for_several() {
        let one = br#"{"url":"http://a/x","requests":1200,"seconds":2.0,"rps":600.0,
            "p50_us":150.5,"p99_us":900,"max_us":1500,"non_2xx":0,"errors":0,
            "connections":4,"phases":1,"first_failure":null}"#;
        let expected = Load {
            rps: 600.0,
            p50_us: 150.5,
            p99_us: 900.0,
            requests: 1200,
            phase_rps: Vec::new(),
        };
        assert_eq!(parse_loads(one).unwrap(), [expected]);
        let many = format!(
            "[{}, {}]\n",
            String::from_utf8_lossy(one),
            String::from_utf8_lossy(one).replace("600.0", "700.5")
        );
        let loads = parse_loads(many.as_bytes()).unwrap();
        assert_eq!(loads.len(), 2);
        assert_eq!(loads[1].rps, 700.5);
        let err = parse_loads(br#"{"rps": 1.0}"#).unwrap_err();
        assert!(format!("{err:#}").contains("loadgen printed"), "{err:#}");
    }

    #[test]
    fn allocs_prints_one_object_a_line() {
        let rows = parse_allocs(
            "{\"operation\": \"by_email\", \"server\": 41.50, \"core\": 12.00}\n\
             {\"operation\": \"resend\", \"server\": 60.25, \"core\": 20.00}\n",
        )
        .unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(
            rows[1],
            Allocs {
                operation: "resend".into(),
                server: 60.25,
                core: 20.0
            }
        );
        assert!(parse_allocs("{\"operation\": \"x\"}").is_err());
    }

    #[test]
    fn reads_criterions_median() {
        let saved = r#"{"mean":{"point_estimate":1.0},"median":{"confidence_interval":
            {"confidence_level":0.95,"lower_bound":40.0,"upper_bound":44.0},
            "point_estimate":42.5,"standard_error":0.5}}"#;
        assert_eq!(median_ns(saved).unwrap(), 42.5);
        assert!(median_ns(r#"{"mean":{"point_estimate":1.0}}"#).is_err());
    }

    #[test]
    fn finds_criterions_files_of_the_latest_run() {
        let home = std::env::temp_dir().join(format!("xtask-criterion-{}", std::process::id()));
        let run = home.join("by_email_round1/sdk/new");
        std::fs::create_dir_all(&run).unwrap();
        std::fs::write(
            run.join("estimates.json"),
            r#"{"median":{"point_estimate":42.5}}"#,
        )
        .unwrap();
        std::fs::write(run.join("sample.json"), r#"{"iters":[2.0],"times":[50.0]}"#).unwrap();
        assert_eq!(
            criterion_median_ns(&home, "by_email_round1/sdk").unwrap(),
            42.5
        );
        assert_eq!(
            criterion_fastest_ns(&home, "by_email_round1/sdk").unwrap(),
            25.0
        );
        let missing = criterion_median_ns(&home, "by_email_round2/sdk").unwrap_err();
        assert!(format!("{missing:#}").contains("by_email_round2/sdk/new/estimates.json"));
        std::fs::remove_dir_all(&home).unwrap();
    }

    #[test]
    fn reads_criterions_fastest_sample_per_iteration() {
        // Per iteration: 30, 25 (the fastest, though neither the shortest time nor the
        // fewest iterations) and 40.
        let saved = r#"{"sampling_mode":"Linear","iters":[10.0,20.0,30.0],
            "times":[300.0,500.0,1200.0]}"#;
        assert_eq!(fastest_ns(saved).unwrap(), 25.0);
        assert!(fastest_ns(r#"{"iters":[],"times":[]}"#).is_err());
        assert!(fastest_ns(r#"{"iters":[1.0],"times":[]}"#).is_err());
        assert!(fastest_ns(r#"{"times":[1.0]}"#).is_err());
    }
}
