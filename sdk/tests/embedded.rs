//! The SDK against the embedded reference mock: real behaviour (emails, states, auth), and
//! retries proven by what the mock's outbox recorded.

mod common;

use common::{builder, header, Spy};
use invitations_mock::{fixture, InvitationsMock};
use invitations_sdk::{Client, Error, InvitationStatus, StatusCode};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

fn client(mock: &InvitationsMock, key: &str) -> Client {
    builder(&mock.uri(), key).build().unwrap()
}

fn iam_path(id: u64) -> String {
    format!("/iam/v1/users/{id}/actions/resend")
}

fn tenant_path(tenant: u64) -> String {
    format!("/tenant/{tenant}/admin/user/invitation/resend")
}

/// Answers the first `verb target` with `answer` in the mock's place (the mock answers the
/// ones after); the spy returned sees every request.
async fn answer_once(
    mock: &InvitationsMock,
    verb: &str,
    target: &str,
    answer: ResponseTemplate,
) -> Spy {
    let spy = Spy::default();
    spy.mount(mock.server()).await;
    Mock::given(method(verb))
        .and(path(target))
        .respond_with(answer)
        .up_to_n_times(1)
        .with_priority(2)
        .mount(mock.server())
        .await;
    spy
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn iam_resend_sends_one_email_across_a_503_with_one_idempotency_key() {
    let mock = InvitationsMock::start().await;
    let target = iam_path(fixture::CANCELLED_ID);
    let unavailable =
        ResponseTemplate::new(503).set_body_json(json!({"error": "Try again shortly."}));
    let spy = answer_once(&mock, "POST", &target, unavailable).await;
    let before = mock.outbox().len();

    let client = client(&mock, fixture::ACME_MANAGER_KEY);
    let response = client.resend_invite(fixture::CANCELLED_ID).await.unwrap();
    assert_eq!(response.invite_id, fixture::CANCELLED_ID.to_string());

    let outbox = mock.outbox();
    assert_eq!(outbox.len(), before + 1, "exactly one new email");
    let email = outbox.last().unwrap();
    assert_eq!(email.invitation_id, fixture::CANCELLED_ID);
    assert_eq!(email.to, "carol@example.com");

    let attempts = spy.to(&target);
    assert_eq!(attempts.len(), 2, "the 503, then the success");
    let key = header(&attempts[0], "idempotency-key").expect("a generated key");
    assert_eq!(header(&attempts[1], "idempotency-key"), Some(key));
    // The resend reactivated the cancelled invitation.
    let record = mock.invitation(fixture::CANCELLED_ID).unwrap();
    assert_eq!(record.status, InvitationStatus::Pending);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_repeat_with_the_same_idempotency_key_sends_no_second_email() {
    let mock = InvitationsMock::start().await;
    let client = client(&mock, fixture::ACME_MANAGER_KEY);
    let before = mock.outbox().len();
    let first = client
        .resend_invite(fixture::DECLINED_ID)
        .idempotency_key("repeat-me")
        .await
        .unwrap();
    let second = client
        .resend_invite(fixture::DECLINED_ID)
        .idempotency_key("repeat-me")
        .await
        .unwrap();
    assert_eq!(first.message, second.message);
    assert_eq!(mock.outbox().len(), before + 1);
    // Without a key of the caller's, each call is a new resend.
    client.resend_invite(fixture::DECLINED_ID).await.unwrap();
    assert_eq!(mock.outbox().len(), before + 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tenant_resend_is_not_retried_on_a_503() {
    let mock = InvitationsMock::start().await;
    let target = tenant_path(fixture::ACME_TENANT);
    let spy = answer_once(&mock, "PUT", &target, ResponseTemplate::new(503)).await;
    let before = mock.outbox().len();
    let client = client(&mock, fixture::ACME_MANAGER_KEY);

    let err = client
        .resend_invitation(fixture::ACME_TENANT, fixture::PENDING_ID)
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
    assert!(
        err.is_retryable(),
        "retryable in kind, but not for this operation"
    );
    assert_eq!(spy.to(&target).len(), 1, "one request reached the server");
    assert_eq!(mock.outbox().len(), before);

    // The stub is spent: a retry would have succeeded and sent an email. The caller's own
    // retry does.
    let resent = client
        .resend_invitation(fixture::ACME_TENANT, fixture::PENDING_ID)
        .await
        .unwrap();
    assert_eq!(resent[0].id.get(), fixture::PENDING_ID);
    assert_eq!(mock.outbox().len(), before + 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn successes_on_both_surfaces() {
    let mock = InvitationsMock::start().await;
    let client = client(&mock, fixture::ACME_MANAGER_KEY);

    let found = client.invitation_by_email("ADA@Example.com").await.unwrap();
    assert_eq!(found.id.get(), fixture::PENDING_ID);
    assert_eq!(found.status, InvitationStatus::Pending);

    let before = mock.outbox().len();
    let sent_from = mock.now();
    let resent = client
        .resend_invitation(fixture::ACME_TENANT, fixture::PENDING_ID)
        .await
        .unwrap();
    let sent_by = mock.now();
    assert_eq!(resent.len(), 1);
    assert_eq!(resent[0].email.as_str(), fixture::PENDING_EMAIL);
    let expires = resent[0].expires_at.expect("expiresAt");
    let lifetime = chrono::Duration::hours(48);
    assert!(
        expires >= sent_from + lifetime - chrono::Duration::seconds(1)
            && expires <= sent_by + lifetime,
        "expiresAt {expires} is not 48 h after the resend ({sent_from} .. {sent_by})"
    );
    assert_eq!(mock.outbox().len(), before + 1);

    let expired = client.resend_invite(fixture::EXPIRED_ID).await.unwrap();
    assert_eq!(expired.invite_id, fixture::EXPIRED_ID.to_string());
    assert_eq!(mock.outbox().len(), before + 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_changes_nothing_and_sends_nothing() {
    let mock = InvitationsMock::start().await;
    let client = client(&mock, fixture::ACME_MANAGER_KEY);
    let before = mock.outbox().len();
    let record = mock.invitation(fixture::CANCELLED_ID).unwrap();
    let preview = client
        .resend_invite(fixture::CANCELLED_ID)
        .dry_run(true)
        .await
        .unwrap();
    assert_eq!(preview.invite_id, fixture::CANCELLED_ID.to_string());
    assert_eq!(mock.outbox().len(), before);
    let after = mock.invitation(fixture::CANCELLED_ID).unwrap();
    assert_eq!(after.status, record.status);
    assert_eq!(after.token, record.token);
}

/// What `client` gets from each operation for one invitation, all expected to fail: the
/// tenant resend of `id` on Acme's tenant, the lookup of `email`, the IAM resend of `id`.
async fn refusals(client: &Client, id: u64, email: &str) -> [Error; 3] {
    [
        client
            .resend_invitation(fixture::ACME_TENANT, id)
            .await
            .unwrap_err(),
        client.invitation_by_email(email).await.unwrap_err(),
        client.resend_invite(id).await.unwrap_err(),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_key_is_401_on_both_surfaces() {
    let mock = InvitationsMock::start().await;
    // An unknown key, and no key at all.
    let anonymous = Client::builder().base_url(mock.uri()).build().unwrap();
    for client in [client(&mock, "no-such-key"), anonymous] {
        let [tenant, lookup, iam] =
            refusals(&client, fixture::PENDING_ID, fixture::PENDING_EMAIL).await;
        for err in [&tenant, &lookup, &iam] {
            assert!(err.is_unauthorized(), "{err:?}");
        }
        assert_eq!(tenant.code(), Some("Unauthorized"));
        assert!(iam.message().is_some_and(|m| !m.is_empty()));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forbidden_is_403_on_both_surfaces() {
    let mock = InvitationsMock::start().await;
    let viewer = client(&mock, fixture::ACME_VIEWER_KEY);
    let [tenant, lookup, iam] =
        refusals(&viewer, fixture::PENDING_ID, fixture::PENDING_EMAIL).await;
    for err in [&tenant, &lookup, &iam] {
        assert!(err.is_forbidden(), "{err:?}");
    }
    assert_eq!(tenant.code(), Some("Forbidden"));

    // A manager of another tenant.
    let globex = client(&mock, fixture::GLOBEX_MANAGER_KEY);
    let err = globex
        .resend_invitation(fixture::ACME_TENANT, fixture::PENDING_ID)
        .await
        .unwrap_err();
    assert!(err.is_forbidden(), "{err:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn not_found_is_404_on_both_surfaces() {
    let mock = InvitationsMock::start().await;
    let client = client(&mock, fixture::ACME_MANAGER_KEY);
    let unknown = (fixture::UNKNOWN_ID, "nobody@example.com");
    let [tenant, lookup, iam] = refusals(&client, unknown.0, unknown.1).await;
    for err in [&tenant, &lookup, &iam] {
        assert!(err.is_not_found(), "{err:?}");
    }
    assert_eq!(tenant.code(), Some("NotFound"));
    assert_eq!(iam.code(), None);
    // Another tenant's invitation is never revealed.
    let globex = (fixture::GLOBEX_PENDING_ID, fixture::GLOBEX_EMAIL);
    for err in refusals(&client, globex.0, globex.1).await {
        assert!(err.is_not_found(), "{err:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tenant_resend_of_a_non_pending_invitation_is_not_pending() {
    let mock = InvitationsMock::start().await;
    let client = client(&mock, fixture::ACME_MANAGER_KEY);
    let before = mock.outbox().len();
    for id in [
        fixture::DECLINED_ID,
        fixture::CANCELLED_ID,
        fixture::EXPIRED_ID,
    ] {
        let err = client
            .resend_invitation(fixture::ACME_TENANT, id)
            .await
            .unwrap_err();
        assert!(err.is_not_pending(), "{id}: {err:?}");
        assert_eq!(err.status(), Some(StatusCode::BAD_REQUEST));
        assert!(!err.is_not_found());
    }
    assert_eq!(mock.outbox().len(), before);
}
