//! The suite must be able to fail. A libtest-mimic harness (`cargo test -p
//! invitations-contract-tests --test self_test [-- FILTER | --list]`, or nextest): each trial
//! `catches::<wrong server>` points some cases at a deliberately wrong server
//! (the real embedded mock with one behaviour overridden by a higher-priority wiremock stub)
//! and asserts that exactly the right cases fail, for the right reason: with `strict` on, and,
//! when the server breaks a rule the documents state, with `strict` off too (a server that
//! only makes another choice the documents allow must pass then). Control runs against the
//! unmodified mock and its conforming variant show the same cases pass there.
//!
//! `conforming_variant_strict_fails_exactly_the_decision_cases` runs the whole suite against
//! the conforming variant held to the mock's choices: exactly the cases whose data names a
//! decision must fail, each because of one. A last check runs the whole suite through a
//! profile without `allow_mutations` against an embedded mock and proves that nothing was
//! resent.

use std::process::ExitCode;
use std::sync::{Arc, Mutex, PoisonError};

use invitations_contract_tests::runner::{Target, TargetInstance};
use invitations_contract_tests::target::{embedded_data, TargetData};
use invitations_contract_tests::{all_cases, run, CaseReport, Verdict};
use invitations_mock::InvitationsMock;
use libtest_mimic::{Arguments, Trial};
use serde_json::json;
use wiremock::matchers::{header, method, path, query_param};
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
        .and(by_email_path())
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
        .and(by_email_path())
        .and(|req: &wiremock::Request| !req.headers.contains_key("authorization"))
        .respond_with(tenant_ok(json!({"id": 9001, "email": "ada@example.com",
            "status": "Pending", "createdAt": "2024-03-15T12:30:00Z"})))
}

fn not_pending_resent_anyway(_: &InvitationsMock) -> Mock {
    Mock::given(method("PUT"))
        .and(path("/tenant/1024/admin/user/invitation/resend"))
        .and(wiremock::matchers::query_param("id", "9003"))
        .respond_with(tenant_ok(json!([{"id": 9003, "email": "carol@example.com",
            "status": "Pending", "createdAt": "2024-03-15T12:30:00Z"}])))
}

fn dry_run_skips_validation(_: &InvitationsMock) -> Mock {
    Mock::given(method("POST"))
        .and(wiremock::matchers::path_regex(
            "^/iam/v1/users/[^/]+/actions/resend$",
        ))
        .and(wiremock::matchers::query_param("dryRun", "true"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "message": "Dry run: nothing was changed.", "inviteId": "9001"
        })))
}

fn key_reuse_is_400(_: &InvitationsMock) -> Mock {
    Mock::given(method("POST"))
        .and(wiremock::matchers::path_regex(
            "^/iam/v1/users/[^/]+/actions/resend$",
        ))
        .and(wiremock::matchers::query_param("dryRun", "true"))
        .and(wiremock::matchers::header_exists("idempotency-key"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "error": "This Idempotency-Key was already used for another request."
        })))
}

fn tenant_ok(value: serde_json::Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "isSuccess": true, "isFailure": false, "error": null, "value": value
    }))
}

fn tenant_failure(status: u16, code: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({
        "isSuccess": false, "isFailure": true, "value": null,
        "error": {"code": code, "message": "refused", "info": []}
    }))
}

fn by_email_path() -> wiremock::matchers::PathExactMatcher {
    path("/tenant/admin/user/invitations_by_email")
}

/// Matches the lookup of `email`.
fn lookup_of(email: &str) -> wiremock::MockBuilder {
    Mock::given(method("GET"))
        .and(by_email_path())
        .and(query_param("email", email))
}

fn case_sensitive_email(_: &InvitationsMock) -> Mock {
    lookup_of("ADA@EXAMPLE.COM").respond_with(tenant_failure(404, "NotFound"))
}

fn reveals_another_tenant(_: &InvitationsMock) -> Mock {
    lookup_of("frank@example.com")
        .and(header("authorization", "Bearer acme-manager-key"))
        .respond_with(tenant_ok(json!({"id": 9101, "email": "frank@example.com",
            "status": "Pending", "createdAt": "2024-03-15T12:30:00Z"})))
}

fn value_as_object(_: &InvitationsMock) -> Mock {
    Mock::given(method("PUT"))
        .and(path("/tenant/1024/admin/user/invitation/resend"))
        .and(query_param("id", "9001"))
        .respond_with(tenant_ok(json!({"id": 9001, "email": "ada@example.com",
            "status": "Pending", "createdAt": "2024-03-15T12:30:00Z"})))
}

fn created_at_not_rfc3339(_: &InvitationsMock) -> Mock {
    lookup_of("ada@example.com")
        .respond_with(tenant_ok(json!({"id": 9001, "email": "ada@example.com",
            "status": "Pending", "createdAt": "15/03/2024 12:30"})))
}

/// Answers a dry run of the declined invite by really resending it.
struct CommitsDryRuns(invitations_mock::MockHandle);

impl wiremock::Respond for CommitsDryRuns {
    fn respond(&self, _: &wiremock::Request) -> ResponseTemplate {
        let request = invitations_mock::Request::new("POST", "/iam/v1/users/9002/actions/resend")
            .bearer("acme-manager-key")
            .from_loopback(true);
        let answer = self.0.handle(&request);
        ResponseTemplate::new(answer.status).set_body_raw(answer.body, "application/json")
    }
}

fn commits_dry_runs(mock: &InvitationsMock) -> Mock {
    Mock::given(method("POST"))
        .and(path("/iam/v1/users/9002/actions/resend"))
        .and(query_param("dryRun", "true"))
        .respond_with(CommitsDryRuns(mock.handle()))
}

/// Answers every IAM resend of invite 9001 with 200 and does nothing.
fn iam_resend_of_9001_does_nothing() -> Mock {
    Mock::given(method("POST"))
        .and(path("/iam/v1/users/9001/actions/resend"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"message": "Invite resent.", "inviteId": "9001"})),
        )
}

/// Resends an accepted invitation (the embedded case accepts 9001 first).
fn resends_accepted_invitation(_: &InvitationsMock) -> Mock {
    iam_resend_of_9001_does_nothing()
}

/// Answers the IAM resend of the pending invite, but moves neither its expiry nor its token.
fn expiry_not_moved(_: &InvitationsMock) -> Mock {
    iam_resend_of_9001_does_nothing()
}

fn basic_scheme_served(_: &InvitationsMock) -> Mock {
    Mock::given(method("GET"))
        .and(by_email_path())
        .and(header("authorization", "Basic acme-manager-key"))
        .respond_with(tenant_ok(json!({"id": 9001, "email": "ada@example.com",
            "status": "Pending", "createdAt": "2024-03-15T12:30:00Z"})))
}

fn no_bearer_challenge(_: &InvitationsMock) -> Mock {
    Mock::given(method("GET"))
        .and(by_email_path())
        .and(|req: &wiremock::Request| !req.headers.contains_key("authorization"))
        .respond_with(tenant_failure(401, "Unauthorized"))
}

fn iam_error(status: u16) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({"error": "refused"}))
}

fn iam_resend_path() -> wiremock::matchers::PathRegexMatcher {
    wiremock::matchers::path_regex("^/iam/v1/users/[^/]+/actions/resend$")
}

/// Counts the spec's maxLength of 128 as exclusive.
fn invite_id_of_128_refused(_: &InvitationsMock) -> Mock {
    Mock::given(method("POST"))
        .and(wiremock::matchers::path_regex(
            "^/iam/v1/users/x{128}/actions/resend$",
        ))
        .respond_with(iam_error(400))
}

fn dry_run_false_refused(_: &InvitationsMock) -> Mock {
    Mock::given(method("POST"))
        .and(iam_resend_path())
        .and(query_param("dryRun", "false"))
        .respond_with(iam_error(400))
}

/// Reads an empty Idempotency-Key as no key instead of refusing it.
fn empty_idempotency_key_ignored(_: &InvitationsMock) -> Mock {
    Mock::given(method("POST"))
        .and(iam_resend_path())
        .and(|req: &wiremock::Request| {
            req.headers
                .get("idempotency-key")
                .is_some_and(|v| v.is_empty())
        })
        .respond_with(iam_error(404))
}

fn unauthorized_coded_forbidden(_: &InvitationsMock) -> Mock {
    Mock::given(method("PUT"))
        .and(wiremock::matchers::path_regex(
            "^/tenant/[^/]+/admin/user/invitation/resend$",
        ))
        .and(|req: &wiremock::Request| !req.headers.contains_key("authorization"))
        .respond_with(tenant_failure(401, "Forbidden").insert_header("www-authenticate", "Bearer"))
}

/// Finds an invitation for an address with an empty domain label, as a server that checks
/// only the characters of each label would.
fn empty_domain_label_looked_up(_: &InvitationsMock) -> Mock {
    lookup_of("ada@example..com").respond_with(tenant_failure(404, "NotFound"))
}

fn unknown_key_with_empty_message(_: &InvitationsMock) -> Mock {
    Mock::given(method("POST"))
        .and(iam_resend_path())
        .and(header(
            "authorization",
            "Bearer contract-tests-unknown-key-7f3a",
        ))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_json(json!({"error": ""}))
                .insert_header("www-authenticate", "Bearer"),
        )
}

struct Check {
    /// The trial's name: `catches::` and the wrong server's function.
    id: &'static str,
    /// What is wrong with the server, for messages.
    name: &'static str,
    broken: Override,
    /// Each case that must fail, with a phrase its failure must contain.
    must_fail: &'static [(&'static str, &'static str)],
    /// Whether the cases must fail on a target that is not strict as well: the server breaks
    /// a rule the documents state. False for a server that only makes another choice they
    /// allow where a DECISIONS row picks the mock's: it must pass then.
    documented: bool,
}

const CHECKS: &[Check] = &[
    Check {
        id: "catches::case_sensitive_email",
        name: "a server that searches emails case-sensitively",
        broken: case_sensitive_email,
        documented: true,
        must_fail: &[("by_email_ignores_case", "expected status 200, got 404")],
    },
    Check {
        id: "catches::reveals_another_tenant",
        name: "a server that reveals another tenant's invitation",
        broken: reveals_another_tenant,
        documented: true,
        must_fail: &[(
            "by_email_never_reveals_another_tenant",
            "expected status 404, got 200",
        )],
    },
    Check {
        id: "catches::value_as_object",
        name: "a server answering `value` as an object instead of an array",
        broken: value_as_object,
        documented: true,
        must_fail: &[("tenant_resend_pending_returns_it", "at /value: {")],
    },
    Check {
        id: "catches::created_at_not_rfc3339",
        name: "a server whose createdAt is not RFC 3339",
        broken: created_at_not_rfc3339,
        documented: true,
        must_fail: &[(
            "by_email_finds_the_pending_invitation",
            "\"createdAt\":\"15/03/2024 12:30\"",
        )],
    },
    Check {
        id: "catches::commits_dry_runs",
        name: "a server that commits a dry run",
        broken: commits_dry_runs,
        documented: true,
        must_fail: &[(
            "iam_dry_run_changes_nothing_visible",
            "expected status 404, got 200",
        )],
    },
    Check {
        id: "catches::resends_accepted_invitation",
        name: "a server that resends an accepted invitation",
        broken: resends_accepted_invitation,
        documented: true,
        must_fail: &[(
            "accepted_invitation_is_gone_everywhere",
            "expected status 404, got 200",
        )],
    },
    Check {
        id: "catches::expiry_not_moved",
        name: "a server whose resend does not move the expiry",
        broken: expiry_not_moved,
        documented: true,
        must_fail: &[(
            "iam_resend_rotates_token_and_resets_expiry",
            "expected 48 hours after the resend",
        )],
    },
    Check {
        id: "catches::basic_scheme_served",
        name: "a server that serves a valid key sent under the Basic scheme",
        broken: basic_scheme_served,
        documented: true,
        must_fail: &[(
            "a_valid_key_under_another_scheme_is_401",
            "expected status 401, got 200",
        )],
    },
    Check {
        id: "catches::no_bearer_challenge",
        name: "a server whose 401 does not challenge Bearer",
        broken: no_bearer_challenge,
        documented: true,
        must_fail: &[("by_email_without_key_is_401", "WWW-Authenticate")],
    },
    Check {
        id: "catches::invite_id_of_128_refused",
        name: "a server that refuses an invite id of exactly 128 characters",
        broken: invite_id_of_128_refused,
        documented: false,
        must_fail: &[(
            "iam_resend_invite_id_length_limit_holds_on_both_sides",
            "answered 400 (the mock 404)",
        )],
    },
    Check {
        id: "catches::dry_run_false_refused",
        name: "a server that refuses dryRun=false",
        broken: dry_run_false_refused,
        documented: true,
        must_fail: &[(
            "iam_resend_dry_run_false_is_an_ordinary_resend",
            "expected status 404, got 400",
        )],
    },
    Check {
        id: "catches::empty_idempotency_key_ignored",
        name: "a server that takes an empty Idempotency-Key for none",
        broken: empty_idempotency_key_ignored,
        documented: false,
        must_fail: &[(
            "iam_resend_idempotency_key_of_1_is_accepted_and_empty_is_400",
            "answered 404 (the mock 400)",
        )],
    },
    Check {
        id: "catches::unauthorized_coded_forbidden",
        name: "a server whose tenant 401 is coded Forbidden",
        broken: unauthorized_coded_forbidden,
        documented: true,
        must_fail: &[(
            "tenant_error_codes_name_their_status",
            "a 401 coded `Forbidden`",
        )],
    },
    Check {
        id: "catches::empty_domain_label_looked_up",
        name: "a server that takes an empty domain label for a valid address",
        broken: empty_domain_label_looked_up,
        documented: true,
        must_fail: &[(
            "by_email_addresses_no_reading_of_the_rfcs_allows_are_400",
            "expected status 400, got 404",
        )],
    },
    Check {
        id: "catches::unknown_key_with_empty_message",
        name: "a server whose 401 says nothing",
        broken: unknown_key_with_empty_message,
        documented: true,
        must_fail: &[("auth_errors_carry_a_message", "a 401 with an empty message")],
    },
    Check {
        id: "catches::data_instead_of_value",
        name: "a server answering `data` instead of `value`",
        broken: data_instead_of_value,
        documented: true,
        must_fail: &[
            (
                "by_email_finds_the_pending_invitation",
                "\"value\" is a required property",
            ),
            ("by_email_ignores_case", "\"value\" is a required property"),
        ],
    },
    Check {
        id: "catches::old_token_stays_valid",
        name: "a server that keeps the old token valid",
        broken: old_token_stays_valid,
        documented: true,
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
        id: "catches::ok_without_a_key",
        name: "a server answering 200 to a request without a key",
        broken: ok_without_a_key,
        documented: true,
        must_fail: &[(
            "by_email_without_key_is_401",
            "expected status 401, got 200",
        )],
    },
    Check {
        id: "catches::not_pending_resent_anyway",
        name: "a server that resends a cancelled invitation on the tenant surface",
        broken: not_pending_resent_anyway,
        documented: true,
        must_fail: &[(
            "tenant_resend_non_pending_is_400",
            "expected status 400, got 200",
        )],
    },
    Check {
        id: "catches::dry_run_skips_validation",
        name: "a server whose dry run skips validation",
        broken: dry_run_skips_validation,
        documented: true,
        must_fail: &[
            (
                "iam_resend_dry_run_without_key_is_401",
                "expected status 401, got 200",
            ),
            (
                "iam_resend_dry_run_unknown_key_is_401",
                "expected status 401, got 200",
            ),
            (
                "iam_resend_dry_run_key_without_permission_is_403",
                "expected status 403, got 200",
            ),
            (
                "iam_resend_dry_run_unknown_id_is_404",
                "expected status 404, got 200",
            ),
        ],
    },
    Check {
        id: "catches::key_reuse_is_400",
        name: "a server answering a reused Idempotency-Key with 400",
        broken: key_reuse_is_400,
        documented: false,
        must_fail: &[(
            "iam_resend_same_key_for_another_request_is_422",
            "answered 400 (the mock 422)",
        )],
    },
    Check {
        id: "catches::shortest_address_refused",
        name: "a server that refuses the address a@b.c",
        broken: shortest_address_refused,
        documented: true,
        must_fail: &[(
            "by_email_shortest_addresses",
            "expected status 404, got 400",
        )],
    },
    Check {
        id: "catches::numeric_top_level_label_looked_up",
        name: "a server that looks up an address whose top-level label is all digits",
        broken: numeric_top_level_label_looked_up,
        documented: false,
        must_fail: &[(
            "by_email_numeric_top_level_label_is_refused",
            "answered 404 (the mock 400)",
        )],
    },
    Check {
        id: "catches::not_pending_coded_as_validation",
        name: "a server whose refusal of a non-pending invitation is coded ValidationError",
        broken: not_pending_coded_as_validation,
        documented: true,
        must_fail: &[(
            "tenant_resend_non_pending_is_400",
            "a 400 coded `ValidationError`; DESIGN.md asks for an error code",
        )],
    },
    Check {
        id: "catches::body_over_limit_is_500",
        name: "a server that fails on a body over its limit",
        broken: body_over_limit_is_500,
        documented: true,
        must_fail: &[(
            "iam_resend_body_over_limit_is_413",
            "expected status 413 (DECISIONS row 13), or 400, got 500",
        )],
    },
];

/// Refuses the shortest address every reading of RFC 5321 and 5322 accepts.
fn shortest_address_refused(_: &InvitationsMock) -> Mock {
    lookup_of("a@b.c").respond_with(tenant_failure(400, "ValidationError"))
}

/// Reads `example.123` as a domain, as RFC 5321's grammar allows (a decision of ours refuses
/// it).
fn numeric_top_level_label_looked_up(_: &InvitationsMock) -> Mock {
    lookup_of("ada@example.123").respond_with(tenant_failure(404, "NotFound"))
}

fn not_pending_coded_as_validation(_: &InvitationsMock) -> Mock {
    Mock::given(method("PUT"))
        .and(path("/tenant/1024/admin/user/invitation/resend"))
        .and(query_param("id", "9003"))
        .respond_with(tenant_failure(400, "ValidationError"))
}

/// Answers a body over the limit with 500, which no reading of the documents allows.
fn body_over_limit_is_500(_: &InvitationsMock) -> Mock {
    Mock::given(method("POST"))
        .and(iam_resend_path())
        .and(|req: &wiremock::Request| req.body.len() > invitations_mock::core::MAX_BODY_BYTES)
        .respond_with(iam_error(500))
}

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

/// Returns the first line of each expected failure, for the log.
async fn check_broken(check: &Check) -> Result<Vec<String>, String> {
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
    // The second conforming implementation passes too, or skips with its reason where it
    // does not offer what a case needs; it never fails.
    let alternative = run_named(&names, &Target::embedded_alternative()).await;
    for name in &names {
        if let Verdict::Failed(why) = verdict_of(&alternative, name) {
            return Err(format!(
                "control: {name} fails on the conforming variant: {why}"
            ));
        }
    }
    let strict = run_named(&names, &broken_target(check.broken)).await;
    let mut reasons = caught(check, &strict, "strict")?;
    let lenient = run_named(&names, &broken_target(check.broken).strict(false)).await;
    if check.documented {
        reasons.extend(caught(check, &lenient, "not strict")?);
    } else {
        for name in &names {
            if *verdict_of(&lenient, name) != Verdict::Passed {
                return Err(format!(
                    "{name} must pass with strict off, as the server makes a choice the \
                     documents allow: {:?}",
                    verdict_of(&lenient, name)
                ));
            }
        }
        reasons.push("passes with strict off, as it should".to_owned());
    }
    Ok(reasons)
}

/// Each of `check`'s cases failed in `reports` for its reason; their first lines.
fn caught(check: &Check, reports: &[CaseReport], mode: &str) -> Result<Vec<String>, String> {
    let mut reasons = Vec::new();
    for (name, phrase) in check.must_fail {
        match verdict_of(reports, name) {
            Verdict::Failed(why) if why.contains(phrase) => {
                reasons.push(format!(
                    "{mode}: {name}: {}",
                    why.lines().take(2).collect::<Vec<_>>().join(" / ")
                ));
            }
            Verdict::Failed(why) => {
                return Err(format!(
                    "{mode}: {name} failed, but not because {phrase:?}: {why}"
                ))
            }
            other => {
                return Err(format!(
                    "{mode}: {name} did not fail against {}: {other:?}",
                    check.name
                ))
            }
        }
    }
    Ok(reasons)
}

/// The whole suite against the conforming variant held to the mock's choices: the cases that
/// fail must be exactly those that ran and name a decision, each failing because of one.
async fn check_variant_strict() -> Result<String, String> {
    let reports = run(all_cases(), &Target::embedded_alternative().strict(true)).await;
    let mut wrong = Vec::new();
    let (mut failed, mut ran) = (0, 0);
    for report in &reports {
        let declared = !report.decisions.is_empty();
        match &report.verdict {
            Verdict::Skipped(_) => continue,
            Verdict::Failed(why) if declared => {
                failed += 1;
                if !why.contains("DECISIONS row") {
                    wrong.push(format!(
                        "{} failed, not because of a decision: {why}",
                        report.name
                    ));
                }
            }
            Verdict::Failed(why) => wrong.push(format!(
                "{} names no decision but failed: {why}",
                report.name
            )),
            Verdict::Passed if declared => wrong.push(format!(
                "{} names {:?} but passed: the variant does not choose otherwise there, or the \
                 case does not rely on it",
                report.name, report.decisions
            )),
            Verdict::Passed => {}
        }
        ran += 1;
    }
    if !wrong.is_empty() {
        return Err(wrong.join("\n"));
    }
    Ok(format!(
        "{ran} cases ran: the {failed} naming a decision failed because of it, the {} others passed",
        ran - failed
    ))
}

/// A profile without `allow_mutations` (with or without `allow_dry_run`), pointed at one
/// embedded mock shared by every case: afterwards no email was sent and no invitation changed.
/// Returns what the run did, for the log.
async fn check_no_mutations(allow_dry_run: bool) -> Result<String, String> {
    let mock = InvitationsMock::start().await;
    let before = mock.handle().invitations();
    let data = TargetData {
        allow_mutations: false,
        allow_dry_run,
        ..embedded_data()
    };
    let target = Target::deployment("profile without allow_mutations", mock.uri(), data);
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
    let tokens = |list: &[invitations_mock::InvitationRecord]| -> Vec<(u64, String)> {
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
    Ok(format!(
        "{} cases ran, {skipped} skipped, 0 emails, tokens unchanged",
        reports.len() - skipped
    ))
}

/// What each passing self-test saw, printed after the run (trials print only their verdict).
type Evidence = Arc<Mutex<Vec<(&'static str, Vec<String>)>>>;

fn record(evidence: &Evidence, id: &'static str, lines: Vec<String>) {
    evidence
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push((id, lines));
}

fn main() -> ExitCode {
    // Wrong servers must never write or accept snapshots, whatever the caller's INSTA_UPDATE.
    // SAFETY: the first thing `main` does, before the runtime or any other thread starts.
    unsafe {
        std::env::set_var("INSTA_UPDATE", "no");
        std::env::set_var("INSTA_FORCE_PASS", "0");
    }
    let args = Arguments::from_args();
    let runtime = match invitations_contract_tests::cli::runtime() {
        Ok(runtime) => runtime,
        Err(code) => return code,
    };
    let evidence = Evidence::default();
    let mut trials: Vec<Trial> = CHECKS
        .iter()
        .map(|check| {
            let (runtime, evidence) = (runtime.handle().clone(), evidence.clone());
            Trial::test(check.id, move || {
                let reasons = runtime
                    .block_on(check_broken(check))
                    .map_err(|why| format!("the suite does not catch {}: {why}", check.name))?;
                record(&evidence, check.id, reasons);
                Ok(())
            })
        })
        .collect();
    {
        let (runtime, evidence) = (runtime.handle().clone(), evidence.clone());
        let id = "conforming_variant_strict_fails_exactly_the_decision_cases";
        trials.push(Trial::test(id, move || {
            let seen = runtime.block_on(check_variant_strict())?;
            record(&evidence, id, vec![seen]);
            Ok(())
        }));
    }
    for (id, allow_dry_run) in [
        ("read_only_profile_changes_nothing", false),
        ("read_only_profile_with_dry_runs_changes_nothing", true),
    ] {
        let (runtime, evidence) = (runtime.handle().clone(), evidence.clone());
        trials.push(Trial::test(id, move || {
            let seen = runtime.block_on(check_no_mutations(allow_dry_run))?;
            record(&evidence, id, vec![seen]);
            Ok(())
        }));
    }
    let conclusion = libtest_mimic::run(&args, trials);
    if !args.list {
        let mut evidence =
            std::mem::take(&mut *evidence.lock().unwrap_or_else(PoisonError::into_inner));
        evidence.sort();
        let mut out = String::new();
        for (id, lines) in evidence {
            out.push_str(&format!("{id}:\n"));
            for line in lines {
                out.push_str(&format!("    {line}\n"));
            }
        }
        // stdout stays libtest's JSON with --format json.
        if args.format == Some(libtest_mimic::FormatSetting::Json) {
            eprint!("{out}");
        } else {
            print!("{out}");
        }
    }
    conclusion.exit_code()
}
