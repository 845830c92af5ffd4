//! `loadgen --url URL [--url URL2 ...] [options]`: the HTTP/1.1 load generator of
//! `cargo xtask bench`.
//!
//! Opens `--connections` keep-alive connections (hyper 1 client over raw TCP) and has each
//! issue one request template back to back, for a fixed `--duration` (after `--warmup`) or a
//! fixed total of `--requests`. Records every latency, then prints one JSON object:
//! `{url, requests, seconds, rps, p50_us, p99_us, max_us, non_2xx, errors, connections, ...}`.
//!
//! With several `--url`s (same path on different servers), the same template is sent to each
//! in turn, in `--rounds` rounds that alternate the order (A B, B A, A B, ...), the duration
//! split evenly between them: load from other processes that drifts over the run then weighs
//! on every server alike. It prints one JSON array, one object per URL, in `--url` order;
//! `phase_rps` lists each URL's req/s phase by phase (its n-th phase is in round n), so that
//! two servers can be compared round by round.
//!
//! Any non-2xx answer or transport error makes it exit with status 1 (after printing): a
//! benchmark that measures 401s is worthless.
//!
//! Example: `loadgen --url 'http://127.0.0.1:8080/iam/v1/users/9001/actions/resend' \
//!   --method POST --body '{}' --header 'Authorization: Bearer acme-manager-key' \
//!   --unique-idempotency-key --duration 10`, or the same request of the mock's default
//!   fixture by name: `loadgen --url http://127.0.0.1:8080 --request resend --duration 10`.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{bail, Context, Result};
use bytes::Bytes;
use clap::Parser;
use http_body_util::{BodyExt, Full};
use hyper::header::{HeaderName, HeaderValue, CONTENT_TYPE, HOST};
use hyper::{Method, Request, Uri};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

#[derive(Parser, Clone)]
#[command(name = "loadgen", about = "Keep-alive HTTP/1.1 load generator")]
struct Args {
    /// Full URL of the request, such as http://127.0.0.1:8080/path?query (with --request, the
    /// server's base URL); repeatable.
    #[arg(long = "url", required = true)]
    urls: Vec<String>,
    /// A request of the mock's default fixture (`by-email`, `resend`): its path, method, API
    /// key, body and Idempotency-Keys are added to each --url.
    #[arg(long)]
    request: Option<invitations_bench::Workload>,
    /// With several URLs: rounds of alternating order, each running every URL once.
    #[arg(long, default_value_t = 1)]
    rounds: u32,
    /// HTTP method.
    #[arg(long, default_value = "GET")]
    method: String,
    /// Extra header `Name: value`; repeatable.
    #[arg(long = "header", value_name = "NAME: VALUE")]
    headers: Vec<String>,
    /// Request body (sent with `Content-Type: application/json`).
    #[arg(long)]
    body: Option<String>,
    /// Give every request its own `Idempotency-Key` (run id, connection, counter).
    #[arg(long)]
    unique_idempotency_key: bool,
    /// Number of keep-alive connections, each sending requests back to back.
    #[arg(long, default_value_t = 64)]
    connections: usize,
    /// Measured seconds per URL, split evenly between the rounds (ignored with --requests).
    #[arg(long, default_value_t = 10.0)]
    duration: f64,
    /// Unmeasured seconds before each measured phase (ignored with --requests).
    #[arg(long, default_value_t = 1.0)]
    warmup: f64,
    /// Send exactly this many requests in total instead of running for a duration.
    #[arg(long)]
    requests: Option<u64>,
}

/// What one connection saw.
#[derive(Default)]
struct Tally {
    latencies_us: Vec<u32>,
    non_2xx: u64,
    errors: u64,
}

/// The first failure, kept to be shown.
#[derive(Default)]
struct FirstFailure(Mutex<Option<String>>);

impl FirstFailure {
    fn record(&self, what: impl FnOnce() -> String) {
        let mut slot = self.0.lock().unwrap();
        if slot.is_none() {
            *slot = Some(what());
        }
    }
}

struct Template {
    method: Method,
    uri: Uri,
    authority: HeaderValue,
    headers: Vec<(HeaderName, HeaderValue)>,
    body: Bytes,
    unique_keys: bool,
    addr: String,
}

impl Template {
    fn new(args: &Args, url: &str) -> Result<Self> {
        let full: Uri = url.parse().context("--url")?;
        if full.scheme_str() != Some("http") {
            bail!("--url must be http://");
        }
        let authority = full.authority().context("--url needs a host")?.clone();
        let addr = format!(
            "{}:{}",
            authority.host(),
            authority.port_u16().unwrap_or(80)
        );
        let uri: Uri = full
            .path_and_query()
            .map(|pq| pq.as_str())
            .unwrap_or("/")
            .parse()?;
        let mut headers = Vec::new();
        for h in &args.headers {
            let (name, value) = h
                .split_once(':')
                .with_context(|| format!("--header {h:?}: expected `Name: value`"))?;
            headers.push((
                HeaderName::from_bytes(name.trim().as_bytes())?,
                HeaderValue::from_str(value.trim())?,
            ));
        }
        let body = args.body.clone().unwrap_or_default();
        if !body.is_empty() {
            headers.push((CONTENT_TYPE, HeaderValue::from_static("application/json")));
        }
        Ok(Template {
            method: args.method.parse().context("--method")?,
            uri,
            authority: HeaderValue::from_str(authority.as_str())?,
            headers,
            body: Bytes::from(body),
            unique_keys: args.unique_idempotency_key,
            addr,
        })
    }

    /// The request number `n` of connection `conn`; `key_prefix` is unique to the phase.
    fn request(&self, key_prefix: &str, conn: usize, n: u64) -> Request<Full<Bytes>> {
        let mut req = Request::new(Full::new(self.body.clone()));
        *req.method_mut() = self.method.clone();
        *req.uri_mut() = self.uri.clone();
        let h = req.headers_mut();
        h.insert(HOST, self.authority.clone());
        for (name, value) in &self.headers {
            h.insert(name.clone(), value.clone());
        }
        if self.unique_keys {
            let key = format!("{key_prefix}-{conn}-{n}");
            h.insert(
                HeaderName::from_static("idempotency-key"),
                HeaderValue::from_str(&key).expect("ascii key"),
            );
        }
        req
    }
}

/// When to stop: a deadline, or a shared budget of requests.
enum Plan {
    Timed {
        measure_from: Instant,
        until: Instant,
    },
    Count(AtomicI64),
}

impl Plan {
    /// Whether to send another request, and whether it is measured.
    fn next(&self) -> Option<bool> {
        match self {
            Plan::Timed {
                measure_from,
                until,
            } => {
                let now = Instant::now();
                (now < *until).then_some(now >= *measure_from)
            }
            Plan::Count(left) => (left.fetch_sub(1, Ordering::Relaxed) > 0).then_some(true),
        }
    }
}

async fn connection(
    id: usize,
    key_prefix: Arc<str>,
    template: Arc<Template>,
    plan: Arc<Plan>,
    first_failure: Arc<FirstFailure>,
) -> Tally {
    let mut tally = Tally::default();
    let mut n = 0u64;
    let mut reconnects = 0;
    'connect: while reconnects < 100 {
        let stream = match TcpStream::connect(&template.addr).await {
            Ok(s) => s,
            Err(e) => {
                tally.errors += 1;
                reconnects += 1;
                first_failure.record(|| format!("connect {}: {e}", template.addr));
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let (mut sender, conn) =
            match hyper::client::conn::http1::handshake(TokioIo::new(stream)).await {
                Ok(pair) => pair,
                Err(e) => {
                    tally.errors += 1;
                    reconnects += 1;
                    first_failure.record(|| format!("handshake: {e}"));
                    continue;
                }
            };
        tokio::spawn(conn);
        loop {
            let Some(measured) = plan.next() else {
                break 'connect;
            };
            n += 1;
            let req = template.request(&key_prefix, id, n);
            let started = Instant::now();
            let result = async {
                sender.ready().await?;
                let resp = sender.send_request(req).await?;
                let status = resp.status();
                let body = resp.into_body().collect().await?.to_bytes();
                Ok::<_, hyper::Error>((status, body))
            }
            .await;
            let elapsed = started.elapsed();
            match result {
                Ok((status, body)) => {
                    if status.is_success() {
                        if measured {
                            let us = elapsed.as_micros().min(u32::MAX as u128) as u32;
                            tally.latencies_us.push(us);
                        }
                    } else {
                        tally.non_2xx += 1;
                        first_failure
                            .record(|| format!("{status}: {}", String::from_utf8_lossy(&body)));
                    }
                }
                Err(e) => {
                    tally.errors += 1;
                    reconnects += 1;
                    first_failure.record(|| format!("request: {e}"));
                    continue 'connect;
                }
            }
        }
    }
    tally
}

/// Latencies and failures of one URL over all its phases.
#[derive(Default)]
struct Outcome {
    sample: Vec<u32>,
    seconds: f64,
    /// Requests per second of each of its phases, in order.
    phase_rps: Vec<f64>,
    non_2xx: u64,
    errors: u64,
}

/// The order of the phases: `rounds` rounds over `targets` URLs, every other one reversed.
fn schedule(targets: usize, rounds: u32) -> Vec<usize> {
    (0..rounds)
        .flat_map(|r| {
            let order: Vec<usize> = if r % 2 == 0 {
                (0..targets).collect()
            } else {
                (0..targets).rev().collect()
            };
            order
        })
        .collect()
}

fn main() -> Result<()> {
    let mut args = Args::parse();
    if let Some(workload) = args.request {
        for url in &mut args.urls {
            url.push_str(&workload.target());
        }
        args.method = workload.method().to_owned();
        args.headers.push(format!(
            "Authorization: Bearer {}",
            invitations_bench::API_KEY
        ));
        if !workload.body().is_empty() {
            args.body = Some(workload.body().to_owned());
        }
        args.unique_idempotency_key |= workload.unique_idempotency_keys();
    }
    if args.connections == 0 || args.rounds == 0 {
        bail!("--connections and --rounds must be at least 1");
    }
    if args.requests.is_some() && args.urls.len() > 1 {
        bail!("--requests takes one --url");
    }
    let templates = args
        .urls
        .iter()
        .map(|url| Template::new(&args, url).map(Arc::new))
        .collect::<Result<Vec<_>>>()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let run_id = SystemTime::now().duration_since(UNIX_EPOCH)?.as_nanos();
    let first_failure = Arc::new(FirstFailure::default());
    let mut outcomes: Vec<Outcome> = templates.iter().map(|_| Outcome::default()).collect();
    let phases = match args.requests {
        Some(_) => vec![0],
        None => schedule(templates.len(), args.rounds),
    };
    let phase_seconds = args.duration / f64::from(args.rounds);
    for (phase, &target) in phases.iter().enumerate() {
        let started = Instant::now();
        let plan = Arc::new(match args.requests {
            Some(n) => Plan::Count(AtomicI64::new(i64::try_from(n)?)),
            None => {
                let measure_from = started + Duration::from_secs_f64(args.warmup);
                Plan::Timed {
                    measure_from,
                    until: measure_from + Duration::from_secs_f64(phase_seconds),
                }
            }
        });
        // Idempotency keys unique across phases and runs, not only connections.
        let key_prefix: Arc<str> = format!("{run_id:x}p{phase}").into();
        let tallies = runtime.block_on(async {
            let tasks: Vec<_> = (0..args.connections)
                .map(|id| {
                    tokio::spawn(connection(
                        id,
                        key_prefix.clone(),
                        templates[target].clone(),
                        plan.clone(),
                        first_failure.clone(),
                    ))
                })
                .collect();
            let mut tallies = Vec::with_capacity(tasks.len());
            for t in tasks {
                tallies.push(t.await.expect("connection task panicked"));
            }
            tallies
        });
        let outcome = &mut outcomes[target];
        let seconds = match &*plan {
            Plan::Timed { measure_from, .. } => measure_from.elapsed().as_secs_f64(),
            Plan::Count(_) => started.elapsed().as_secs_f64(),
        };
        outcome.seconds += seconds;
        let measured: usize = tallies.iter().map(|t| t.latencies_us.len()).sum();
        outcome.phase_rps.push(measured as f64 / seconds);
        for t in tallies {
            outcome.sample.extend_from_slice(&t.latencies_us);
            outcome.non_2xx += t.non_2xx;
            outcome.errors += t.errors;
        }
    }
    let failure = first_failure.0.lock().unwrap().take();
    let (mut non_2xx, mut errors) = (0, 0);
    let mut reports = Vec::new();
    for (index, (url, mut o)) in args.urls.iter().zip(outcomes).enumerate() {
        non_2xx += o.non_2xx;
        errors += o.errors;
        let requests = o.sample.len() as u64;
        let p50 = invitations_bench::stats::percentile(&mut o.sample, 0.50);
        let p99 = invitations_bench::stats::percentile(&mut o.sample, 0.99);
        reports.push(serde_json::json!({
            "url": url,
            "requests": requests,
            "seconds": o.seconds,
            "rps": requests as f64 / o.seconds,
            "p50_us": p50,
            "p99_us": p99,
            "max_us": o.sample.last().copied().unwrap_or(0),
            "non_2xx": o.non_2xx,
            "errors": o.errors,
            "connections": args.connections,
            "phases": phases.iter().filter(|&&t| t == index).count(),
            "phase_rps": o.phase_rps,
            "first_failure": failure,
        }));
    }
    if reports.len() == 1 {
        println!("{}", reports[0]);
    } else {
        println!("{}", serde_json::Value::Array(reports));
    }
    if non_2xx > 0 || errors > 0 {
        bail!(
            "{non_2xx} non-2xx answers and {errors} transport errors; first: {}",
            failure.unwrap_or_default()
        );
    }
    Ok(())
}
