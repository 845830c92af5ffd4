//! The rules of DESIGN.md, exercised on the transport-free core.

mod common;

use chrono::Duration;
use common::*;
use invitations_mock::core::{Clock, Core, CoreConfig, Request};
use invitations_mock::{fixture, Fault, Fixture, NewInvitation};
use invitations_sdk::InvitationStatus;
use serde_json::{json, Value};

const RESEND: &str = "ResendInvitation";
const BY_EMAIL: &str = "GetUserInvitationByEmail";
const IAM: &str = "resendInvite";

// ---------------------------------------------------------------- tenant resend

#[test]
fn tenant_resend_of_a_pending_invitation_rotates_token_resets_expiry_and_emails_once() {
    let mut core = core();
    let before = core.invitation(fixture::PENDING_ID).unwrap();
    core.advance(Duration::hours(1)).unwrap();
    let response = core.answer(
        &manager(tenant_resend(fixture::ACME_TENANT, fixture::PENDING_ID)),
        200,
    );
    let body = check(RESEND, &response);
    let value = &body["value"][0];
    assert_eq!(value["id"], fixture::PENDING_ID);
    assert_eq!(value["tenantId"], fixture::ACME_TENANT);
    assert_eq!(value["email"], fixture::PENDING_EMAIL);
    assert_eq!(value["status"], "Pending");
    let expected_expiry = t0() + Duration::hours(49);
    assert_eq!(
        value["expiresAt"]
            .as_str()
            .unwrap()
            .parse::<chrono::DateTime<chrono::Utc>>()
            .unwrap(),
        expected_expiry
    );
    assert!(!String::from_utf8_lossy(&response.body).contains(&before.token));

    let after = core.invitation(fixture::PENDING_ID).unwrap();
    assert_ne!(after.token, before.token, "a resend issues a new token");
    assert_eq!(after.expires_at, expected_expiry);
    let outbox = core.outbox();
    assert_eq!(outbox.len(), 1);
    assert_eq!(outbox[0].to, fixture::PENDING_EMAIL);
    assert_eq!(outbox[0].token, after.token);
    assert_eq!(outbox[0].tenant_id, fixture::ACME_TENANT);
    assert_eq!(
        core.accept(&before.token),
        Err(invitations_mock::AcceptError::UnknownToken)
    );
}

#[test]
fn tenant_resend_refuses_every_state_but_pending_and_changes_nothing() {
    for id in [
        fixture::DECLINED_ID,
        fixture::CANCELLED_ID,
        fixture::EXPIRED_ID,
    ] {
        let mut core = core();
        let before = core.invitation(id).unwrap();
        let response = core.handle(&manager(tenant_resend(fixture::ACME_TENANT, id)));
        assert_eq!(response.status, 400, "{id}");
        let body = check(RESEND, &response);
        assert_eq!(code(&body), "InvitationNotPending");
        assert_eq!(core.invitation(id).unwrap(), before);
        assert!(core.outbox().is_empty());
    }
}

#[test]
fn tenant_resend_404_for_unknown_ids_and_other_tenants_invitations() {
    let mut core = core();
    for id in [fixture::UNKNOWN_ID, fixture::GLOBEX_PENDING_ID] {
        let response = core.handle(&manager(tenant_resend(fixture::ACME_TENANT, id)));
        assert_eq!(response.status, 404, "{id}");
        assert_eq!(code(&check(RESEND, &response)), "NotFound");
    }
    assert_eq!(core.outbox_total(), 0);
}

#[test]
fn tenant_resend_403_for_tenants_the_key_does_not_manage_even_nonexistent_ones() {
    let mut core = core();
    for tenant in [
        fixture::GLOBEX_TENANT,
        5,
        invitations_mock::core::validate::MAX_ID,
    ] {
        let response = core.handle(&manager(tenant_resend(tenant, fixture::GLOBEX_PENDING_ID)));
        assert_eq!(response.status, 403, "{tenant}");
        assert_eq!(code(&check(RESEND, &response)), "Forbidden");
    }
    // Nothing tells an existing foreign tenant from a missing one.
    let foreign = core.handle(&manager(tenant_resend(fixture::GLOBEX_TENANT, 1)));
    let missing = core.handle(&manager(tenant_resend(5, 1)));
    let msg = |r: &invitations_mock::Response| check(RESEND, r)["error"]["message"].clone();
    assert_eq!(
        msg(&foreign).as_str().unwrap().replace("2048", "N"),
        msg(&missing).as_str().unwrap().replace('5', "N")
    );
}

#[test]
fn tenant_resend_validation_errors() {
    let mut core = core();
    let cases: Vec<(String, &str)> = vec![
        (
            "/tenant/1024/admin/user/invitation/resend".into(),
            "required",
        ),
        (
            "/tenant/1024/admin/user/invitation/resend?id=".into(),
            "required",
        ),
        (
            "/tenant/1024/admin/user/invitation/resend?id=abc".into(),
            "whole number",
        ),
        (
            "/tenant/1024/admin/user/invitation/resend?id=0".into(),
            "greater than 0",
        ),
        (
            "/tenant/1024/admin/user/invitation/resend?id=-9001".into(),
            "greater than 0",
        ),
        (
            "/tenant/1024/admin/user/invitation/resend?id=9223372036854775808".into(),
            "at most",
        ),
        (
            "/tenant/1024/admin/user/invitation/resend?id=1.5".into(),
            "whole number",
        ),
        (
            "/tenant/abc/admin/user/invitation/resend?id=9001".into(),
            "TenantId",
        ),
        (
            "/tenant//admin/user/invitation/resend?id=9001".into(),
            "TenantId",
        ),
        (
            "/tenant/0/admin/user/invitation/resend?id=9001".into(),
            "TenantId",
        ),
        (
            "/tenant/%FF/admin/user/invitation/resend?id=9001".into(),
            "UTF-8",
        ),
        (
            "/tenant/1024/admin/user/invitation/resend?id=1&id=2".into(),
            "more than once",
        ),
        (
            "/tenant/1024/admin/user/invitation/resend?id=%FF".into(),
            "UTF-8",
        ),
    ];
    for (target, needle) in cases {
        let response = core.handle(&manager(Request::new("PUT", &target)));
        assert_eq!(response.status, 400, "{target}");
        let body = check(RESEND, &response);
        assert_eq!(code(&body), "ValidationError", "{target}");
        assert!(
            body["error"]["info"].to_string().contains(needle),
            "{target}: {body}"
        );
    }
    assert_eq!(core.outbox_total(), 0);
}

// ---------------------------------------------------------------- by email

#[test]
fn by_email_finds_the_callers_pending_invitation_case_insensitively() {
    let mut core = core();
    for email in ["ada@example.com", "ADA@Example.COM", "ada%40example.com"] {
        let response = core.answer(&manager(by_email(email)), 200);
        let body = check(BY_EMAIL, &response);
        assert_eq!(body["value"]["id"], fixture::PENDING_ID);
        assert_eq!(body["value"]["status"], "Pending");
    }
}

#[test]
fn by_email_404_for_non_pending_and_other_tenants() {
    let mut core = core();
    for email in [
        "bob@example.com",
        "carol@example.com",
        "dave@example.com",
        fixture::GLOBEX_EMAIL,
        "nobody@example.com",
    ] {
        let response = core.answer(&manager(by_email(email)), 404);
        assert_eq!(code(&check(BY_EMAIL, &response)), "NotFound");
    }
    core.answer(
        &by_email(fixture::GLOBEX_EMAIL).bearer(fixture::GLOBEX_MANAGER_KEY),
        200,
    );
}

#[test]
fn by_email_returns_the_most_recent_pending_when_several() {
    let mut core = core();
    core.advance(Duration::minutes(5)).unwrap();
    let newer = core
        .create_invitation(NewInvitation::pending(
            fixture::ACME_TENANT,
            "Ada@example.com",
        ))
        .unwrap();
    let body = check(
        BY_EMAIL,
        &core.handle(&manager(by_email(fixture::PENDING_EMAIL))),
    );
    assert_eq!(body["value"]["id"], newer.id);
}

#[test]
fn by_email_validation_errors() {
    let mut core = core();
    let long = format!("{}@example.com", "a".repeat(243));
    assert_eq!(long.len(), 255);
    for query in [
        "".to_owned(),
        "email=".to_owned(),
        "email=not-an-address".to_owned(),
        "email=ada@".to_owned(),
        "email=a%20b@example.com".to_owned(),
        format!("email={long}"),
        "email=ada@example.com&email=bob@example.com".to_owned(),
        "email=%C3%28@example.com".to_owned(),
    ] {
        let target = format!("/tenant/admin/user/invitations_by_email?{query}");
        let response = core.handle(&manager(Request::new("GET", &target)));
        assert_eq!(response.status, 400, "{query}");
        assert_eq!(code(&check(BY_EMAIL, &response)), "ValidationError");
    }
}

#[test]
fn a_pending_invitation_past_its_expiry_reads_expired() {
    let mut core = core();
    core.advance(Duration::hours(49)).unwrap();
    assert_eq!(
        core.invitation(fixture::PENDING_ID)
            .unwrap()
            .effective_status(core.now()),
        InvitationStatus::Expired
    );
    core.answer(&manager(by_email(fixture::PENDING_EMAIL)), 404);
    let response = core.answer(
        &manager(tenant_resend(fixture::ACME_TENANT, fixture::PENDING_ID)),
        400,
    );
    assert!(check(RESEND, &response)["error"]["message"]
        .as_str()
        .unwrap()
        .contains("Expired"));
}

// ---------------------------------------------------------------- IAM resend

#[test]
fn iam_resend_reactivates_any_state() {
    for id in [
        fixture::PENDING_ID,
        fixture::DECLINED_ID,
        fixture::CANCELLED_ID,
        fixture::EXPIRED_ID,
    ] {
        let mut core = core();
        let before = core.invitation(id).unwrap();
        let response = core.answer(&manager(iam_resend(id)), 200);
        let body = check(IAM, &response);
        assert_eq!(body["inviteId"], id.to_string());
        let after = core.invitation(id).unwrap();
        assert_eq!(after.status, InvitationStatus::Pending);
        assert_eq!(
            after.effective_status(core.now()),
            InvitationStatus::Pending
        );
        assert_ne!(after.token, before.token);
        assert_eq!(after.expires_at, t0() + Duration::hours(48));
        assert_eq!(core.outbox().len(), 1);
        assert_eq!(core.outbox()[0].to, before.email);
        assert_eq!(core.accept(&after.token), Ok(id), "the new link works");
    }
}

#[test]
fn iam_resend_404_for_unknown_foreign_non_decimal_and_accepted_invites() {
    let mut core = core();
    let accepted = core.invitation(fixture::SECOND_PENDING_ID).unwrap();
    core.accept(&accepted.token).unwrap();
    let long_non_decimal = "x".repeat(128);
    for id in [
        fixture::UNKNOWN_ID.to_string(),
        fixture::GLOBEX_PENDING_ID.to_string(),
        fixture::SECOND_PENDING_ID.to_string(),
        "09001".into(),
        "abc".into(),
        "-9001".into(),
        "0".into(),
        "99999999999999999999".into(),
        long_non_decimal,
    ] {
        let response = core.handle(&manager(iam_resend(&id)));
        assert_eq!(response.status, 404, "{id}");
        check(IAM, &response);
    }
    assert_eq!(core.outbox_total(), 0);
    let globex =
        core.handle(&iam_resend(fixture::GLOBEX_PENDING_ID).bearer(fixture::GLOBEX_MANAGER_KEY));
    assert_eq!(globex.status, 200);
}

#[test]
fn iam_resend_validation_errors() {
    let mut core = core();
    let too_long = "1".repeat(129);
    let big_key = "k".repeat(256);
    let cases: Vec<(Request, &str)> = vec![
        (
            manager(Request::new("POST", "/iam/v1/users//actions/resend")),
            "empty",
        ),
        (manager(iam_resend(&too_long)), "at most 128"),
        (
            manager(Request::new("POST", "/iam/v1/users/%FF/actions/resend")),
            "UTF-8",
        ),
        (manager(iam_resend_with(9001, "dryRun=yes")), "dryRun"),
        (manager(iam_resend_with(9001, "dryRun=")), "dryRun"),
        (manager(iam_resend_with(9001, "dryRun=TRUE")), "dryRun"),
        (
            manager(iam_resend_with(9001, "dryRun=true&dryRun=true")),
            "more than once",
        ),
        (keyed(9001, ""), "empty"),
        (
            manager(iam_resend(9001).header("Idempotency-Key", big_key)),
            "at most 255",
        ),
        (
            manager(iam_resend(9001).header("Idempotency-Key", b"\xff")),
            "UTF-8",
        ),
        (manager(iam_resend(9001).body("[]")), "JSON object"),
        (manager(iam_resend(9001).body("null")), "JSON object"),
        (manager(iam_resend(9001).body("{")), "not valid JSON"),
        (
            manager(iam_resend(9001).body(b"\xff\xfe".to_vec())),
            "UTF-8",
        ),
    ];
    for (request, needle) in cases {
        let response = core.handle(&request);
        assert_eq!(response.status, 400, "{request:?}");
        let body = check(IAM, &response);
        assert!(body["error"].as_str().unwrap().contains(needle), "{body}");
    }
    assert_eq!(core.outbox_total(), 0);
}

#[test]
fn iam_resend_accepts_empty_object_and_limit_sized_bodies_but_413s_larger() {
    let mut core = core();
    for body in [&b""[..], b"{}", b" { } "] {
        core.answer(&manager(iam_resend(9001).body(body)), 200);
    }
    let padding = 65_536 - br#"{"a":""}"#.len();
    let exact = format!(r#"{{"a":"{}"}}"#, "x".repeat(padding));
    assert_eq!(exact.len(), 65_536);
    core.answer(&manager(iam_resend(9001).body(exact.clone())), 200);
    let over = format!(r#"{{"a":"{}"}}"#, "x".repeat(padding + 1));
    let response = core.answer(&manager(iam_resend(9001).body(over)), 413);
    check(IAM, &response);
}

#[test]
fn dry_run_validates_and_answers_alike_but_changes_nothing() {
    let mut core = core();
    let before = core.invitation(fixture::CANCELLED_ID).unwrap();
    let response = core.answer(&manager(iam_resend_with(9003, "dryRun=true")), 200);
    let body = check(IAM, &response);
    assert_eq!(body["inviteId"], "9003");
    assert_eq!(core.invitation(fixture::CANCELLED_ID).unwrap(), before);
    assert_eq!(core.outbox_total(), 0);
    // A dry run of something that does not exist fails like the real thing.
    core.answer(&manager(iam_resend_with(999999, "dryRun=true")), 404);
    core.answer(&manager(iam_resend_with(9003, "dryRun=false")), 200);
    assert_eq!(core.outbox_total(), 1);
}

#[test]
fn idempotency_key_replays_the_first_answer_without_resending() {
    let mut core = core();
    let request = keyed(fixture::CANCELLED_ID, "retry-1");
    let first = core.answer(&request, 200);
    let token = core.invitation(fixture::CANCELLED_ID).unwrap().token;
    // Even after the invitation is accepted, the retry sees the first answer.
    core.accept(&token).unwrap();
    let again = core.answer(&request, 200);
    assert_eq!(again.body, first.body);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(core.outbox_total(), 1);

    let other_invite = core.handle(&keyed(fixture::PENDING_ID, "retry-1"));
    // The same key for a different request: 422, as the IETF Idempotency-Key draft says.
    assert_eq!(other_invite.status, 422);
    assert!(iam_error(&other_invite).contains("Idempotency-Key"));
    let dry = core.answer(
        &manager(iam_resend_with(9003, "dryRun=true").header("Idempotency-Key", "retry-1")),
        422,
    );
    check(IAM, &dry);
    assert_eq!(core.outbox_total(), 1);
    // Keys are scoped to the API key.
    core.answer(
        &iam_resend(fixture::GLOBEX_PENDING_ID)
            .bearer(fixture::GLOBEX_MANAGER_KEY)
            .header("Idempotency-Key", "retry-1"),
        200,
    );
    assert_eq!(core.outbox_total(), 2);
}

#[test]
fn a_repeat_while_the_first_answer_is_delayed_is_409_then_replays() {
    let mut core = core();
    let request = keyed(fixture::CANCELLED_ID, "slow");
    // The transport holds the first answer back for the delay: the request is in flight.
    core.inject_fault(Fault::delay(std::time::Duration::from_secs(60)).times(1))
        .unwrap();
    let first = core.answer(&request, 200);
    assert_eq!(first.delay, Some(std::time::Duration::from_secs(60)));
    let during = core.answer(&request, 409);
    assert!(iam_error(&during).contains("retry"));
    // A different request with that key is still a 422, in flight or not.
    core.answer(&keyed(fixture::PENDING_ID, "slow"), 422);
    assert_eq!(core.outbox_total(), 1);

    // Once the (short) delay is over, the same request replays the first answer.
    core.inject_fault(Fault::delay(std::time::Duration::from_millis(20)).times(1))
        .unwrap();
    let quick = keyed(fixture::PENDING_ID, "quick");
    core.answer(&quick, 200);
    std::thread::sleep(std::time::Duration::from_millis(40));
    let replay = core.answer(&quick, 200);
    assert_eq!(replay.header("idempotent-replayed"), Some("true"));
    assert_eq!(core.outbox_total(), 2);
}

#[test]
fn only_successful_real_resends_are_recorded() {
    let mut core = core();
    let key = |r: Request| manager(r.header("Idempotency-Key", "k"));
    core.answer(&key(iam_resend(fixture::UNKNOWN_ID)), 404);
    core.answer(&key(iam_resend_with(9001, "dryRun=true")), 200);
    core.inject_fault(Fault::status(500).times(1)).unwrap();
    core.answer(&key(iam_resend(9001)), 500);
    assert_eq!(core.idempotency_records(), 0);
    core.answer(&key(iam_resend(9001)), 200);
    assert_eq!(core.idempotency_records(), 1);
    assert_eq!(core.outbox_total(), 1);
}

#[test]
fn idempotency_records_expire_after_24_hours_on_the_mock_clock() {
    let mut core = core();
    let request = keyed(9001, "day");
    core.handle(&request);
    core.advance(Duration::hours(23)).unwrap();
    core.handle(&request);
    assert_eq!(core.outbox_total(), 1);
    core.advance(Duration::hours(1)).unwrap();
    core.handle(&request);
    assert_eq!(core.outbox_total(), 2);
}

// ---------------------------------------------------------------- auth and check order

#[test]
fn auth_401_and_403_on_every_operation() {
    let mut core = core();
    let requests = [
        (RESEND, tenant_resend(1024, 9001)),
        (BY_EMAIL, by_email(fixture::PENDING_EMAIL)),
        (IAM, iam_resend(9001)),
    ];
    for (op, request) in requests {
        for auth in [
            None,
            Some("Bearer nope"),
            Some("Basic abc"),
            Some("Bearer"),
            Some("acme-manager-key"),
        ] {
            let mut r = request.clone();
            if let Some(auth) = auth {
                r = r.header("Authorization", auth);
            }
            let response = core.handle(&r);
            assert_eq!(response.status, 401, "{op} {auth:?}");
            assert_eq!(response.header("www-authenticate"), Some("Bearer"));
            let body = check(op, &response);
            if op != IAM {
                assert_eq!(code(&body), "Unauthorized");
            }
        }
        let response = core.handle(&request.clone().bearer(fixture::ACME_VIEWER_KEY));
        assert_eq!(response.status, 403, "{op}");
        check(op, &response);
    }
    assert_eq!(core.outbox_total(), 0);
}

#[test]
fn iam_check_order_401_403_413_400_404() {
    let mut core = core();
    let big = vec![b'x'; 70_000];
    let bad = |r: Request| r.body(big.clone()).header("Idempotency-Key", "");
    let unknown = "/iam/v1/users/nope/actions/resend?dryRun=maybe";
    let status = |core: &mut Core, r: Request| core.handle(&r).status;
    assert_eq!(status(&mut core, bad(Request::new("POST", unknown))), 401);
    assert_eq!(
        status(
            &mut core,
            bad(Request::new("POST", unknown).bearer(fixture::ACME_VIEWER_KEY))
        ),
        403
    );
    assert_eq!(
        status(&mut core, bad(manager(Request::new("POST", unknown)))),
        413
    );
    assert_eq!(
        status(&mut core, manager(Request::new("POST", unknown))),
        400
    );
    assert_eq!(
        status(
            &mut core,
            manager(Request::new("POST", "/iam/v1/users/nope/actions/resend"))
        ),
        404
    );
}

#[test]
fn by_email_check_order_401_403_400_400_404() {
    let mut core = core();
    let path = "/tenant/admin/user/invitations_by_email";
    let repeated = Request::new("GET", format!("{path}?email=x&email=ada@example.com"));
    let status = |core: &mut Core, r: Request| core.handle(&r).status;
    // The key is judged first, however malformed the query.
    assert_eq!(status(&mut core, repeated.clone()), 401);
    assert_eq!(status(&mut core, repeated.clone().bearer("nope")), 401);
    assert_eq!(
        status(&mut core, repeated.clone().bearer(fixture::ACME_VIEWER_KEY)),
        403
    );
    // Then the query, then the address in it.
    let response = core.answer(&manager(repeated), 400);
    assert!(check(BY_EMAIL, &response)
        .to_string()
        .contains("more than once"));
    let invalid = Request::new("GET", format!("{path}?email=not-an-address"));
    assert_eq!(status(&mut core, invalid.clone()), 401);
    let response = core.answer(&manager(invalid), 400);
    assert!(check(BY_EMAIL, &response)
        .to_string()
        .contains("not a valid email"));
    assert_eq!(
        status(&mut core, manager(by_email("nobody@example.com"))),
        404
    );
}

#[test]
fn tenant_check_order_401_403_400_403_404_400() {
    let mut core = core();
    let status = |core: &mut Core, r: Request| core.handle(&r).status;
    let invalid_and_foreign = Request::new("PUT", "/tenant/2048/admin/user/invitation/resend?id=0");
    assert_eq!(status(&mut core, invalid_and_foreign.clone()), 401);
    assert_eq!(
        status(
            &mut core,
            invalid_and_foreign.clone().bearer(fixture::ACME_VIEWER_KEY)
        ),
        403
    );
    let response = core.handle(&manager(invalid_and_foreign));
    assert_eq!(
        (response.status, code(&check(RESEND, &response)).to_owned()),
        (400, "ValidationError".into())
    );
    let response = core.handle(&manager(tenant_resend(2048, fixture::UNKNOWN_ID)));
    assert_eq!(
        (response.status, code(&check(RESEND, &response)).to_owned()),
        (403, "Forbidden".into())
    );
    assert_eq!(
        status(&mut core, manager(tenant_resend(1024, fixture::UNKNOWN_ID))),
        404
    );
    let response = core.handle(&manager(tenant_resend(1024, fixture::DECLINED_ID)));
    assert_eq!(code(&check(RESEND, &response)), "InvitationNotPending");
}

// ---------------------------------------------------------------- routing

#[test]
fn unknown_paths_404_in_the_surface_shape_and_wrong_methods_405_with_allow() {
    let mut core = core();
    for path in [
        "/tenant/x",
        "/iam/v1/users/1/actions",
        "/api/tenant/1024/invitations/resend",
        "/",
        "/tenant/1024/admin/user/invitation/resend/",
    ] {
        let response = core.handle(&manager(Request::new("PUT", path)));
        assert_eq!(response.status, 404, "{path}");
        let body = check_unrouted(path.as_bytes(), &response);
        if path.starts_with("/tenant/") {
            assert_eq!(code(&body), "NotFound");
        }
    }
    for (method, path, allow) in [
        (
            "GET",
            "/tenant/1024/admin/user/invitation/resend?id=9001",
            "PUT",
        ),
        (
            "POST",
            "/tenant/admin/user/invitations_by_email?email=ada@example.com",
            "GET",
        ),
        ("GET", "/iam/v1/users/9001/actions/resend", "POST"),
        ("DELETE", "/__admin/health", "GET"),
        ("GET", "/__admin/faults/", "x"),
    ] {
        let response = core.handle(&manager(Request::new(method, path)));
        if allow == "x" {
            assert_eq!(response.status, 404);
            continue;
        }
        assert_eq!(response.status, 405, "{method} {path}");
        assert_eq!(response.header("allow"), Some(allow));
        check_unrouted(path.as_bytes(), &response);
    }
    assert_eq!(core.outbox_total(), 0);
}

// ---------------------------------------------------------------- faults

#[test]
fn faults_answer_in_the_operations_shape_count_down_and_can_only_delay() {
    let mut core = core();
    core.inject_fault(Fault::status(503).operation(IAM).times(1))
        .unwrap();
    let response = core.answer(&manager(iam_resend(9001)), 503);
    assert!(response.json_body().unwrap()["error"].is_string());
    core.answer(&manager(iam_resend(9001)), 200);

    core.inject_fault(Fault::status(500).operation(RESEND))
        .unwrap();
    let response = core.handle(&manager(tenant_resend(1024, 9001)));
    assert_eq!(code(&check(RESEND, &response)), "InternalError");
    assert_eq!(
        core.handle(&manager(tenant_resend(1024, 9001))).status,
        500,
        "until cleared"
    );
    assert_eq!(
        core.handle(&manager(by_email(fixture::PENDING_EMAIL)))
            .status,
        200,
        "other operations unaffected"
    );
    core.clear_faults();

    let delay = std::time::Duration::from_millis(250);
    core.inject_fault(Fault::delay(delay).times(1)).unwrap();
    let response = core.answer(&manager(by_email(fixture::PENDING_EMAIL)), 200);
    assert_eq!(response.delay, Some(delay));
    assert_eq!(
        core.handle(&manager(by_email(fixture::PENDING_EMAIL)))
            .delay,
        None
    );
    assert!(core.inject_fault(Fault::status(302)).is_err());
}

// ---------------------------------------------------------------- admin API

fn admin(core: &mut Core, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let mut request = Request::new(method, path);
    if let Some(body) = body {
        request = request.body(body.to_string());
    }
    let response = core.handle(&request);
    let json = response.json_body().unwrap_or(Value::Null);
    (response.status, json)
}

/// An admin POST of `body` to `path`.
fn post(core: &mut Core, path: &str, body: Value) -> (u16, Value) {
    admin(core, "POST", path, Some(body))
}

#[test]
fn admin_health_invitations_and_accept() {
    let mut core = core();
    assert_eq!(
        admin(&mut core, "GET", "/__admin/health", None),
        (200, json!({"status": "ok"}))
    );
    let (status, list) = admin(&mut core, "GET", "/__admin/invitations", None);
    assert_eq!(status, 200);
    assert_eq!(list.as_array().unwrap().len(), 7);
    let (status, expired) = admin(&mut core, "GET", "/__admin/invitations/9004", None);
    assert_eq!(status, 200);
    assert_eq!(expired["status"], "Expired");
    assert_eq!(expired["storedStatus"], "Pending");
    for key in ["id", "tenantId", "email", "token", "createdAt", "expiresAt"] {
        assert!(!expired[key].is_null(), "{key} missing: {expired}");
    }
    assert_eq!(
        admin(&mut core, "GET", "/__admin/invitations/1", None).0,
        404
    );
    assert_eq!(
        admin(&mut core, "GET", "/__admin/invitations/x", None).0,
        400
    );

    let (status, created) = post(
        &mut core,
        "/__admin/invitations",
        json!({"tenantId": 2048, "email": "zoe@example.com"}),
    );
    assert_eq!(status, 201);
    assert_eq!(created["status"], "Pending");
    assert_eq!(created["expiresAt"], json!(t0() + Duration::hours(48)));
    let (status, err) = post(
        &mut core,
        "/__admin/invitations",
        json!({"tenantId": 77, "email": "zoe@example.com"}),
    );
    assert_eq!(status, 400);
    assert!(err["error"].as_str().unwrap().contains("tenant 77"));
    assert_eq!(
        post(
            &mut core,
            "/__admin/invitations",
            json!({"tenantId": 1024, "email": "x@example.com", "status": "Accepted"})
        )
        .0,
        400
    );

    let token = expired["token"].as_str().unwrap();
    assert_eq!(
        post(&mut core, "/__admin/accept", json!({"token": token})).0,
        409
    );
    let (status, _) = post(&mut core, "/__admin/accept", json!({"token": "stale"}));
    assert_eq!(status, 404);
    let token = created["token"].as_str().unwrap();
    let (status, accepted) = post(&mut core, "/__admin/accept", json!({"token": token}));
    assert_eq!(
        (status, accepted),
        (200, json!({"accepted": created["id"]}))
    );
    assert_eq!(
        post(&mut core, "/__admin/accept", json!({"token": token})).0,
        404
    );
    assert_eq!(
        post(&mut core, "/__admin/accept", json!({"tok": token})).0,
        400
    );
    assert_eq!(admin(&mut core, "POST", "/__admin/accept", None).0, 400);
}

#[test]
fn admin_outbox_clock_faults_reset_and_journal() {
    let mut core = core();
    core.handle(&manager(iam_resend(9001)));
    let response = core.handle(&Request::new("GET", "/__admin/outbox"));
    assert_eq!(response.header("x-outbox-total"), Some("1"));
    let outbox = response.json_body().unwrap();
    assert_eq!(outbox[0]["to"], fixture::PENDING_EMAIL);
    assert_eq!(outbox[0]["invitationId"], 9001);
    assert_eq!(outbox[0]["tenantId"], 1024);
    assert!(outbox[0]["token"].is_string() && outbox[0]["sentAt"].is_string());

    assert_eq!(
        admin(&mut core, "GET", "/__admin/clock", None),
        (200, json!({"now": t0()}))
    );
    let later = t0() + Duration::hours(49);
    assert_eq!(
        admin(
            &mut core,
            "PUT",
            "/__admin/clock",
            Some(json!({"now": later}))
        ),
        (200, json!({"now": later}))
    );
    assert_eq!(
        post(
            &mut core,
            "/__admin/clock/advance",
            json!({"seconds": 3600})
        ),
        (200, json!({"now": later + Duration::hours(1)}))
    );
    // Refused, the clock left alone: an advance that overflows, a time that is not one, a
    // time beyond what the mock's calendar holds.
    for (method, path, body) in [
        (
            "POST",
            "/__admin/clock/advance",
            json!({"seconds": i64::MAX}),
        ),
        ("PUT", "/__admin/clock", json!({"now": "yesterday"})),
        (
            "PUT",
            "/__admin/clock",
            json!({"now": "9999-01-01T00:00:00Z"}),
        ),
    ] {
        let (status, _) = admin(&mut core, method, path, Some(body.clone()));
        assert_eq!(status, 400, "{method} {path} {body}");
    }

    let (status, fault) = admin(
        &mut core,
        "POST",
        "/__admin/faults",
        Some(
            json!({"operation": "GetUserInvitationByEmail", "status": 500, "delayMs": 5, "times": 1}),
        ),
    );
    assert_eq!(status, 201);
    assert_eq!(fault["delayMs"], 5);
    assert_eq!(
        admin(&mut core, "GET", "/__admin/faults", None)
            .1
            .as_array()
            .unwrap()
            .len(),
        1
    );
    for refused in [
        json!({"operation": "nope", "status": 500}),
        json!({"status": 100}),
    ] {
        assert_eq!(
            post(&mut core, "/__admin/faults", refused.clone()).0,
            400,
            "{refused}"
        );
    }
    core.answer(&Request::new("DELETE", "/__admin/faults"), 204);
    assert!(core.faults().is_empty());

    assert_eq!(admin(&mut core, "POST", "/__admin/reset", None).0, 200);
    assert_eq!(core.outbox_total(), 0);
    assert_eq!(core.now(), t0(), "reset drops the clock offset");
    assert_eq!(core.invitations().len(), 7);

    core.handle(&manager(by_email(fixture::PENDING_EMAIL)));
    let token = core.invitation(9001).unwrap().token;
    core.handle(&Request::new("POST", "/__admin/accept").body(json!({"token": token}).to_string()));
    let journal = core.handle(&Request::new("GET", "/__admin/journal"));
    let text = String::from_utf8(journal.body.to_vec()).unwrap();
    assert!(
        !text.contains(&token)
            && !text.contains(fixture::ACME_MANAGER_KEY)
            && !text.contains("email="),
        "{text}"
    );
    let entries = journal.json_body().unwrap();
    let first = &entries[1];
    assert_eq!(first["method"], "GET");
    assert_eq!(first["path"], "/tenant/admin/user/invitations_by_email");
    assert_eq!(first["status"], 200);
    assert_eq!(first["operation"], BY_EMAIL);
    assert!(first["durationMicros"].is_u64() && first["at"].is_string());
}

#[test]
fn admin_is_loopback_only_unless_configured() {
    let mut core = core();
    let remote = Request::new("GET", "/__admin/invitations").from_loopback(false);
    let response = core.answer(&remote, 403);
    assert!(response.json_body().unwrap()["error"]
        .as_str()
        .unwrap()
        .contains("--admin-from-anywhere"));
    core.answer(
        &Request::new("POST", "/__admin/nope").from_loopback(false),
        403,
    );
    // The API itself is served to anyone.
    core.answer(
        &manager(by_email(fixture::PENDING_EMAIL)).from_loopback(false),
        200,
    );

    let mut open = configured(|c| c.admin_from_anywhere = true);
    assert_eq!(open.handle(&remote).status, 200);
}

#[test]
fn admin_refuses_bodies_over_the_limit() {
    let mut core = core();
    let response = core.handle(&Request::new("POST", "/__admin/faults").body(vec![b' '; 65_537]));
    assert_eq!(response.status, 413);
}

// ---------------------------------------------------------------- bounds

#[test]
fn outbox_journal_and_idempotency_records_stay_bounded() {
    let mut core = configured(|c| {
        c.outbox_capacity = 5;
        c.journal_capacity = 7;
        c.idempotency_capacity = 3;
    });
    for i in 0..50 {
        core.answer(&keyed(9001, format!("k{i}")), 200);
    }
    assert_eq!(core.outbox().len(), 5);
    assert_eq!(core.outbox_total(), 50);
    assert_eq!(core.journal().len(), 7);
    assert_eq!(core.idempotency_records(), 3);
    // The newest key still replays; an evicted one resends.
    core.handle(&keyed(9001, "k49"));
    assert_eq!(core.outbox_total(), 50);
    core.handle(&keyed(9001, "k0"));
    assert_eq!(core.outbox_total(), 51);
}

#[test]
fn debug_output_of_printed_things_never_holds_tokens() {
    let mut core = core();
    let response = core.handle(&Request::new("GET", "/__admin/invitations/9001"));
    let token = core.invitation(9001).unwrap().token;
    assert!(!format!("{response:?}").contains(&token));
    assert!(!format!("{core:?}").contains(&token));
    assert!(!format!("{:?}", core.invitations()).contains(&token));
    core.handle(&manager(iam_resend(9001)));
    let token = core.invitation(9001).unwrap().token;
    assert!(!format!("{:?}", core.outbox()).contains(&token));
    let handle = invitations_mock::MockHandle::from_core(core);
    assert!(!format!("{handle:?}").contains(&token));
}

#[test]
fn a_fixture_with_absolute_times_loads_as_written() {
    let text = include_str!("../fixtures/default.json").replace(
        r#""createdAt": "now-3h""#,
        r#""createdAt": "2024-01-01T00:00:00Z", "expiresAt": "2099-01-01T00:00:00Z""#,
    );
    let fixture = Fixture::from_json(&text).unwrap();
    let core = Core::with_config(fixture, CoreConfig::default(), Clock::fixed(t0()));
    let inv = core.invitation(fixture::PENDING_ID).unwrap();
    assert_eq!(inv.created_at.to_rfc3339(), "2024-01-01T00:00:00+00:00");
    assert_eq!(inv.expires_at.to_rfc3339(), "2099-01-01T00:00:00+00:00");
}

#[test]
fn a_poisoned_lock_does_not_take_the_mock_down() {
    let handle = invitations_mock::MockHandle::default();
    let poisoner = handle.clone();
    let result = std::thread::spawn(move || {
        poisoner.with_core(|_| panic!("a test helper panicked while holding the core"))
    })
    .join();
    assert!(result.is_err());
    let response = handle.handle(&manager(by_email(fixture::PENDING_EMAIL)));
    assert_eq!(response.status, 200);
    check(BY_EMAIL, &response);
}
