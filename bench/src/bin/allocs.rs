//! `allocs [--requests N]`: heap allocations per request of the mock, per operation.
//!
//! A counting global allocator counts `alloc` and `realloc` calls made on the threads of
//! interest only:
//!
//! - **server**: the mock's hyper server (`invitations_mock::server`) on its own
//!   multi-threaded runtime, with the binary's request log on (`invitations_mock::log`, to
//!   this process's stderr), whose worker threads are the only counted ones: parsing, the
//!   core, the log line and writing the answer, as the `invitations-mock` binary does them.
//!   The client runs on the main thread, uncounted, over one keep-alive connection.
//! - **core**: `Core::handle` alone, called in a loop on a counted thread with requests
//!   built beforehand.
//!
//! Each figure is the count over N requests after a warm-up, divided by N. Prints one JSON
//! object per operation on stdout.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::{bail, Context, Result};
use bytes::Bytes;
use clap::Parser;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use invitations_bench::{API_KEY, PENDING_EMAIL, PENDING_ID};
use invitations_mock::core::Request as CoreRequest;
use invitations_mock::{Core, Fixture, MockHandle, Operation};

struct Counting;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

thread_local! {
    static COUNTED: Cell<bool> = const { Cell::new(false) };
}

fn count() {
    if COUNTED.try_with(Cell::get).unwrap_or(false) {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
    }
}

// SAFETY: every call is forwarded unchanged to the system allocator; counting touches only
// an atomic and a const-initialised thread-local, neither of which allocates.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count();
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[derive(Parser)]
#[command(name = "allocs", about = "Heap allocations per request of the mock")]
struct Args {
    /// Measured requests per operation (after as many warm-up requests).
    #[arg(long, default_value_t = 20_000)]
    requests: u64,
}

/// The operations measured, in the order printed.
const OPS: [Operation; 3] = [
    Operation::GetUserInvitationByEmail,
    Operation::ResendInvite,
    Operation::ResendInvitation,
];

/// The row label of an operation.
fn name(op: Operation) -> &'static str {
    match op {
        Operation::GetUserInvitationByEmail => "GET invitations_by_email",
        Operation::ResendInvite => "IAM resend (own Idempotency-Key)",
        Operation::ResendInvitation => "tenant resend",
    }
}

/// Method, target, body and headers of request number `i` of `op`.
fn parts(
    op: Operation,
    i: u64,
) -> (
    &'static str,
    String,
    &'static str,
    Vec<(&'static str, String)>,
) {
    let auth = ("authorization", format!("Bearer {API_KEY}"));
    let path = op
        .path()
        .replace("{tenantId}", "1024")
        .replace("{id}", &PENDING_ID.to_string());
    match op {
        Operation::GetUserInvitationByEmail => (
            op.method(),
            format!("{path}?email={PENDING_EMAIL}"),
            "",
            vec![auth, ("accept", "application/json".into())],
        ),
        Operation::ResendInvite => (
            op.method(),
            path,
            "{}",
            vec![
                auth,
                ("content-type", "application/json".into()),
                ("idempotency-key", format!("allocs-{i}")),
            ],
        ),
        Operation::ResendInvitation => (
            op.method(),
            format!("{path}?id={PENDING_ID}"),
            "",
            vec![auth],
        ),
    }
}

fn main() -> Result<()> {
    let args = Args::parse();
    // The binary's log, as users run it: one line per request, batched to stderr.
    let _log = invitations_mock::log::init(false);
    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .on_thread_start(|| COUNTED.with(|c| c.set(true)))
        .build()?;
    let addr = server_rt.block_on(async {
        let server = invitations_mock::server::Server::bind(
            "127.0.0.1:0".parse().expect("a socket address"),
            MockHandle::default(),
        )
        .await?;
        let addr = server.local_addr();
        tokio::spawn(server.run(std::future::pending()));
        anyhow::Ok(addr)
    })?;
    let client_rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    for op in OPS {
        let server = client_rt.block_on(server_allocs(addr, op, args.requests))?;
        let core = core_allocs(op, args.requests)?;
        println!(
            "{{\"operation\": \"{}\", \"server\": {server:.2}, \"core\": {core:.2}}}",
            name(op)
        );
    }
    Ok(())
}

async fn server_allocs(addr: std::net::SocketAddr, op: Operation, n: u64) -> Result<f64> {
    let stream = tokio::net::TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .context("HTTP/1.1 handshake with the mock")?;
    tokio::spawn(connection);
    for i in 0..n {
        send(&mut sender, op, i).await?;
    }
    let before = ALLOCATIONS.load(Ordering::SeqCst);
    for i in n..2 * n {
        send(&mut sender, op, i).await?;
    }
    let after = ALLOCATIONS.load(Ordering::SeqCst);
    Ok((after - before) as f64 / n as f64)
}

async fn send(sender: &mut SendRequest<Full<Bytes>>, op: Operation, i: u64) -> Result<()> {
    let (method, target, body, headers) = parts(op, i);
    let mut request = hyper::Request::builder()
        .method(method)
        .uri(target)
        .header("host", "127.0.0.1");
    for (name, value) in headers {
        request = request.header(name, value);
    }
    let request = request.body(Full::new(Bytes::from_static(body.as_bytes())))?;
    let response = sender.send_request(request).await?;
    let status = response.status();
    let _ = response.into_body().collect().await?;
    if !status.is_success() {
        bail!("{} answered {status}", name(op));
    }
    Ok(())
}

fn core_allocs(op: Operation, n: u64) -> Result<f64> {
    let build = |i: u64| {
        let (method, target, body, headers) = parts(op, i);
        let mut request = CoreRequest::new(method, target).body(body);
        for (name, value) in headers {
            request = request.header(name, value);
        }
        request
    };
    let warmup: Vec<CoreRequest> = (0..n).map(build).collect();
    let measured: Vec<CoreRequest> = (n..2 * n).map(build).collect();
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                let mut core = Core::new(Fixture::default());
                COUNTED.with(|c| c.set(true));
                for request in &warmup {
                    core.handle(request);
                }
                let before = ALLOCATIONS.load(Ordering::SeqCst);
                for request in &measured {
                    let status = core.handle(request).status;
                    if !(200..300).contains(&status) {
                        bail!("{} answered {status} in the core", name(op));
                    }
                }
                let after = ALLOCATIONS.load(Ordering::SeqCst);
                COUNTED.with(|c| c.set(false));
                Ok((after - before) as f64 / n as f64)
            })
            .join()
            .unwrap_or_else(|_| bail!("the core loop panicked"))
    })
}
