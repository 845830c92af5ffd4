//! `bare-hyper [--host 127.0.0.1] [--port 0]`: the baseline server of `cargo xtask bench`.
//!
//! A multi-threaded tokio runtime serving HTTP/1.1 with hyper 1, answering every request with
//! a fixed JSON body the size of the mock's by-email answer. Prints its base URL on stdout.

use std::io::Write;

use anyhow::Context;
use clap::Parser;

#[derive(Parser)]
#[command(
    name = "bare-hyper",
    about = "Fixed-body hyper server, the bench baseline"
)]
struct Args {
    /// Address to bind.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// Port to bind; 0 picks a free one.
    #[arg(long, default_value_t = 0)]
    port: u16,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind((args.host.as_str(), args.port))
            .await
            .with_context(|| format!("binding {}:{}", args.host, args.port))?;
        let addr = listener.local_addr()?;
        let mut out = std::io::stdout().lock();
        writeln!(out, "bare-hyper listening on http://{addr}")?;
        out.flush()?;
        drop(out);
        invitations_bench::bare::serve(listener, invitations_bench::BY_EMAIL_BODY.into()).await;
        Ok(())
    })
}
