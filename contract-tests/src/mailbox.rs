//! A test environment's mail catcher, read through its HTTP API, so that the suite checks on a
//! deployment what it checks on the mock's outbox: after every resend exactly one new email to
//! the original recipient, with a link unlike every earlier one and an expiry 48 hours after
//! the resend; none for a dry run or a repeated key.
//!
//! Where an email carries its link and its expiry is each deployment's own wording: the
//! profile's `[mailbox]` names them as regular expressions with one group (`link`, `expires`)
//! and the expiry's format (`expires_format`), defaulting to what the mock sends
//! (`invitations_mock::smtp::message`).
//!
//! One adapter per catcher: [`MailboxKind::Maildev`] today (MailDev 3: `GET /api/email`). A
//! Mailpit adapter needs only another arm in [`Mailbox::messages`] (`GET /api/v1/messages`).

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex, PoisonError};
use std::time::Duration;

use chrono::{DateTime, NaiveDateTime, Utc};
use regex::Regex;
use serde::Deserialize;
use serde_json::Value;

/// Which catcher.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum MailboxKind {
    /// MailDev (`npm install maildev`), API on its web port.
    Maildev,
}

/// The default `link` pattern: the first `http(s)://` URL of the text.
pub const DEFAULT_LINK: &str = r"(https?://\S+)";
/// The default `expires` pattern: the mock's line `This link expires at <RFC 3339>.`
pub const DEFAULT_EXPIRES: &str =
    r"expires at (\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2}))";

/// `[mailbox]` of a profile.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailboxConfig {
    /// Which catcher.
    pub kind: MailboxKind,
    /// Its HTTP API's base URL, such as `http://127.0.0.1:1080`.
    pub url: String,
    /// How long an email may take to arrive, and how long a case waits before it concludes
    /// that none came (default 10 s).
    #[serde(default)]
    pub wait_seconds: Option<u64>,
    /// Where the text carries the accept link: a regular expression whose first group is
    /// the link (default [`DEFAULT_LINK`]).
    #[serde(default)]
    pub link: Option<String>,
    /// Where the text carries the link's expiry: a regular expression whose first group is
    /// the time (default [`DEFAULT_EXPIRES`]). Set it to `""` for a deployment whose emails
    /// do not state one; the expiry is then not checked through the mailbox.
    #[serde(default)]
    pub expires: Option<String>,
    /// How the expiry reads: `rfc3339` (default), `rfc2822`, or a chrono format such as
    /// `%d %B %Y, %H:%M UTC` (read as UTC unless it has an offset, `%z`).
    #[serde(default)]
    pub expires_format: Option<String>,
    /// How far the expiry may be from 48 hours after the resend, for clock differences
    /// between the deployment and this machine (default 120 s).
    #[serde(default)]
    pub tolerance_seconds: Option<u64>,
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

/// How a deployment's emails read: the compiled `[mailbox]` patterns.
#[derive(Clone, Debug)]
pub struct MailFormat {
    link: Regex,
    expires: Option<Regex>,
    expires_format: String,
}

impl MailFormat {
    /// Compiles `config`'s patterns; a pattern without a group, or one that does not
    /// compile, is a profile error.
    pub fn new(config: &MailboxConfig) -> Result<MailFormat, String> {
        let compile = |field: &str, pattern: &str| {
            let regex = Regex::new(pattern)
                .map_err(|err| format!("[mailbox] {field} is not a regular expression: {err}"))?;
            if regex.captures_len() < 2 {
                return Err(format!(
                    "[mailbox] {field} = {pattern:?} has no group: put the {field} in (...)"
                ));
            }
            Ok(regex)
        };
        let link = compile("link", config.link.as_deref().unwrap_or(DEFAULT_LINK))?;
        let expires = match config.expires.as_deref().unwrap_or(DEFAULT_EXPIRES) {
            "" => None,
            pattern => Some(compile("expires", pattern)?),
        };
        let expires_format = config
            .expires_format
            .clone()
            .unwrap_or_else(|| "rfc3339".to_owned());
        Ok(MailFormat {
            link,
            expires,
            expires_format,
        })
    }

    /// The accept link in `mail`, if the `link` pattern finds one.
    pub fn link<'m>(&self, mail: &'m Mail) -> Option<&'m str> {
        Some(self.link.captures(&mail.text)?.get(1)?.as_str())
    }

    /// Whether the profile says where the expiry is.
    pub fn has_expiry(&self) -> bool {
        self.expires.is_some()
    }

    /// The expiry in `mail`: `Ok(None)` when the profile names no `expires` pattern, `Err`
    /// when the email does not carry one where the pattern says or it does not parse.
    pub fn expiry(&self, mail: &Mail) -> Result<Option<DateTime<Utc>>, String> {
        let Some(expires) = &self.expires else {
            return Ok(None);
        };
        let found = expires
            .captures(&mail.text)
            .and_then(|c| c.get(1))
            .ok_or_else(|| {
                format!(
                    "the email to {} carries no expiry where `expires` = {:?} looks",
                    mail.to.join(", "),
                    expires.as_str()
                )
            })?
            .as_str();
        parse_time(found, &self.expires_format)
            .map(Some)
            .map_err(|why| {
                format!(
                    "the email's expiry {found:?} is not `{}`: {why}",
                    self.expires_format
                )
            })
    }
}

/// Reads `text` as `format` (see [`MailboxConfig::expires_format`]).
fn parse_time(text: &str, format: &str) -> Result<DateTime<Utc>, String> {
    let parsed = match format {
        "rfc3339" => DateTime::parse_from_rfc3339(text).map(|t| t.to_utc()),
        "rfc2822" => DateTime::parse_from_rfc2822(text).map(|t| t.to_utc()),
        _ if format.contains("%z") || format.contains("%:z") => {
            DateTime::parse_from_str(text, format).map(|t| t.to_utc())
        }
        _ => NaiveDateTime::parse_from_str(text, format).map(|t| t.and_utc()),
    };
    parsed.map_err(|err| err.to_string())
}

/// A catcher's API, with the deployment's email format.
#[derive(Clone, Debug)]
pub struct Mailbox {
    config: MailboxConfig,
    format: MailFormat,
    http: reqwest::Client,
}

impl Mailbox {
    /// A client for `config`; its patterns must compile.
    pub fn new(config: MailboxConfig) -> Result<Mailbox, String> {
        Ok(Mailbox {
            format: MailFormat::new(&config)?,
            config,
            http: invitations_sdk::http::reqwest_builder()
                .timeout(Duration::from_secs(10))
                .build()
                .map_err(|err| format!("cannot build an HTTP client: {err}"))?,
        })
    }

    /// How the deployment's emails read.
    pub fn format(&self) -> &MailFormat {
        &self.format
    }

    /// The catcher's API URL, for messages.
    pub fn url(&self) -> &str {
        &self.config.url
    }

    /// How long to wait for an email.
    pub fn wait(&self) -> Duration {
        Duration::from_secs(self.config.wait_seconds.unwrap_or(10))
    }

    /// How far an expiry may be off.
    pub fn tolerance(&self) -> chrono::Duration {
        chrono::Duration::seconds(
            i64::try_from(self.config.tolerance_seconds.unwrap_or(120)).unwrap_or(i64::MAX),
        )
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
            .map_err(|err| format!("mailbox {url}: {}", crate::context::error_chain(&err)))?
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

    /// Waits until `address` has `count` emails (failing if more came, or fewer within
    /// [`Mailbox::wait`]), and returns them. With `settle`, it waits the whole delay even
    /// once they are there, so that an email that should not come is seen if it does.
    pub async fn expect_count(
        &self,
        address: &str,
        count: usize,
        settle: bool,
    ) -> Result<Vec<Mail>, String> {
        let deadline = tokio::time::Instant::now() + self.wait();
        loop {
            let mails = self.to(address).await?;
            let timed_out = tokio::time::Instant::now() >= deadline;
            if mails.len() > count {
                return Err(format!(
                    "{} emails reached {address}, expected {count}",
                    mails.len()
                ));
            }
            if mails.len() == count && !settle {
                return Ok(mails);
            }
            if timed_out {
                return if mails.len() == count {
                    Ok(mails)
                } else {
                    Err(format!(
                        "{} emails reached {address} within {:?}, expected {count} \
                         (the catcher is {}; `wait_seconds` in [mailbox] sets the wait)",
                        mails.len(),
                        self.wait(),
                        self.config.url
                    ))
                };
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// Per address, one case at a time between [`MailWatch::start`] and its check: on a shared
/// deployment several cases resend the same invitation, and counting its emails needs the
/// others to wait. (One suite process; under `cargo nextest`, which runs each case in its
/// own process, cases on one address can still meet.)
static ADDRESS_LOCKS: LazyLock<Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>> =
    LazyLock::new(Mutex::default);

/// The emails an address had before a resend, held until the emails after it are checked.
pub struct MailWatch {
    /// The recipient, lower-cased.
    pub address: String,
    /// Its emails before.
    pub before: Vec<Mail>,
    /// When the watch started: no resend it covers happened earlier.
    pub since: DateTime<Utc>,
    _turn: tokio::sync::OwnedMutexGuard<()>,
}

impl MailWatch {
    /// Waits for the address's turn, then reads its emails so far.
    pub async fn start(mailbox: &Mailbox, address: &str) -> Result<MailWatch, String> {
        let address = address.to_lowercase();
        let lock = ADDRESS_LOCKS
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(address.clone())
            .or_default()
            .clone();
        let turn = lock.lock_owned().await;
        let before = mailbox.to(&address).await?;
        Ok(MailWatch {
            address,
            before,
            since: Utc::now(),
            _turn: turn,
        })
    }

    /// Checks that exactly `count` emails came since [`MailWatch::start`] (for 0, waiting the
    /// whole [`Mailbox::wait`] for one that should not come), each with a link
    /// unlike every earlier one and (where the profile says where it is) an expiry 48 hours
    /// after a resend made since the watch started. Returns what it saw, for the report.
    pub async fn check(self, mailbox: &Mailbox, count: usize) -> Result<String, String> {
        let mails = mailbox
            .expect_count(&self.address, self.before.len() + count, count == 0)
            .await?;
        let until = Utc::now();
        let format = mailbox.format();
        let mut seen: Vec<&str> = self.before.iter().filter_map(|m| format.link(m)).collect();
        let ttl = chrono::Duration::hours(48);
        let tolerance = mailbox.tolerance();
        for mail in &mails[self.before.len()..] {
            let link = format.link(mail).ok_or_else(|| {
                format!(
                    "the email to {} carries no link where `link` = {:?} looks",
                    self.address,
                    format.link.as_str()
                )
            })?;
            if seen.contains(&link) {
                return Err(format!(
                    "the email to {} repeats an earlier link: a resend must send a new one",
                    self.address
                ));
            }
            seen.push(link);
            if let Some(expires) = format.expiry(mail)? {
                let (earliest, latest) = (self.since + ttl - tolerance, until + ttl + tolerance);
                if expires < earliest || expires > latest {
                    let at = |t: DateTime<Utc>| t.format("%Y-%m-%d %H:%M:%S UTC");
                    return Err(format!(
                        "the email to {} says the link expires at {}, expected 48 hours after \
                         the resend (between {} and {}, with `tolerance_seconds` {})",
                        self.address,
                        at(expires),
                        at(earliest),
                        at(latest),
                        tolerance.num_seconds()
                    ));
                }
            }
        }
        Ok(match (count, format.has_expiry()) {
            (0, _) => format!("mailbox: no email to {} (none expected)", self.address),
            (n, true) => format!(
                "mailbox: {n} email(s) to {}, each with a new link expiring 48 h after the resend",
                self.address
            ),
            (n, false) => format!(
                "mailbox: {n} email(s) to {}, each with a new link (the profile names no expiry pattern)",
                self.address
            ),
        })
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

    fn config(link: Option<&str>, expires: Option<&str>, format: Option<&str>) -> MailboxConfig {
        MailboxConfig {
            kind: MailboxKind::Maildev,
            url: "http://127.0.0.1:1".into(),
            wait_seconds: None,
            link: link.map(Into::into),
            expires: expires.map(Into::into),
            expires_format: format.map(Into::into),
            tolerance_seconds: None,
        }
    }

    fn mail(text: &str) -> Mail {
        maildev_mail(&serde_json::json!({"id": "a1",
            "to": [{"address": "Ada@Example.com", "name": ""}], "text": text}))
    }

    #[test]
    fn the_defaults_read_the_mocks_email() {
        let sent = invitations_mock::SentEmail {
            to: "ada@example.com".into(),
            invitation_id: 9001,
            tenant_id: 1024,
            token: "t1".into(),
            sent_at: "2024-03-15T12:30:00Z".parse().unwrap(),
        };
        let message = invitations_mock::smtp::message(&sent).unwrap();
        let text = String::from_utf8(message.formatted()).unwrap();
        let body = text.split_once("\r\n\r\n").unwrap().1.replace("\r\n", "\n");
        let format = MailFormat::new(&config(None, None, None)).unwrap();
        let caught = mail(&body);
        assert_eq!(caught.to, vec!["ada@example.com"]);
        assert_eq!(
            format.link(&caught),
            Some("https://invitations-mock.example/accept?token=t1")
        );
        assert_eq!(
            format.expiry(&caught).unwrap(),
            Some("2024-03-17T12:30:00Z".parse().unwrap())
        );
    }

    #[test]
    fn a_profile_names_another_wording() {
        let format = MailFormat::new(&config(
            Some(r"Join here: <(\S+)>"),
            Some(r"Valid until (.+?)\."),
            Some("%d %B %Y %H:%M UTC"),
        ))
        .unwrap();
        let caught = mail(
            "Hello!\nJoin here: <https://x.example/j/abc>\nValid until 17 March 2024 12:30 UTC.\n",
        );
        assert_eq!(format.link(&caught), Some("https://x.example/j/abc"));
        assert_eq!(
            format.expiry(&caught).unwrap(),
            Some("2024-03-17T12:30:00Z".parse().unwrap())
        );
        let rfc2822 =
            MailFormat::new(&config(None, Some(r"until (.+)$"), Some("rfc2822"))).unwrap();
        assert_eq!(
            rfc2822
                .expiry(&mail("until Sun, 17 Mar 2024 12:30:00 +0000"))
                .unwrap(),
            Some("2024-03-17T12:30:00Z".parse().unwrap())
        );
    }

    #[test]
    fn bad_patterns_and_missing_expiries_are_named() {
        let err = MailFormat::new(&config(Some("https://\\S+"), None, None)).unwrap_err();
        assert!(err.contains("link") && err.contains("no group"), "{err}");
        let err = MailFormat::new(&config(None, Some("(unclosed"), None)).unwrap_err();
        assert!(err.contains("expires"), "{err}");
        let format = MailFormat::new(&config(None, None, None)).unwrap();
        let err = format
            .expiry(&mail("no date here https://x.example"))
            .unwrap_err();
        assert!(
            err.contains("ada@example.com") && err.contains("no expiry"),
            "{err}"
        );
        let none = MailFormat::new(&config(None, Some(""), None)).unwrap();
        assert_eq!(none.expiry(&mail("whatever")).unwrap(), None);
        assert!(!none.has_expiry());
    }
}
