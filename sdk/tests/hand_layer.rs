//! Rules of the hand-written layer that `cargo xtask mutants` showed no other test pinned:
//! id arguments passed through unchanged, the length boundaries of ids and keys, what each
//! `Error` predicate says about every kind of error, the builder's settings, and how an
//! undocumented non-error status is reported.

mod common;

use std::num::NonZeroU64;
use std::time::Duration;

use common::{builder, closed_port_url, Spy};
use invitations_sdk::{
    BuildError, Client, Error, IntoId, IntoInviteId, InvitationStatus, RetryPolicy, StatusCode,
};
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

const BY_EMAIL: &str = "/tenant/admin/user/invitations_by_email";

fn api_error(status: u16, code: Option<&str>) -> Error {
    Error::Api {
        status: StatusCode::from_u16(status).unwrap(),
        code: code.map(str::to_owned),
        message: "a message".to_owned(),
        info: vec!["a detail".to_owned()],
        retry_after: Some(Duration::from_secs(7)),
    }
}

/// Every predicate of `err`, in a fixed order, so one assertion shows them all.
fn predicates(err: &Error) -> [(&'static str, bool); 8] {
    [
        ("not_found", err.is_not_found()),
        ("unauthorized", err.is_unauthorized()),
        ("forbidden", err.is_forbidden()),
        ("not_pending", err.is_not_pending()),
        ("timeout", err.is_timeout()),
        ("connect", err.is_connect()),
        ("decode", err.is_decode()),
        ("retryable", err.is_retryable()),
    ]
}

fn only(names: &[&str]) -> [(&'static str, bool); 8] {
    let all = [
        "not_found",
        "unauthorized",
        "forbidden",
        "not_pending",
        "timeout",
        "connect",
        "decode",
        "retryable",
    ];
    all.map(|name| (name, names.contains(&name)))
}

#[test]
fn every_id_form_passes_the_id_through_unchanged() {
    let owned = String::from("inv-42");
    assert_eq!((&owned).into_invite_id().unwrap(), "inv-42");
    assert_eq!(owned.clone().into_invite_id().unwrap(), "inv-42");
    assert_eq!("inv-42".into_invite_id().unwrap(), "inv-42");
    let nz = NonZeroU64::new(9001).unwrap();
    assert_eq!(nz.into_id("id").unwrap(), nz);
    assert_eq!(nz.into_invite_id().unwrap(), "9001");
    assert_eq!(77u32.into_invite_id().unwrap(), "77");
    assert_eq!(78usize.into_invite_id().unwrap(), "78");
    assert_eq!(79i32.into_invite_id().unwrap(), "79");
}

#[test]
fn invite_ids_are_1_to_128_characters() {
    for len in [1, 2, 127, 128] {
        let id = "é".repeat(len);
        assert_eq!(
            id.as_str().into_invite_id().unwrap(),
            id,
            "{len} characters"
        );
    }
    for (id, chars) in [(String::new(), 0), ("é".repeat(129), 129)] {
        let err = (&id).into_invite_id().unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("invalid id: must be 1 to 128 characters, got {chars}")
        );
    }
}

#[tokio::test]
async fn idempotency_keys_of_1_and_255_characters_are_sent_as_given() {
    let server = MockServer::start().await;
    let spy = Spy::default();
    spy.mount(&server).await;
    Mock::given(path("/iam/v1/users/9001/actions/resend"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({"inviteId": "9001", "message": "ok"})),
        )
        .mount(&server)
        .await;
    let client = builder(&server.uri(), "k").build().unwrap();
    for key in ["k".to_owned(), "a b".to_owned(), "x".repeat(255)] {
        client
            .resend_invite(9001)
            .idempotency_key(key.clone())
            .await
            .unwrap();
        let sent = spy.requests().pop().unwrap();
        assert_eq!(common::header(&sent, "idempotency-key"), Some(key.as_str()));
    }
    let before = spy.requests().len();
    let err = client
        .resend_invite(9001)
        .idempotency_key("x".repeat(256))
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid idempotency_key: must be 1 to 255 characters, got 256"
    );
    assert_eq!(spy.requests().len(), before, "nothing is sent");
}

#[test]
fn api_error_accessors_and_predicates() {
    let err = api_error(404, Some("NotFound"));
    assert_eq!(err.status(), Some(StatusCode::NOT_FOUND));
    assert_eq!(err.code(), Some("NotFound"));
    assert_eq!(err.message(), Some("a message"));
    assert_eq!(err.info(), ["a detail".to_owned()]);
    assert_eq!(err.retry_after(), Some(Duration::from_secs(7)));
    assert_eq!(predicates(&err), only(&["not_found"]));

    assert_eq!(
        predicates(&api_error(401, Some("Unauthorized"))),
        only(&["unauthorized"])
    );
    assert_eq!(predicates(&api_error(403, None)), only(&["forbidden"]));
    assert_eq!(
        predicates(&api_error(400, Some("InvitationNotPending"))),
        only(&["not_pending"])
    );
    assert_eq!(
        predicates(&api_error(400, Some("ValidationError"))),
        only(&[])
    );
    assert_eq!(predicates(&api_error(503, None)), only(&["retryable"]));
    assert_eq!(predicates(&api_error(500, None)), only(&[]));
}

#[test]
fn errors_without_a_response_have_no_api_details() {
    let decode = Error::Decode {
        operation: "resendInvite",
        status: Some(StatusCode::OK),
        reason: "bad".to_owned(),
        excerpt: "{}".to_owned(),
    };
    assert_eq!(decode.status(), Some(StatusCode::OK));
    assert_eq!(predicates(&decode), only(&["decode"]));
    let invalid = Error::InvalidArgument {
        name: "id",
        reason: "bad".to_owned(),
    };
    assert_eq!(predicates(&invalid), only(&[]));
    for err in [&decode, &invalid] {
        assert_eq!(err.code(), None);
        assert_eq!(err.message(), None);
        assert!(err.info().is_empty());
        assert_eq!(err.retry_after(), None);
    }
    assert_eq!(invalid.status(), None);
}

#[tokio::test]
async fn a_connection_failure_is_only_connect_and_retryable() {
    let client = builder(&closed_port_url(), "k")
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let err = client.invitation_by_email("a@b.c").await.unwrap_err();
    assert_eq!(predicates(&err), only(&["connect", "retryable"]), "{err:?}");
    assert_eq!(err.status(), None);
    assert_eq!(err.code(), None);
    assert_eq!(err.message(), None);
}

#[tokio::test]
async fn a_timeout_is_only_a_timeout() {
    let server = MockServer::start().await;
    Mock::given(path(BY_EMAIL))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(3)))
        .mount(&server)
        .await;
    let client = builder(&server.uri(), "k")
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let err = client.invitation_by_email("a@b.c").await.unwrap_err();
    assert_eq!(predicates(&err), only(&["timeout"]), "{err:?}");
}

#[tokio::test]
async fn undocumented_non_error_statuses_are_decode_errors() {
    for status in [201, 300] {
        let server = MockServer::start().await;
        Mock::given(path(BY_EMAIL))
            .respond_with(ResponseTemplate::new(status).set_body_string("odd"))
            .mount(&server)
            .await;
        let client = builder(&server.uri(), "k").build().unwrap();
        let err = client.invitation_by_email("a@b.c").await.unwrap_err();
        assert!(
            matches!(err, Error::Decode { status: Some(s), .. } if s.as_u16() == status),
            "{status}: {err:?}"
        );
        assert!(err.to_string().contains("undocumented status"), "{err}");
    }
}

#[tokio::test]
async fn an_undocumented_error_without_a_body_carries_the_reason_phrase() {
    let server = MockServer::start().await;
    Mock::given(path(BY_EMAIL))
        .respond_with(ResponseTemplate::new(418))
        .mount(&server)
        .await;
    let client = builder(&server.uri(), "k").build().unwrap();
    let err = client.invitation_by_email("a@b.c").await.unwrap_err();
    assert_eq!(err.message(), Some("I'm a teapot"), "{err:?}");
}

#[test]
fn builder_settings_reach_the_client() {
    let client = Client::builder()
        .base_url("https://api.example.com")
        .api_key("k")
        .connect_timeout(Duration::from_millis(1234))
        .timeout(Duration::from_millis(5678))
        .user_agent("probe/9.9")
        .retry(RetryPolicy::default().with_max_attempts(4))
        .build()
        .unwrap();
    let shown = format!("{client:?}");
    for part in [
        "base_url: \"https://api.example.com\"",
        "api_key: \"<redacted>\"",
        "connect_timeout: 1.234s",
        "timeout: 5.678s",
        "user_agent: \"probe/9.9\"",
        "max_attempts: 4",
    ] {
        assert!(shown.contains(part), "{part} missing in {shown}");
    }
    assert_eq!(client.retry_policy().max_attempts(), 4);

    let client = Client::builder()
        .base_url("http://h")
        .max_attempts(6)
        .build()
        .unwrap();
    assert_eq!(client.retry_policy().max_attempts(), 6);
    assert!(format!("{client:?}").contains("api_key: \"<none>\""));

    let shown = format!("{:?}", Client::builder().api_key("sk-hidden"));
    assert!(
        shown.contains("<redacted>") && !shown.contains("sk-hidden"),
        "{shown}"
    );
}

#[test]
fn base_urls_with_credentials_a_query_or_a_fragment_are_refused() {
    for (bad, reason) in [
        ("http://user@example.com", "credentials"),
        ("http://:secret@example.com", "credentials"),
        ("http://example.com/#top", "query or a fragment"),
        ("http://example.com/?a=1", "query or a fragment"),
        ("http://", "empty host"),
        ("https:///", "empty host"),
    ] {
        let err = Client::builder().base_url(bad).build().unwrap_err();
        assert!(
            matches!(&err, BuildError::InvalidBaseUrl { reason: r, .. } if r.contains(reason)),
            "{bad}: {err:?}"
        );
    }
}

#[test]
fn retry_policy_settings_are_kept() {
    let policy = RetryPolicy::default()
        .with_max_attempts(5)
        .with_base_delay(Duration::from_millis(125));
    assert_eq!(policy.max_attempts(), 5);
    assert_eq!(policy.base_delay(), Duration::from_millis(125));
    assert_eq!(RetryPolicy::none().max_attempts(), 1);
    assert_eq!(
        RetryPolicy::default().base_delay(),
        Duration::from_millis(200)
    );
}

#[test]
fn status_displays_its_wire_value() {
    for (status, text) in [
        (InvitationStatus::Pending, "Pending"),
        (InvitationStatus::Declined, "Declined"),
        (InvitationStatus::Cancelled, "Cancelled"),
        (InvitationStatus::Expired, "Expired"),
        (InvitationStatus::Unknown("Later".into()), "Later"),
    ] {
        assert_eq!(status.to_string(), text);
        assert_eq!(status.as_str(), text);
        assert_eq!(text.parse::<InvitationStatus>().unwrap(), status);
    }
}

#[test]
fn status_schema_is_an_open_documented_string() {
    let schema = serde_json::to_value(schemars::schema_for!(InvitationStatus)).unwrap();
    assert_eq!(
        schema,
        serde_json::json!({
            "$schema": "http://json-schema.org/draft-07/schema#",
            "title": "InvitationStatus",
            "description": "Pending, Declined, Cancelled or Expired; later values are kept as they are.",
            "type": "string",
        })
    );
}
