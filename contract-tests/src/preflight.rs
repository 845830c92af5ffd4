//! Before any case runs against a deployment: does the base URL answer, is each key of the
//! profile accepted, can the mailbox be read, and is every section of the profile of use to
//! some case. A run that cannot start says why in a few lines and exits 2, instead of failing
//! every case with the same transport error.

use std::time::Duration;

use crate::context::error_chain;
use crate::mailbox::Mailbox;
use crate::target::{
    Secret, TargetData, BASE_URL_ENV, MANAGER_KEY_ENV, OTHER_TENANT_KEY_ENV, VIEWER_KEY_ENV,
};

/// How long the preflight waits for one answer.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// An address nobody is invited with, for the read-only lookups.
const PROBE_ADDRESS: &str = "preflight@contract-tests.example.org";

/// Why a request never got an answer, in the words a person checks first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cause {
    /// The host name did not resolve.
    Dns,
    /// Nothing listens on the port (or a firewall says so).
    Refused,
    /// The TLS handshake failed (certificate not trusted, wrong host name, not TLS).
    Tls,
    /// No answer within [`TIMEOUT`].
    Timeout,
    /// Anything else (the connection reset, a protocol error).
    Other,
}

impl Cause {
    /// A few words for the message.
    pub fn describe(self) -> &'static str {
        match self {
            Cause::Dns => "its host name does not resolve (DNS)",
            Cause::Refused => "the connection is refused (nothing listens there)",
            Cause::Tls => "the TLS handshake fails",
            Cause::Timeout => "no answer within 10 s (timeout)",
            Cause::Other => "the request fails",
        }
    }
}

/// Reads what went wrong from reqwest's error and its causes.
pub fn cause(err: &reqwest::Error) -> Cause {
    if err.is_timeout() {
        return Cause::Timeout;
    }
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(cause) = source {
        if cause.is::<native_tls::Error>() {
            return Cause::Tls;
        }
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            match io.kind() {
                std::io::ErrorKind::ConnectionRefused => return Cause::Refused,
                std::io::ErrorKind::TimedOut => return Cause::Timeout,
                _ => {}
            }
        }
        let text = cause.to_string().to_ascii_lowercase();
        if text.contains("dns error") || text.contains("failed to lookup address") {
            return Cause::Dns;
        }
        if text.contains("certificate") || text.contains("handshake") || text.contains("tls") {
            return Cause::Tls;
        }
        source = cause.source();
    }
    Cause::Other
}

/// Why a run cannot start.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CannotStart {
    /// The lines to print, the first saying what is wrong.
    pub lines: Vec<String>,
}

impl std::fmt::Display for CannotStart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.lines.join("\n"))
    }
}

/// What a preflight that let the run start has to say: warnings, one a line.
pub type Warnings = Vec<String>;

/// The checks, in order; the first that fails ends the preflight.
pub async fn check(data: &TargetData, base_url: &str) -> Result<Warnings, CannotStart> {
    let http = invitations_sdk::http::reqwest_builder()
        .timeout(TIMEOUT)
        .build()
        .map_err(|err| CannotStart {
            lines: vec![format!(
                "cannot build an HTTP client: {}",
                error_chain(&err)
            )],
        })?;
    let lookup = format!("{base_url}/tenant/admin/user/invitations_by_email?email={PROBE_ADDRESS}");
    // 1. The base URL answers at all (without a key: any HTTP answer will do).
    if let Err(err) = http.get(&lookup).send().await {
        let cause = cause(&err);
        let mut lines = vec![format!(
            "{base_url} cannot be reached: {} ({})",
            cause.describe(),
            error_chain(&err)
        )];
        lines.push(match cause {
            Cause::Tls => "  check the deployment's certificate and that base_url's scheme is right (https:// for TLS)".to_owned(),
            _ => format!("  check that the deployment is up and base_url in the profile (or {BASE_URL_ENV}) is right"),
        });
        return Err(CannotStart { lines });
    }
    // 2. Each key, one read-only lookup each.
    let mut warnings = Warnings::new();
    for (role, field, env, key, expected) in [
        (
            "manager",
            "keys.manager",
            MANAGER_KEY_ENV,
            &data.keys.manager,
            Expect::Manager,
        ),
        (
            "viewer",
            "keys.viewer",
            VIEWER_KEY_ENV,
            &data.keys.viewer,
            Expect::Viewer,
        ),
        (
            "other tenant's",
            "keys.other_tenant",
            OTHER_TENANT_KEY_ENV,
            &data.keys.other_tenant,
            Expect::Manager,
        ),
    ] {
        let status = probe(&http, &lookup, key)
            .await
            .map_err(|why| CannotStart {
                lines: vec![format!(
                    "{base_url}: the lookup with the {role} key failed: {why}"
                )],
            })?;
        match (status, expected) {
            (401, _) => {
                return Err(CannotStart {
                    lines: vec![
                        format!("the {role} key is refused: {base_url} answers 401 to a lookup with it"),
                        format!("  check {field} in the profile (or {env}); the key is not printed"),
                    ],
                })
            }
            (500..=599, _) => {
                return Err(CannotStart {
                    lines: vec![format!(
                        "{base_url} answers {status} to a read-only lookup with the {role} key: the deployment is not healthy"
                    )],
                })
            }
            (403, Expect::Manager) => warnings.push(format!(
                "the {role} key is accepted but answered 403 (it lacks usersManager?): cases that use it expect 200 or 404"
            )),
            (200 | 404, Expect::Viewer) => warnings.push(format!(
                "the {role} key is answered {status}: it seems to have usersManager, and cases that use it expect 403"
            )),
            _ => {}
        }
    }
    // 3. The mailbox can be read.
    if let Some(config) = &data.mailbox {
        let mailbox =
            Mailbox::new(config.clone()).map_err(|why| CannotStart { lines: vec![why] })?;
        if let Err(why) = mailbox.messages().await {
            return Err(CannotStart {
                lines: vec![
                    format!("the mailbox cannot be read: {why}"),
                    "  check [mailbox] url in the profile and that the catcher runs".to_owned(),
                ],
            });
        }
    }
    warnings.extend(unused_sections(data));
    Ok(warnings)
}

#[derive(Clone, Copy)]
enum Expect {
    /// Has `usersManager`: 200 or 404.
    Manager,
    /// Lacks it: 403.
    Viewer,
}

async fn probe(http: &reqwest::Client, url: &str, key: &Secret) -> Result<u16, String> {
    http.get(url)
        .bearer_auth(key.expose())
        .send()
        .await
        .map(|response| response.status().as_u16())
        .map_err(|err| error_chain(&err))
}

/// Sections of the profile that no case can use with the rest of it, and why.
pub fn unused_sections(data: &TargetData) -> Warnings {
    let mut warnings = Warnings::new();
    if data.invitations.reactivate.is_some() && !data.allow_mutations {
        warnings.push(
            "[invitations.reactivate] is not used: its case resends invitations, and allow_mutations is false"
                .to_owned(),
        );
    }
    if data.mailbox.is_some() && !data.allow_mutations && !data.allow_dry_run {
        warnings.push(
            "[mailbox] is not used: emails are checked after resends and dry runs, and neither allow_mutations nor allow_dry_run is set"
                .to_owned(),
        );
    }
    warnings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::target::embedded_data;

    #[test]
    fn sections_no_case_can_use_are_named_with_the_reason() {
        let mut data = embedded_data();
        assert!(unused_sections(&data).is_empty());
        data.allow_mutations = false;
        data.allow_dry_run = false;
        data.mailbox = Some(crate::mailbox::MailboxConfig {
            kind: crate::mailbox::MailboxKind::Maildev,
            url: "http://127.0.0.1:1".into(),
            wait_seconds: None,
            link: None,
            expires: None,
            expires_format: None,
            tolerance_seconds: None,
        });
        let warnings = unused_sections(&data);
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert!(
            warnings[0].starts_with("[invitations.reactivate]")
                && warnings[0].contains("allow_mutations is false")
        );
        assert!(warnings[1].starts_with("[mailbox]"));
        data.allow_dry_run = true;
        assert_eq!(unused_sections(&data).len(), 1, "dry runs use the mailbox");
    }
}
