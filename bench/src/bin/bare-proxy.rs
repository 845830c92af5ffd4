//! `bare-proxy --upstream http://HOST:PORT [--port 0]`: the proxy baseline of
//! `cargo xtask bench`.
//!
//! The least an HTTP/1.1 proxy on hyper can do: every accepted connection gets one upstream
//! connection of its own, and each request is streamed to it and its answer streamed back,
//! untouched: no checks, no log, no pool, no timeout. `invitations-mock proxy` does all of
//! that on top; the bench compares both with the mock alone, so that the price of the second
//! HTTP hop on the machine (two more sockets per exchange, three processes on the cores) is
//! told apart from the price of the checks. Prints its base URL on stdout.

use std::convert::Infallible;
use std::io::Write;

use anyhow::Context;
use clap::Parser;
use hyper::body::Incoming;
use hyper::client::conn::http1 as client;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tokio::sync::Mutex;

#[derive(Parser)]
#[command(
    name = "bare-proxy",
    about = "Pass-through hyper proxy, the proxy bench baseline"
)]
struct Args {
    /// The server to forward to, `http://HOST:PORT`.
    #[arg(long)]
    upstream: String,
    /// Port to bind on 127.0.0.1; 0 picks a free one.
    #[arg(long, default_value_t = 0)]
    port: u16,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let upstream = args
        .upstream
        .strip_prefix("http://")
        .context("--upstream must be an http:// URL")?
        .trim_end_matches('/')
        .to_owned();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", args.port))
            .await
            .with_context(|| format!("binding 127.0.0.1:{}", args.port))?;
        let mut out = std::io::stdout().lock();
        writeln!(
            out,
            "bare-proxy listening on http://{}",
            listener.local_addr()?
        )?;
        out.flush()?;
        drop(out);
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let _ = stream.set_nodelay(true);
            let upstream = upstream.clone();
            tokio::spawn(async move {
                let Ok(sender) = connect(&upstream).await else {
                    return;
                };
                // One request at a time per HTTP/1.1 connection: the lock is never contended.
                let sender = std::sync::Arc::new(Mutex::new(sender));
                let service = service_fn(move |req: Request<Incoming>| {
                    let sender = sender.clone();
                    async move {
                        let answer = sender.lock().await.send_request(req).await;
                        Ok::<_, Infallible>(match answer {
                            Ok(answer) => answer.map(http_body_util::Either::Left),
                            Err(_) => {
                                let mut bad = Response::new(http_body_util::Either::Right(
                                    http_body_util::Empty::new(),
                                ));
                                *bad.status_mut() = StatusCode::BAD_GATEWAY;
                                bad
                            }
                        })
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    })
}

/// One upstream connection, its driver spawned.
async fn connect(upstream: &str) -> anyhow::Result<client::SendRequest<Incoming>> {
    let stream = TcpStream::connect(upstream).await?;
    stream.set_nodelay(true)?;
    let (sender, connection) = client::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(connection);
    Ok(sender)
}
