//! Rules of the mock core that `cargo xtask mutants` showed no other test pinned: every
//! length and range boundary, the authentication answers word for word, the body limit, the
//! outbox counters, fixture loading and id allocation, and `Debug` output without tokens.

mod common;

use chrono::Duration;
use common::*;
use invitations_mock::core::validate::{parse_positive_id, validate_email, EmailError};
use invitations_mock::core::{Clock, Core, CoreConfig, Request, Response};
use invitations_mock::fixture::{self, ApiKeyFixture, FixtureTime, InvitationFixture};
use invitations_mock::{Fixture, NewInvitation};
use invitations_sdk::InvitationStatus;
use serde_json::Value;

fn body(response: &Response) -> Value {
    serde_json::from_slice(&response.body).unwrap()
}

fn iam_message(response: &Response) -> String {
    body(response)["error"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

fn core_with(fixture: Fixture, config: CoreConfig) -> Core {
    Core::with_config(fixture, config, Clock::fixed(t0()))
}

// ---------------------------------------------------------------- email and id rules

#[test]
fn email_length_boundaries() {
    let domain = format!(
        "{}.{}.{}.com",
        "b".repeat(63),
        "c".repeat(63),
        "d".repeat(57)
    );
    let at_limit = format!("{}@{domain}", "a".repeat(64));
    assert_eq!(at_limit.len(), 254);
    assert_eq!(validate_email(&at_limit), Ok(()), "{at_limit}");
    let over = format!("x{at_limit}");
    assert_eq!(validate_email(&over), Err(EmailError::TooLong(255)));
    assert_eq!(validate_email("a@b"), Err(EmailError::Malformed));
    assert_eq!(validate_email("ab"), Err(EmailError::TooShort));
}

#[test]
fn local_part_and_domain_label_boundaries() {
    // (address, valid): each length at and past its limit, then the label rules.
    let cases = [
        (format!("{}@example.com", "l".repeat(64)), true),
        (format!("{}@example.com", "l".repeat(65)), false),
        (format!("ada@{}.com", "d".repeat(63)), true),
        (format!("ada@{}.com", "d".repeat(64)), false),
        ("ada@a-b.example.com".to_owned(), true),
        ("ada@x.io".to_owned(), true),
        ("ada@example.c0m".to_owned(), true),
        ("ada@example-.com".to_owned(), false),
        ("ada@-example.com".to_owned(), false),
        ("ada@exa_mple.com".to_owned(), false),
        ("ada@example.123".to_owned(), false),
        ("ada@localhost".to_owned(), false),
        ("a..b@example.com".to_owned(), false),
        ("a(b@example.com".to_owned(), false),
        ("@example.com".to_owned(), false),
    ];
    for (email, valid) in &cases {
        let expected = if *valid {
            Ok(())
        } else {
            Err(EmailError::Malformed)
        };
        assert_eq!(validate_email(email), expected, "{email}");
    }
}

#[test]
fn negative_and_malformed_ids_get_distinct_messages() {
    for (raw, message) in [
        ("-", "must be a whole number"),
        ("-1", "must be greater than 0"),
        ("-12", "must be greater than 0"),
        ("-a", "must be a whole number"),
        ("1-", "must be a whole number"),
        ("0", "must be greater than 0"),
        ("", "is required"),
    ] {
        let err = parse_positive_id("Id", raw).unwrap_err();
        assert!(err.ends_with(&format!("{message}.")), "{raw:?}: {err}");
    }
    assert_eq!(parse_positive_id("Id", "1"), Ok(1));
}

// ---------------------------------------------------------------- authentication

#[test]
fn authentication_failures_say_what_to_do() {
    let mut core = core();
    let cases = [
        (None, 401, "Missing API key"),
        (
            Some("Basic acme-manager-key"),
            401,
            "Malformed Authorization header",
        ),
        (Some("Bearer nope"), 401, "Invalid API key"),
        (
            Some("Bearer acme-viewer-key"),
            403,
            "The API key lacks the usersManager permission; use a key that has it.",
        ),
    ];
    for (header, status, message) in cases {
        let with = |request: Request| match header {
            Some(value) => request.header("Authorization", value),
            None => request,
        };
        let iam = core.handle(&with(iam_resend(fixture::PENDING_ID)));
        assert_eq!(iam.status, status, "{header:?}");
        assert!(
            iam_message(&iam).starts_with(message),
            "{header:?}: {iam:?}"
        );
        let tenant = core.handle(&with(tenant_resend(
            fixture::ACME_TENANT,
            fixture::PENDING_ID,
        )));
        assert_eq!(tenant.status, status, "{header:?}");
        let tenant_body = body(&tenant);
        assert!(
            tenant_body["error"]["message"]
                .as_str()
                .unwrap()
                .starts_with(message),
            "{header:?}: {tenant_body}"
        );
        let expected_code = if status == 401 {
            "Unauthorized"
        } else {
            "Forbidden"
        };
        assert_eq!(code(&tenant_body), expected_code);
        // RFC 6750 §3: a 401 names the scheme; a 403 is not a challenge.
        let challenge = (status == 401).then_some("Bearer");
        assert_eq!(iam.header("www-authenticate"), challenge, "{header:?}");
        assert_eq!(tenant.header("www-authenticate"), challenge, "{header:?}");
    }
}

#[test]
fn a_key_listing_a_tenant_that_does_not_exist_is_forbidden_there() {
    let mut fixture = Fixture::default();
    fixture.api_keys.push(ApiKeyFixture {
        key: "ghost-key".to_owned(),
        tenants: vec![fixture::ACME_TENANT, 4096],
        permissions: vec!["usersManager".to_owned()],
        description: String::new(),
    });
    let mut core = core_with(fixture, CoreConfig::default());
    let response = core.handle(&tenant_resend(4096, fixture::PENDING_ID).bearer("ghost-key"));
    assert_eq!(response.status, 403);
    let response =
        core.handle(&tenant_resend(fixture::ACME_TENANT, fixture::PENDING_ID).bearer("ghost-key"));
    assert_eq!(response.status, 200);
}

// ---------------------------------------------------------------- IAM request limits

#[test]
fn invite_id_of_128_characters_is_looked_up_and_129_is_refused() {
    let mut core = core();
    let response = core.handle(&manager(iam_resend("9".repeat(128))));
    assert_eq!(response.status, 404, "{response:?}");
    let response = core.handle(&manager(iam_resend("9".repeat(129))));
    assert_eq!(response.status, 400);
    assert!(iam_message(&response).contains("at most 128 characters (got 129)"));
    // Characters, not bytes: 128 percent-encoded two-byte characters are within the limit.
    let response = core.handle(&manager(iam_resend("%C3%A9".repeat(128))));
    assert_eq!(response.status, 404, "{response:?}");
    let response = core.handle(&manager(iam_resend("%C3%A9".repeat(129))));
    assert!(iam_message(&response).contains("at most 128 characters (got 129)"));
}

#[test]
fn non_canonical_invite_ids_name_no_invitation() {
    let mut core = core();
    for id in ["09001", "+9001", "9001.0"] {
        core.answer(&manager(iam_resend(id)), 404);
    }
    core.answer(&manager(iam_resend(fixture::PENDING_ID)), 200);
}

#[test]
fn idempotency_key_boundaries() {
    let mut core = core();
    let send = |core: &mut Core, key: &str| {
        core.handle(&manager(iam_resend(fixture::PENDING_ID)).header("Idempotency-Key", key))
    };
    let longest = "k".repeat(255);
    let first = send(&mut core, &longest);
    assert_eq!(first.status, 200);
    let again = send(&mut core, &longest);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(core.outbox().len(), 1, "the repeat sent nothing");

    // Different keys are different requests: each one resends.
    assert_eq!(send(&mut core, "a").header("idempotent-replayed"), None);
    assert_eq!(send(&mut core, "b").header("idempotent-replayed"), None);
    assert_eq!(core.outbox().len(), 3);

    let response = send(&mut core, &"k".repeat(256));
    assert_eq!(response.status, 400);
    assert!(iam_message(&response).contains("at most 255 characters (got 256)"));
    let response = send(&mut core, "");
    assert_eq!(response.status, 400);
    assert!(iam_message(&response).contains("must not be empty"));
    assert_eq!(core.outbox().len(), 3);

    // The limit counts characters, not bytes: 255 two-byte characters are within it.
    assert_eq!(send(&mut core, &"é".repeat(255)).status, 200);
    let response = send(&mut core, &"é".repeat(256));
    assert_eq!(response.status, 400);
    assert!(iam_message(&response).contains("at most 255 characters (got 256)"));
    assert_eq!(core.outbox().len(), 4);
}

#[test]
fn a_body_of_exactly_the_limit_is_accepted() {
    let mut core = configured(|c| c.max_body_bytes = 64);
    let padded = |len: usize| format!("{{{}}}", " ".repeat(len - 2));
    let response = core.handle(&manager(iam_resend(fixture::PENDING_ID)).body(padded(64)));
    assert_eq!(response.status, 200, "{response:?}");
    let response = core.handle(&manager(iam_resend(fixture::PENDING_ID)).body(padded(65)));
    assert_eq!(response.status, 413);
    assert!(iam_message(&response).contains("64-byte limit"));
}

#[test]
fn idempotency_records_are_forgotten_after_their_lifetime() {
    let mut core = configured(|c| c.idempotency_ttl = Duration::hours(1));
    let send = |core: &mut Core, key: &str| {
        core.handle(&manager(iam_resend(fixture::PENDING_ID)).header("Idempotency-Key", key))
    };
    send(&mut core, "a");
    send(&mut core, "b");
    assert_eq!(core.idempotency_records(), 2);
    core.advance(Duration::hours(1)).unwrap();
    send(&mut core, "c");
    assert_eq!(core.idempotency_records(), 1, "a and b expired");
    let again = send(&mut core, "a");
    assert_eq!(again.header("idempotent-replayed"), None);
    assert_eq!(core.outbox().len(), 4);
}

#[test]
fn idempotency_records_stay_within_their_bound() {
    let mut core = configured(|c| c.idempotency_capacity = 5);
    for i in 0..200 {
        let response = core.handle(
            &manager(iam_resend(fixture::PENDING_ID)).header("Idempotency-Key", format!("key-{i}")),
        );
        assert_eq!(response.status, 200);
        assert!(core.idempotency_records() <= 5, "after {i}");
    }
    assert_eq!(core.idempotency_records(), 5);
}

// ---------------------------------------------------------------- outbox and store

#[test]
fn the_outbox_keeps_the_most_recent_and_counts_every_email() {
    let mut core = configured(|c| c.outbox_capacity = 2);
    for id in [
        fixture::PENDING_ID,
        fixture::DECLINED_ID,
        fixture::CANCELLED_ID,
    ] {
        core.answer(&manager(iam_resend(id)), 200);
    }
    assert_eq!(core.outbox_total(), 3);
    let recent: Vec<u64> = core.outbox().iter().map(|e| e.invitation_id).collect();
    assert_eq!(recent, [fixture::DECLINED_ID, fixture::CANCELLED_ID]);
}

#[test]
fn an_outbox_of_capacity_zero_keeps_nothing_but_still_counts() {
    let mut core = configured(|c| c.outbox_capacity = 0);
    for _ in 0..3 {
        core.answer(&manager(iam_resend(fixture::PENDING_ID)), 200);
    }
    assert!(core.outbox().is_empty());
    assert_eq!(core.outbox_total(), 3);
}

fn invitation(id: u64, email: &str) -> InvitationFixture {
    InvitationFixture {
        id,
        tenant_id: fixture::ACME_TENANT,
        email: email.to_owned(),
        status: InvitationStatus::Pending,
        created_at: FixtureTime::hours_ago(1),
        expires_at: None,
    }
}

#[test]
fn fixture_entries_that_break_the_rules_are_skipped_and_ids_continue_after_the_largest() {
    let fixture = Fixture {
        invitations: vec![
            invitation(7, "seven@example.com"),
            invitation(3, "three@example.com"),
            invitation(1, "one@example.com"),
            invitation(0, "zero@example.com"),
            invitation(
                invitations_mock::core::validate::MAX_ID + 1,
                "beyond-int64@example.com",
            ),
            invitation(5, "not an email"),
        ],
        ..Fixture::default()
    };
    let mut core = core_with(fixture, CoreConfig::default());
    let ids: Vec<u64> = core.invitations().iter().map(|i| i.id).collect();
    assert_eq!(ids, [1, 3, 7]);
    // Each new id follows the largest one loaded.
    for (email, id) in [("new@example.com", 8), ("next@example.com", 9)] {
        let new = NewInvitation::pending(fixture::ACME_TENANT, email);
        assert_eq!(core.create_invitation(new).unwrap().id, id, "{email}");
    }
    assert_eq!(core.invitations().len(), 5);
}

#[test]
fn an_invitation_expires_at_its_expiry_instant() {
    let mut core = core();
    let expires_at = core.invitation(fixture::PENDING_ID).unwrap().expires_at;
    let lookup = |core: &mut Core| {
        core.handle(&manager(by_email(fixture::PENDING_EMAIL)))
            .status
    };
    core.set_now(expires_at - Duration::seconds(1)).unwrap();
    assert_eq!(lookup(&mut core), 200);
    core.set_now(expires_at).unwrap();
    assert_eq!(lookup(&mut core), 404);
    assert_eq!(
        core.invitation(fixture::PENDING_ID)
            .unwrap()
            .effective_status(expires_at),
        InvitationStatus::Expired
    );
}

/// `shown` (a `Debug` output) holds each of `parts`, and never `token`.
#[track_caller]
fn shows_all_but(shown: &str, parts: &[&str], token: &str) {
    assert!(!shown.contains(token), "{shown}");
    for part in parts {
        assert!(shown.contains(part), "{part} missing in {shown}");
    }
}

#[test]
fn debug_output_shows_the_fields_but_never_a_token() {
    let mut core = core();
    let record = core.invitation(fixture::PENDING_ID).unwrap();
    let parts = [
        "InvitationRecord",
        "id: 9001",
        "tenant_id: 1024",
        "ada@example.com",
        "token: \"<redacted>\"",
        "Pending",
    ];
    shows_all_but(&format!("{record:?}"), &parts, &record.token);
    core.handle(&manager(iam_resend(fixture::PENDING_ID)));
    let email = core.outbox().pop().unwrap();
    let parts = [
        "SentEmail",
        "to: \"ada@example.com\"",
        "invitation_id: 9001",
        "tenant_id: 1024",
        "token: \"<redacted>\"",
        "sent_at",
    ];
    shows_all_but(&format!("{email:?}"), &parts, &email.token);
}

#[test]
fn the_core_shows_what_it_was_given_and_its_counts() {
    let mut fixture = Fixture::default();
    fixture.invitations.truncate(2);
    let config = CoreConfig {
        journal_capacity: 7,
        ..CoreConfig::default()
    };
    let mut core = core_with(fixture.clone(), config.clone());
    assert_eq!(core.fixture(), &fixture);
    assert_eq!(core.config(), &config);
    let fault = invitations_mock::Fault::status(503)
        .operation("resendInvite")
        .times(2);
    core.inject_fault(fault.clone()).unwrap();
    assert_eq!(core.faults(), [fault]);
    core.handle(&manager(iam_resend(fixture::PENDING_ID)));
    let shown = format!("{core:?}");
    for part in [
        "Core {",
        "journal_capacity: 7",
        "invitations: 2",
        "outbox_total: 0",
        "idempotency_records: 0",
        "faults: 1",
    ] {
        assert!(shown.contains(part), "{part} missing in {shown}");
    }
}
