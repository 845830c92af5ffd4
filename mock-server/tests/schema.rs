//! Every kind of response the mock sends, validated against the spec's schema for its
//! operation and status, with a gate that every documented status was produced.

mod common;

use std::collections::BTreeSet;

use common::*;
use invitations_mock::core::{Core, Request};
use invitations_mock::{fixture, Fault};
use invitations_spec::Spec;

/// One request per (operation, documented status), each on a fresh core after `setup`.
type Setup = fn(&mut Core);

fn nothing(_: &mut Core) {}
fn fault_500(core: &mut Core) {
    core.inject_fault(Fault::status(500)).unwrap();
}
/// A resend with key `first` whose answer the transport holds back for a minute.
fn first_request_delayed(core: &mut Core) {
    core.inject_fault(Fault::delay(std::time::Duration::from_secs(60)).times(1))
        .unwrap();
    core.answer(&keyed(9001, "first"), 200);
}
/// A resend of 9001 with key `first`, answered.
fn first_request_answered(core: &mut Core) {
    core.answer(&keyed(9001, "first"), 200);
}

const BY_EMAIL: &str = "GetUserInvitationByEmail";
const RESEND: &str = "ResendInvitation";
const IAM: &str = "resendInvite";

/// `request` to `operation` on a fresh core, after `setup`, answered `status`.
struct Case {
    operation: &'static str,
    status: u16,
    setup: Setup,
    request: Request,
}

fn case(operation: &'static str, status: u16, request: Request) -> Case {
    Case {
        operation,
        status,
        setup: nothing,
        request,
    }
}

impl Case {
    fn after(self, setup: Setup) -> Case {
        Case { setup, ..self }
    }
}

fn cases() -> Vec<Case> {
    let big = vec![b' '; 65_537];
    vec![
        // ResendInvitation
        case(
            RESEND,
            200,
            manager(tenant_resend(1024, fixture::PENDING_ID)),
        ),
        case(RESEND, 400, manager(tenant_resend(1024, 0))),
        case(
            RESEND,
            400,
            manager(tenant_resend(1024, fixture::DECLINED_ID)),
        ),
        case(RESEND, 401, tenant_resend(1024, fixture::PENDING_ID)),
        case(
            RESEND,
            403,
            tenant_resend(1024, 1).bearer(fixture::ACME_VIEWER_KEY),
        ),
        case(RESEND, 403, manager(tenant_resend(2048, 1))),
        case(
            RESEND,
            404,
            manager(tenant_resend(1024, fixture::UNKNOWN_ID)),
        ),
        case(
            RESEND,
            500,
            manager(tenant_resend(1024, fixture::PENDING_ID)),
        )
        .after(fault_500),
        // GetUserInvitationByEmail
        case(BY_EMAIL, 200, manager(by_email(fixture::PENDING_EMAIL))),
        case(BY_EMAIL, 400, manager(by_email("nope"))),
        case(
            BY_EMAIL,
            401,
            by_email(fixture::PENDING_EMAIL).bearer("bad"),
        ),
        case(
            BY_EMAIL,
            403,
            by_email(fixture::PENDING_EMAIL).bearer(fixture::ACME_VIEWER_KEY),
        ),
        case(BY_EMAIL, 404, manager(by_email(fixture::GLOBEX_EMAIL))),
        case(BY_EMAIL, 500, manager(by_email(fixture::PENDING_EMAIL))).after(fault_500),
        // resendInvite
        case(IAM, 200, manager(iam_resend(fixture::CANCELLED_ID))),
        case(IAM, 200, manager(iam_resend_with(9002, "dryRun=true"))),
        case(IAM, 400, manager(iam_resend(9001).body("[1]"))),
        case(IAM, 401, iam_resend(9001)),
        case(IAM, 403, iam_resend(9001).bearer(fixture::ACME_VIEWER_KEY)),
        case(IAM, 404, manager(iam_resend(fixture::GLOBEX_PENDING_ID))),
        case(IAM, 409, keyed(9001, "first")).after(first_request_delayed),
        case(IAM, 413, manager(iam_resend(9001).body(big))),
        case(IAM, 422, keyed(9002, "first")).after(first_request_answered),
        case(IAM, 500, manager(iam_resend(9001))).after(fault_500),
    ]
}

#[test]
fn every_documented_status_of_every_operation_is_produced_and_valid() {
    let mut seen = BTreeSet::new();
    for Case {
        operation,
        status,
        setup,
        request,
    } in cases()
    {
        let mut core = core();
        setup(&mut core);
        let response = core.handle(&request);
        assert_eq!(
            response.status, status,
            "{operation}: {request:?} -> {response:?}"
        );
        check(operation, &response);
        seen.insert((operation.to_owned(), status));
    }
    let documented: BTreeSet<(String, u16)> = Spec::get()
        .operations()
        .into_iter()
        .flat_map(|op| op.statuses.into_iter().map(move |s| (op.id.clone(), s)))
        .collect();
    let missing: Vec<_> = documented.difference(&seen).collect();
    assert!(
        missing.is_empty(),
        "documented but never produced: {missing:?}"
    );
}

#[test]
fn an_idempotent_replay_is_valid_too() {
    let mut core = core();
    let request = manager(iam_resend(9001).header("Idempotency-Key", "schema"));
    core.handle(&request);
    let replay = core.handle(&request);
    assert_eq!(replay.header("idempotent-replayed"), Some("true"));
    check("resendInvite", &replay);
}

#[test]
fn the_validator_catches_a_drifted_body() {
    // Guards the tests above against passing vacuously.
    let mut core = core();
    let response = core.handle(&manager(by_email(fixture::PENDING_EMAIL)));
    let mut body = check("GetUserInvitationByEmail", &response);
    body["data"] = body["value"].take();
    body.as_object_mut().unwrap().remove("value");
    assert!(Spec::get()
        .validate_response("GetUserInvitationByEmail", 200, &body)
        .is_err());
    assert!(Spec::get()
        .validate_response("resendInvite", 418, &serde_json::json!({"error": "x"}))
        .is_err());
}
