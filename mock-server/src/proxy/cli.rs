//! The `invitations-mock proxy` subcommand.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use super::config::{ProxyConfig, ProxyError};
use super::transport::ProxyServer;

/// Forward every request to a deployment and check each exchange against
/// openapi/invitations.yaml; violations at /__admin/violations, counts at /__admin/health.
///
/// Example: `invitations-mock proxy --upstream https://api.example.com --port 8081`
#[derive(Debug, clap::Args)]
pub struct ProxyArgs {
    /// Base URL of the deployment to forward to (http:// or https://).
    #[arg(long, value_name = "URL")]
    pub upstream: String,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: IpAddr,
    /// Port to listen on; 0 picks a free one (printed on start).
    #[arg(long, default_value_t = 8081)]
    pub port: u16,
    /// Answer an exchange that breaks the contract with a 502 naming the problem instead of
    /// the upstream's answer (for CI).
    #[arg(long)]
    pub fail_on_violation: bool,
    /// Also count requests outside the contract as violations when the upstream refused them
    /// as documented (to check an application's own calls).
    #[arg(long)]
    pub strict_requests: bool,
    /// Write every invitation seen in a valid answer to FILE, as a fixture for
    /// `invitations-mock --fixture FILE` (made-up keys; keys seen are never written).
    #[arg(long, value_name = "FILE")]
    pub record: Option<PathBuf>,
    /// Seconds the upstream gets to answer a request (past it: 504).
    #[arg(long, value_name = "SECONDS", default_value_t = 30.0, value_parser = seconds)]
    pub timeout: f64,
    /// Seconds to set up a connection to the upstream (past it: 502).
    #[arg(long, value_name = "SECONDS", default_value_t = 5.0, value_parser = seconds)]
    pub connect_timeout: f64,
}

fn seconds(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(s) if s.is_finite() && s > 0.0 && s <= 86_400.0 => Ok(s),
        _ => Err(format!(
            "{text:?} is not a number of seconds between 0 and 86400, such as 2.5"
        )),
    }
}

/// Runs the subcommand until Ctrl-C or SIGTERM. Exit status 2 for a bad upstream or record
/// file, 1 when the port cannot be bound. Runs on the caller's multi-threaded tokio runtime.
pub async fn run(args: ProxyArgs) -> ExitCode {
    let mut config = match ProxyConfig::new(&args.upstream) {
        Ok(config) => config,
        Err(err) => {
            eprintln!("invitations-mock proxy: {err}");
            return ExitCode::from(2);
        }
    };
    config.fail_on_violation = args.fail_on_violation;
    config.strict_requests = args.strict_requests;
    config.record = args.record.clone();
    config.timeout = Duration::from_secs_f64(args.timeout);
    config.connect_timeout = Duration::from_secs_f64(args.connect_timeout);
    let addr = SocketAddr::new(args.host, args.port);
    let server = match ProxyServer::bind(addr, config).await {
        Ok(server) => server,
        Err(err @ ProxyError::Bind { .. }) => {
            eprintln!("invitations-mock proxy: {err}");
            return ExitCode::FAILURE;
        }
        Err(err) => {
            eprintln!("invitations-mock proxy: {err}");
            return ExitCode::from(2);
        }
    };
    print!("{}", banner(&server, &args));
    let _ = std::io::Write::flush(&mut std::io::stdout());
    match server.run(crate::server::shutdown_signal()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("invitations-mock proxy: server error: {err}");
            ExitCode::FAILURE
        }
    }
}

fn banner(server: &ProxyServer, args: &ProxyArgs) -> String {
    let base = server.base_url();
    let mut out = format!(
        "invitations-mock proxy {}\nBase URL: {base}\nUpstream: {}\n",
        env!("CARGO_PKG_VERSION"),
        server.upstream()
    );
    out.push_str(&format!(
        "Checks every exchange against openapi/invitations.yaml{}{}.\n",
        if args.fail_on_violation {
            "; a violating answer becomes a 502"
        } else {
            ""
        },
        if args.strict_requests {
            "; requests outside the contract count as violations"
        } else {
            ""
        }
    ));
    out.push_str(&format!("Violations: {base}/__admin/violations\n"));
    out.push_str(&format!("Counts:     {base}/__admin/health\n"));
    if let Some(file) = &args.record {
        out.push_str(&format!(
            "Recording invitations to {} (serve them: invitations-mock --fixture {})\n",
            file.display(),
            file.display()
        ));
    }
    out
}
