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
use std::sync::{Arc, Mutex};
use std::time::Instant;

use bytes::Bytes;
use chrono::Utc;
use http::{HeaderMap, HeaderValue, Method, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::service::service_fn;
use serde_json::json;
use tokio::net::TcpListener;

use super::check::{Contract, Exchange, Verdict};
use super::record::Recorder;
use super::upstream::{ConnectError, Connector, Slot};
use super::violations::{Violation, ViolationLog};
use super::{ProxyConfig, ProxyError, Shared};
use crate::server::{serve_connections, HEADER_READ_TIMEOUT};

/// Headers that describe one connection, not the message (RFC 9110 §7.6.1), plus the ones
/// the client library recomputes (`host`, `content-length`).
const HOP_BY_HOP: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-connection",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "host",
    "content-length",
];

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
    let path = parts.uri.path().to_owned();
    if let Some(answer) = own_admin(&parts.method, &path, shared) {
        return Ok(answer);
    }
    let limit = shared.config.max_body_bytes;
    let request_body = match Limited::new(body, limit).collect().await {
        Ok(collected) => collected.to_bytes(),
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
    let query = parts.uri.query().map(str::to_owned);
    let upstream = match forward(
        &state,
        &slot,
        &parts.method,
        &path,
        query.as_deref(),
        &parts.headers,
        request_body.clone(),
    )
    .await
    {
        Ok(upstream) => upstream,
        Err((status, message)) => {
            shared.log().upstream_error();
            tracing::warn!(method = %parts.method, path = %display_path(&path), "{message}");
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
        path: &path,
        query: query.as_deref(),
        request_headers: &parts.headers,
        request_body: &request_body,
        status,
        response_headers: &headers,
        response_body: &body,
    };
    let verdict = Contract::get().check(&exchange);
    let strict = shared.config.strict_requests;
    let breaks = verdict.breaks_contract(strict);
    let operation = verdict.operation.as_deref().unwrap_or("-");
    let shown_path = display_path(&path);
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
        path: shown_path,
        operation: verdict.operation.clone(),
        status,
        findings: verdict
            .response
            .iter()
            .chain(&verdict.request)
            .cloned()
            .collect(),
    });
    shared.log().exchange(violation, refused_invalid);
    if verdict.answer_is_valid() && (200..300).contains(&status) {
        record(shared, &verdict, &path);
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
            shared.log().clear();
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
    path: &str,
    query: Option<&str>,
    headers: &HeaderMap,
    body: Bytes,
) -> Result<(u16, HeaderMap, Bytes), (u16, String)> {
    let (connector, config, base) = (&state.connector, &state.shared.config, &state.base);
    let target = match query {
        Some(query) => format!("{base}{path}?{query}"),
        None => format!("{base}{path}"),
    };
    let uri = http::Uri::try_from(target).map_err(|err| {
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
        if !HOP_BY_HOP.contains(&name.as_str()) {
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
    let mut answer_headers = HeaderMap::with_capacity(parts.headers.len());
    for (name, value) in &parts.headers {
        if !HOP_BY_HOP.contains(&name.as_str()) {
            answer_headers.append(name.clone(), value.clone());
        }
    }
    Ok((parts.status.as_u16(), answer_headers, body))
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

/// The error and its causes, `: `-joined, each once. No URL is part of them (the client
/// errors name none), so a query holding an email never reaches a message.
pub(super) fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(current) = next {
        let text = current.to_string();
        if !text.is_empty() && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        next = current.source();
    }
    parts.join(": ")
}

fn record(shared: &Shared, verdict: &Verdict, path: &str) {
    let (Some(recorder), Some(operation), Some(body)) =
        (&shared.recorder, &verdict.operation, &verdict.body)
    else {
        return;
    };
    // `/tenant/{tenantId}/...`: the owner of invitations whose answer omits `tenantId`.
    let path_tenant = path
        .strip_prefix("/tenant/")
        .and_then(|rest| rest.split('/').next())
        .and_then(|id| id.parse().ok());
    let mut recorder = recorder.lock().unwrap_or_else(|e| e.into_inner());
    if recorder.observe(operation, path_tenant, body)
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
fn display_path(path: &str) -> String {
    match path.char_indices().nth(256) {
        None => path.to_owned(),
        Some((cut, _)) => path[..cut].to_owned(),
    }
}
