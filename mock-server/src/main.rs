//! `invitations-mock`: the reference mock of the Invitations API as a standalone server.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use invitations_mock::core::Variant;
use invitations_mock::core::USERS_MANAGER;
use invitations_mock::server::Server;
use invitations_mock::{Clock, Core, CoreConfig, Fixture, MockHandle};

/// Reference mock of the Invitations API (tenant admin and IAM surfaces, plus /__admin/).
///
/// With no arguments it serves the default fixture (mock-server/fixtures/default.json,
/// compiled in) on http://127.0.0.1:8080.
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
    /// Answer as a second conforming implementation would: the other choice wherever a
    /// DECISIONS row settles a silence (other error codes, keys ignored on dry runs, opaque
    /// ids of any length, 400 above its 100 000-byte body limit, looser email rules, only
    /// required fields, 403 before 400 for an unmanaged tenant, other wording). The contract
    /// suite must pass on it without `strict`, and fail exactly its decision cases with it.
    #[arg(long)]
    alternative: bool,
    /// Also deliver every email by SMTP to this relay, such as a MailDev or Mailpit catcher
    /// on 127.0.0.1:1025 (plain SMTP, no TLS). In a container, set it with the environment
    /// (`-e INVITATIONS_MOCK_SMTP=mailpit:1025`).
    #[arg(long, value_name = "HOST:PORT", env = "INVITATIONS_MOCK_SMTP")]
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
        return match runtime() {
            Ok(runtime) => runtime.block_on(invitations_mock::proxy::cli::run(proxy)),
            Err(code) => code,
        };
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
    match runtime() {
        Ok(runtime) => runtime.block_on(run(args, fixture)),
        Err(code) => code,
    }
}

/// The multi-threaded runtime the mock and the proxy serve on; without one, the error is
/// printed and the exit code says the start failed.
fn runtime() -> Result<tokio::runtime::Runtime, ExitCode> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|err| {
            eprintln!("invitations-mock: cannot start the async runtime: {err}");
            ExitCode::FAILURE
        })
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
        Ok(()) => {
            // The log's last line (written when main drops the log guard): whoever reads the
            // log, such as `cargo xtask image --test`, can tell a clean stop from a kill.
            tracing::info!("{STOPPED}");
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("invitations-mock: server error: {err}");
            ExitCode::FAILURE
        }
    }
}

/// What the server logs last when it stopped on Ctrl-C or SIGTERM.
const STOPPED: &str = "invitations-mock stopped";

/// The text the binary prints on start: base URL, keys and what each can do, and a curl
/// line that works against `base_url`.
fn banner(fixture: &Fixture, base_url: &str, admin_from_anywhere: bool) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = writeln!(out, "invitations-mock {}", env!("CARGO_PKG_VERSION"));
    let _ = writeln!(out, "Base URL: {base_url}");
    let _ = writeln!(out, "API keys (send as `Authorization: Bearer <key>`):");
    let width = fixture
        .api_keys
        .iter()
        .map(|k| k.key.len())
        .max()
        .unwrap_or(0);
    for key in &fixture.api_keys {
        let manager = key.permissions.iter().any(|p| p == USERS_MANAGER);
        let tenants: Vec<String> = key
            .tenants
            .iter()
            .map(|id| match fixture.tenants.iter().find(|t| t.id == *id) {
                Some(t) => format!("{id} ({})", t.name),
                None => id.to_string(),
            })
            .collect();
        let can = if manager {
            "usersManager: resend and look up invitations"
        } else {
            "no usersManager: every operation answers 403"
        };
        let tenants = if tenants.is_empty() {
            "no tenants".to_owned()
        } else {
            format!("tenants {}", tenants.join(", "))
        };
        let _ = writeln!(out, "  {:width$}  {can}; {tenants}", key.key);
    }
    let admin = if admin_from_anywhere {
        "served to any peer"
    } else {
        "loopback peers only"
    };
    let _ = writeln!(out, "Admin API: {base_url}/__admin/ ({admin})");
    let _ = writeln!(out, "Try:");
    match fixture.example_lookup() {
        Some((key, email)) => {
            let _ = writeln!(
                out,
                "  curl -H 'Authorization: Bearer {key}' '{base_url}/tenant/admin/user/invitations_by_email?email={email}'"
            );
        }
        None => {
            let _ = writeln!(out, "  curl '{base_url}/__admin/invitations'");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn banner_lists_keys_and_a_working_curl_line() {
        let text = banner(&Fixture::default(), "http://127.0.0.1:8080", false);
        assert!(text.contains("Base URL: http://127.0.0.1:8080\n"), "{text}");
        assert!(text.contains(
            "curl -H 'Authorization: Bearer acme-manager-key' \
             'http://127.0.0.1:8080/tenant/admin/user/invitations_by_email?email=ada@example.com'"
        ));
        assert!(
            text.contains("acme-viewer-key     no usersManager"),
            "{text}"
        );
        assert!(text.contains("tenants 2048 (Globex)"), "{text}");
    }

    /// Containers set options through the environment (`cargo xtask image --test` checks that
    /// a malformed relay given this way is refused by the mock in its image).
    #[test]
    fn the_smtp_relay_can_come_from_the_environment() {
        let command = <Args as clap::CommandFactory>::command();
        let smtp = command
            .get_arguments()
            .find(|arg| arg.get_id() == "smtp")
            .unwrap();
        assert_eq!(
            smtp.get_env(),
            Some(std::ffi::OsStr::new("INVITATIONS_MOCK_SMTP"))
        );
    }
}
