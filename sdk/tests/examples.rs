//! Each program of `sdk/examples/` run against the embedded mock: its `run` (the whole
//! program but the two lines of `main` that pick a client from the environment) and the
//! functions it shows, checked against what the mock did. The examples are compiled in
//! here as modules; their `main` is not called, so that a developer's
//! `INVITATIONS_BASE_URL` can never send these resends to a real deployment.

// Each example declares `mod support;` (it is a program of its own), so the shared file is
// compiled once per example here.
#![allow(clippy::duplicate_mod)]

mod common;

#[path = "../examples/errors.rs"]
#[allow(dead_code)]
mod errors;
#[path = "../examples/idempotent_resend.rs"]
#[allow(dead_code)]
mod idempotent_resend;
#[path = "../examples/lookup.rs"]
#[allow(dead_code)]
mod lookup;
#[path = "../examples/resend_dry_run.rs"]
#[allow(dead_code)]
mod resend_dry_run;

use std::time::Duration;

use common::{builder, closed_port_url};
use errors::{classify, Kind};
use invitations_mock::{fixture, Fault, InvitationsMock};
use invitations_sdk::{Client, InvitationStatus, RetryPolicy};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

fn client(mock: &InvitationsMock, key: &str) -> Client {
    builder(&mock.uri(), key).build().unwrap()
}

fn args(list: &[&str]) -> impl Iterator<Item = String> {
    list.iter()
        .map(|arg| (*arg).to_owned())
        .collect::<Vec<_>>()
        .into_iter()
}

/// The kind of the error a call ended with.
fn kind<T>(result: Result<T, invitations_sdk::Error>) -> Kind {
    classify(&result.err().expect("the call fails"))
}

fn status_of(mock: &InvitationsMock, id: u64) -> InvitationStatus {
    let record = mock.invitation(id).expect("the fixture has it");
    record.effective_status(mock.now())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lookup_finds_the_pending_invitation_and_reads_404_as_none() {
    let mock = InvitationsMock::start().await;
    let manager = client(&mock, fixture::ACME_MANAGER_KEY);
    let found = lookup::lookup(&manager, "ADA@example.com").await.unwrap();
    assert_eq!(found.map(|i| i.id.get()), Some(fixture::PENDING_ID));
    assert!(lookup::lookup(&manager, "nobody@example.com")
        .await
        .unwrap()
        .is_none());
    // Only 404 means "none": another failure is still an error.
    let wrong_key = client(&mock, "not-a-key");
    let err = lookup::lookup(&wrong_key, fixture::PENDING_EMAIL)
        .await
        .unwrap_err();
    assert!(err.is_unauthorized(), "{err}");

    lookup::run(&manager, args(&[])).await.unwrap();
    lookup::run(&manager, args(&["nobody@example.com"]))
        .await
        .unwrap();
    assert!(lookup::run(&wrong_key, args(&[])).await.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dry_run_changes_nothing_and_send_resends_once() {
    let mock = InvitationsMock::start().await;
    let client = client(&mock, fixture::ACME_MANAGER_KEY);
    let id = fixture::CANCELLED_ID.to_string();

    let outcome = resend_dry_run::preview_then_resend(&client, &id, false)
        .await
        .unwrap();
    assert_eq!(outcome.preview.invite_id, id);
    assert!(outcome.sent.is_none());
    assert!(mock.outbox().is_empty());
    assert_eq!(
        status_of(&mock, fixture::CANCELLED_ID),
        InvitationStatus::Cancelled
    );

    resend_dry_run::run(&client, args(&[&id, "--send"]))
        .await
        .unwrap();
    assert_eq!(mock.outbox().len(), 1);
    assert_eq!(mock.outbox()[0].invitation_id, fixture::CANCELLED_ID);
    assert_eq!(
        status_of(&mock, fixture::CANCELLED_ID),
        InvitationStatus::Pending
    );

    // A dry run that fails stops before the real resend: no second request.
    let requests = mock.journal().len();
    let err = resend_dry_run::preview_then_resend(&client, &fixture::UNKNOWN_ID.to_string(), true)
        .await
        .err()
        .unwrap();
    assert!(err.is_not_found(), "{err}");
    assert_eq!(mock.journal().len(), requests + 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_repeated_job_resends_once_even_across_a_503() {
    let mock = InvitationsMock::start().await;
    let client = client(&mock, fixture::ACME_MANAGER_KEY);
    let id = fixture::EXPIRED_ID.to_string();
    assert_eq!(
        idempotent_resend::idempotency_key(&id, "job-1"),
        idempotent_resend::idempotency_key(&id, "job-1")
    );
    assert_ne!(
        idempotent_resend::idempotency_key(&id, "job-1"),
        idempotent_resend::idempotency_key(&id, "job-2")
    );

    // The first attempt fails with 503: the SDK retries it with the same key.
    mock.inject_fault(Fault::status(503).operation("resendInvite").times(1));
    let first = idempotent_resend::resend_for_job(&client, &id, "job-1")
        .await
        .unwrap();
    let repeat = idempotent_resend::resend_for_job(&client, &id, "job-1")
        .await
        .unwrap();
    assert_eq!(
        (first.invite_id, first.message),
        (repeat.invite_id, repeat.message)
    );
    assert_eq!(mock.outbox().len(), 1, "one email for one job");

    // Another job is another resend.
    idempotent_resend::resend_for_job(&client, &id, "job-2")
        .await
        .unwrap();
    assert_eq!(mock.outbox().len(), 2);

    // The program resends once and replays the repeat.
    idempotent_resend::run(&client, args(&[&fixture::DECLINED_ID.to_string(), "job-3"]))
        .await
        .unwrap();
    assert_eq!(mock.outbox().len(), 3);
    assert_eq!(mock.outbox()[2].invitation_id, fixture::DECLINED_ID);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_kind_of_error_is_classified() {
    let mock = InvitationsMock::start().await;
    let manager = client(&mock, fixture::ACME_MANAGER_KEY);
    let no_retry = builder(&mock.uri(), fixture::ACME_MANAGER_KEY)
        .retry(RetryPolicy::none())
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();

    assert_eq!(
        kind(manager.resend_invite(fixture::UNKNOWN_ID).send().await),
        Kind::NotFound
    );
    assert_eq!(
        kind(
            manager
                .resend_invitation(fixture::ACME_TENANT, fixture::CANCELLED_ID)
                .await
        ),
        Kind::NotPending
    );
    let wrong_key = client(&mock, "not-a-key");
    assert_eq!(
        kind(wrong_key.invitation_by_email(fixture::PENDING_EMAIL).await),
        Kind::Unauthorized
    );
    let viewer = client(&mock, fixture::ACME_VIEWER_KEY);
    assert_eq!(
        kind(viewer.invitation_by_email(fixture::PENDING_EMAIL).await),
        Kind::Forbidden
    );

    let key = "errors-example-key";
    manager
        .resend_invite(fixture::PENDING_ID)
        .idempotency_key(key)
        .send()
        .await
        .unwrap();
    let reused = manager
        .resend_invite(fixture::SECOND_PENDING_ID)
        .idempotency_key(key)
        .send()
        .await;
    assert_eq!(kind(reused), Kind::KeyReused);

    mock.inject_fault(Fault::status(409).operation("resendInvite").times(1));
    assert_eq!(
        kind(no_retry.resend_invite(fixture::PENDING_ID).send().await),
        Kind::KeyInFlight
    );
    mock.inject_fault(
        Fault::status(503)
            .operation("GetUserInvitationByEmail")
            .times(1),
    );
    assert_eq!(
        kind(no_retry.invitation_by_email(fixture::PENDING_EMAIL).await),
        Kind::Transient
    );
    mock.inject_fault(
        Fault::status(500)
            .operation("GetUserInvitationByEmail")
            .times(1),
    );
    assert_eq!(
        kind(no_retry.invitation_by_email(fixture::PENDING_EMAIL).await),
        Kind::Other
    );
    mock.inject_fault(
        Fault::delay(Duration::from_secs(3))
            .operation("GetUserInvitationByEmail")
            .times(1),
    );
    assert_eq!(
        kind(no_retry.invitation_by_email(fixture::PENDING_EMAIL).await),
        Kind::Timeout
    );

    let nowhere = builder(&closed_port_url(), "any-key")
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    assert_eq!(
        kind(nowhere.invitation_by_email(fixture::PENDING_EMAIL).await),
        Kind::Transient
    );
    assert_eq!(
        kind(manager.resend_invitation(fixture::ACME_TENANT, 0).await),
        Kind::InvalidArgument
    );

    // A server that answers with the documents' `data` instead of `value`.
    let wrong_server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "isSuccess": true, "isFailure": false, "error": null, "data": {}
        })))
        .mount(&wrong_server)
        .await;
    let decoding = builder(&wrong_server.uri(), "any-key").build().unwrap();
    assert_eq!(
        kind(decoding.invitation_by_email(fixture::PENDING_EMAIL).await),
        Kind::Decode
    );

    // Every kind says what to do.
    for kind in [Kind::NotFound, Kind::KeyInFlight, Kind::Other] {
        assert!(!kind.to_string().is_empty());
    }
    errors::run(&manager, args(&[])).await.unwrap();
}
