//! Look up the pending invitation sent to an address.
//!
//! ```sh
//! cargo run -p invitations-sdk --example lookup -- ada@example.com
//! ```
//!
//! "No pending invitation for this address" is an answer, not a failure: the API says 404,
//! and [`lookup`] turns it into `None`. Every other error is the caller's problem.

mod support;

use invitations_sdk::types::UserInvitationModel;
use invitations_sdk::{Client, Error};

#[tokio::main]
async fn main() -> support::Outcome {
    let (client, _mock) = support::client().await?;
    run(&client, support::args()).await
}

/// The program: `[EMAIL]` (default `ada@example.com`).
pub async fn run(client: &Client, mut args: impl Iterator<Item = String>) -> support::Outcome {
    let email = args.next().unwrap_or_else(|| "ada@example.com".to_owned());
    match lookup(client, &email).await? {
        Some(invitation) => println!(
            "invitation {} to {} is {} (expires {})",
            invitation.id.get(),
            invitation.email.as_str(),
            invitation.status,
            invitation
                .expires_at
                .map_or_else(|| "never".to_owned(), |at| at.to_rfc3339())
        ),
        None => println!("no pending invitation was sent to {email}"),
    }
    Ok(())
}

/// The pending invitation sent to `email` (compared case-insensitively), or `None` when
/// there is none the key may see.
pub async fn lookup(client: &Client, email: &str) -> Result<Option<UserInvitationModel>, Error> {
    match client.invitation_by_email(email).await {
        Ok(invitation) => Ok(Some(invitation)),
        Err(err) if err.is_not_found() => Ok(None),
        Err(err) => Err(err),
    }
}
