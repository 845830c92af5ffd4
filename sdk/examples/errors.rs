//! Every kind of [`Error`], and what to do about each.
//!
//! ```sh
//! cargo run -p invitations-sdk --example errors
//! ```
//!
//! It provokes the failures that change nothing on the server (an unknown address, an
//! unknown invite, an invalid argument, a wrong key, a server that is not there) and prints
//! how [`classify`] reads each. [`Error`] is `#[non_exhaustive]`: match on its predicates
//! (`is_not_found`, `is_retryable`, ...) and keep a fallback arm.

mod support;

use std::fmt;

use invitations_sdk::{Client, Error};

#[tokio::main]
async fn main() -> support::Outcome {
    let (client, _mock) = support::client().await?;
    run(&client, support::args()).await
}

/// The program (no arguments).
pub async fn run(client: &Client, _args: impl Iterator<Item = String>) -> support::Outcome {
    let wrong_key = Client::builder()
        .base_url(client.base_url())
        .api_key("not-a-key")
        .build()?;
    // Port 9 (discard) on loopback: nothing listens there on a normal machine.
    let nowhere = Client::builder()
        .base_url("http://127.0.0.1:9")
        .api_key("any-key")
        .retry(invitations_sdk::RetryPolicy::none())
        .build()?;
    let failures = [
        (
            "lookup of an address with no invitation",
            client.invitation_by_email("nobody@example.com").await.err(),
        ),
        (
            "resend of an unknown invite",
            client.resend_invite(999_999).send().await.err(),
        ),
        (
            "resend of invite id 0",
            client.resend_invitation(1024, 0).await.err(),
        ),
        (
            "lookup with an unknown API key",
            wrong_key.invitation_by_email("ada@example.com").await.err(),
        ),
        (
            "lookup on a server that is not there",
            nowhere.invitation_by_email("ada@example.com").await.err(),
        ),
    ];
    for (what, failure) in failures {
        match failure {
            Some(err) => {
                let kind = classify(&err);
                println!("{what}: {err}\n  -> {kind:?}: {kind}");
            }
            None => println!("{what}: succeeded (the target's data differs from the fixture)"),
        }
    }
    Ok(())
}

/// What a caller does about a failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// 404: no such invitation, or one the key may not see.
    NotFound,
    /// 400 `InvitationNotPending` from the tenant resend.
    NotPending,
    /// 401: the key is missing or unknown.
    Unauthorized,
    /// 403: the key lacks `usersManager`, or does not manage the tenant.
    Forbidden,
    /// 422: the `Idempotency-Key` was used for another request.
    KeyReused,
    /// 409: a request with the same `Idempotency-Key` is still running.
    KeyInFlight,
    /// 429, 502, 503, 504 or a connection failure, after the SDK's own retries.
    Transient,
    /// No answer in time: the request may have been processed.
    Timeout,
    /// The answer does not match the API description.
    Decode,
    /// An argument the SDK refused before sending anything.
    InvalidArgument,
    /// Any other answer (such as 400 `ValidationError` or 500), or a kind added later.
    Other,
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kind::NotFound => "nothing to do: tell the user there is no such invitation",
            Kind::NotPending => "use the IAM resend (`resend_invite`), which reactivates it",
            Kind::Unauthorized => "check INVITATIONS_API_KEY",
            Kind::Forbidden => "use a key with `usersManager` that manages this tenant",
            Kind::KeyReused => "use a new Idempotency-Key for a different request",
            Kind::KeyInFlight => "wait, then repeat with the same Idempotency-Key",
            Kind::Transient => "try again later (the SDK retried already)",
            Kind::Timeout => "look the invitation up before trying again: it may have been resent",
            Kind::Decode => "report it: the server does not answer as documented",
            Kind::InvalidArgument => "fix the argument; nothing was sent",
            Kind::Other => "show the message; nothing more to do automatically",
        })
    }
}

/// Reads an [`Error`] as one [`Kind`]. The order matters where two predicates hold: a 400
/// `InvitationNotPending` is not just any 400.
pub fn classify(err: &Error) -> Kind {
    if err.is_not_found() {
        Kind::NotFound
    } else if err.is_not_pending() {
        Kind::NotPending
    } else if err.is_unauthorized() {
        Kind::Unauthorized
    } else if err.is_forbidden() {
        Kind::Forbidden
    } else if err.is_idempotency_key_reused() {
        Kind::KeyReused
    } else if err.is_idempotency_key_in_flight() {
        Kind::KeyInFlight
    } else if err.is_retryable() {
        Kind::Transient
    } else if err.is_timeout() {
        Kind::Timeout
    } else if err.is_decode() {
        Kind::Decode
    } else if matches!(err, Error::InvalidArgument { .. }) {
        Kind::InvalidArgument
    } else {
        Kind::Other
    }
}
