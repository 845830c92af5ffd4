//! A resend that is safe to repeat, with an `Idempotency-Key`.
//!
//! ```sh
//! cargo run -p invitations-sdk --example idempotent_resend -- 9003 onboarding-job-42
//! ```
//!
//! The SDK already retries a resend that failed on the way (a 503, a dropped connection)
//! with one key per call, so its own retries never send a second email. A key of your own
//! goes further: derive it from the job that asks for the resend, and a repeat of that job
//! (after a timeout, a crash, a redelivered queue message) sends the same key. The server
//! then replays the first answer instead of resending. The same key with another request is
//! refused with 422, and a repeat that arrives while the first is still running with 409.

mod support;

use invitations_sdk::types::ResendInviteResponse;
use invitations_sdk::{Client, Error};

#[tokio::main]
async fn main() -> support::Outcome {
    let (client, _mock) = support::client().await?;
    run(&client, support::args()).await
}

/// The program: `[ID] [JOB]` (default `9003 onboarding-job-42`).
pub async fn run(client: &Client, mut args: impl Iterator<Item = String>) -> support::Outcome {
    let id = args.next().unwrap_or_else(|| "9003".to_owned());
    let job = args
        .next()
        .unwrap_or_else(|| "onboarding-job-42".to_owned());
    let first = resend_for_job(client, &id, &job).await?;
    println!("resent invite {}: {}", first.invite_id, first.message);
    // The job runs again (say its worker timed out): same key, so no second email.
    let repeat = resend_for_job(client, &id, &job).await?;
    println!(
        "repeat of {job}: {} (replayed, nothing resent)",
        repeat.message
    );
    Ok(())
}

/// The `Idempotency-Key` of the resend that `job` asks for: the same for every run of the
/// job, different for another job or another invite (at most 255 visible ASCII characters).
pub fn idempotency_key(id: &str, job: &str) -> String {
    format!("resend-{id}-{job}")
}

/// Resends invite `id` on behalf of `job`; running it again for the same job returns the
/// first answer and resends nothing.
pub async fn resend_for_job(
    client: &Client,
    id: &str,
    job: &str,
) -> Result<ResendInviteResponse, Error> {
    client
        .resend_invite(id)
        .idempotency_key(idempotency_key(id, job))
        .send()
        .await
}
