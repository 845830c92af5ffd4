//! A test environment's mail catcher, read through its HTTP API, so that the suite checks on a
//! deployment what it checks on the mock's outbox: one fresh email per resend to the original
//! recipient, none for a dry run or a repeated key, and a new link each time.
//!
//! One adapter per catcher: [`MailboxKind::Maildev`] today (MailDev 3: `GET /api/email`). A
//! Mailpit adapter needs only another arm in [`Mailbox::messages`] (`GET /api/v1/messages`).

use std::time::Duration;

use serde::Deserialize;
use serde_json::Value;

/// Which catcher.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum MailboxKind {
    /// MailDev (`npm install maildev`), API on its web port.
    Maildev,
}

/// `[mailbox]` of a profile.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailboxConfig {
    /// Which catcher.
    pub kind: MailboxKind,
    /// Its HTTP API's base URL, such as `http://127.0.0.1:1080`.
    pub url: String,
    /// How long an email may take to arrive, and how long a case waits before it concludes
    /// that none came (default 3 s).
    #[serde(default)]
    pub wait_seconds: Option<u64>,
}

/// One caught email: its recipients and its text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mail {
    /// The catcher's id of the email.
    pub id: String,
    /// Recipient addresses, lower-cased.
    pub to: Vec<String>,
    /// The text body.
    pub text: String,
}

impl Mail {
    /// The first link in the text: the invitation link a resend must renew.
    pub fn link(&self) -> Option<&str> {
        self.text
            .split_whitespace()
            .find(|w| w.starts_with("https://") || w.starts_with("http://"))
    }
}

/// A catcher's API.
#[derive(Clone, Debug)]
pub struct Mailbox {
    config: MailboxConfig,
    http: reqwest::Client,
}

impl Mailbox {
    /// A client for `config`.
    pub fn new(config: MailboxConfig) -> Mailbox {
        Mailbox {
            config,
            http: invitations_sdk::http::reqwest_builder()
                .build()
                .expect("a plain reqwest client builds"),
        }
    }

    /// How long to wait for an email.
    pub fn wait(&self) -> Duration {
        Duration::from_secs(self.config.wait_seconds.unwrap_or(3))
    }

    /// Every caught email.
    pub async fn messages(&self) -> Result<Vec<Mail>, String> {
        let url = match self.config.kind {
            MailboxKind::Maildev => format!("{}/api/email", self.config.url.trim_end_matches('/')),
        };
        let body: Value = self
            .http
            .get(&url)
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(|err| format!("mailbox {url}: {err}"))?
            .json()
            .await
            .map_err(|err| format!("mailbox {url}: not JSON: {err}"))?;
        let list = body
            .as_array()
            .ok_or_else(|| format!("mailbox {url}: expected a list of emails"))?;
        Ok(list.iter().map(maildev_mail).collect())
    }

    /// The emails to `address` (case-insensitive), oldest first.
    pub async fn to(&self, address: &str) -> Result<Vec<Mail>, String> {
        let address = address.to_lowercase();
        Ok(self
            .messages()
            .await?
            .into_iter()
            .filter(|m| m.to.contains(&address))
            .collect())
    }

    /// Waits until `address` has `count` emails (failing if more came or none in time), and
    /// returns them.
    pub async fn expect_count(&self, address: &str, count: usize) -> Result<Vec<Mail>, String> {
        let deadline = tokio::time::Instant::now() + self.wait();
        loop {
            let mails = self.to(address).await?;
            if mails.len() > count {
                return Err(format!(
                    "{} emails reached the recipient, expected {count}",
                    mails.len()
                ));
            }
            if mails.len() == count {
                return Ok(mails);
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(format!(
                    "{} emails reached the recipient within {:?}, expected {count}",
                    mails.len(),
                    self.wait()
                ));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits the full delay, then expects still exactly `count` emails to `address`.
    pub async fn expect_no_more(&self, address: &str, count: usize) -> Result<(), String> {
        tokio::time::sleep(self.wait()).await;
        let now = self.to(address).await?.len();
        if now == count {
            Ok(())
        } else {
            Err(format!(
                "{now} emails reached the recipient, expected still {count}"
            ))
        }
    }
}

fn maildev_mail(value: &Value) -> Mail {
    Mail {
        id: value["id"].as_str().unwrap_or_default().to_owned(),
        to: value["to"]
            .as_array()
            .map(|list| {
                list.iter()
                    .filter_map(|r| r["address"].as_str())
                    .map(str::to_lowercase)
                    .collect()
            })
            .unwrap_or_default(),
        text: value["text"].as_str().unwrap_or_default().to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_maildev_emails_and_their_link() {
        let mail = maildev_mail(&serde_json::json!({"id": "a1",
            "to": [{"address": "Ada@Example.com", "name": ""}],
            "text": "Accept:\nhttps://x.example/accept?token=t1\n"}));
        assert_eq!(mail.to, vec!["ada@example.com"]);
        assert_eq!(mail.link(), Some("https://x.example/accept?token=t1"));
    }
}
