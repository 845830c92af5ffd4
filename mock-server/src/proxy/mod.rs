//! `invitations-mock proxy`: a validating proxy in front of any deployment of the API.
//!
//! Every request is forwarded to the upstream unchanged (method, path, query, headers,
//! `Authorization` included, body) and its answer comes back unchanged, while both are
//! checked against `openapi/invitations.yaml` ([`check`]). An exchange that breaks the
//! contract is logged in one line and kept (the last 1,000) at `GET /__admin/violations`;
//! `GET /__admin/health` counts them. With [`ProxyConfig::fail_on_violation`] a violating
//! answer becomes a 502 naming the problem; with [`ProxyConfig::record`] every invitation in
//! a valid answer is written to a fixture file the mock can serve ([`record`]).
//!
//! In a test, put it in front of any server:
//!
//! ```
//! use invitations_mock::proxy::Proxy;
//! use invitations_mock::{fixture, InvitationsMock};
//!
//! # tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap().block_on(async {
//! let mock = InvitationsMock::start().await;
//! let proxy = Proxy::start(&mock.uri()).await.unwrap();
//! let answer = reqwest::Client::new()
//!     .get(format!("{}/tenant/admin/user/invitations_by_email?email=ada@example.com", proxy.uri()))
//!     .bearer_auth(fixture::ACME_MANAGER_KEY)
//!     .send()
//!     .await
//!     .unwrap();
//! assert_eq!(answer.status(), 200);
//! assert!(proxy.violations().is_empty());
//! assert_eq!(proxy.stats().exchanges, 1);
//! # });
//! ```
//!
//! Each client connection gets one upstream connection of its own (`upstream.rs`): hyper's
//! HTTP/1.1 client over native-tls, the TLS layer reqwest builds the SDK's client on, with
//! the SDK's TLS choice: an `https://` upstream is verified against the system's trust
//! store, exactly as the SDK would.

pub mod check;
pub mod cli;
pub mod record;
mod rules;
pub mod secrets;
mod transport;
mod upstream;
pub mod violations;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

pub use check::{Contract, Exchange, Finding, Side, Verdict};
pub use transport::ProxyServer;
pub use violations::{ProxyStats, Violation};

/// Why a proxy could not start.
#[derive(Debug, thiserror::Error)]
pub enum ProxyError {
    /// The upstream is not an absolute `http://` or `https://` URL.
    #[error(
        "the upstream {0:?} is not an http:// or https:// URL; pass the base URL of the \
         deployment, such as --upstream https://api.example.com"
    )]
    InvalidUpstream(String),
    /// The HTTP client could not be built (TLS set-up).
    #[error("cannot set up the HTTP client for the upstream: {0}")]
    Client(String),
    /// The listening address could not be bound.
    #[error("cannot listen on {addr}: {source}. Pass --port 0 to pick a free port")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// The record file cannot be written.
    #[error("cannot write the record file {path}: {source}")]
    Record {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
}

/// How a proxy forwards and judges.
#[derive(Clone)]
pub struct ProxyConfig {
    upstream: url::Url,
    /// Whole-request timeout towards the upstream (default 30 s); past it the client gets 504.
    pub timeout: Duration,
    /// Connection set-up timeout (default 5 s).
    pub connect_timeout: Duration,
    /// Answer a violating exchange with a 502 naming the problem instead of the upstream's
    /// answer (default off).
    pub fail_on_violation: bool,
    /// Count requests outside the contract as violations even when the upstream refused
    /// them as documented (default off: the contract suite sends such requests on purpose).
    pub strict_requests: bool,
    /// Write the invitations of valid answers to this fixture file (default none).
    pub record: Option<PathBuf>,
    /// How many violations `/__admin/violations` keeps, the most recent (default 1,000).
    pub violations_capacity: usize,
    /// Largest request or answer body forwarded (default 16 MiB); a larger request is
    /// answered 413 by the proxy, a larger answer 502.
    pub max_body_bytes: usize,
}

impl ProxyConfig {
    /// Defaults for `upstream` (`http://` or `https://`, optionally with a path prefix).
    pub fn new(upstream: &str) -> Result<ProxyConfig, ProxyError> {
        let parsed = url::Url::parse(upstream)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.has_host())
            .filter(|u| u.query().is_none() && u.fragment().is_none())
            .ok_or_else(|| ProxyError::InvalidUpstream(redact_url_text(upstream)))?;
        Ok(ProxyConfig {
            upstream: parsed,
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(5),
            fail_on_violation: false,
            strict_requests: false,
            record: None,
            violations_capacity: 1_000,
            max_body_bytes: 16 * 1024 * 1024,
        })
    }

    /// The upstream as shown in messages: scheme, host, port and path, never a user or
    /// password given in the URL.
    pub fn upstream_display(&self) -> String {
        let mut shown = self.upstream.clone();
        let _ = shown.set_username("");
        let _ = shown.set_password(None);
        shown.as_str().trim_end_matches('/').to_owned()
    }

    /// Sets [`ProxyConfig::fail_on_violation`].
    pub fn fail_on_violation(mut self, on: bool) -> ProxyConfig {
        self.fail_on_violation = on;
        self
    }

    /// Sets [`ProxyConfig::strict_requests`].
    pub fn strict_requests(mut self, on: bool) -> ProxyConfig {
        self.strict_requests = on;
        self
    }

    /// Sets [`ProxyConfig::record`].
    pub fn record(mut self, file: impl Into<PathBuf>) -> ProxyConfig {
        self.record = Some(file.into());
        self
    }

    /// Sets [`ProxyConfig::timeout`].
    pub fn timeout(mut self, timeout: Duration) -> ProxyConfig {
        self.timeout = timeout;
        self
    }
}

/// The upstream is shown without the credentials its URL may carry.
impl std::fmt::Debug for ProxyConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProxyConfig")
            .field("upstream", &self.upstream_display())
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("fail_on_violation", &self.fail_on_violation)
            .field("strict_requests", &self.strict_requests)
            .field("record", &self.record)
            .field("violations_capacity", &self.violations_capacity)
            .field("max_body_bytes", &self.max_body_bytes)
            .finish()
    }
}

/// Never echo a password typed into an unparsable URL.
fn redact_url_text(text: &str) -> String {
    match text.split_once('@') {
        Some((_, host)) => format!("<credentials>@{host}"),
        None => text.to_owned(),
    }
}

/// State shared by every connection of one proxy.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) config: ProxyConfig,
    pub(crate) upstream_display: String,
    pub(crate) log: Mutex<violations::ViolationLog>,
    pub(crate) recorder: Option<Mutex<record::Recorder>>,
}

impl Shared {
    pub(crate) fn log(&self) -> MutexGuard<'_, violations::ViolationLog> {
        // A panic elsewhere cannot leave the log half-updated: keep serving.
        self.log.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A proxy running on a free local port, for tests; stopped when dropped.
#[derive(Debug)]
pub struct Proxy {
    base_url: String,
    shared: Arc<Shared>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Proxy {
    /// Starts a proxy to `upstream` with the defaults of [`ProxyConfig::new`].
    ///
    /// Call it inside a tokio runtime (`#[tokio::test]`).
    pub async fn start(upstream: &str) -> Result<Proxy, ProxyError> {
        Proxy::start_with(ProxyConfig::new(upstream)?).await
    }

    /// Starts a proxy with `config` on `127.0.0.1` and a free port.
    pub async fn start_with(config: ProxyConfig) -> Result<Proxy, ProxyError> {
        let server = ProxyServer::bind(SocketAddr::from(([127, 0, 0, 1], 0)), config).await?;
        let base_url = server.base_url();
        let shared = server.shared();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = server
                .run(async {
                    let _ = stopped.await;
                })
                .await;
        });
        Ok(Proxy {
            base_url,
            shared,
            stop: Some(stop),
        })
    }

    /// `http://127.0.0.1:PORT`, no trailing slash: send requests here instead of upstream.
    pub fn uri(&self) -> String {
        self.base_url.clone()
    }

    /// The violations kept, oldest first (what `GET /__admin/violations` answers).
    pub fn violations(&self) -> Vec<Violation> {
        self.shared.log().entries()
    }

    /// The counters (what `GET /__admin/health` answers, besides status and upstream).
    pub fn stats(&self) -> ProxyStats {
        self.shared.log().stats()
    }

    /// Forgets the violations and zeroes the counters.
    pub fn clear(&self) {
        self.shared.log().clear();
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
