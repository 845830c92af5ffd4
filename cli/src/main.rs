//! `invitations`: the command line of the Invitations API, on `invitations-sdk`.
//!
//! Exit codes: 0 success; 1 the API refused or the call failed (the message on stderr);
//! 2 usage error.

use std::process::ExitCode;

use clap::error::ErrorKind;
use clap::{CommandFactory, Parser, Subcommand, ValueEnum};
use invitations_sdk::{types, Client, Error};
use serde::Serialize;

const EXIT_FAILED: u8 = 1;
const EXIT_USAGE: u8 = 2;

#[derive(Debug, Parser)]
#[command(
    name = "invitations",
    version,
    about = "Manage user invitations: resend them and look them up",
    after_help = "Examples:\n  \
        export INVITATIONS_BASE_URL=https://api.example.com INVITATIONS_API_KEY=...\n  \
        invitations invitation-by-email ada@example.com\n  \
        invitations resend-invitation --tenant 1024 9001\n  \
        invitations resend-invite 9003 --dry-run\n\n\
        Exit codes: 0 success, 1 the API refused or the call failed, 2 usage error."
)]
struct Cli {
    /// Base URL of the API
    #[arg(long, global = true, env = "INVITATIONS_BASE_URL", value_name = "URL")]
    base_url: Option<String>,

    /// API key, sent as `Authorization: Bearer`. Prefer the environment variable: a
    /// command-line argument is visible to other users of the machine
    #[arg(
        long,
        global = true,
        env = "INVITATIONS_API_KEY",
        hide_env_values = true,
        value_name = "KEY"
    )]
    api_key: Option<String>,

    /// Output format: an aligned table for people, or the typed value as pretty JSON
    #[arg(long, global = true, value_enum, default_value_t = Output::Table, value_name = "FORMAT")]
    output: Output,

    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Output {
    Table,
    Json,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Resend an invite in any state (IAM surface)
    ///
    /// A cancelled, declined or expired invite becomes pending again. The invite gets a new
    /// link (earlier links stop working) valid for 48 hours, and one new email goes out.
    #[command(
        visible_alias = "resendinvite",
        after_help = "Examples:\n  \
            invitations resend-invite 9003 --dry-run\n  \
            invitations resend-invite 9003 --idempotency-key 6f1c2a9e-0d2b-4e53\n  \
            invitations resendinvite 9003 --output json"
    )]
    ResendInvite {
        /// The invite's ID
        id: String,
        /// Validate and show the response a resend would give, without changing anything or
        /// sending email
        #[arg(long)]
        dry_run: bool,
        /// Make repeats of this command safe: a repeat with the same key returns the first
        /// response and sends no second email (at most 255 characters)
        #[arg(long, value_name = "KEY")]
        idempotency_key: Option<String>,
    },

    /// Resend a pending invitation of a tenant (tenant admin surface)
    ///
    /// The invitation gets a new link (earlier links stop working) valid for 48 hours, and
    /// one new email goes out. Only a pending invitation can be resent here; use
    /// resend-invite for the other states.
    #[command(after_help = "Example:\n  invitations resend-invitation --tenant 1024 9001")]
    ResendInvitation {
        /// The tenant that owns the invitation
        #[arg(long, value_name = "ID", value_parser = clap::value_parser!(u64).range(1..))]
        tenant: u64,
        /// The invitation's ID
        #[arg(value_parser = clap::value_parser!(u64).range(1..))]
        invitation_id: u64,
    },

    /// Show the pending invitation sent to an email address
    ///
    /// Searched across the tenants the API key manages; the address is compared
    /// case-insensitively.
    #[command(
        after_help = "Example:\n  invitations invitation-by-email ada@example.com --output json"
    )]
    InvitationByEmail {
        /// The address the invitation was sent to
        email: String,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let Some(base_url) = cli.base_url.clone().filter(|url| !url.is_empty()) else {
        Cli::command()
            .error(
                ErrorKind::MissingRequiredArgument,
                "no base URL: pass --base-url <URL> or set INVITATIONS_BASE_URL",
            )
            .exit();
    };
    let mut builder = Client::builder().base_url(base_url);
    if let Some(key) = cli.api_key.as_ref().filter(|key| !key.is_empty()) {
        builder = builder.api_key(key);
    }
    let client = match builder.build() {
        Ok(client) => client,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: could not start the async runtime: {err}");
            return ExitCode::from(EXIT_FAILED);
        }
    };
    match runtime.block_on(run(&client, cli.command, cli.output)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            report(&err);
            ExitCode::from(EXIT_FAILED)
        }
    }
}

async fn run(client: &Client, command: Command, output: Output) -> Result<(), Error> {
    match command {
        Command::ResendInvite {
            id,
            dry_run,
            idempotency_key,
        } => {
            let mut request = client.resend_invite(id).dry_run(dry_run);
            if let Some(key) = idempotency_key {
                request = request.idempotency_key(key);
            }
            let response = request.send().await?;
            if dry_run {
                eprintln!("dry run: nothing was changed and no email was sent");
            }
            print(output, &response, || {
                table(
                    &["INVITE ID", "MESSAGE"],
                    &[vec![response.invite_id.clone(), response.message.clone()]],
                )
            });
        }
        Command::ResendInvitation {
            tenant,
            invitation_id,
        } => {
            let resent = client.resend_invitation(tenant, invitation_id).await?;
            print(output, &resent, || invitation_table(&resent));
        }
        Command::InvitationByEmail { email } => {
            let invitation = client.invitation_by_email(&email).await?;
            print(output, &invitation, || {
                invitation_table(std::slice::from_ref(&invitation))
            });
        }
    }
    Ok(())
}

fn print<T: Serialize>(output: Output, value: &T, table: impl FnOnce() -> String) {
    match output {
        Output::Json => match serde_json::to_string_pretty(value) {
            Ok(json) => println!("{json}"),
            Err(err) => eprintln!("error: could not print the result as JSON: {err}"),
        },
        Output::Table => print!("{}", table()),
    }
}

/// `error: <message>` on stderr, with the server's details and the causes of a transport
/// failure on the lines below.
fn report(err: &Error) {
    eprintln!("error: {err}");
    for line in err.info() {
        eprintln!("  {line}");
    }
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        eprintln!("  caused by: {cause}");
        source = cause.source();
    }
}

fn invitation_table(invitations: &[types::UserInvitationModel]) -> String {
    let time =
        |t: &chrono::DateTime<chrono::Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let rows: Vec<Vec<String>> = invitations
        .iter()
        .map(|i| {
            vec![
                i.id.to_string(),
                i.tenant_id
                    .map_or_else(|| "-".to_owned(), |t| t.to_string()),
                i.email.to_string(),
                i.status.to_string(),
                time(&i.created_at),
                i.expires_at.as_ref().map_or_else(|| "-".to_owned(), time),
            ]
        })
        .collect();
    table(
        &["ID", "TENANT", "EMAIL", "STATUS", "CREATED", "EXPIRES"],
        &rows,
    )
}

/// Columns aligned on the widest cell, two spaces apart, no trailing spaces.
fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let header_row: Vec<String> = headers.iter().map(|h| h.to_string()).collect();
    for row in std::iter::once(&header_row).chain(rows) {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            if i > 0 {
                line.push_str("  ");
            }
            line.push_str(cell);
            let pad = widths[i].saturating_sub(cell.chars().count());
            line.extend(std::iter::repeat_n(' ', pad));
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_definition_is_valid() {
        Cli::command().debug_assert();
    }

    #[test]
    fn table_aligns_columns_without_trailing_spaces() {
        let text = table(
            &["ID", "EMAIL"],
            &[
                vec!["9001".into(), "ada@example.com".into()],
                vec!["7".into(), "b@c.d".into()],
            ],
        );
        assert_eq!(text, "ID    EMAIL\n9001  ada@example.com\n7     b@c.d\n");
    }
}
