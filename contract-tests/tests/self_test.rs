//! The suite must be able to fail. Each check points some cases at a deliberately wrong server
//! (the real embedded mock with one behaviour overridden by a higher-priority wiremock stub)
//! and asserts that exactly the right cases fail, for the right reason. A control run against
//! the unmodified mock shows the same cases pass there.
//!
//! A last check runs the whole suite through a profile without `allow_mutations` against an
//! embedded mock and proves that nothing was resent.

use std::process::ExitCode;
use std::sync::Arc;

use invitations_contract_tests::runner::{Target, TargetInstance};
use invitations_contract_tests::target::{embedded_data, TargetData};
use invitations_contract_tests::{all_cases, run, CaseReport, Verdict};
use invitations_mock::InvitationsMock;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

type Override = fn(&InvitationsMock) -> Mock;

/// A target whose every instance is a fresh embedded mock with `broken` mounted over it.
fn broken_target(broken: Override) -> Target {
    Target {
        name: "broken mock".into(),
        has_admin: true,
        data: embedded_data(),
        factory: Arc::new(move || {
            Box::pin(async move {
                let mock = InvitationsMock::start().await;
                broken(&mock).with_priority(1).mount(mock.server()).await;
                TargetInstance {
                    base_url: mock.uri(),
                    admin_url: Some(mock.uri()),
                    data: embedded_data(),
                    guard: Box::new(mock),
                }
            })
        }),
    }
}

fn data_instead_of_value(_: &InvitationsMock) -> Mock {
    Mock::given(method("GET"))
        .and(path("/tenant/admin/user/invitations_by_email"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "isSuccess": true, "isFailure": false, "error": null,
            "data": {"id": 9001, "email": "ada@example.com", "status": "Pending",
                     "createdAt": "2024-03-15T12:30:00Z"}
        })))
}

fn old_token_stays_valid(_: &InvitationsMock) -> Mock {
    Mock::given(method("POST"))
        .and(path("/__admin/accept"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"accepted": 9001})))
}

fn ok_without_a_key(_: &InvitationsMock) -> Mock {
    Mock::given(method("GET"))
        .and(path("/tenant/admin/user/invitations_by_email"))
        .and(|req: &wiremock::Request| !req.headers.contains_key("authorization"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "isSuccess": true, "isFailure": false, "error": null,
            "value": {"id": 9001, "email": "ada@example.com", "status": "Pending",
                      "createdAt": "2024-03-15T12:30:00Z"}
        })))
}

fn not_pending_resent_anyway(_: &InvitationsMock) -> Mock {
    Mock::given(method("PUT"))
        .and(path("/tenant/1024/admin/user/invitation/resend"))
        .and(wiremock::matchers::query_param("id", "9003"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "isSuccess": true, "isFailure": false, "error": null,
            "value": [{"id": 9003, "email": "carol@example.com", "status": "Pending",
                       "createdAt": "2024-03-15T12:30:00Z"}]
        })))
}

struct Check {
    name: &'static str,
    broken: Override,
    /// Each case that must fail, with a phrase its failure must contain.
    must_fail: &'static [(&'static str, &'static str)],
}

const CHECKS: &[Check] = &[
    Check {
        name: "a server answering `data` instead of `value`",
        broken: data_instead_of_value,
        must_fail: &[
            (
                "by_email_finds_the_pending_invitation",
                "\"value\" is a required property",
            ),
            ("by_email_ignores_case", "\"value\" is a required property"),
        ],
    },
    Check {
        name: "a server that keeps the old token valid",
        broken: old_token_stays_valid,
        must_fail: &[
            (
                "tenant_resend_rotates_token_and_resets_expiry",
                "old token was accepted",
            ),
            (
                "iam_resend_rotates_token_and_resets_expiry",
                "old token was accepted",
            ),
        ],
    },
    Check {
        name: "a server answering 200 to a request without a key",
        broken: ok_without_a_key,
        must_fail: &[(
            "by_email_without_key_is_401",
            "expected status 401, got 200",
        )],
    },
    Check {
        name: "a server that resends a cancelled invitation on the tenant surface",
        broken: not_pending_resent_anyway,
        must_fail: &[(
            "tenant_resend_non_pending_is_400",
            "expected status 400, got 200",
        )],
    },
];

fn verdict_of<'a>(reports: &'a [CaseReport], name: &str) -> &'a Verdict {
    &reports
        .iter()
        .find(|r| r.name == name)
        .unwrap_or_else(|| panic!("no case named {name}"))
        .verdict
}

async fn run_named(names: &[&str], target: &Target) -> Vec<CaseReport> {
    let cases = all_cases()
        .into_iter()
        .filter(|c| names.contains(&c.name))
        .collect();
    run(cases, target).await
}

async fn check_broken(check: &Check) -> Result<(), String> {
    let names: Vec<&str> = check.must_fail.iter().map(|(n, _)| *n).collect();
    let control = run_named(&names, &Target::embedded()).await;
    for name in &names {
        if *verdict_of(&control, name) != Verdict::Passed {
            return Err(format!(
                "control: {name} does not pass on the real mock: {:?}",
                verdict_of(&control, name)
            ));
        }
    }
    let broken = run_named(&names, &broken_target(check.broken)).await;
    for (name, phrase) in check.must_fail {
        match verdict_of(&broken, name) {
            Verdict::Failed(why) if why.contains(phrase) => {}
            Verdict::Failed(why) => {
                return Err(format!("{name} failed, but not because {phrase:?}: {why}"))
            }
            other => {
                return Err(format!(
                    "{name} did not fail against {}: {other:?}",
                    check.name
                ))
            }
        }
    }
    Ok(())
}

/// A profile without `allow_mutations` (with or without `allow_dry_run`), pointed at one
/// embedded mock shared by every case: afterwards no email was sent and no invitation changed.
async fn check_no_mutations(allow_dry_run: bool) -> Result<(), String> {
    let mock = InvitationsMock::start().await;
    let before = mock.handle().invitations();
    let data = TargetData {
        allow_mutations: false,
        allow_dry_run,
        ..embedded_data()
    };
    let uri = mock.uri();
    let target = Target {
        name: "profile without allow_mutations".into(),
        has_admin: false,
        data: data.clone(),
        factory: Arc::new(move || {
            let (uri, data) = (uri.clone(), data.clone());
            Box::pin(async move {
                TargetInstance {
                    base_url: uri,
                    admin_url: None,
                    data,
                    guard: Box::new(()),
                }
            })
        }),
    };
    let reports = run(all_cases(), &target).await;
    let failed: Vec<_> = reports
        .iter()
        .filter(|r| matches!(r.verdict, Verdict::Failed(_)))
        .collect();
    if !failed.is_empty() {
        return Err(format!(
            "cases failed on the read-only profile: {failed:#?}"
        ));
    }
    let skipped = reports
        .iter()
        .filter(|r| matches!(r.verdict, Verdict::Skipped(_)))
        .count();
    if skipped == 0 {
        return Err("nothing was skipped, so the mutation guard did nothing".into());
    }
    let outbox = mock.handle().outbox();
    if !outbox.is_empty() {
        return Err(format!(
            "{} emails were sent by a run without allow_mutations",
            outbox.len()
        ));
    }
    let after = mock.handle().invitations();
    let tokens = |list: &[invitations_mock::InvitationRecord]| -> Vec<(i64, String)> {
        list.iter().map(|r| (r.id, r.token.clone())).collect()
    };
    // Records compare in full (state, expiry, token), not only the tokens.
    if tokens(&before) != tokens(&after) || before != after {
        return Err("an invitation's token changed during a run without allow_mutations".into());
    }
    let resends_reaching_a_known_invitation = mock
        .handle()
        .journal()
        .iter()
        .filter(|e| e.status == 200 && e.method != "GET" && !e.path.starts_with("/__admin"))
        .count();
    // Dry runs answer 200 too (the journal has no query string); the record comparison
    // above is what proves they changed nothing.
    if !allow_dry_run && resends_reaching_a_known_invitation > 0 {
        return Err(format!(
            "{resends_reaching_a_known_invitation} resends succeeded"
        ));
    }
    println!(
        "  read-only profile: {} cases ran, {skipped} skipped, 0 emails, tokens unchanged",
        reports.len() - skipped
    );
    Ok(())
}

fn main() -> ExitCode {
    // Wrong servers must never write or accept snapshots, whatever the caller's INSTA_UPDATE.
    std::env::set_var("INSTA_UPDATE", "no");
    std::env::set_var("INSTA_FORCE_PASS", "0");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let mut passed = 0;
    let mut failed = 0;
    for check in CHECKS {
        match runtime.block_on(check_broken(check)) {
            Ok(()) => {
                passed += 1;
                println!("ok      the suite catches {}", check.name);
            }
            Err(why) => {
                failed += 1;
                println!("FAILED  the suite does not catch {}: {why}", check.name);
            }
        }
    }
    for allow_dry_run in [false, true] {
        match runtime.block_on(check_no_mutations(allow_dry_run)) {
            Ok(()) => {
                passed += 1;
                println!("ok      a profile without allow_mutations (allow_dry_run = {allow_dry_run}) changes nothing");
            }
            Err(why) => {
                failed += 1;
                println!("FAILED  a profile without allow_mutations (allow_dry_run = {allow_dry_run}): {why}");
            }
        }
    }
    println!("self_test: {passed} passed, {failed} failed");
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
