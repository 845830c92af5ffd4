//! `invitations-mock`: the reference mock of the Invitations API as a standalone server.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use invitations_mock::core::Variant;
use invitations_mock::server::{banner, Server};
use invitations_mock::{Clock, Core, CoreConfig, Fixture, MockHandle};

/// Reference mock of the Invitations API (tenant admin and IAM surfaces, plus /__admin/).
///
/// With no arguments it serves the built-in default fixture on http://127.0.0.1:8080.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
    /// Port to listen on; 0 picks a free one (the banner prints it).
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// Fixture file (JSON) to serve instead of the built-in default; see
    /// mock-server/fixtures/default.json for the format.
    #[arg(long, value_name = "FILE")]
    fixture: Option<PathBuf>,
    /// Serve /__admin/ to peers that are not on loopback (they get 403 otherwise).
    #[arg(long)]
    admin_from_anywhere: bool,
    /// Print the fixture (the built-in default, or --fixture FILE) as JSON and exit: a
    /// starting point for a fixture of your own.
    #[arg(long)]
    print_fixture: bool,
    /// No line per request: log warnings and errors only. `RUST_LOG`, when set, decides
    /// instead (e.g. `RUST_LOG=debug`).
    #[arg(long, short, global = true)]
    quiet: bool,
    /// Answer as a second conforming implementation would (only required fields, 403 before
    /// 400 for an unmanaged tenant, a 16 MiB body limit, other wording): the contract suite's
    /// portability check.
    #[arg(long)]
    alternative: bool,
    /// Also deliver every email by SMTP to this relay, such as a MailDev or Mailpit catcher
    /// on 127.0.0.1:1025 (plain SMTP, no TLS).
    #[arg(long, value_name = "HOST:PORT")]
    smtp: Option<String>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Validating proxy: forward to --upstream and check every exchange against the spec.
    Proxy(invitations_mock::proxy::cli::ProxyArgs),
}

fn main() -> ExitCode {
    let args = Args::parse();
    // Flushes the batched log when main returns, on every exit path below.
    let _log = invitations_mock::log::init(args.quiet);
    if let Some(Command::Proxy(proxy)) = args.command {
        return invitations_mock::proxy::cli::run(proxy);
    }

    let fixture = match &args.fixture {
        Some(path) => match Fixture::from_file(path) {
            Ok(fixture) => fixture,
            Err(err) => {
                eprintln!("invitations-mock: {err}");
                return ExitCode::from(2);
            }
        },
        None => Fixture::default(),
    };
    if args.print_fixture {
        println!("{}", fixture.to_json());
        return ExitCode::SUCCESS;
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("invitations-mock: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(run(args, fixture))
}

async fn run(args: Args, fixture: Fixture) -> ExitCode {
    let variant = if args.alternative {
        Variant::Alternative
    } else {
        Variant::Reference
    };
    let config = CoreConfig {
        admin_from_anywhere: args.admin_from_anywhere,
        ..CoreConfig::for_variant(variant)
    };
    let handle = MockHandle::from_core(Core::with_config(fixture.clone(), config, Clock::system()));
    if let Some(relay) = &args.smtp {
        let Some((host, port)) = relay
            .rsplit_once(':')
            .and_then(|(h, p)| Some((h.to_owned(), p.parse::<u16>().ok()?)))
        else {
            eprintln!(
                "invitations-mock: --smtp takes HOST:PORT, such as 127.0.0.1:1025; got {relay:?}"
            );
            return ExitCode::from(2);
        };
        invitations_mock::smtp::spawn_delivery(handle.clone(), host, port);
    }
    let addr = SocketAddr::new(args.host, args.port);
    let server = match Server::bind(addr, handle).await {
        Ok(server) => server,
        Err(err) => {
            eprintln!(
                "invitations-mock: cannot listen on {addr}: {err}. \
                 Pass --port 0 to pick a free port, or choose another --port/--host."
            );
            return ExitCode::FAILURE;
        }
    };
    print!(
        "{}",
        banner(&fixture, &server.base_url(), args.admin_from_anywhere)
    );
    let _ = std::io::Write::flush(&mut std::io::stdout());
    match server
        .run(invitations_mock::server::shutdown_signal())
        .await
    {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("invitations-mock: server error: {err}");
            ExitCode::FAILURE
        }
    }
}
