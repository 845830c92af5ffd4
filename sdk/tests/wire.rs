//! The hand-written layer against plain wiremock stubs: what goes on the wire, how every
//! kind of answer maps to a value or an [`Error`], timeouts and retries.

mod common;

use std::time::{Duration, Instant};

use common::{builder, closed_port_url, failure, header, invitation, success, Spy};
use invitations_sdk::{Error, InvitationStatus, RetryPolicy, StatusCode, DEFAULT_USER_AGENT};
use serde_json::json;
use wiremock::matchers::{body_json, header as has_header, method, path, query_param};
use wiremock::{Mock, MockBuilder, MockServer, ResponseTemplate};

const BY_EMAIL: &str = "/tenant/admin/user/invitations_by_email";
const TENANT_RESEND: &str = "/tenant/1024/admin/user/invitation/resend";
const IAM_RESEND: &str = "/iam/v1/users/9001/actions/resend";

async fn server() -> (MockServer, Spy) {
    let server = MockServer::start().await;
    let spy = Spy::default();
    spy.mount(&server).await;
    (server, spy)
}

/// Answers `request` with `answer`, and fails the test unless exactly one such came.
async fn expect_one(server: &MockServer, request: MockBuilder, answer: ResponseTemplate) {
    request.respond_with(answer).expect(1).mount(server).await;
}

/// Answers every request to `at` with `answer`.
async fn stub(server: &MockServer, at: &str, answer: ResponseTemplate) {
    Mock::given(path(at))
        .respond_with(answer)
        .mount(server)
        .await;
}

/// Answers the first `times` requests to `at` with `first`, and the ones after with `then`.
async fn stub_first(
    server: &MockServer,
    at: &str,
    times: u64,
    first: ResponseTemplate,
    then: ResponseTemplate,
) {
    Mock::given(path(at))
        .respond_with(first)
        .up_to_n_times(times)
        .with_priority(2)
        .mount(server)
        .await;
    stub(server, at, then).await;
}

fn respond(status: u16, body: serde_json::Value) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(body)
}

/// A 200 with the success envelope around `value`.
fn succeed(value: serde_json::Value) -> ResponseTemplate {
    respond(200, success(value))
}

/// Invitation 9001 of ada@example.com, of tenant 1024, in `status`.
fn ada(status: &str) -> serde_json::Value {
    invitation(9001, "ada@example.com", status)
}

/// A 429 asking to come back after `seconds`.
fn too_many(seconds: &str) -> ResponseTemplate {
    ResponseTemplate::new(429).insert_header("retry-after", seconds)
}

/// The lookup's success: a pending invitation of a@b.c.
fn found() -> ResponseTemplate {
    succeed(invitation(1, "a@b.c", "Pending"))
}

/// The IAM resend's success for invitation 9001.
fn resent() -> ResponseTemplate {
    respond(200, json!({"message": "ok", "inviteId": "9001"}))
}

#[tokio::test]
async fn by_email_sends_key_user_agent_and_query_and_returns_the_value() {
    let (server, _) = server().await;
    let request = Mock::given(method("GET"))
        .and(path(BY_EMAIL))
        .and(query_param("email", "ada@example.com"))
        .and(has_header("authorization", "Bearer test-key"))
        .and(has_header("user-agent", DEFAULT_USER_AGENT));
    expect_one(&server, request, succeed(ada("Pending"))).await;
    let client = builder(&server.uri(), "test-key").build().unwrap();
    let found = client.invitation_by_email("ada@example.com").await.unwrap();
    assert_eq!(found.id.get(), 9001);
    assert_eq!(found.email.as_str(), "ada@example.com");
    assert_eq!(found.status, InvitationStatus::Pending);
    assert_eq!(found.tenant_id.map(|t| t.get()), Some(1024));
}

#[tokio::test]
async fn custom_user_agent_is_sent() {
    let (server, spy) = server().await;
    stub(&server, BY_EMAIL, found()).await;
    let client = builder(&server.uri(), "k")
        .user_agent("my-tool/2.0")
        .build()
        .unwrap();
    client.invitation_by_email("a@b.c").await.unwrap();
    assert_eq!(
        header(&spy.to(BY_EMAIL)[0], "user-agent"),
        Some("my-tool/2.0")
    );
}

#[tokio::test]
async fn tenant_resend_returns_the_list_and_sends_ids() {
    let (server, _) = server().await;
    let request = Mock::given(method("PUT"))
        .and(path(TENANT_RESEND))
        .and(query_param("id", "9001"));
    expect_one(&server, request, succeed(json!([ada("Pending")]))).await;
    let client = builder(&server.uri(), "k").build().unwrap();
    let resent = client.resend_invitation(1024i64, 9001u64).await.unwrap();
    assert_eq!(resent.len(), 1);
    assert_eq!(resent[0].id.get(), 9001);
}

#[tokio::test]
async fn iam_resend_sends_dry_run_key_and_empty_object() {
    let (server, spy) = server().await;
    Mock::given(method("POST"))
        .and(path(IAM_RESEND))
        .and(query_param("dryRun", "true"))
        .and(has_header("idempotency-key", "my-key-1"))
        .and(body_json(json!({})))
        .respond_with(respond(
            200,
            json!({"message": "Invite resent; it expires in 48 hours.", "inviteId": "9001"}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let client = builder(&server.uri(), "k").build().unwrap();
    let response = client
        .resend_invite(9001)
        .dry_run(true)
        .idempotency_key("my-key-1")
        .send()
        .await
        .unwrap();
    assert_eq!(response.invite_id, "9001");
    assert_eq!(spy.to(IAM_RESEND).len(), 1);
}

#[tokio::test]
async fn iam_resend_without_dry_run_omits_the_flag_and_generates_a_key() {
    let (server, spy) = server().await;
    stub(&server, IAM_RESEND, resent()).await;
    let client = builder(&server.uri(), "k").build().unwrap();
    // IntoFuture: no `.send()` needed.
    client.resend_invite("9001").await.unwrap();
    client.resend_invite(9001u64).await.unwrap();
    let requests = spy.to(IAM_RESEND);
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].url.query(), None);
    let keys: Vec<_> = requests
        .iter()
        .map(|r| header(r, "idempotency-key").unwrap().to_owned())
        .collect();
    for key in &keys {
        assert_eq!(key.len(), 32, "{key}");
        assert!(key.chars().all(|c| c.is_ascii_hexdigit()), "{key}");
    }
    assert_ne!(keys[0], keys[1], "one new key per call");
}

#[tokio::test]
async fn tenant_error_envelopes_map_to_status_code_message_and_info() {
    let cases = [
        (
            401,
            "Unauthorized",
            "Authentication credentials are missing or invalid.",
        ),
        (
            403,
            "Forbidden",
            "The API key lacks the usersManager permission.",
        ),
        (
            404,
            "NotFound",
            "No invitation with id 9001 exists in tenant 1024.",
        ),
        (
            400,
            "InvitationNotPending",
            "Only a pending invitation can be resent; this one is Cancelled.",
        ),
        (500, "InternalError", "An unexpected error occurred."),
    ];
    for (status, code, message) in cases {
        let (server, spy) = server().await;
        stub(
            &server,
            TENANT_RESEND,
            respond(status, failure(code, message, &["status: Cancelled"])),
        )
        .await;
        let client = builder(&server.uri(), "k").build().unwrap();
        let err = client.resend_invitation(1024, 9001).await.unwrap_err();
        assert_eq!(err.status(), Some(StatusCode::from_u16(status).unwrap()));
        assert_eq!(err.code(), Some(code));
        assert_eq!(err.message(), Some(message));
        assert_eq!(err.info(), ["status: Cancelled".to_owned()]);
        assert_eq!(err.is_unauthorized(), status == 401, "{status}");
        assert_eq!(err.is_forbidden(), status == 403, "{status}");
        assert_eq!(err.is_not_found(), status == 404, "{status}");
        assert_eq!(err.is_not_pending(), status == 400, "{status}");
        assert!(!err.is_retryable(), "{status}");
        assert_eq!(spy.to(TENANT_RESEND).len(), 1, "{status}: not retried");
        let reason = StatusCode::from_u16(status).unwrap();
        assert_eq!(err.to_string(), format!("{reason} [{code}]: {message}"));
    }
}

#[tokio::test]
async fn iam_errors_map_to_status_and_message() {
    for status in [400u16, 401, 403, 404, 409, 413, 422, 500] {
        let (server, _) = server().await;
        let message = format!("problem {status}");
        stub(
            &server,
            IAM_RESEND,
            respond(status, json!({ "error": message })),
        )
        .await;
        let client = builder(&server.uri(), "k").build().unwrap();
        let err = client.resend_invite(9001).await.unwrap_err();
        assert_eq!(err.status().map(|s| s.as_u16()), Some(status));
        assert_eq!(err.message(), Some(message.as_str()));
        assert_eq!(err.code(), None);
        assert!(err.info().is_empty());
        assert_eq!(err.is_not_found(), status == 404);
        assert_eq!(err.is_unauthorized(), status == 401);
        assert_eq!(err.is_forbidden(), status == 403);
        assert_eq!(err.is_idempotency_key_in_flight(), status == 409);
        assert_eq!(err.is_idempotency_key_reused(), status == 422);
        assert!(!err.is_not_pending());
        assert!(!err.is_retryable());
    }
}

#[tokio::test]
async fn data_instead_of_value_is_a_decode_error_naming_the_field() {
    let (server, _) = server().await;
    stub(
        &server,
        BY_EMAIL,
        respond(200, json!({"isSuccess": true, "data": ada("Pending")})),
    )
    .await;
    let client = builder(&server.uri(), "k").build().unwrap();
    let err = client
        .invitation_by_email("ada@example.com")
        .await
        .unwrap_err();
    let Error::Decode {
        operation,
        reason,
        excerpt,
        ..
    } = &err
    else {
        panic!("expected a decode error, got {err:?}");
    };
    assert_eq!(*operation, "GetUserInvitationByEmail");
    assert!(reason.contains("missing field"), "{reason}");
    assert!(excerpt.contains("\"data\""), "{excerpt}");
    assert!(err.is_decode());
    assert!(!err.is_retryable());
    assert!(err.to_string().contains("body starts with"), "{err}");
}

#[tokio::test]
async fn invalid_json_is_a_decode_error_with_a_truncated_excerpt() {
    let (server, _) = server().await;
    let body = format!("<html>{}</html>", "x".repeat(5000));
    stub(
        &server,
        IAM_RESEND,
        ResponseTemplate::new(200).set_body_raw(body, "application/json"),
    )
    .await;
    let client = builder(&server.uri(), "k").build().unwrap();
    let err = client.resend_invite(9001).await.unwrap_err();
    let Error::Decode {
        reason, excerpt, ..
    } = &err
    else {
        panic!("expected a decode error, got {err:?}");
    };
    assert!(reason.contains("expected value"), "{reason}");
    assert!(excerpt.starts_with("<html>xxx"), "{excerpt}");
    assert!(excerpt.chars().count() <= 201, "{}", excerpt.len());
    assert!(excerpt.ends_with('…'));
}

#[tokio::test]
async fn success_envelope_with_null_value_is_a_decode_error() {
    let (server, _) = server().await;
    stub(&server, TENANT_RESEND, succeed(serde_json::Value::Null)).await;
    let client = builder(&server.uri(), "k").build().unwrap();
    let err = client.resend_invitation(1024, 9001).await.unwrap_err();
    assert!(err.is_decode(), "{err:?}");
    assert_eq!(err.status(), Some(StatusCode::OK));
    assert!(err.to_string().contains("`value: null`"), "{err}");
}

#[tokio::test]
async fn undocumented_statuses_keep_status_and_body_message() {
    let (server, _) = server().await;
    stub(
        &server,
        IAM_RESEND,
        respond(503, json!({"error": "Down for maintenance."})),
    )
    .await;
    stub(
        &server,
        BY_EMAIL,
        ResponseTemplate::new(418).set_body_string("I'm a teapot, really"),
    )
    .await;
    stub(
        &server,
        TENANT_RESEND,
        respond(429, failure("TooManyRequests", "Slow down.", &[])),
    )
    .await;
    let client = builder(&server.uri(), "k").max_attempts(1).build().unwrap();

    let err = client.resend_invite(9001).await.unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
    assert_eq!(err.message(), Some("Down for maintenance."));
    assert!(err.is_retryable());
    assert_eq!(
        err.to_string(),
        "503 Service Unavailable: Down for maintenance."
    );

    let err = client.invitation_by_email("a@b.c").await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(418));
    assert_eq!(err.message(), Some("I'm a teapot, really"));
    assert!(!err.is_retryable());

    let err = client.resend_invitation(1024, 9001).await.unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::TOO_MANY_REQUESTS));
    assert_eq!(err.code(), Some("TooManyRequests"));
    assert_eq!(err.message(), Some("Slow down."));
}

#[tokio::test]
async fn undocumented_status_without_body_uses_the_reason_phrase() {
    let (server, _) = server().await;
    stub(&server, IAM_RESEND, ResponseTemplate::new(502)).await;
    let client = builder(&server.uri(), "k").max_attempts(1).build().unwrap();
    let err = client.resend_invite(9001).await.unwrap_err();
    assert_eq!(err.to_string(), "502 Bad Gateway: Bad Gateway");
}

#[tokio::test]
async fn a_status_the_sdk_does_not_know_decodes_as_unknown() {
    let (server, _) = server().await;
    stub(&server, BY_EMAIL, succeed(ada("Suspended"))).await;
    stub(&server, TENANT_RESEND, succeed(json!([ada("Archived")]))).await;
    let client = builder(&server.uri(), "k").build().unwrap();
    let found = client.invitation_by_email("ada@example.com").await.unwrap();
    assert_eq!(found.status, InvitationStatus::Unknown("Suspended".into()));
    let resent = client.resend_invitation(1024, 9001).await.unwrap();
    assert_eq!(
        resent[0].status,
        InvitationStatus::Unknown("Archived".into())
    );
}

#[tokio::test]
async fn a_slow_answer_is_a_timeout_and_is_not_retried() {
    let (server, spy) = server().await;
    stub(&server, BY_EMAIL, found().set_delay(Duration::from_secs(3))).await;
    let client = builder(&server.uri(), "k")
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    // The server answers after 3 s: only the client's timeout can produce this error.
    let err = client.invitation_by_email("a@b.c").await.unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert!(!err.is_retryable());
    assert_eq!(spy.to(BY_EMAIL).len(), 1);
    assert_eq!(
        err.to_string(),
        "the GetUserInvitationByEmail request timed out"
    );
}

#[tokio::test]
async fn get_is_retried_on_503_and_succeeds() {
    let (server, spy) = server().await;
    stub_first(&server, BY_EMAIL, 2, ResponseTemplate::new(503), found()).await;
    let client = builder(&server.uri(), "k").build().unwrap();
    client.invitation_by_email("a@b.c").await.unwrap();
    assert_eq!(spy.to(BY_EMAIL).len(), 3);
}

#[tokio::test]
async fn retries_stop_at_max_attempts_with_the_last_error() {
    for (attempts, status) in [(3, 503), (2, 502), (4, 504), (1, 503)] {
        let (server, spy) = server().await;
        stub(&server, BY_EMAIL, ResponseTemplate::new(status)).await;
        let client = builder(&server.uri(), "k")
            .max_attempts(attempts)
            .build()
            .unwrap();
        let err = client.invitation_by_email("a@b.c").await.unwrap_err();
        assert_eq!(err.status().map(|s| s.as_u16()), Some(status));
        assert_eq!(spy.to(BY_EMAIL).len(), attempts as usize);
    }
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let (server, spy) = server().await;
    stub_first(&server, BY_EMAIL, 1, too_many("1"), found()).await;
    // A 10 ms backoff: only Retry-After can make the client wait a second.
    let client = builder(&server.uri(), "k").build().unwrap();
    let started = Instant::now();
    client.invitation_by_email("a@b.c").await.unwrap();
    let waited = started.elapsed();
    assert!(waited >= Duration::from_secs(1), "{waited:?}");
    assert_eq!(spy.to(BY_EMAIL).len(), 2);
}

#[tokio::test]
async fn a_retry_after_beyond_the_cap_returns_the_429() {
    let (server, spy) = server().await;
    stub(&server, BY_EMAIL, too_many("120")).await;
    let client = builder(&server.uri(), "k").build().unwrap();
    let started = Instant::now();
    let err = client.invitation_by_email("a@b.c").await.unwrap_err();
    // Generous on purpose (a loaded machine is slow): it must not sleep out the 120 s.
    assert!(started.elapsed() < Duration::from_secs(60));
    assert_eq!(err.status(), Some(StatusCode::TOO_MANY_REQUESTS));
    assert_eq!(err.retry_after(), Some(Duration::from_secs(120)));
    assert_eq!(spy.to(BY_EMAIL).len(), 1);
}

#[tokio::test]
async fn tenant_resend_is_not_retried_once_the_request_was_sent() {
    for status in [503u16, 502, 504, 429] {
        let (server, spy) = server().await;
        stub_first(
            &server,
            TENANT_RESEND,
            1,
            ResponseTemplate::new(status),
            succeed(json!([invitation(9001, "a@b.c", "Pending")])),
        )
        .await;
        let client = builder(&server.uri(), "k").build().unwrap();
        let err = client.resend_invitation(1024, 9001).await.unwrap_err();
        assert_eq!(err.status().map(|s| s.as_u16()), Some(status));
        assert_eq!(spy.to(TENANT_RESEND).len(), 1, "{status}");
    }
}

#[tokio::test]
async fn iam_resend_retries_with_the_same_generated_key() {
    let (server, spy) = server().await;
    stub_first(&server, IAM_RESEND, 2, ResponseTemplate::new(503), resent()).await;
    let client = builder(&server.uri(), "k").build().unwrap();
    client.resend_invite(9001).await.unwrap();
    let requests = spy.to(IAM_RESEND);
    assert_eq!(requests.len(), 3);
    let first = header(&requests[0], "idempotency-key").unwrap();
    for request in &requests {
        assert_eq!(header(request, "idempotency-key"), Some(first));
    }
}

#[tokio::test]
async fn connection_failures_are_retried_even_for_the_tenant_resend() {
    let logs = common::LogBuffer::default();
    let _guard = logs.install();
    let client = builder(&closed_port_url(), "k").build().unwrap();
    let err = client.resend_invitation(1024, 9001).await.unwrap_err();
    assert!(err.is_connect(), "{err:?}");
    assert!(err.is_retryable());
    assert_eq!(err.status(), None);
    let text = logs.contents();
    assert_eq!(
        text.matches("attempt failed, retrying").count(),
        2,
        "three attempts:\n{text}"
    );
}

#[tokio::test]
async fn invalid_ids_are_refused_before_sending() {
    let (server, spy) = server().await;
    let client = builder(&server.uri(), "k").build().unwrap();
    let err = client.resend_invitation(0, 9001).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid tenant_id: must be a positive integer, got 0"
    );
    let err = client.resend_invitation(1024, -3i64).await.unwrap_err();
    assert!(
        matches!(err, Error::InvalidArgument { name: "id", .. }),
        "{err:?}"
    );
    let err = client.resend_invite(-1).await.unwrap_err();
    assert!(
        matches!(err, Error::InvalidArgument { name: "id", .. }),
        "{err:?}"
    );
    let err = client
        .resend_invite(1)
        .idempotency_key("")
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::InvalidArgument {
                name: "idempotency_key",
                ..
            }
        ),
        "{err:?}"
    );
    let err = client.invitation_by_email("a").await.unwrap_err();
    assert!(
        matches!(err, Error::InvalidArgument { name: "email", .. }),
        "{err:?}"
    );
    assert!(spy.requests().is_empty());
}

#[tokio::test]
async fn retry_policy_none_means_one_attempt() {
    let (server, spy) = server().await;
    stub(&server, BY_EMAIL, ResponseTemplate::new(503)).await;
    let client = builder(&server.uri(), "k")
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    client.invitation_by_email("a@b.c").await.unwrap_err();
    assert_eq!(spy.to(BY_EMAIL).len(), 1);
}

/// A server that reads each request and closes the connection without answering: the
/// request reached it, the answer never came. Returns its URL and the request count.
fn hang_up_server() -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::io::Read;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let count = std::sync::Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut request = Vec::new();
            let mut buf = [0u8; 1024];
            while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                match stream.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => request.extend_from_slice(&buf[..n]),
                }
            }
            seen.fetch_add(1, Ordering::SeqCst);
            drop(stream);
        }
    });
    (url, count)
}

#[tokio::test]
async fn a_broken_connection_is_retried_only_where_a_repeat_is_safe() {
    use std::sync::atomic::Ordering;
    let (url, count) = hang_up_server();
    let client = builder(&url, "k").build().unwrap();

    // GET: retried.
    let err = client.invitation_by_email("a@b.c").await.unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert!(err.is_retryable());
    assert_eq!(count.swap(0, Ordering::SeqCst), 3);

    // IAM resend with its idempotency key: retried.
    client.resend_invite(9001).await.unwrap_err();
    assert_eq!(count.swap(0, Ordering::SeqCst), 3);

    // Tenant resend: the request may have been processed; not retried.
    let err = client.resend_invitation(1024, 9001).await.unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert_eq!(count.swap(0, Ordering::SeqCst), 1);
}
