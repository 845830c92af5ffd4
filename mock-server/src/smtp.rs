//! Delivery of the outbox by SMTP (`invitations-mock --smtp HOST:PORT`): every email the mock
//! sends also goes to a mail catcher (MailDev, Mailpit, MailHog), so that the standalone mock
//! plus a catcher is the same setup as a staging deployment plus a catcher.
//!
//! Plain SMTP without TLS or authentication: the relay is a local test catcher.

use std::time::Duration;

use lettre::message::{header::ContentType, Mailbox};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

/// An email as [`Render`] builds it (lettre's), for callers that word their own.
pub use lettre::Message;

use crate::core::SentEmail;
use crate::handle::MockHandle;

/// The sender of every email.
pub const FROM: &str = "Invitations mock <no-reply@invitations-mock.example>";
/// The accept link; the token is its query.
pub const ACCEPT_URL: &str = "https://invitations-mock.example/accept";

/// How often the outbox is looked at.
const POLL: Duration = Duration::from_millis(50);

/// How [`message`] words an email: the accept link on a line of its own and, on the next,
/// the expiry in RFC 3339 (UTC, whole seconds). The contract suite's `[mailbox]` defaults
/// read exactly this (`contract-tests/src/mailbox.rs`); a deployment whose emails read
/// otherwise names its own patterns in its profile.
pub const EXPIRES_PREFIX: &str = "This link expires at ";

/// The email for `sent`: the recipient, a subject, and a text body with the accept link and
/// when it expires (the invitation's lifetime after the send).
pub fn message(sent: &SentEmail) -> Result<Message, String> {
    let expires = sent.sent_at + chrono::Duration::hours(crate::core::INVITATION_LIFETIME_HOURS);
    email(
        sent,
        "Your invitation",
        format!(
            "You were invited. Accept the invitation within {} hours:\n{ACCEPT_URL}?token={}\n\
             {EXPIRES_PREFIX}{}.\n",
            crate::core::INVITATION_LIFETIME_HOURS,
            sent.token,
            expires.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        ),
    )
}

/// A plain-text email from [`FROM`] to `sent`'s recipient: the one way an email is built, for
/// [`message`] and for a caller that words its own (a test's stand-in deployment).
pub fn email(sent: &SentEmail, subject: &str, text: String) -> Result<Message, String> {
    let to: Mailbox = sent
        .to
        .parse()
        .map_err(|err| format!("recipient is not an address: {err}"))?;
    Message::builder()
        .from(FROM.parse().map_err(|err| format!("{err}"))?)
        .to(to)
        .subject(subject)
        .header(ContentType::TEXT_PLAIN)
        .body(text)
        .map_err(|err| format!("cannot build the email: {err}"))
}

/// Builds the email for one sent invitation.
pub type Render = fn(&SentEmail) -> Result<Message, String>;

/// Forwards every email the mock sends from now on to the SMTP relay `host:port`, in order,
/// worded by [`message`]. Runs until the runtime stops; a delivery that fails is logged
/// (without the token) and not retried.
pub fn spawn_delivery(handle: MockHandle, host: String, port: u16) -> tokio::task::JoinHandle<()> {
    spawn_delivery_with(handle, host, port, message)
}

/// [`spawn_delivery`] with the emails worded by `render`.
pub fn spawn_delivery_with(
    handle: MockHandle,
    host: String,
    port: u16,
    render: Render,
) -> tokio::task::JoinHandle<()> {
    let transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
        .port(port)
        .build();
    tokio::spawn(async move {
        let mut delivered = handle.outbox_total();
        loop {
            tokio::time::sleep(POLL).await;
            let total = handle.outbox_total();
            if total < delivered {
                // The admin API reset the mock.
                delivered = total;
            }
            if total == delivered {
                continue;
            }
            let outbox = handle.outbox();
            let new = usize::try_from(total - delivered).unwrap_or(usize::MAX);
            let start = outbox.len().saturating_sub(new);
            for sent in &outbox[start..] {
                let result = match render(sent) {
                    Ok(email) => transport
                        .send(email)
                        .await
                        .map(drop)
                        .map_err(|e| e.to_string()),
                    Err(why) => Err(why),
                };
                if let Err(why) = result {
                    tracing::warn!(
                        invitation = sent.invitation_id,
                        "SMTP delivery failed: {why}"
                    );
                }
            }
            delivered = total;
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_email_carries_the_link_to_the_recipient() {
        let sent = SentEmail {
            to: "ada@example.com".into(),
            invitation_id: 9001,
            tenant_id: 1024,
            token: "tok-123".into(),
            sent_at: chrono::Utc::now(),
        };
        let text = String::from_utf8(message(&sent).unwrap().formatted()).unwrap();
        assert!(text.contains("To: ada@example.com"), "{text}");
        assert!(text.contains("accept?token=tok-123"), "{text}");
        let expires = sent.sent_at + chrono::Duration::hours(48);
        let line = format!(
            "{EXPIRES_PREFIX}{}.",
            expires.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        );
        assert!(text.contains(&line), "{line} in {text}");
    }
}
