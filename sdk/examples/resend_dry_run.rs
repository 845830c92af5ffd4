//! Preview a resend, then resend for real.
//!
//! ```sh
//! cargo run -p invitations-sdk --example resend_dry_run -- 9003          # preview only
//! cargo run -p invitations-sdk --example resend_dry_run -- 9003 --send   # then resend
//! ```
//!
//! A dry run (`dryRun=true`) validates the request and answers exactly as a real resend
//! would, but changes nothing and sends no email: a safe way to check an id and a key
//! before a resend that emails a person.

mod support;

use invitations_sdk::types::ResendInviteResponse;
use invitations_sdk::{Client, Error};

#[tokio::main]
async fn main() -> support::Outcome {
    let (client, _mock) = support::client().await?;
    run(&client, support::args()).await
}

/// The program: `[ID] [--send]` (default id `9003`, preview only).
pub async fn run(client: &Client, mut args: impl Iterator<Item = String>) -> support::Outcome {
    let id = args.next().unwrap_or_else(|| "9003".to_owned());
    let send = args.any(|arg| arg == "--send");
    let outcome = preview_then_resend(client, &id, send).await?;
    println!("dry run: {}", outcome.preview.message);
    match outcome.sent {
        Some(sent) => println!("resent invite {}: {}", sent.invite_id, sent.message),
        None => println!("nothing sent; add --send to resend invite {id}"),
    }
    Ok(())
}

/// What [`preview_then_resend`] got back.
pub struct Outcome {
    /// The dry run's answer: what a real resend would say.
    pub preview: ResendInviteResponse,
    /// The real resend's answer, when one was sent.
    pub sent: Option<ResendInviteResponse>,
}

/// Resends invite `id` as a dry run, and for real only when `send` is set and the dry run
/// passed (a dry run that fails, say with 404, stops here with its error).
pub async fn preview_then_resend(client: &Client, id: &str, send: bool) -> Result<Outcome, Error> {
    let preview = client.resend_invite(id).dry_run(true).send().await?;
    let sent = if send {
        Some(client.resend_invite(id).send().await?)
    } else {
        None
    };
    Ok(Outcome { preview, sent })
}
