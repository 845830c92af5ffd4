//! The API key never shows: not in `Debug` of the builder, the client or any error, not in
//! build errors, and not in anything `tracing` records (TRACE level, dependencies included).

mod common;

use std::time::Duration;

use common::{builder, failure, invitation, success, LogBuffer};
use invitations_sdk::{BuildError, Client};
use serde_json::json;
use wiremock::matchers::{header, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "sk-live-7f3a9c1e5b2d4f6a";

#[test]
fn debug_of_builder_and_client_hides_the_key() {
    let b = builder("http://127.0.0.1:1", KEY);
    let shown = format!("{b:?} {b:#?}");
    assert!(!shown.contains(KEY), "{shown}");
    assert!(shown.contains("<redacted>"), "{shown}");

    let client = b.build().unwrap();
    let shown = format!("{client:?} {client:#?}");
    assert!(!shown.contains(KEY), "{shown}");
    assert!(shown.contains("<redacted>"), "{shown}");
    // The generated client's reqwest client holds the header, marked sensitive.
    let shown = format!("{:?}", client.generated());
    assert!(!shown.contains(KEY), "{shown}");
}

#[test]
fn an_invalid_key_is_a_build_error_without_the_key() {
    let bad = format!("{KEY}\nX-Injected: 1");
    let err = Client::builder()
        .base_url("http://127.0.0.1:1")
        .api_key(&bad)
        .build()
        .unwrap_err();
    assert!(matches!(err, BuildError::InvalidApiKey { .. }), "{err:?}");
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains(KEY), "{shown}");

    let err = Client::builder()
        .base_url("http://127.0.0.1:1")
        .api_key("")
        .build()
        .unwrap_err();
    assert!(matches!(err, BuildError::InvalidApiKey { .. }), "{err:?}");
}

#[tokio::test]
async fn key_is_sent_but_absent_from_errors_and_logs() {
    let logs = LogBuffer::default();
    let _guard = logs.install();

    let server = MockServer::start().await;
    let by_email = "/tenant/admin/user/invitations_by_email";
    Mock::given(path(by_email))
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(success(invitation(
            9001,
            "ada@example.com",
            "Pending",
        ))))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/tenant/1024/admin/user/invitation/resend"))
        .respond_with(ResponseTemplate::new(403).set_body_json(failure("Forbidden", "No.", &[])))
        .mount(&server)
        .await;
    Mock::given(path("/iam/v1/users/1/actions/resend"))
        .respond_with(ResponseTemplate::new(503).set_body_json(json!({"error": "later"})))
        .mount(&server)
        .await;
    Mock::given(path("/iam/v1/users/2/actions/resend"))
        .respond_with(ResponseTemplate::new(200).set_body_string("{not json"))
        .mount(&server)
        .await;
    Mock::given(path("/iam/v1/users/3/actions/resend"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(2)))
        .mount(&server)
        .await;

    let client = builder(&server.uri(), KEY)
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    client.invitation_by_email("ada@example.com").await.unwrap();
    let errors = vec![
        client.resend_invitation(1024, 9001).await.unwrap_err(),
        client.resend_invite(1).await.unwrap_err(),
        client.resend_invite(2).await.unwrap_err(),
        client.resend_invite(3).await.unwrap_err(),
    ];
    assert!(
        errors[2].is_decode() && errors[3].is_timeout(),
        "{errors:?}"
    );
    for err in &errors {
        let mut shown = format!("{err} {err:?}");
        let mut source = std::error::Error::source(err);
        while let Some(inner) = source {
            shown.push_str(&format!(" {inner} {inner:?}"));
            source = inner.source();
        }
        assert!(!shown.contains(KEY), "{shown}");
    }
    // Unreachable server: connect errors and their retries.
    let unreachable = builder("http://127.0.0.1:9", KEY).build().unwrap();
    let err = unreachable.invitation_by_email("a@b.c").await.unwrap_err();
    assert!(!format!("{err} {err:?}").contains(KEY));

    let text = logs.contents();
    assert!(
        text.contains("operation=\"resendInvite\""),
        "spans recorded:\n{text}"
    );
    assert!(text.contains("retrying"), "retries logged:\n{text}");
    // The URL is built lazily, only for a listening subscriber: it must still be recorded.
    assert!(
        text.contains("/tenant/admin/user/invitations_by_email?email=ada%40example.com"),
        "URL recorded on the span:\n{text}"
    );
    assert!(!text.contains(KEY), "the key leaked into the logs:\n{text}");
    assert!(!text.contains("Bearer"), "{text}");
}
