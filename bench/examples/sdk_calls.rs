//! Runs one SDK-bench variant N times, for counting instructions per call with callgrind:
//!
//! ```sh
//! cargo build --release -p invitations-bench --example sdk_calls
//! for n in 1000 2000; do
//!   valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.sdk.$n \
//!     target/release/examples/sdk_calls sdk $n
//! done
//! # instructions per call = (Ir at 2000 - Ir at 1000) / 1000: setup and warm-up cancel out
//! ```
//!
//! Variants: `sdk`, `generated`, `raw_reqwest`, `raw_reqwest_sdk_config` (see
//! `benches/sdk.rs`). Client and in-process server share one thread, as in the criterion
//! bench, so a count is the client's and the server's work for one call.

#[path = "../benches/calls/mod.rs"]
mod calls;

fn main() {
    let mut args = std::env::args().skip(1);
    let usage = "usage: sdk_calls <variant> <calls>";
    let variant = args.next().expect(usage);
    let n: u64 = args.next().and_then(|n| n.parse().ok()).expect(usage);
    let (rt, base) = calls::runtime_and_server();
    // Builds every client and makes one call of each variant (connections open, code warm).
    let clients = calls::Clients::new(&rt, &base);
    rt.block_on(async {
        for _ in 0..n {
            std::hint::black_box(clients.call(&variant).await);
        }
    });
}
