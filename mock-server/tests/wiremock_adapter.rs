//! The wiremock adapter: stateful by default, overridable one call at a time.

mod common;

use std::time::{Duration, Instant};

use invitations_mock::{fixture, Fault, Fixture, InvitationsMock};
use reqwest::Method;
use serde_json::{json, Value};
use wiremock::matchers::{method, path_regex};
use wiremock::{Mock, ResponseTemplate};

fn client() -> reqwest::Client {
    reqwest::Client::new()
}

/// `method path` to the mock with no key and no body.
async fn bare(mock: &InvitationsMock, method: Method, path: &str) -> reqwest::Response {
    let url = format!("{}{path}", mock.uri());
    client().request(method, url).send().await.unwrap()
}

async fn iam_resend(mock: &InvitationsMock, id: u64) -> reqwest::Response {
    client()
        .post(format!("{}/iam/v1/users/{id}/actions/resend", mock.uri()))
        .bearer_auth(fixture::ACME_MANAGER_KEY)
        .json(&json!({}))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_higher_priority_stub_overrides_one_call_and_the_core_serves_the_next() {
    let mock = InvitationsMock::start().await;
    Mock::given(method("POST"))
        .and(path_regex(r"^/iam/v1/users/[^/]+/actions/resend$"))
        .respond_with(ResponseTemplate::new(503).set_body_json(json!({"error": "maintenance"})))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(mock.server())
        .await;

    let first = iam_resend(&mock, fixture::CANCELLED_ID).await;
    assert_eq!(first.status(), 503);
    assert!(
        mock.outbox().is_empty(),
        "the stub answered; the core never saw the call"
    );
    assert_eq!(
        mock.invitation(fixture::CANCELLED_ID).unwrap().status,
        invitations_sdk::InvitationStatus::Cancelled
    );

    let second = iam_resend(&mock, fixture::CANCELLED_ID).await;
    assert_eq!(second.status(), 200);
    let body: Value = second.json().await.unwrap();
    assert_eq!(body["inviteId"], fixture::CANCELLED_ID.to_string());
    assert_eq!(mock.outbox().len(), 1);
    assert_eq!(
        mock.invitation(fixture::CANCELLED_ID).unwrap().status,
        invitations_sdk::InvitationStatus::Pending
    );
}

#[tokio::test]
async fn state_set_through_the_handle_is_what_http_sees() {
    let mock = InvitationsMock::start().await;
    let lookup = |mock: &InvitationsMock| {
        client()
            .get(format!(
                "{}/tenant/admin/user/invitations_by_email?email={}",
                mock.uri(),
                fixture::PENDING_EMAIL
            ))
            .bearer_auth(fixture::ACME_MANAGER_KEY)
            .send()
    };
    assert_eq!(lookup(&mock).await.unwrap().status(), 200);
    mock.advance(chrono::Duration::hours(49));
    assert_eq!(
        lookup(&mock).await.unwrap().status(),
        404,
        "expired after 49 h"
    );
    mock.reset();
    assert_eq!(
        lookup(&mock).await.unwrap().status(),
        200,
        "reset restores the fixture"
    );

    mock.inject_fault(
        Fault::delay(Duration::from_millis(300))
            .operation("GetUserInvitationByEmail")
            .times(1),
    );
    let started = Instant::now();
    assert_eq!(lookup(&mock).await.unwrap().status(), 200);
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "the adapter applies the delay"
    );
}

#[tokio::test]
async fn admin_api_and_headers_pass_through_the_adapter() {
    let mock = InvitationsMock::start().await;
    let health: Value =
        common::json_body(client().get(format!("{}/__admin/health", mock.uri()))).await;
    assert_eq!(health, json!({"status": "ok"}));

    let response = client()
        .post(format!("{}/__admin/faults", mock.uri()))
        .json(&json!({"operation": "resendInvite", "status": 500, "times": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    assert_eq!(iam_resend(&mock, 9001).await.status(), 500);
    assert_eq!(iam_resend(&mock, 9001).await.status(), 200);

    let response = bare(&mock, Method::GET, "/iam/v1/users/9001/actions/resend").await;
    assert_eq!(response.status(), 405);
    assert_eq!(response.headers()["allow"], "POST");
    assert_eq!(response.headers()["content-type"], "application/json");

    let response = bare(&mock, Method::POST, "/iam/v1/users/9001/actions/resend").await;
    assert_eq!(response.status(), 401);
    assert_eq!(response.headers()["www-authenticate"], "Bearer");

    let response = bare(&mock, Method::DELETE, "/__admin/faults").await;
    assert_eq!(response.status(), 204);

    let journal = mock.journal();
    assert!(journal.iter().any(|e| e.status == 405));
    assert_eq!(mock.handle().outbox_total(), 1);
}

#[tokio::test]
async fn start_with_serves_another_fixture() {
    let mut fixture = Fixture::default();
    fixture
        .invitations
        .retain(|inv| inv.id != fixture::PENDING_ID);
    let mock = InvitationsMock::start_with(fixture).await;
    assert!(mock.invitation(fixture::PENDING_ID).is_none());
    assert_eq!(iam_resend(&mock, fixture::PENDING_ID).await.status(), 404);
    assert!(mock.uri().starts_with("http://127.0.0.1:") && !mock.uri().ends_with('/'));
}

#[tokio::test]
#[should_panic(expected = "fixture is inconsistent")]
async fn an_inconsistent_fixture_is_refused_at_start() {
    let mut fixture = Fixture::default();
    fixture.invitations[0].tenant_id = 5;
    let _ = InvitationsMock::start_with(fixture).await;
}
