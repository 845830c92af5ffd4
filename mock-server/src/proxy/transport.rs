//! The proxy's transport: hyper in, hyper out, [`super::check`] in between.
//!
//! Each client connection gets its own upstream connection ([`super::upstream`]), hyper's
//! HTTP/1.1 client with the SDK's TLS choice (native-tls): an `https://` upstream is
//! verified against the system's trust store exactly as the SDK would. Not reqwest, and not
//! hyper-util's pooled client: reqwest's layers around hyper (URL parsing, several times per
//! request, and its redirect policy) were about a quarter of the proxy's instructions per
//! exchange (callgrind), and the pool's shared lock, checkout and per-request task cost
//! more than the checks; on a 2-core machine the proxy shares the CPU with the upstream and
//! the client.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use bytes::Bytes;
use chrono::Utc;
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::service::service_fn;
use serde_json::json;
use tokio::net::TcpListener;

use super::check::Contract;
use super::config::{ProxyConfig, ProxyError};
use super::exchange::{bearer_key, Exchange, Verdict};
use super::keys::{KeyFacts, KeyLedger};
use super::record::{Recorder, Sighting};
use super::upstream::{error_chain, ConnectError, Connector, Slot};
use super::violations::{Violation, ViolationLog};
use crate::server::{serve_connections, Spawned, HEADER_READ_TIMEOUT};

/// State shared by every connection of one proxy.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) config: ProxyConfig,
    pub(crate) upstream_display: String,
    log: Mutex<ViolationLog>,
    keys: Mutex<KeyLedger>,
    recorder: Option<Mutex<Recorder>>,
}

impl Shared {
    pub(crate) fn log(&self) -> MutexGuard<'_, ViolationLog> {
        // A panic elsewhere cannot leave the log half-updated: keep serving.
        self.log.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn keys(&self) -> MutexGuard<'_, KeyLedger> {
        self.keys.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Forgets the violations, the counters and what was learned about keys.
    pub(crate) fn clear(&self) {
        self.log().clear();
        self.keys().clear();
    }
}

/// A bound, not yet running, proxy (what the `proxy` subcommand runs).
#[derive(Debug)]
pub struct ProxyServer {
    listener: TcpListener,
    local_addr: SocketAddr,
    shared: Arc<Shared>,
    connector: Connector,
}

impl ProxyServer {
    /// Binds `addr` (port 0 picks a free port) and sets up the upstream client.
    pub async fn bind(addr: SocketAddr, config: ProxyConfig) -> Result<ProxyServer, ProxyError> {
        // A redirect is forwarded to the client like any answer, never followed here.
        let connector = Connector::new(&config)?;
        let recorder = match &config.record {
            Some(path) => {
                let recorder = Recorder::new(path);
                // Fail now, not at the first invitation, when the file cannot be written.
                recorder.write().map_err(|source| ProxyError::Record {
                    path: path.display().to_string(),
                    source,
                })?;
                Some(Mutex::new(recorder))
            }
            None => None,
        };
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| ProxyError::Bind { addr, source })?;
        let local_addr = listener
            .local_addr()
            .map_err(|source| ProxyError::Bind { addr, source })?;
        // The spec is parsed and prepared now, not on the first request.
        let _ = Contract::get();
        let shared = Arc::new(Shared {
            upstream_display: config.upstream_display(),
            log: Mutex::new(ViolationLog::new(config.violations_capacity)),
            keys: Mutex::new(KeyLedger::default()),
            recorder,
            config,
        });
        Ok(ProxyServer {
            listener,
            local_addr,
            shared,
            connector,
        })
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// `http://HOST:PORT`, no trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.local_addr)
    }

    /// The upstream, without any credentials of its URL.
    pub fn upstream(&self) -> &str {
        &self.shared.upstream_display
    }

    pub(crate) fn shared(&self) -> Arc<Shared> {
        self.shared.clone()
    }

    /// Serves in the background until the returned [`Spawned`] is stopped or dropped.
    pub fn spawn(self) -> Spawned {
        Spawned::new(self.base_url(), |shutdown| self.run(shutdown))
    }

    /// Serves until `shutdown` completes, then stops accepting and gives open connections
    /// up to 5 seconds to finish.
    pub async fn run(self, shutdown: impl Future<Output = ()>) -> io::Result<()> {
        let base = self
            .shared
            .config
            .upstream
            .path()
            .trim_end_matches('/')
            .to_owned();
        let state = Arc::new(State {
            shared: self.shared,
            connector: self.connector,
            base,
        });
        serve_connections(self.listener, shutdown, HEADER_READ_TIMEOUT, move |_peer| {
            let state = state.clone();
            // This client connection's own upstream connection, made on its first request.
            let slot = Arc::new(Slot::default());
            service_fn(move |req| serve(req, state.clone(), slot.clone()))
        })
        .await;
        Ok(())
    }
}

/// What every request of one running proxy uses.
struct State {
    shared: Arc<Shared>,
    connector: Connector,
    /// The upstream URL's path without its trailing `/` (often empty): the request's path is
    /// appended to it.
    base: String,
}

type Answer = hyper::Response<Full<Bytes>>;

async fn serve(
    request: hyper::Request<Incoming>,
    state: Arc<State>,
    slot: Arc<Slot>,
) -> Result<Answer, Infallible> {
    let started = Instant::now();
    let shared = &state.shared;
    let (parts, body) = request.into_parts();
    let path = parts.uri.path();
    if let Some(answer) = own_admin(&parts.method, path, shared) {
        return Ok(answer);
    }
    let limit = shared.config.max_body_bytes;
    // Most requests (every GET) have no body: nothing to collect.
    let request_body = match hyper::body::Body::is_end_stream(&body) {
        true => Ok(Bytes::new()),
        false => Limited::new(body, limit)
            .collect()
            .await
            .map(|collected| collected.to_bytes()),
    };
    let request_body = match request_body {
        Ok(bytes) => bytes,
        Err(err) => {
            let too_large = err.is::<http_body_util::LengthLimitError>();
            return Ok(if too_large {
                proxy_error(
                    413,
                    format!(
                        "invitations-mock proxy: the request body exceeds the proxy's \
                         {limit}-byte limit; it was not forwarded"
                    ),
                )
            } else {
                proxy_error(
                    400,
                    "invitations-mock proxy: the request body could not be read".to_owned(),
                )
            });
        }
    };
    let upstream = match forward(
        &state,
        &slot,
        &parts.method,
        &parts.uri,
        &parts.headers,
        request_body.clone(),
    )
    .await
    {
        Ok(upstream) => upstream,
        Err((status, message)) => {
            shared.log().upstream_error();
            tracing::warn!(method = %parts.method, path = %display_path(path), "{message}");
            return Ok(proxy_error(status, message));
        }
    };
    let (status, headers, body) = upstream;
    // The mock's own admin API (a mock as upstream) is not part of the contract.
    if path == "/__admin" || path.starts_with("/__admin/") {
        return Ok(build(status, headers, body));
    }
    let exchange = Exchange {
        method: parts.method.as_str(),
        path,
        query: parts.uri.query(),
        request_headers: &parts.headers,
        request_body: &request_body,
        status,
        response_headers: &headers,
        response_body: &body,
    };
    let mut verdict = Contract::get().check(&exchange);
    let key = learn(shared, &exchange, &mut verdict);
    let strict = shared.config.strict_requests;
    let breaks = verdict.breaks_contract(strict);
    let operation = verdict.operation.as_deref().unwrap_or("-");
    let shown_path = display_path(path);
    if breaks {
        // One line per violating exchange: what broke and where, secrets already redacted.
        tracing::warn!(
            method = %parts.method,
            path = %shown_path,
            operation,
            status,
            "contract violation: {}",
            verdict.summary()
        );
    } else if tracing::enabled!(tracing::Level::INFO) {
        let elapsed = started.elapsed();
        // The binary's log takes the line formatted by hand, without tracing's field
        // machinery or `fmt` (a tenth of the proxy's work per exchange otherwise).
        let written = crate::log::exchange(
            parts.method.as_str(),
            &shown_path,
            operation,
            status,
            elapsed,
        );
        if !written {
            let duration_ms = elapsed.as_secs_f64() * 1000.0;
            tracing::info!(
                method = %parts.method,
                path = %shown_path,
                operation,
                status,
                duration_ms = format_args!("{duration_ms:.3}"),
                "exchange"
            );
        }
    }
    let refused_invalid = !breaks && !verdict.request.is_empty();
    let violation = breaks.then(|| Violation {
        at: Utc::now(),
        method: parts.method.as_str().to_owned(),
        path: shown_path.into_owned(),
        operation: verdict.operation.as_deref().map(str::to_owned),
        status,
        findings: verdict.findings().cloned().collect(),
    });
    shared.log().exchange(violation, refused_invalid);
    if let (Some(recorder), Some(key)) = (&shared.recorder, key) {
        record(recorder, key, &exchange, &verdict);
    }
    if breaks && shared.config.fail_on_violation {
        return Ok(violation_answer(status, &verdict));
    }
    Ok(build(status, headers, body))
}

/// `/__admin/violations` and `/__admin/health` are the proxy's own; other `/__admin/` paths
/// go to the upstream (a mock's admin API stays reachable through the proxy).
fn own_admin(method: &Method, path: &str, shared: &Shared) -> Option<Answer> {
    let allow = match path {
        "/__admin/violations" => "GET, DELETE",
        "/__admin/health" => "GET",
        _ => return None,
    };
    let answer = match (path, method.as_str()) {
        ("/__admin/violations", "GET") => json_answer(200, &shared.log().entries()),
        ("/__admin/violations", "DELETE") => {
            shared.clear();
            let mut answer = Answer::new(Full::new(Bytes::new()));
            *answer.status_mut() = StatusCode::NO_CONTENT;
            answer
        }
        ("/__admin/health", "GET") => {
            let stats = shared.log().stats();
            json_answer(
                200,
                &json!({
                    "status": "ok",
                    "upstream": shared.upstream_display,
                    "exchanges": stats.exchanges,
                    "violations": stats.violations,
                    "violationsKept": stats.violations_kept,
                    "refusedInvalidRequests": stats.refused_invalid_requests,
                    "upstreamErrors": stats.upstream_errors,
                }),
            )
        }
        _ => {
            let mut answer = proxy_error(
                405,
                format!("{path} answers {allow}; {method} is not one of them"),
            );
            answer
                .headers_mut()
                .insert(http::header::ALLOW, HeaderValue::from_static(allow));
            answer
        }
    };
    Some(answer)
}

/// Why the upstream gave no answer.
enum Failure {
    /// No whole answer within [`ProxyConfig::timeout`].
    Timeout,
    /// No connection could be made (TCP, DNS, TLS).
    Connect(ConnectError),
    /// The request could not be sent or its answer not read (connection, protocol).
    Send(hyper::Error),
    /// The answer's body broke off.
    Body(Box<dyn std::error::Error + Send + Sync>),
    /// The answer's body is larger than [`ProxyConfig::max_body_bytes`].
    TooLarge,
}

async fn forward(
    state: &State,
    slot: &Slot,
    method: &Method,
    uri: &http::Uri,
    headers: &HeaderMap,
    body: Bytes,
) -> Result<(u16, HeaderMap, Bytes), (u16, String)> {
    let (connector, config) = (&state.connector, &state.shared.config);
    let uri = upstream_uri(&state.base, uri).map_err(|err| {
        (
            400,
            format!(
                "invitations-mock proxy: cannot build the upstream URL on {} for this path: {err}",
                config.upstream_display()
            ),
        )
    })?;
    let mut forwarded = HeaderMap::with_capacity(headers.len() + 1);
    for (name, value) in headers {
        if !is_hop_by_hop(name) {
            forwarded.append(name.clone(), value.clone());
        }
    }
    forwarded.insert(http::header::HOST, connector.authority.clone());
    let mut request = hyper::Request::new(Full::new(body));
    *request.method_mut() = method.clone();
    *request.uri_mut() = uri;
    *request.headers_mut() = forwarded;
    // One deadline for the whole exchange, connecting and the answer body included.
    let deadline = tokio::time::Instant::now() + config.timeout;
    let exchange = async {
        let (mut sender, mut fresh) = match slot.take() {
            Some(open) => (open, false),
            None => (connector.connect().await.map_err(Failure::Connect)?, true),
        };
        if !fresh && sender.ready().await.is_err() {
            // The upstream closed the kept connection meanwhile: a new one.
            sender = connector.connect().await.map_err(Failure::Connect)?;
            fresh = true;
        }
        let response = match sender.try_send_request(request).await {
            Ok(response) => response,
            Err(mut err) => match err.take_message() {
                // Closed by the upstream before the request went out: send it once more on a
                // new connection, as a pooled client would.
                Some(request) if !fresh => {
                    sender = connector.connect().await.map_err(Failure::Connect)?;
                    sender.send_request(request).await.map_err(Failure::Send)?
                }
                _ => return Err(Failure::Send(err.into_error())),
            },
        };
        let (parts, incoming) = response.into_parts();
        let declared = parts
            .headers
            .get(http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|n| n > config.max_body_bytes as u64) {
            return Err(Failure::TooLarge);
        }
        let body = match Limited::new(incoming, config.max_body_bytes)
            .collect()
            .await
        {
            Ok(collected) => collected.to_bytes(),
            Err(err) if err.is::<http_body_util::LengthLimitError>() => {
                return Err(Failure::TooLarge)
            }
            Err(err) => return Err(Failure::Body(err)),
        };
        // Only a connection whose exchange ended whole is used again.
        slot.put(sender);
        Ok((parts, body))
    };
    let (parts, body) = match tokio::time::timeout_at(deadline, exchange).await {
        Ok(Ok(answer)) => answer,
        Ok(Err(failure)) => return Err(upstream_failure(config, failure)),
        Err(_elapsed) => return Err(upstream_failure(config, Failure::Timeout)),
    };
    let mut answer_headers = parts.headers;
    while let Some(name) = answer_headers
        .keys()
        .find(|name| is_hop_by_hop(name))
        .cloned()
    {
        answer_headers.remove(name);
    }
    Ok((parts.status.as_u16(), answer_headers, body))
}

/// The request's path and query on the upstream: as sent when the upstream URL has no path
/// (no copy, no parse), else behind that path.
fn upstream_uri(base: &str, uri: &http::Uri) -> Result<http::Uri, http::uri::InvalidUri> {
    let path_and_query = uri.path_and_query().map_or("/", |pq| pq.as_str());
    if base.is_empty() {
        return match uri.path_and_query() {
            Some(pq) if uri.scheme().is_none() => Ok(http::Uri::from(pq.clone())),
            _ => http::Uri::try_from(path_and_query),
        };
    }
    let mut target = String::with_capacity(base.len() + path_and_query.len());
    target.push_str(base);
    target.push_str(path_and_query);
    http::Uri::try_from(target)
}

/// Headers that describe one connection, not the message (RFC 9110 §7.6.1), plus the ones
/// the client library recomputes (`host`, `content-length`).
fn is_hop_by_hop(name: &HeaderName) -> bool {
    use http::header;
    *name == header::CONNECTION
        || *name == header::TE
        || *name == header::TRAILER
        || *name == header::TRANSFER_ENCODING
        || *name == header::UPGRADE
        || *name == header::HOST
        || *name == header::CONTENT_LENGTH
        || *name == header::PROXY_AUTHENTICATE
        || *name == header::PROXY_AUTHORIZATION
        || matches!(name.as_str(), "keep-alive" | "proxy-connection")
}

/// 504 for a timeout, 502 otherwise, with a message naming the upstream and the cause.
fn upstream_failure(config: &ProxyConfig, failure: Failure) -> (u16, String) {
    let upstream = config.upstream_display();
    match failure {
        Failure::Timeout => (
            504,
            format!(
                "invitations-mock proxy: upstream {upstream} did not answer within {:?} \
                 (raise it with --timeout SECONDS)",
                config.timeout
            ),
        ),
        Failure::TooLarge => (
            502,
            format!(
                "invitations-mock proxy: the answer of upstream {upstream} exceeds the proxy's \
                 {}-byte limit",
                config.max_body_bytes
            ),
        ),
        Failure::Connect(ConnectError::Failed(cause)) => (
            502,
            format!(
                "invitations-mock proxy: cannot reach upstream {upstream}: {cause}. Check that \
                 it runs, that --upstream names it and, for https, that its certificate is \
                 trusted (SSL_CERT_FILE adds a CA)",
            ),
        ),
        Failure::Connect(ConnectError::Timeout(after)) => (
            502,
            format!(
                "invitations-mock proxy: cannot reach upstream {upstream}: no connection within \
                 {after:?}. Check that it runs and that --upstream names it",
            ),
        ),
        Failure::Send(err) => (
            502,
            format!(
                "invitations-mock proxy: upstream {upstream} failed: {}",
                error_chain(&err)
            ),
        ),
        Failure::Body(err) => (
            502,
            format!(
                "invitations-mock proxy: upstream {upstream} failed: the answer's body broke \
                 off: {}",
                error_chain(&*err)
            ),
        ),
    }
}

/// Judges the exchange against what its key was seen to do earlier (adding any
/// contradiction to `verdict`) and learns from it; returns the key's facts as they now stand,
/// for the recorder.
fn learn(
    shared: &Shared,
    exchange: &Exchange<'_>,
    verdict: &mut Verdict,
) -> Option<(u64, KeyFacts)> {
    let key = bearer_key(exchange.request_headers).ok()?;
    let mut keys = shared.keys();
    let id = keys.id(key);
    keys.observe(id, exchange.status, verdict);
    shared.recorder.as_ref()?;
    Some((id, keys.facts(id).cloned().unwrap_or_default()))
}

/// Hands a valid exchange on an invitation to the recorder and rewrites the file if it
/// changed.
fn record(
    recorder: &Mutex<Recorder>,
    (key_id, key): (u64, KeyFacts),
    exchange: &Exchange<'_>,
    verdict: &Verdict,
) {
    let Some(operation) = verdict.operation.as_deref() else {
        return;
    };
    if !verdict.request.is_empty() || !verdict.answer_is_valid() {
        return;
    }
    let body: Option<serde_json::Value> = serde_json::from_slice(exchange.response_body).ok();
    let sighting = Sighting {
        operation,
        status: exchange.status,
        key_id,
        key,
        seen: &verdict.seen,
        body: body.as_ref(),
        at: Utc::now(),
    };
    let mut recorder = recorder.lock().unwrap_or_else(|e| e.into_inner());
    if recorder.observe(&sighting)
        && let Err(err) = recorder.write()
    {
        tracing::warn!(file = %recorder.path().display(), %err, "cannot write the record file");
    }
}

fn violation_answer(status: u16, verdict: &Verdict) -> Answer {
    let findings: Vec<_> = verdict.response.iter().chain(&verdict.request).collect();
    json_answer(
        502,
        &json!({
            "error": format!(
                "invitations-mock proxy: the upstream's {status} answer breaks \
                 openapi/invitations.yaml ({}): {}",
                verdict.operation.as_deref().unwrap_or("no operation"),
                verdict.summary()
            ),
            "upstreamStatus": status,
            "findings": findings,
        }),
    )
}

fn build(status: u16, headers: HeaderMap, body: Bytes) -> Answer {
    let mut answer = Answer::new(Full::new(body));
    *answer.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
    *answer.headers_mut() = headers;
    answer
}

fn proxy_error(status: u16, message: String) -> Answer {
    json_answer(status, &json!({ "error": message }))
}

fn json_answer<T: serde::Serialize>(status: u16, body: &T) -> Answer {
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    let mut answer = Answer::new(Full::new(Bytes::from(bytes)));
    *answer.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
    answer.headers_mut().insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    answer
}

/// The path for logs and violations: at most 256 characters.
fn display_path(path: &str) -> std::borrow::Cow<'_, str> {
    if path.len() <= 256 {
        return path.into();
    }
    match path.char_indices().nth(256) {
        None => path.into(),
        Some((cut, _)) => path[..cut].into(),
    }
}
