//! Helpers shared by the integration tests.
#![allow(dead_code)]

use chrono::{DateTime, TimeZone, Utc};
use invitations_mock::core::{Clock, Core, CoreConfig, Request, Response};
use invitations_mock::{fixture, Fixture};
use invitations_spec::Spec;
use serde_json::Value;

/// 2024-03-15T12:00:00Z: the frozen "now" of deterministic tests.
pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 3, 15, 12, 0, 0).unwrap()
}

/// A core on the default fixture with a frozen clock at [`t0`].
pub fn core() -> Core {
    Core::with_config(
        Fixture::default(),
        CoreConfig::default(),
        Clock::fixed(t0()),
    )
}

pub fn tenant_resend(tenant: impl std::fmt::Display, id: impl std::fmt::Display) -> Request {
    Request::new(
        "PUT",
        format!("/tenant/{tenant}/admin/user/invitation/resend?id={id}"),
    )
}

pub fn by_email(email: &str) -> Request {
    Request::new(
        "GET",
        format!("/tenant/admin/user/invitations_by_email?email={email}"),
    )
}

pub fn iam_resend(id: impl std::fmt::Display) -> Request {
    Request::new("POST", format!("/iam/v1/users/{id}/actions/resend"))
}

/// The IAM resend of `id` with `query` (`dryRun=true`, …).
pub fn iam_resend_with(id: impl std::fmt::Display, query: &str) -> Request {
    Request::new("POST", format!("/iam/v1/users/{id}/actions/resend?{query}"))
}

/// The Acme manager's IAM resend of `id` with the Idempotency-Key `key`.
pub fn keyed(id: impl std::fmt::Display, key: impl std::fmt::Display) -> Request {
    manager(iam_resend(id).header("Idempotency-Key", key.to_string()))
}

/// The `error` message of an IAM error answer (checked against the spec).
pub fn iam_error(response: &Response) -> String {
    let body = check("resendInvite", response);
    body["error"]
        .as_str()
        .expect("an IAM error's message")
        .to_owned()
}

/// The default fixture on a core at [`t0`], its config the default one as `change` leaves it.
pub fn configured(change: impl FnOnce(&mut CoreConfig)) -> Core {
    let mut config = CoreConfig::default();
    change(&mut config);
    Core::with_config(Fixture::default(), config, Clock::fixed(t0()))
}

/// The core's answers, checked for their status.
pub trait Answers {
    /// What the core answers to `request`, once checked to have `status`.
    fn answer(&mut self, request: &Request, status: u16) -> Response;
}

impl Answers for Core {
    #[track_caller]
    fn answer(&mut self, request: &Request, status: u16) -> Response {
        let response = self.handle(request);
        // The query too: `Debug` leaves it out (it may hold an address).
        let query = String::from_utf8_lossy(request.query.as_deref().unwrap_or_default());
        assert_eq!(response.status, status, "{request:?} ?{query}");
        response
    }
}

pub fn manager(request: Request) -> Request {
    request.bearer(fixture::ACME_MANAGER_KEY)
}

/// Checks `response` is JSON that the spec documents for `operation` at its status, and
/// returns the body.
pub fn check(operation: &str, response: &Response) -> Value {
    assert_eq!(
        response.header("content-type"),
        Some("application/json"),
        "{operation}: {response:?}"
    );
    let body: Value = serde_json::from_slice(&response.body)
        .unwrap_or_else(|err| panic!("{operation}: body is not JSON ({err}): {response:?}"));
    if let Err(err) = Spec::get().validate_response(operation, response.status, &body) {
        panic!("{operation} {}: {err}\nbody: {body}", response.status);
    }
    body
}

/// Checks an error body outside any operation (unknown path, 405): `FailureResult` under
/// /tenant, `{error}` elsewhere.
pub fn check_unrouted(path: &[u8], response: &Response) -> Value {
    let body: Value = serde_json::from_slice(&response.body)
        .unwrap_or_else(|err| panic!("body is not JSON ({err}): {response:?}"));
    let schema = if path.starts_with(b"/tenant/") || path == b"/tenant" {
        "FailureResult"
    } else {
        "IamError"
    };
    if let Err(err) = Spec::get().validate_component(schema, &body) {
        panic!(
            "{} {}: {err}",
            String::from_utf8_lossy(path),
            response.status
        );
    }
    body
}

/// The tenant error code of an envelope body.
pub fn code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or_default()
}

/// Sends `request` and reads its answer as JSON, failing the test on any error: for the
/// admin API and other answers a test reads but does not check at the wire level.
pub async fn json_body(request: reqwest::RequestBuilder) -> Value {
    request.send().await.unwrap().json().await.unwrap()
}
