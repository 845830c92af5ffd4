//! The proxy's connections to the upstream: one per client connection, made on its first
//! request and kept while both sides keep it open.
//!
//! HTTP/1.1 answers one request at a time per connection, so a client connection never needs
//! more than one upstream connection, and pairing them needs no pool: no shared lock, no
//! checkout, no task spawned per request to hand the connection back (hyper-util's pooled
//! client did all three on every exchange). The TLS choice is the SDK's: native-tls,
//! verified against the system's trust store, as reqwest's `native-tls` feature does.

use std::time::Duration;

use bytes::Bytes;
use http::HeaderValue;
use http_body_util::Full;
use hyper::client::conn::http1::{self, SendRequest};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

use super::config::{ProxyConfig, ProxyError};

/// Where and how to connect; shared by every client connection of one proxy.
pub(super) struct Connector {
    host: String,
    port: u16,
    /// `Some` for an `https://` upstream.
    tls: Option<tokio_native_tls::TlsConnector>,
    connect_timeout: Duration,
    /// The `Host` header of forwarded requests: the upstream's, not the proxy's.
    pub(super) authority: HeaderValue,
}

/// Why no upstream connection could be made.
#[derive(Debug)]
pub(super) enum ConnectError {
    /// TCP connect, DNS or TLS handshake failed: the text of the cause.
    Failed(String),
    /// No connection within [`ProxyConfig::connect_timeout`].
    Timeout(Duration),
}

impl Connector {
    pub(super) fn new(config: &ProxyConfig) -> Result<Connector, ProxyError> {
        let url = &config.upstream;
        let host = url
            .host_str()
            .ok_or_else(|| ProxyError::InvalidUpstream(config.upstream_display()))?
            // `[::1]` is the URL's spelling; the resolver and TLS want `::1`.
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        let port = url
            .port_or_known_default()
            .ok_or_else(|| ProxyError::InvalidUpstream(config.upstream_display()))?;
        let tls = match url.scheme() {
            "https" => Some(tokio_native_tls::TlsConnector::from(
                native_tls::TlsConnector::new()
                    .map_err(|err| ProxyError::Client(error_chain(&err)))?,
            )),
            _ => None,
        };
        let authority = match url.port() {
            Some(port) => format!("{}:{port}", url.host_str().unwrap_or_default()),
            None => url.host_str().unwrap_or_default().to_owned(),
        };
        let authority = HeaderValue::from_str(&authority)
            .map_err(|_| ProxyError::InvalidUpstream(config.upstream_display()))?;
        Ok(Connector {
            host,
            port,
            tls,
            connect_timeout: config.connect_timeout,
            authority,
        })
    }

    /// A new connection, its driver running on its own task until either side closes it.
    pub(super) async fn connect(&self) -> Result<SendRequest<Full<Bytes>>, ConnectError> {
        match tokio::time::timeout(self.connect_timeout, self.handshake()).await {
            Ok(result) => result.map_err(ConnectError::Failed),
            Err(_) => Err(ConnectError::Timeout(self.connect_timeout)),
        }
    }

    async fn handshake(&self) -> Result<SendRequest<Full<Bytes>>, String> {
        let tcp = TcpStream::connect((self.host.as_str(), self.port))
            .await
            .map_err(|err| error_chain(&err))?;
        // Small JSON requests: do not wait to coalesce them (reqwest's default too).
        tcp.set_nodelay(true).map_err(|err| error_chain(&err))?;
        match &self.tls {
            None => start(tcp).await,
            Some(tls) => {
                let stream = tls
                    .connect(&self.host, tcp)
                    .await
                    .map_err(|err| format!("TLS handshake: {}", error_chain(&err)))?;
                start(stream).await
            }
        }
    }
}

async fn start<S>(stream: S) -> Result<SendRequest<Full<Bytes>>, String>
where
    S: AsyncRead + AsyncWrite + Send + Unpin + 'static,
{
    let (sender, connection) = http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|err| error_chain(&err))?;
    tokio::spawn(async move {
        if let Err(err) = connection.await {
            tracing::debug!(%err, "upstream connection ended with an error");
        }
    });
    Ok(sender)
}

/// The upstream connection of one client connection, if it has one open.
#[derive(Default)]
pub(super) struct Slot(std::sync::Mutex<Option<SendRequest<Full<Bytes>>>>);

impl Slot {
    /// The open connection, taken out for one exchange (give it back with [`Slot::put`]).
    pub(super) fn take(&self) -> Option<SendRequest<Full<Bytes>>> {
        let mut slot = self.0.lock().unwrap_or_else(|e| e.into_inner());
        slot.take().filter(|sender| !sender.is_closed())
    }

    /// Keeps `sender` for the next exchange of this client connection.
    pub(super) fn put(&self, sender: SendRequest<Full<Bytes>>) {
        if !sender.is_closed() {
            *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(sender);
        }
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

impl std::fmt::Debug for Connector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connector")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls.is_some())
            .finish()
    }
}
