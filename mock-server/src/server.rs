//! The standalone server: the same core on hyper, multi-threaded.
//!
//! The core sits behind a mutex in a [`MockHandle`]; each request holds it only while the
//! core checks the request and changes the state (microseconds). Reading the body,
//! serialising the JSON answer, sleeping for an injected delay, logging and writing happen
//! outside it.
//!
//! ```no_run
//! use invitations_mock::{server::Server, MockHandle};
//!
//! # async fn run() -> std::io::Result<()> {
//! let server = Server::bind("127.0.0.1:0".parse().unwrap(), MockHandle::default()).await?;
//! println!("serving on {}", server.base_url());
//! server.run(async { tokio::signal::ctrl_c().await.ok(); }).await
//! # }
//! ```

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::StatusCode;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::core::http::{method_name, split_target};
use crate::core::{Request, Response};
use crate::handle::MockHandle;

/// How long open connections get to finish after a shutdown signal.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a client may take to send a request's head (and to start the next one on a
/// kept-alive connection) before the connection is closed: what the mock's server and the
/// proxy pass to [`serve_connections`] (tests pass a shorter one).
pub(crate) const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// Serves HTTP/1.1 connections from `listener`, each with the service `service(peer)` makes,
/// until `shutdown` completes; then stops accepting and gives open connections up to
/// [`DRAIN_TIMEOUT`] to finish. A connection whose client takes longer than `header_timeout`
/// to send a request head is closed. The mock's server and the proxy share it.
pub(crate) async fn serve_connections<S, B>(
    listener: TcpListener,
    shutdown: impl Future<Output = ()>,
    header_timeout: Duration,
    mut service: impl FnMut(SocketAddr) -> S,
) where
    S: hyper::service::Service<http::Request<Incoming>, Response = http::Response<B>>
        + Send
        + 'static,
    S::Future: Send + 'static,
    S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    B: hyper::body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    // Small JSON answers: do not wait to coalesce them.
                    let _ = stream.set_nodelay(true);
                    let connection = http1::Builder::new()
                        .timer(TokioTimer::new())
                        .header_read_timeout(header_timeout)
                        .serve_connection(TokioIo::new(stream), service(peer));
                    let connection = graceful.watch(connection);
                    tokio::spawn(async move {
                        if let Err(err) = connection.await {
                            tracing::debug!(%err, "connection ended with an error");
                        }
                    });
                }
                Err(err) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    tracing::warn!(%err, "accept failed; retrying");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            () = &mut shutdown => break,
        }
    }
    drop(listener);
    tracing::info!("shutting down: no new connections, draining open ones");
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(DRAIN_TIMEOUT) => {
            tracing::warn!("connections still open after {DRAIN_TIMEOUT:?}; closing them");
        }
    }
}

/// Completes on Ctrl-C or SIGTERM: the shutdown signal of the binary's server and proxy.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut stream) => {
                stream.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => tracing::info!("Ctrl-C received"),
        () = terminate => tracing::info!("SIGTERM received"),
    }
}

/// A server serving in the background on the current tokio runtime, stopped when dropped
/// or by [`Spawned::stop`]: the one way the mock's server, the proxy and the tests run a
/// server on a free port.
///
/// ```
/// use invitations_mock::{server::Server, MockHandle};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let server = Server::bind("127.0.0.1:0".parse().unwrap(), MockHandle::default()).await?;
/// let running = server.spawn();
/// assert!(running.base_url().starts_with("http://127.0.0.1:"));
/// running.stop().await
/// # }
/// ```
#[derive(Debug)]
pub struct Spawned {
    base_url: String,
    /// Dropping it (with the `Spawned`) completes the server's [`Shutdown`].
    stop: oneshot::Sender<()>,
    task: JoinHandle<io::Result<()>>,
}

/// The shutdown signal a [`Spawned`] server runs until: completes when it is stopped or
/// dropped.
#[derive(Debug)]
pub struct Shutdown(oneshot::Receiver<()>);

impl Future for Shutdown {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // A dropped sender is a stop too.
        Pin::new(&mut self.0).poll(cx).map(|_| ())
    }
}

impl Spawned {
    /// Spawns `run`, which serves until the [`Shutdown`] it is given completes.
    pub fn new<F>(base_url: String, run: impl FnOnce(Shutdown) -> F) -> Spawned
    where
        F: Future<Output = io::Result<()>> + Send + 'static,
    {
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(run(Shutdown(stopped)));
        Spawned {
            base_url,
            stop,
            task,
        }
    }

    /// `http://HOST:PORT`, no trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Stops the server and waits until it has stopped: accepting ends, open connections
    /// get the drain time to finish.
    pub async fn stop(self) -> io::Result<()> {
        let Spawned { stop, task, .. } = self;
        drop(stop);
        task.await.map_err(io::Error::other)?
    }
}

/// A bound, not yet running, server.
#[derive(Debug)]
pub struct Server {
    listener: TcpListener,
    handle: MockHandle,
    local_addr: SocketAddr,
    body_limit: usize,
}

impl Server {
    /// Binds `addr` (port 0 picks a free port).
    pub async fn bind(addr: SocketAddr, handle: MockHandle) -> io::Result<Server> {
        let listener = TcpListener::bind(addr).await?;
        let local_addr = listener.local_addr()?;
        let body_limit = handle.with_core(|core| core.config().max_body_bytes);
        Ok(Server {
            listener,
            handle,
            local_addr,
            body_limit,
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

    /// The handle on the served core.
    pub fn handle(&self) -> &MockHandle {
        &self.handle
    }

    /// Serves in the background until the returned [`Spawned`] is stopped or dropped.
    pub fn spawn(self) -> Spawned {
        Spawned::new(self.base_url(), |shutdown| self.run(shutdown))
    }

    /// Serves until `shutdown` completes, then stops accepting and gives open connections
    /// up to 5 seconds to finish.
    pub async fn run(self, shutdown: impl Future<Output = ()>) -> io::Result<()> {
        let handle = self.handle;
        let limit = self.body_limit;
        serve_connections(self.listener, shutdown, HEADER_READ_TIMEOUT, move |peer| {
            let handle = handle.clone();
            service_fn(move |req| serve(req, peer, handle.clone(), limit))
        })
        .await;
        Ok(())
    }
}

fn is_loopback(ip: IpAddr) -> bool {
    ip.to_canonical().is_loopback()
}

/// Reads at most `limit + 1` bytes: enough for the core to see an over-limit body and
/// answer 413, without buffering an arbitrarily large upload. A body that arrives in one
/// frame (nearly all of them) is passed on as hyper read it, without a copy.
async fn read_body(mut body: Incoming, limit: usize) -> Result<Bytes, hyper::Error> {
    let mut first = Bytes::new();
    let mut more: Vec<u8> = Vec::new();
    while let Some(frame) = body.frame().await {
        let Ok(data) = frame?.into_data() else {
            continue;
        };
        if first.is_empty() && more.is_empty() {
            first = data;
        } else {
            if more.is_empty() {
                more.extend_from_slice(&first);
            }
            more.extend_from_slice(&data);
        }
        if first.len().max(more.len()) > limit {
            break;
        }
    }
    let mut out = if more.is_empty() { first } else { more.into() };
    out.truncate(limit + 1);
    Ok(out)
}

async fn serve(
    request: hyper::Request<Incoming>,
    peer: SocketAddr,
    handle: MockHandle,
    body_limit: usize,
) -> Result<hyper::Response<Full<Bytes>>, Infallible> {
    let started = Instant::now();
    let (parts, body) = request.into_parts();
    // http::Uri does not hand out its buffer: one copy of the target, shared by path and query.
    let target = parts
        .uri
        .path_and_query()
        .map_or(&b"/"[..], |pq| pq.as_str().as_bytes());
    let (path, query) = split_target(Bytes::copy_from_slice(target));
    let mut core_request = Request {
        method: method_name(&parts.method),
        path,
        query,
        headers: parts.headers,
        body: Bytes::new(),
        peer_is_loopback: is_loopback(peer.ip()),
    };
    let response = match read_body(body, body_limit).await {
        Ok(body) => {
            core_request.body = body;
            handle.handle(&core_request)
        }
        Err(err) => {
            tracing::debug!(%err, "could not read the request body");
            crate::core::plain_error(400, "The request body could not be read.")
        }
    };
    if let Some(delay) = response.delay {
        tokio::time::sleep(delay).await;
    }
    // The path only: query strings and headers can carry emails, keys and tokens.
    crate::log::request(
        &core_request.method,
        &core_request.path,
        response.status,
        started.elapsed(),
    );
    Ok(to_hyper(response))
}

fn to_hyper(response: Response) -> hyper::Response<Full<Bytes>> {
    let mut out = hyper::Response::new(Full::new(response.body));
    *out.status_mut() =
        StatusCode::from_u16(response.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    *out.headers_mut() = response.headers;
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv4_mapped_loopback_counts_as_loopback() {
        assert!(is_loopback("127.0.0.1".parse().unwrap()));
        assert!(is_loopback("::1".parse().unwrap()));
        assert!(is_loopback("::ffff:127.0.0.1".parse().unwrap()));
        assert!(!is_loopback("10.0.0.1".parse().unwrap()));
    }

    /// Reads one `ok` response off `stream`, or fails after 10 s.
    async fn read_ok(stream: &mut tokio::net::TcpStream) {
        use tokio::io::AsyncReadExt as _;
        let mut got = Vec::new();
        let read = async {
            while !got.ends_with(b"\r\n\r\nok") {
                let mut chunk = [0; 512];
                let n = stream.read(&mut chunk).await.unwrap();
                assert!(n > 0, "closed after {:?}", String::from_utf8_lossy(&got));
                got.extend_from_slice(&chunk[..n]);
            }
        };
        tokio::time::timeout(Duration::from_secs(10), read)
            .await
            .expect("no answer within 10 s");
    }

    #[tokio::test]
    async fn each_request_head_gets_its_own_deadline_and_a_stalled_one_is_cut_off() {
        use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let timeout = Duration::from_secs(2);
        let server = Spawned::new(format!("http://{addr}"), |shutdown| async move {
            serve_connections(listener, shutdown, timeout, |_| {
                service_fn(|_| async {
                    Ok::<_, Infallible>(hyper::Response::new(Full::new(Bytes::from_static(b"ok"))))
                })
            })
            .await;
            Ok(())
        });
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        // Three requests 0.8 s apart on one connection: 2.4 s in all, longer than one
        // timeout, so each head was given a deadline of its own.
        for _ in 0..3 {
            tokio::time::sleep(Duration::from_millis(800)).await;
            stream
                .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
                .await
                .unwrap();
            read_ok(&mut stream).await;
        }
        // Half a head, then nothing: the server gives up on the connection.
        stream
            .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n")
            .await
            .unwrap();
        let started = std::time::Instant::now();
        let mut rest = Vec::new();
        let closed =
            tokio::time::timeout(Duration::from_secs(20), stream.read_to_end(&mut rest)).await;
        assert!(
            closed.is_ok(),
            "the stalled connection was still open after 20 s"
        );
        assert!(
            started.elapsed() >= timeout / 2,
            "closed after {:?}, before the timeout",
            started.elapsed()
        );
        server.stop().await.unwrap();
    }
}
