//! Emails worded otherwise than the mock's, read through a real MailDev: the `[mailbox]`
//! patterns of a profile must find the link and the expiry where a deployment puts them, and
//! an expiry that is not 48 hours after the resend must fail the cases that resend.
//!
//! The deployment is a stand-in written for this test: the mock's conforming variant (which
//! sends no `expiresAt`, so the expiry is visible only in the email) serving
//! `targets/local-mock-fixture.json`, its emails delivered to MailDev by SMTP in a wording of
//! its own. `cargo xtask contract --maildev` starts MailDev and runs this harness with
//! `CONTRACT_MAILDEV_SMTP` (host:port) and `CONTRACT_MAILDEV_URL` (its API); without them the
//! trials are ignored, saying what they need.

use std::process::ExitCode;

use chrono::Duration;
use invitations_contract_tests::runner::Target;
use invitations_contract_tests::target::Profile;
use invitations_contract_tests::{all_cases, run, CaseReport, Verdict};
use invitations_mock::core::{Clock, Core, CoreConfig, Variant};
use invitations_mock::smtp::{email, spawn_delivery_with, Message, Render};
use invitations_mock::{Fixture, InvitationsMock, SentEmail};
use libtest_mimic::{Arguments, Trial};

const SMTP_ENV: &str = "CONTRACT_MAILDEV_SMTP";
const URL_ENV: &str = "CONTRACT_MAILDEV_URL";

/// The stand-in's wording: the link in angle brackets after "Join here:", the expiry as
/// `17 March 2026 12:30 UTC`, `lifetime` after the send.
fn worded(sent: &SentEmail, lifetime: Duration) -> Result<Message, String> {
    email(
        sent,
        "You're invited to Acme",
        format!(
            "Hello!\nJoin here: <https://app.example.test/join/{}>\nValid until {} UTC.\n",
            sent.token,
            (sent.sent_at + lifetime).format("%d %B %Y %H:%M")
        ),
    )
}

fn in_48_hours(sent: &SentEmail) -> Result<Message, String> {
    worded(sent, Duration::hours(48))
}

fn in_24_hours(sent: &SentEmail) -> Result<Message, String> {
    worded(sent, Duration::hours(24))
}

/// The profile's patterns for that wording.
const MAILBOX_PATTERNS: &str = r#"
link = 'Join here: <(\S+)>'
expires = 'Valid until (.+?) UTC\.'
expires_format = "%d %B %Y %H:%M"
"#;

/// Every case that resends, or checks that a dry run sends nothing, with whether it resends.
const MAIL_CASES: &[(&str, bool)] = &[
    ("tenant_resend_pending_returns_it", true),
    ("iam_resend_pending_confirms_it", true),
    ("tenant_resend_rotates_token_and_resets_expiry", true),
    ("iam_resend_rotates_token_and_resets_expiry", true),
    ("iam_resend_reactivates_every_state", true),
    ("iam_resend_same_idempotency_key_sends_one_email", true),
    ("iam_resend_same_key_for_another_request_is_422", true),
    (
        "iam_resend_reused_key_never_answers_for_another_invite",
        true,
    ),
    ("iam_dry_run_changes_nothing_visible", false),
];

/// Starts the stand-in delivering with `render`, runs [`MAIL_CASES`] against it through
/// `contract-tests/targets/local-mock.toml` with the mailbox added.
async fn run_against(render: Render, smtp: &str, mailbox: &str) -> Result<Vec<CaseReport>, String> {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/targets");
    let fixture = Fixture::from_file(format!("{root}/local-mock-fixture.json"))
        .map_err(|err| format!("the fixture: {err}"))?;
    let core = Core::with_config(
        fixture,
        CoreConfig::for_variant(Variant::Alternative),
        Clock::system(),
    );
    let mock = InvitationsMock::start_with_core(core).await;
    let (host, port) = smtp
        .rsplit_once(':')
        .and_then(|(h, p)| Some((h.to_owned(), p.parse().ok()?)))
        .ok_or_else(|| format!("{SMTP_ENV} must be host:port, got {smtp:?}"))?;
    let delivery = spawn_delivery_with(mock.handle(), host, port, render);
    let text =
        std::fs::read_to_string(format!("{root}/local-mock.toml")).map_err(|e| e.to_string())?;
    let text = format!(
        "{}\n[mailbox]\nkind = \"maildev\"\nurl = \"{mailbox}\"\n{MAILBOX_PATTERNS}",
        // The stand-in makes the variant's choices: it is not held to the mock's.
        text.replace("strict = true", "")
    );
    let mut profile = Profile::parse(&text, |_| None).map_err(|e| e.to_string())?;
    profile
        .override_base_url(&mock.uri())
        .map_err(|e| e.to_string())?;
    let cases = all_cases()
        .into_iter()
        .filter(|c| MAIL_CASES.iter().any(|(name, _)| *name == c.name))
        .collect();
    let reports = run(cases, &Target::profile(&profile)).await;
    delivery.abort();
    Ok(reports)
}

fn env() -> Option<(String, String)> {
    Some((std::env::var(SMTP_ENV).ok()?, std::env::var(URL_ENV).ok()?))
}

async fn patterns_read_another_wording(smtp: String, url: String) -> Result<String, String> {
    let reports = run_against(in_48_hours, &smtp, &url).await?;
    let mut seen = 0;
    for report in &reports {
        if report.verdict != Verdict::Passed {
            return Err(format!("{}: {:?}", report.name, report.verdict));
        }
        seen += report
            .notes
            .iter()
            .filter(|n| matches!(n, invitations_contract_tests::context::Note::Checked(t) if t.starts_with("mailbox:")))
            .count();
    }
    if reports.len() != MAIL_CASES.len() || seen < MAIL_CASES.len() {
        return Err(format!(
            "{} cases ran and {seen} mailbox checks were made: the mailbox was not used by every case",
            reports.len()
        ));
    }
    Ok(format!(
        "{} cases passed, {seen} mailbox checks read the link and the expiry with the profile's patterns",
        reports.len()
    ))
}

async fn a_24_hour_expiry_fails(smtp: String, url: String) -> Result<String, String> {
    let reports = run_against(in_24_hours, &smtp, &url).await?;
    let mut lines = Vec::new();
    for (name, resends) in MAIL_CASES {
        let report = reports
            .iter()
            .find(|r| r.name == *name)
            .ok_or_else(|| format!("{name} did not run"))?;
        match (&report.verdict, resends) {
            (Verdict::Failed(why), true) if why.contains("expected 48 hours after the resend") => {
                lines.push(format!(
                    "{name}: {}",
                    why.lines().next().unwrap_or_default()
                ));
            }
            (Verdict::Passed, false) => {}
            (other, _) => {
                return Err(format!(
                    "{name} {} but: {other:?}",
                    if *resends {
                        "must fail on the 24-hour expiry"
                    } else {
                        "sends no email and must pass"
                    }
                ))
            }
        }
    }
    Ok(lines.join("\n    "))
}

fn main() -> ExitCode {
    let mut args = Arguments::from_args();
    // One after the other: both stand-ins email the same addresses through one MailDev.
    args.test_threads = Some(1);
    let runtime = match invitations_contract_tests::cli::runtime() {
        Ok(runtime) => runtime,
        Err(code) => return code,
    };
    let env = env();
    let evidence = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    type Check = fn(
        String,
        String,
    ) -> std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<String, String>> + Send>,
    >;
    let checks: [(&str, Check); 2] = [
        ("patterns_read_another_wording", |s, u| {
            Box::pin(patterns_read_another_wording(s, u))
        }),
        ("a_24_hour_expiry_fails", |s, u| {
            Box::pin(a_24_hour_expiry_fails(s, u))
        }),
    ];
    let trials = checks
        .into_iter()
        .map(|(name, check)| {
            let (runtime, env, evidence) =
                (runtime.handle().clone(), env.clone(), evidence.clone());
            let ignored = env.is_none();
            Trial::test(name, move || {
                let Some((smtp, url)) = env else {
                    return Err(format!("needs MailDev: {SMTP_ENV} and {URL_ENV}").into());
                };
                let seen = runtime.block_on(check(smtp, url))?;
                evidence
                    .lock()
                    .unwrap()
                    .push(format!("{name}:\n    {seen}"));
                Ok(())
            })
            .with_kind(if ignored {
                "needs MailDev (cargo xtask contract --maildev)"
            } else {
                "MailDev"
            })
            .with_ignored_flag(ignored)
        })
        .collect();
    let conclusion = libtest_mimic::run(&args, trials);
    if !args.list {
        for line in evidence.lock().unwrap().iter() {
            println!("{line}");
        }
    }
    conclusion.exit_code()
}
