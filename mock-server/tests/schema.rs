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
    let first = core.handle(&manager(
        iam_resend(9001).header("Idempotency-Key", "first"),
    ));
    assert_eq!(first.status, 200);
}
/// A resend of 9001 with key `first`, answered.
fn first_request_answered(core: &mut Core) {
    let first = core.handle(&manager(
        iam_resend(9001).header("Idempotency-Key", "first"),
    ));
    assert_eq!(first.status, 200);
}

fn cases() -> Vec<(&'static str, u16, Setup, Request)> {
    let big = vec![b' '; 65_537];
    vec![
        // ResendInvitation
        (
            "ResendInvitation",
            200,
            nothing,
            manager(tenant_resend(1024, fixture::PENDING_ID)),
        ),
        (
            "ResendInvitation",
            400,
            nothing,
            manager(tenant_resend(1024, 0)),
        ),
        (
            "ResendInvitation",
            400,
            nothing,
            manager(tenant_resend(1024, fixture::DECLINED_ID)),
        ),
        (
            "ResendInvitation",
            401,
            nothing,
            tenant_resend(1024, fixture::PENDING_ID),
        ),
        (
            "ResendInvitation",
            403,
            nothing,
            tenant_resend(1024, 1).bearer(fixture::ACME_VIEWER_KEY),
        ),
        (
            "ResendInvitation",
            403,
            nothing,
            manager(tenant_resend(2048, 1)),
        ),
        (
            "ResendInvitation",
            404,
            nothing,
            manager(tenant_resend(1024, fixture::UNKNOWN_ID)),
        ),
        (
            "ResendInvitation",
            500,
            fault_500,
            manager(tenant_resend(1024, fixture::PENDING_ID)),
        ),
        // GetUserInvitationByEmail
        (
            "GetUserInvitationByEmail",
            200,
            nothing,
            manager(by_email(fixture::PENDING_EMAIL)),
        ),
        (
            "GetUserInvitationByEmail",
            400,
            nothing,
            manager(by_email("nope")),
        ),
        (
            "GetUserInvitationByEmail",
            401,
            nothing,
            by_email(fixture::PENDING_EMAIL).bearer("bad"),
        ),
        (
            "GetUserInvitationByEmail",
            403,
            nothing,
            by_email(fixture::PENDING_EMAIL).bearer(fixture::ACME_VIEWER_KEY),
        ),
        (
            "GetUserInvitationByEmail",
            404,
            nothing,
            manager(by_email(fixture::GLOBEX_EMAIL)),
        ),
        (
            "GetUserInvitationByEmail",
            500,
            fault_500,
            manager(by_email(fixture::PENDING_EMAIL)),
        ),
        // resendInvite
        (
            "resendInvite",
            200,
            nothing,
            manager(iam_resend(fixture::CANCELLED_ID)),
        ),
        (
            "resendInvite",
            200,
            nothing,
            manager(Request::new(
                "POST",
                "/iam/v1/users/9002/actions/resend?dryRun=true",
            )),
        ),
        (
            "resendInvite",
            400,
            nothing,
            manager(iam_resend(9001).body("[1]")),
        ),
        ("resendInvite", 401, nothing, iam_resend(9001)),
        (
            "resendInvite",
            403,
            nothing,
            iam_resend(9001).bearer(fixture::ACME_VIEWER_KEY),
        ),
        (
            "resendInvite",
            404,
            nothing,
            manager(iam_resend(fixture::GLOBEX_PENDING_ID)),
        ),
        (
            "resendInvite",
            409,
            first_request_delayed,
            manager(iam_resend(9001).header("Idempotency-Key", "first")),
        ),
        (
            "resendInvite",
            413,
            nothing,
            manager(iam_resend(9001).body(big)),
        ),
        (
            "resendInvite",
            422,
            first_request_answered,
            manager(iam_resend(9002).header("Idempotency-Key", "first")),
        ),
        ("resendInvite", 500, fault_500, manager(iam_resend(9001))),
    ]
}

#[test]
fn every_documented_status_of_every_operation_is_produced_and_valid() {
    let mut seen = BTreeSet::new();
    for (operation, status, setup, request) in cases() {
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
