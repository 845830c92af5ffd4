//! `loadgen --url URL [options]`: the HTTP/1.1 load generator of `cargo xtask bench`.
//!
//! Opens `--connections` keep-alive connections (hyper 1 client over raw TCP) and has each
//! issue one request template back to back, for a fixed `--duration` (after `--warmup`) or a
//! fixed total of `--requests`. Records every latency, then prints one JSON object:
//! `{requests, seconds, rps, p50_us, p99_us, max_us, non_2xx, errors, connections, ...}`.
//!
//! Any non-2xx answer or transport error makes it exit with status 1 (after printing): a
//! benchmark that measures 401s is worthless.
//!
//! Example: `loadgen --url 'http://127.0.0.1:8080/iam/v1/users/9001/actions/resend' \
//!   --method POST --body '{}' --header 'Authorization: Bearer acme-manager-key' \
//!   --unique-idempotency-key --duration 10`

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
    /// Full URL of the request, such as http://127.0.0.1:8080/path?query.
    #[arg(long)]
    url: String,
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
    /// Measured duration in seconds (ignored with --requests).
    #[arg(long, default_value_t = 10.0)]
    duration: f64,
    /// Unmeasured seconds before the measured duration (ignored with --requests).
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
    idempotency_prefix: Option<String>,
    addr: String,
}

impl Template {
    fn new(args: &Args) -> Result<Self> {
        let full: Uri = args.url.parse().context("--url")?;
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
        let run = SystemTime::now().duration_since(UNIX_EPOCH)?.as_nanos();
        Ok(Template {
            method: args.method.parse().context("--method")?,
            uri,
            authority: HeaderValue::from_str(authority.as_str())?,
            headers,
            body: Bytes::from(body),
            idempotency_prefix: args.unique_idempotency_key.then(|| format!("{run:x}")),
            addr,
        })
    }

    fn request(&self, conn: usize, n: u64) -> Request<Full<Bytes>> {
        let mut req = Request::new(Full::new(self.body.clone()));
        *req.method_mut() = self.method.clone();
        *req.uri_mut() = self.uri.clone();
        let h = req.headers_mut();
        h.insert(HOST, self.authority.clone());
        for (name, value) in &self.headers {
            h.insert(name.clone(), value.clone());
        }
        if let Some(prefix) = &self.idempotency_prefix {
            let key = format!("{prefix}-{conn}-{n}");
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
            let req = template.request(id, n);
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

fn main() -> Result<()> {
    let args = Args::parse();
    if args.connections == 0 {
        bail!("--connections must be at least 1");
    }
    let template = Arc::new(Template::new(&args)?);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let started = Instant::now();
    let plan = Arc::new(match args.requests {
        Some(n) => Plan::Count(AtomicI64::new(i64::try_from(n)?)),
        None => {
            let measure_from = started + Duration::from_secs_f64(args.warmup);
            Plan::Timed {
                measure_from,
                until: measure_from + Duration::from_secs_f64(args.duration),
            }
        }
    });
    let first_failure = Arc::new(FirstFailure::default());
    let tallies = runtime.block_on(async {
        let tasks: Vec<_> = (0..args.connections)
            .map(|id| {
                tokio::spawn(connection(
                    id,
                    template.clone(),
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
    let seconds = match &*plan {
        Plan::Timed { measure_from, .. } => measure_from.elapsed().as_secs_f64(),
        Plan::Count(_) => started.elapsed().as_secs_f64(),
    };
    let mut sample: Vec<u32> = Vec::new();
    let (mut non_2xx, mut errors) = (0, 0);
    for t in tallies {
        sample.extend_from_slice(&t.latencies_us);
        non_2xx += t.non_2xx;
        errors += t.errors;
    }
    let requests = sample.len() as u64;
    let p50 = invitations_bench::stats::percentile(&mut sample, 0.50);
    let p99 = invitations_bench::stats::percentile(&mut sample, 0.99);
    let max = sample.last().copied().unwrap_or(0);
    let failure = first_failure.0.lock().unwrap().take();
    let report = serde_json::json!({
        "requests": requests,
        "seconds": seconds,
        "rps": requests as f64 / seconds,
        "p50_us": p50,
        "p99_us": p99,
        "max_us": max,
        "non_2xx": non_2xx,
        "errors": errors,
        "connections": args.connections,
        "first_failure": failure,
    });
    println!("{report}");
    if non_2xx > 0 || errors > 0 {
        bail!(
            "{non_2xx} non-2xx answers and {errors} transport errors; first: {}",
            failure.unwrap_or_default()
        );
    }
    Ok(())
}
