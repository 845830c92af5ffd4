//! How a proxy is set up: [`ProxyConfig`] and why it could not start ([`ProxyError`]).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

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
    pub(crate) upstream: url::Url,
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
