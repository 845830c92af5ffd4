//! The validating proxy (`invitations_mock::proxy`): in front of the standalone mock, either
//! variant, it finds nothing; the table of contract breaks puts it in front of small servers
//! that each answer one wrong way and expects the exact finding, beside servers that make
//! the other choices the documents allow and must get none; upstream failures are clear;
//! `--record` round-trips through `--fixture`; no secret leaks.

mod common;

use std::time::Duration;

use invitations_mock::core::{Clock, Core, CoreConfig, Variant};
use invitations_mock::fixture::{FixtureTime, InvitationFixture};
use invitations_mock::proxy::{Proxy, ProxyConfig, Side, Violation};
use invitations_mock::server::{Server, Spawned};
use invitations_mock::{fixture, Fault, Fixture, InvitationsMock, MockHandle};
use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const BY_EMAIL: &str = "/tenant/admin/user/invitations_by_email";
const AUTH_MISSING: &str =
    "header Authorization: missing; the spec requires `Authorization: Bearer <api key>`";

/// The standalone server (hyper) on a free port, stopped when dropped.
async fn standalone_mock(handle: MockHandle) -> Spawned {
    Server::bind("127.0.0.1:0".parse().unwrap(), handle)
        .await
        .unwrap()
        .spawn()
}

/// A mock core of `variant` on `fixture`, with the system clock.
fn handle_of(variant: Variant, fixture: Fixture) -> MockHandle {
    MockHandle::from_core(Core::with_config(
        fixture,
        CoreConfig::for_variant(variant),
        Clock::system(),
    ))
}

fn client() -> reqwest::Client {
    reqwest::Client::new()
}

/// Sends one request through the proxy; returns status and body text.
async fn send(
    proxy: &Proxy,
    verb: &str,
    target: &str,
    key: Option<&str>,
    body: Option<&str>,
    headers: &[(&str, &str)],
) -> (u16, String) {
    send_to(&proxy.uri(), verb, target, key, body, headers).await
}

/// Sends one request to `base`; returns status and body text.
async fn send_to(
    base: &str,
    verb: &str,
    target: &str,
    key: Option<&str>,
    body: Option<&str>,
    headers: &[(&str, &str)],
) -> (u16, String) {
    let mut request = client().request(verb.parse().unwrap(), format!("{base}{target}"));
    if let Some(key) = key {
        request = request.bearer_auth(key);
    }
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    if let Some(body) = body {
        request = request
            .header("content-type", "application/json")
            .body(body.to_owned());
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

fn manager() -> Option<&'static str> {
    Some(fixture::ACME_MANAGER_KEY)
}

/// The manager looks up the pending invitation's address through the proxy.
async fn look_up_ada(proxy: &Proxy) -> (u16, String) {
    send(
        proxy,
        "GET",
        &format!("{BY_EMAIL}?email=ada@example.com"),
        manager(),
        None,
        &[],
    )
    .await
}

/// The `error` string of the proxy's own error body.
fn error_text(body: &str) -> String {
    serde_json::from_str::<Value>(body).unwrap()["error"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// A proxy in front of `upstream`, and the error of its 502 to a by-email look-up, which
/// must name that upstream.
async fn upstream_failure(upstream: &str) -> (Proxy, String) {
    let proxy = Proxy::start(upstream).await.unwrap();
    let (status, text) = look_up_ada(&proxy).await;
    assert_eq!(status, 502, "{text}");
    let error = error_text(&text);
    assert!(
        error.contains(&format!("cannot reach upstream {upstream}")),
        "{error}"
    );
    (proxy, error)
}

/// One violation expected; returns it.
fn only_violation(proxy: &Proxy) -> Violation {
    let violations = proxy.violations();
    assert_eq!(violations.len(), 1, "{violations:#?}");
    violations.into_iter().next().unwrap()
}

/// Each finding as `[Side] at: message`.
fn lines(violation: &Violation) -> Vec<String> {
    violation
        .findings
        .iter()
        .map(|f| format!("[{:?}] {}: {}", f.side, f.at, f.message))
        .collect()
}

/// A wrong server: wiremock answering `template` to `verb path`.
async fn wrong_server(verb: &str, route: &str, template: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method(verb))
        .and(path(route))
        .respond_with(template)
        .mount(&server)
        .await;
    server
}

// ---------------------------------------------------------------------------------------
// The table of contract breaks.
// ---------------------------------------------------------------------------------------

/// One answer of a row's server.
struct Stub {
    method: &'static str,
    path: &'static str,
    status: u16,
    content_type: &'static str,
    headers: Vec<(&'static str, &'static str)>,
    body: String,
    /// Answers only the first matching request (a later stub answers the next ones).
    once: bool,
}

fn stub(method: &'static str, path: &'static str, status: u16, body: Value) -> Stub {
    Stub {
        method,
        path,
        status,
        content_type: "application/json",
        headers: Vec::new(),
        body: body.to_string(),
        once: false,
    }
}

impl Stub {
    fn once(mut self) -> Stub {
        self.once = true;
        self
    }

    fn header(mut self, name: &'static str, value: &'static str) -> Stub {
        self.headers.push((name, value));
        self
    }

    fn content_type(mut self, value: &'static str) -> Stub {
        self.content_type = value;
        self
    }

    fn raw_body(mut self, body: &str) -> Stub {
        self.body = body.to_owned();
        self
    }
}

/// A request sent through the proxy.
struct Call {
    method: &'static str,
    target: String,
    key: Option<&'static str>,
    body: Option<String>,
    headers: Vec<(&'static str, &'static str)>,
}

/// A call with the Acme manager's key.
fn call(method: &'static str, target: impl Into<String>) -> Call {
    Call {
        method,
        target: target.into(),
        key: manager(),
        body: None,
        headers: Vec::new(),
    }
}

impl Call {
    fn key(mut self, key: Option<&'static str>) -> Call {
        self.key = key;
        self
    }

    fn body(mut self, body: impl Into<String>) -> Call {
        self.body = Some(body.into());
        self
    }

    fn header(mut self, name: &'static str, value: &'static str) -> Call {
        self.headers.push((name, value));
        self
    }

    /// Sends this call through `proxy`; returns status and body text.
    async fn send(&self, proxy: &Proxy) -> (u16, String) {
        let body = self.body.as_deref();
        send(
            proxy,
            self.method,
            &self.target,
            self.key,
            body,
            &self.headers,
        )
        .await
    }
}

/// A small server, what is sent to it through the proxy, and the findings of the last
/// exchange, exactly (the calls before it must find nothing: they teach the proxy what a
/// key was answered). No findings: a server that makes an allowed choice.
struct Row {
    name: &'static str,
    server: Vec<Stub>,
    calls: Vec<Call>,
    findings: Vec<String>,
}

fn row(name: &'static str, server: Vec<Stub>, calls: Vec<Call>, findings: &[&str]) -> Row {
    Row {
        name,
        server,
        calls,
        findings: findings.iter().map(|f| (*f).to_owned()).collect(),
    }
}

fn tenant_resend(tenant: u64, query: &str) -> String {
    format!("/tenant/{tenant}/admin/user/invitation/resend{query}")
}

fn iam(id: &str) -> String {
    format!("/iam/v1/users/{id}/actions/resend")
}

fn by_email(email: &str) -> String {
    format!("{BY_EMAIL}?email={email}")
}

const TENANT_RESEND_1024: &str = "/tenant/1024/admin/user/invitation/resend";
const TENANT_RESEND_2048: &str = "/tenant/2048/admin/user/invitation/resend";
const IAM_9001: &str = "/iam/v1/users/9001/actions/resend";

fn invitation() -> Value {
    json!({"id": 9001, "tenantId": 1024, "email": "ada@example.com", "status": "Pending",
           "createdAt": "2024-03-15T12:30:00Z", "expiresAt": "2024-03-17T12:30:00Z"})
}

fn globex_invitation() -> Value {
    json!({"id": 9101, "tenantId": 2048, "email": "frank@example.com", "status": "Pending",
           "createdAt": "2024-03-15T12:30:00Z", "expiresAt": "2024-03-17T12:30:00Z"})
}

/// The same invitation with `edit` applied to it.
fn invitation_with(edit: impl FnOnce(&mut Value)) -> Value {
    let mut value = invitation();
    edit(&mut value);
    value
}

fn ok(value: Value) -> Value {
    json!({"isSuccess": true, "isFailure": false, "error": null, "value": value})
}

fn failure(code: &str) -> Value {
    json!({"isSuccess": false, "isFailure": true, "value": null,
           "error": {"code": code, "message": "refused", "info": []}})
}

fn contract_breaks() -> Vec<Row> {
    let refused_500 = |what: &str| {
        format!(
            "[Response] status: the upstream answered 500 to a request the spec refuses; \
             expected 400 ({what}), or 401 or 403 should the key be refused first"
        )
    };
    vec![
        row(
            "data instead of value",
            vec![stub("GET", BY_EMAIL, 200, json!({"isSuccess": true, "isFailure": false, "error": null, "data": invitation()}))],
            vec![call("GET", by_email("ada@example.com"))],
            &[
                "[Response] body /: \"value\" is a required property (schema UserInvitationResult)",
                "[Response] body /: the body names the payload `data`; the spec's envelope names it `value` (the source pages' examples use `data`, see openapi/DECISIONS.md)",
            ],
        ),
        row(
            "a missing isFailure",
            vec![stub("GET", BY_EMAIL, 200, json!({"isSuccess": true, "error": null, "value": invitation()}))],
            vec![call("GET", by_email("ada@example.com"))],
            &["[Response] body /: \"isFailure\" is a required property (schema UserInvitationResult)"],
        ),
        row(
            "an undocumented status",
            vec![stub("POST", IAM_9001, 410, json!({"error": "gone"}))],
            vec![call("POST", IAM_9001).body("{}")],
            &["[Response] status: 410 is not documented for resendInvite (documented: 200, 400, 401, 403, 404, 409, 413, 422, 500)"],
        ),
        row(
            "a text/plain error",
            vec![stub("PUT", TENANT_RESEND_1024, 404, Value::Null).content_type("text/plain").raw_body("Not Found")],
            vec![call("PUT", tenant_resend(1024, "?id=9001"))],
            &[
                "[Response] content-type: text/plain where the spec documents application/json for 404",
                "[Response] body: not JSON (expected value at line 1 column 1); the spec documents a JSON body for 404",
            ],
        ),
        row(
            "a wrong Content-Type on an error",
            vec![stub("PUT", TENANT_RESEND_1024, 400, failure("ValidationError")).content_type("application/problem+json")],
            vec![call("PUT", tenant_resend(1024, "?id=9001"))],
            &["[Response] content-type: application/problem+json where the spec documents application/json for 400"],
        ),
        row(
            "a missing inviteId",
            vec![stub("POST", IAM_9001, 200, json!({"message": "Invite resent."}))],
            vec![call("POST", IAM_9001).body("{}")],
            &["[Response] body /: \"inviteId\" is a required property (schema ResendInviteResponse)"],
        ),
        row(
            "inviteId as a number",
            vec![stub("POST", IAM_9001, 200, json!({"message": "Invite resent.", "inviteId": 9001}))],
            vec![call("POST", IAM_9001).body("{}")],
            &["[Response] body /inviteId: 9001 is not of type \"string\" (schema ResendInviteResponse)"],
        ),
        row(
            "an inviteId other than the path's",
            vec![stub("POST", IAM_9001, 200, json!({"message": "Invite resent.", "inviteId": "9002"}))],
            vec![call("POST", IAM_9001)],
            &["[Response] body /inviteId: must be the invite's ID as given in the path (\"9001\")"],
        ),
        row(
            "the IAM error shape on the tenant surface",
            vec![stub("GET", BY_EMAIL, 404, json!({"error": "No pending invitation."}))],
            vec![call("GET", by_email("ada@example.com"))],
            &[
                "[Response] body /: \"isSuccess\" is a required property (schema FailureResult)",
                "[Response] body /: \"isFailure\" is a required property (schema FailureResult)",
                "[Response] body /: \"value\" is a required property (schema FailureResult)",
                "[Response] body /error: \"No pending invitation.\" is not of type \"object\" (schema FailureResult)",
                "[Response] body /: this is the IAM surface's error shape `{error: string}`; the tenant surface answers errors with the FailureResult envelope {isSuccess, isFailure, error, value}",
            ],
        ),
        row(
            "the tenant envelope on the IAM surface",
            vec![stub("POST", IAM_9001, 404, failure("NotFound"))],
            vec![call("POST", IAM_9001)],
            &[
                "[Response] body /error: {\"code\":\"NotFound\",\"info\":[],\"message\":\"refused\"} is not of type \"string\" (schema IamError)",
                "[Response] body /: this is the tenant surface's envelope; the IAM surface answers errors with `{error: string}`",
            ],
        ),
        row(
            "a resend's value that is an object",
            vec![stub("PUT", TENANT_RESEND_1024, 200, ok(json!({"id": 9001})))],
            vec![call("PUT", tenant_resend(1024, "?id=9001"))],
            &["[Response] body /value: {\"id\":9001} is not of types \"null\", \"array\" (schema UserInvitationListResult)"],
        ),
        row(
            "rules stated in words: flags, address and state of a lookup",
            vec![stub("GET", BY_EMAIL, 200, json!({"isSuccess": true, "isFailure": true, "error": null,
                "value": invitation_with(|v| { v["email"] = json!("bob@example.com"); v["status"] = json!("Declined"); })}))],
            vec![call("GET", by_email("ada@example.com"))],
            &[
                "[Response] body /isSuccess: a 200 answer must carry isSuccess: true and isFailure: false (isFailure is always the negation of isSuccess)",
                "[Response] body /value/email: must be the address asked for (compared case-insensitively)",
                "[Response] body /value/status: the lookup returns only pending invitations, not Declined",
            ],
        ),
        row(
            "a resend answer without the resent invitation",
            vec![stub("PUT", TENANT_RESEND_1024, 200, ok(json!([])))],
            vec![call("PUT", tenant_resend(1024, "?id=9001"))],
            &["[Response] body /value: must hold the resent invitation (id 9001)"],
        ),
        row(
            "another tenant's invitation resent",
            vec![stub("PUT", TENANT_RESEND_2048, 200, ok(json!([invitation()])))],
            vec![call("PUT", tenant_resend(2048, "?id=9001"))],
            &["[Response] body /value: the resent invitation belongs to tenant 1024, not the tenant in the path"],
        ),
        row(
            "a date-time in another format, in a lookup (a oneOf branch)",
            vec![stub("GET", BY_EMAIL, 200, ok(invitation_with(|v| v["createdAt"] = json!("2024-03-15 12:30:00"))))],
            vec![call("GET", by_email("ada@example.com"))],
            &["[Response] body /value/createdAt: \"2024-03-15 12:30:00\" is not a \"date-time\" (schema UserInvitationModel, the branch of `value` a 200 answer selects)"],
        ),
        row(
            "a date-time in another format, in a resend",
            vec![stub("PUT", TENANT_RESEND_1024, 200, ok(json!([invitation_with(|v| v["expiresAt"] = json!("Sun, 17 Mar 2024 12:30:00 GMT"))])))],
            vec![call("PUT", tenant_resend(1024, "?id=9001"))],
            &["[Response] body /value/0/expiresAt: \"Sun, 17 Mar 2024 12:30:00 GMT\" is not a \"date-time\" (schema UserInvitationListResult)"],
        ),
        row(
            "an error object on success (the null branch)",
            vec![stub("GET", BY_EMAIL, 200, json!({"isSuccess": true, "isFailure": false, "error": {"code": 5}, "value": invitation()}))],
            vec![call("GET", by_email("ada@example.com"))],
            &["[Response] body /error: must be null (the branch of `error` a 200 answer selects, schema UserInvitationResult)"],
        ),
        row(
            "success without a key",
            vec![stub("PUT", TENANT_RESEND_1024, 200, ok(json!([invitation()])))],
            vec![call("PUT", tenant_resend(1024, "?id=9001")).key(None)],
            &[
                &format!("[Response] status: the upstream answered 200 to a request the spec refuses; expected 401 ({AUTH_MISSING})"),
                &format!("[Request] {AUTH_MISSING}"),
            ],
        ),
        row(
            "500 instead of 400: no id",
            vec![stub("PUT", TENANT_RESEND_1024, 500, failure("InternalError"))],
            vec![call("PUT", tenant_resend(1024, ""))],
            &[&refused_500("query id: required but missing"), "[Request] query id: required but missing"],
        ),
        row(
            "500 instead of 400: a malformed email",
            vec![stub("GET", BY_EMAIL, 500, failure("InternalError"))],
            vec![call("GET", by_email("not-an-email"))],
            &[
                &refused_500("query email: \"not-an-email\" is not a \"email\""),
                "[Request] query email: \"not-an-email\" is not a \"email\"",
            ],
        ),
        row(
            "404 for an address no reading of the RFCs allows",
            vec![stub("GET", BY_EMAIL, 404, failure("NotFound"))],
            vec![call("GET", by_email("ada@example..com"))],
            &[
                "[Response] status: the upstream answered 404 to a request the spec refuses; expected 400 (query email: \"ada@example..com\" is not a \"email\"), or 401 or 403 should the key be refused first",
                "[Request] query email: \"ada@example..com\" is not a \"email\"",
            ],
        ),
        row(
            "403 instead of 401 for a missing key",
            vec![stub("GET", BY_EMAIL, 403, failure("Forbidden"))],
            vec![call("GET", by_email("ada@example.com")).key(None)],
            &[
                &format!("[Response] status: the upstream answered 403 to a request the spec refuses; expected 401 ({AUTH_MISSING})"),
                &format!("[Request] {AUTH_MISSING}"),
            ],
        ),
        row(
            "a 401 without WWW-Authenticate",
            vec![stub("GET", BY_EMAIL, 401, failure("Unauthorized"))],
            vec![call("GET", by_email("ada@example.com")).key(Some("unknown-key"))],
            &["[Response] header WWW-Authenticate: a 401 must name the scheme to use: `WWW-Authenticate: Bearer` (RFC 9110 §11.6.1, RFC 6750 §3; the spec's security scheme is bearer)"],
        ),
        row(
            "200 for an unmanaged tenant",
            vec![
                stub("PUT", TENANT_RESEND_2048, 403, failure("Forbidden")).once(),
                stub("PUT", TENANT_RESEND_2048, 200, ok(json!([globex_invitation()]))),
            ],
            vec![call("PUT", tenant_resend(2048, "?id=9101")), call("PUT", tenant_resend(2048, "?id=9101"))],
            &["[Response] status: this key was refused tenant 2048 (403) earlier; a key that does not manage a tenant gets 403 there, never 200"],
        ),
        row(
            "an unmanaged tenant's invitation revealed by the lookup",
            vec![
                stub("PUT", TENANT_RESEND_2048, 403, failure("Forbidden")),
                stub("GET", BY_EMAIL, 200, ok(globex_invitation())),
            ],
            vec![call("PUT", tenant_resend(2048, "?id=9101")), call("GET", by_email("frank@example.com"))],
            &["[Response] status: invitation 9101 belongs to tenant 2048, which this key was refused (403) earlier; an invitation of a tenant the key does not manage is never revealed (the spec answers 404)"],
        ),
        row(
            "an unmanaged tenant's invitation resent by the IAM surface",
            vec![
                stub("PUT", TENANT_RESEND_2048, 200, ok(json!([globex_invitation()]))).once(),
                stub("PUT", TENANT_RESEND_2048, 403, failure("Forbidden")),
                stub("POST", "/iam/v1/users/9101/actions/resend", 200, json!({"message": "ok", "inviteId": "9101"})),
            ],
            vec![
                call("PUT", tenant_resend(2048, "?id=9101")).key(Some(fixture::GLOBEX_MANAGER_KEY)),
                call("PUT", tenant_resend(2048, "?id=9101")),
                call("POST", iam("9101")),
            ],
            &["[Response] status: invitation 9101 belongs to tenant 2048, which this key was refused (403) earlier; an invitation of a tenant the key does not manage is never revealed (the spec answers 404)"],
        ),
        row(
            "200 for a key refused for lacking usersManager",
            vec![
                stub("GET", BY_EMAIL, 403, failure("Forbidden")),
                stub("POST", IAM_9001, 200, json!({"message": "ok", "inviteId": "9001"})),
            ],
            vec![
                call("GET", by_email("ada@example.com")).key(Some(fixture::ACME_VIEWER_KEY)),
                call("POST", IAM_9001).key(Some(fixture::ACME_VIEWER_KEY)),
            ],
            &["[Response] status: this key was refused earlier for lacking the usersManager permission (a 403 from the by-email lookup or the IAM resend); a 200 now contradicts it"],
        ),
        row(
            "403 for lacking usersManager after a 2xx",
            vec![
                stub("GET", BY_EMAIL, 200, ok(invitation())),
                stub("POST", IAM_9001, 403, json!({"error": "no permission"})),
            ],
            vec![call("GET", by_email("ada@example.com")), call("POST", IAM_9001)],
            &["[Response] status: this key was answered 2xx earlier, so it has the usersManager permission; a 403 for lacking it now contradicts that"],
        ),
        row(
            "403 on a tenant the key was seen managing",
            vec![
                stub("PUT", TENANT_RESEND_1024, 200, ok(json!([invitation()]))).once(),
                stub("PUT", TENANT_RESEND_1024, 403, failure("Forbidden")),
            ],
            vec![call("PUT", tenant_resend(1024, "?id=9001")), call("PUT", tenant_resend(1024, "?id=9001"))],
            &["[Response] status: this key was seen managing tenant 1024 earlier (a 2xx on it, or one of its invitations shown); a 403 there now contradicts it"],
        ),
        row(
            "an unknown operation answered with success",
            vec![stub("GET", "/api/tenant/users", 200, json!({}))],
            vec![call("GET", "/api/tenant/users")],
            &[
                "[Response] status: the upstream answered 200 to a request the spec refuses; only a 4xx refusal keeps the contract",
                "[Request] operation: no operation of the spec matches GET /api/tenant/users",
            ],
        ),
        row(
            "an undocumented method answered with success",
            vec![stub("DELETE", IAM_9001, 204, Value::Null).raw_body("")],
            vec![call("DELETE", IAM_9001)],
            &[
                "[Response] status: the upstream answered 204 to a request the spec refuses; only a 4xx refusal keeps the contract",
                "[Request] operation: DELETE is not documented for /iam/v1/users/9001/actions/resend (documented: POST)",
            ],
        ),
    ]
}

/// A second implementation's choices, each allowed by the documents: none is a violation.
fn allowed_choices() -> Vec<Row> {
    let bearer_401 = |challenge: &'static str| {
        stub("GET", BY_EMAIL, 401, json!({"isSuccess": false, "isFailure": true, "value": null,
            "error": {"code": "AuthenticationFailed", "message": "Who are you?", "info": ["no such key"]}}))
            .header("www-authenticate", challenge)
    };
    let big_object = format!("{{\"padding\": \"{}\"}}", "x".repeat(70_000));
    let long_id: &'static str = iam(&"x".repeat(129)).leak();
    vec![
        row(
            "only the required fields, the address in another case",
            vec![stub("GET", BY_EMAIL, 200, ok(json!({"id": 9001, "email": "Ada@Example.COM", "status": "Pending", "createdAt": "2024-03-15T12:30:00.123+02:00"})))],
            vec![call("GET", by_email("ada@example.com"))],
            &[],
        ),
        row(
            "a resend with only the required fields",
            vec![stub("PUT", TENANT_RESEND_1024, 200, ok(json!([{"id": 9001, "email": "ada@example.com", "status": "Pending", "createdAt": "2024-03-15T12:30:00Z"}])))
                .content_type("Application/JSON; charset=utf-8")],
            vec![call("PUT", tenant_resend(1024, "?id=9001"))],
            &[],
        ),
        row(
            "403 before 400 for an unmanaged tenant",
            vec![stub("PUT", TENANT_RESEND_2048, 403, failure("Forbidden"))],
            vec![call("PUT", tenant_resend(2048, "?id=abc"))],
            &[],
        ),
        row(
            "400 before 401",
            vec![stub("PUT", TENANT_RESEND_1024, 400, failure("ValidationError"))],
            vec![call("PUT", tenant_resend(1024, "?id=abc")).key(None)],
            &[],
        ),
        row(
            "401 before 400",
            vec![stub("PUT", TENANT_RESEND_1024, 401, failure("Unauthorized")).header("www-authenticate", "Bearer")],
            vec![call("PUT", tenant_resend(1024, "?id=0")).key(Some("unknown-key"))],
            &[],
        ),
        row(
            "a 401 with realm and error, other wording and details",
            vec![bearer_401("Bearer realm=\"invitations\", error=\"invalid_token\"")],
            vec![call("GET", by_email("ada@example.com")).key(Some("unknown-key"))],
            &[],
        ),
        row(
            "a 401 offering two schemes",
            vec![bearer_401("Basic realm=\"x\", bearer")],
            vec![call("GET", by_email("ada@example.com")).key(None)],
            &[],
        ),
        row(
            "a body of whitespace read as no body",
            vec![stub("POST", IAM_9001, 200, json!({"message": "Resent.", "inviteId": "9001"}))],
            vec![call("POST", IAM_9001).body(" \r\n\t")],
            &[],
        ),
        row(
            "a body of whitespace refused as not JSON",
            vec![stub("POST", IAM_9001, 400, json!({"error": "Send {} or nothing."}))],
            vec![call("POST", IAM_9001).body(" \r\n\t")],
            &[],
        ),
        row(
            "the documented 500 to a valid request",
            vec![stub("POST", IAM_9001, 500, json!({"error": "Something broke."}))],
            vec![call("POST", IAM_9001).body("{}")],
            &[],
        ),
        row(
            "413 before 400 for a large body that is not JSON",
            vec![stub("POST", IAM_9001, 413, json!({"error": "Too large."}))],
            vec![call("POST", IAM_9001).body("x".repeat(70_000))],
            &[],
        ),
        row(
            "a larger body limit than the mock's",
            vec![stub("POST", IAM_9001, 200, json!({"message": "Resent.", "inviteId": "9001"}))],
            vec![call("POST", IAM_9001).body(big_object.clone())],
            &[],
        ),
        row(
            "a lower body limit than the mock's",
            vec![stub("POST", IAM_9001, 413, json!({"error": "Too large."}))],
            vec![call("POST", IAM_9001).body(big_object)],
            &[],
        ),
        row(
            "a viewer's 403 before a body's 400",
            vec![stub("POST", IAM_9001, 403, json!({"error": "Nope."}))],
            vec![call("POST", IAM_9001).key(Some(fixture::ACME_VIEWER_KEY)).body("[1]")],
            &[],
        ),
        row(
            "a replayed idempotent resend, then a key reused and one in flight",
            vec![
                stub("POST", IAM_9001, 200, json!({"message": "Resent.", "inviteId": "9001"})).header("idempotent-replayed", "true").once(),
                stub("POST", IAM_9001, 422, json!({"error": "Key used for another request."})).once(),
                stub("POST", IAM_9001, 409, json!({"error": "Still working on it."})),
            ],
            vec![
                call("POST", IAM_9001).header("Idempotency-Key", "k-1"),
                call("POST", format!("{IAM_9001}?dryRun=true")).header("Idempotency-Key", "k-1"),
                call("POST", IAM_9001).header("Idempotency-Key", "k-1"),
            ],
            &[],
        ),
        row(
            "an address only our email rules refuse, looked up and not found (DECISIONS row 16)",
            vec![stub("GET", BY_EMAIL, 404, failure("InvitationNotFound"))],
            vec![call("GET", by_email("ada@-example.com"))],
            &[],
        ),
        row(
            "an invite id longer than ours, looked up (DECISIONS row 14)",
            vec![stub("POST", long_id, 404, json!({"error": "No such invite."}))],
            vec![call("POST", long_id)],
            &[],
        ),
        row(
            "an empty Idempotency-Key read as none (DECISIONS row 12)",
            vec![stub("POST", IAM_9001, 200, json!({"message": "Resent.", "inviteId": "9001"}))],
            vec![call("POST", IAM_9001).header("Idempotency-Key", "")],
            &[],
        ),
        row(
            "not pending, in other words",
            vec![stub("PUT", TENANT_RESEND_1024, 400, json!({"isSuccess": false, "isFailure": true, "value": null,
                "error": {"code": "InvitationNotPending", "message": "Declined invitations cannot be resent.", "info": ["state=Declined", "hint: use the IAM resend"]}}))],
            vec![call("PUT", tenant_resend(1024, "?id=9002"))],
            &[],
        ),
        row(
            "an unknown path refused with 404 in any shape",
            vec![stub("GET", "/api/tenant/users", 404, Value::Null).content_type("text/html").raw_body("<h1>Not Found</h1>")],
            vec![call("GET", "/api/tenant/users")],
            &[],
        ),
        row(
            "an undocumented method refused with 405",
            vec![stub("DELETE", IAM_9001, 405, Value::Null).raw_body("").header("allow", "POST")],
            vec![call("DELETE", IAM_9001)],
            &[],
        ),
    ]
}

/// Runs one row; `Err` says how the proxy's findings differ from the row's.
async fn run(row: &Row) -> Result<(), String> {
    let server = MockServer::start().await;
    for s in &row.server {
        let mut template = ResponseTemplate::new(s.status)
            .set_body_raw(s.body.clone().into_bytes(), s.content_type);
        for (name, value) in &s.headers {
            template = template.insert_header(*name, *value);
        }
        let mock = Mock::given(method(s.method))
            .and(path(s.path))
            .respond_with(template);
        let mock = if s.once {
            mock.up_to_n_times(1).with_priority(1)
        } else {
            mock
        };
        mock.mount(&server).await;
    }
    // A request no stub answers gets 599, so a row cannot pass on the server's silence.
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(599))
        .with_priority(u8::MAX)
        .mount(&server)
        .await;
    let proxy = Proxy::start(&server.uri()).await.unwrap();
    let mut last = Vec::new();
    for (i, c) in row.calls.iter().enumerate() {
        let before = proxy.violations().len();
        let (status, text) = c.send(&proxy).await;
        if status == 599 || (status == 502 && text.contains("invitations-mock proxy")) {
            return Err(format!(
                "call {i}: the server did not answer: {status} {text}"
            ));
        }
        let after = proxy.violations();
        last = match after.get(before) {
            Some(violation) => lines(violation),
            None => Vec::new(),
        };
        if i + 1 < row.calls.len() && !last.is_empty() {
            return Err(format!(
                "call {i} (before the judged one) was a violation: {last:#?}"
            ));
        }
    }
    if last == row.findings {
        Ok(())
    } else {
        Err(format!("expected {:#?}\nfound {last:#?}", row.findings))
    }
}

async fn run_table(rows: Vec<Row>) {
    let mut failed = Vec::new();
    for row in &rows {
        if let Err(why) = run(row).await {
            failed.push(format!("{}: {why}", row.name));
        }
    }
    assert!(
        failed.is_empty(),
        "{} of {} rows:\n{}",
        failed.len(),
        rows.len(),
        failed.join("\n\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_contract_break_is_flagged_exactly() {
    run_table(contract_breaks()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_choice_the_documents_allow_keeps_the_contract() {
    run_table(allowed_choices()).await;
}

#[tokio::test]
async fn a_failing_proxy_answers_502_naming_the_break() {
    let server = wrong_server(
        "POST",
        IAM_9001,
        ResponseTemplate::new(200).set_body_json(json!({"message": "Invite resent."})),
    )
    .await;
    let proxy = Proxy::start_with(
        ProxyConfig::new(&server.uri())
            .unwrap()
            .fail_on_violation(true),
    )
    .await
    .unwrap();
    let (status, text) = send(&proxy, "POST", IAM_9001, manager(), Some("{}"), &[]).await;
    assert_eq!(status, 502, "{text}");
    let body: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(body["upstreamStatus"], 200);
    assert_eq!(
        body["error"],
        "invitations-mock proxy: the upstream's 200 answer breaks openapi/invitations.yaml \
         (resendInvite): body /: \"inviteId\" is a required property (schema ResendInviteResponse)"
    );
    assert_eq!(body["findings"][0]["at"], "body /");
    assert_eq!(body["findings"][0]["side"], "response");
    assert_eq!(proxy.stats().violations, 1);
}

// ---------------------------------------------------------------------------------------
// In front of the mock.
// ---------------------------------------------------------------------------------------

/// Every operation × documented status of the reference mock, and its refusals of requests
/// outside the contract (12 of them).
fn mock_cases() -> Vec<(Call, u16)> {
    let viewer = Some(fixture::ACME_VIEWER_KEY);
    let big = "x".repeat(65_537);
    let put = |query: &str| call("PUT", tenant_resend(1024, query));
    let get = |email: &str| call("GET", by_email(email));
    let post = |id: &str| call("POST", iam(id));
    vec![
        (put("?id=9001"), 200),
        (put("?id=0"), 400),
        (put("?id=abc"), 400),
        (put("?id=9002"), 400),
        (put("?id=9001").key(None), 401),
        (put("?id=9001").key(viewer), 403),
        (call("PUT", tenant_resend(2048, "?id=9101")), 403),
        (put("?id=999999"), 404),
        (get("ADA@example.com"), 200),
        (get("nope"), 400),
        (call("GET", BY_EMAIL), 400),
        (get("ada@example.com").key(None), 401),
        (get("ada@example.com").key(viewer), 403),
        (get("bob@example.com"), 404),
        (
            post("9003").body("{}").header("Idempotency-Key", "k-1"),
            200,
        ),
        // The same key again: the stored answer, replayed.
        (
            post("9003").body("{}").header("Idempotency-Key", "k-1"),
            200,
        ),
        (call("POST", format!("{}?dryRun=true", iam("9002"))), 200),
        (call("POST", format!("{}?dryRun=maybe", iam("9002"))), 400),
        (post("9002").body("[1]"), 400),
        (post("9002").key(None), 401),
        (post("9002").key(viewer), 403),
        (post("999999"), 404),
        (post("9101"), 404),
        (post("9002").body(big), 413),
        // Outside the spec altogether: refused by the mock, which keeps the contract.
        (
            call("GET", "/api/tenant/admin/user/invitations_by_email"),
            404,
        ),
        (call("DELETE", iam("9001")), 405),
    ]
}

/// Sends every case and the faults through a proxy in front of the standalone mock of
/// `variant`; with `statuses`, checks each answer's status too.
async fn through_the_proxy(variant: Variant, statuses: bool) -> Proxy {
    let handle = handle_of(variant, Fixture::default());
    let upstream = standalone_mock(handle.clone()).await;
    let proxy = Proxy::start(upstream.base_url()).await.unwrap();
    let cases = mock_cases();
    for (call, expected) in &cases {
        let (status, text) = call.send(&proxy).await;
        if statuses {
            let (verb, target) = (call.method, &call.target);
            assert_eq!(status, *expected, "{verb} {target}: {text}");
        }
    }
    // 500 only by fault injection, on every operation.
    handle.inject_fault(Fault::status(500).times(3));
    for (verb, target, body) in [
        ("PUT", tenant_resend(1024, "?id=9001"), None),
        ("GET", by_email("ada@example.com"), None),
        ("POST", iam("9001"), Some("{}")),
    ] {
        let (status, _) = send(&proxy, verb, &target, manager(), body, &[]).await;
        assert_eq!(status, 500);
    }
    // The mock's admin API stays reachable through the proxy, unchecked.
    let (status, _) = send(&proxy, "GET", "/__admin/journal", None, None, &[]).await;
    assert_eq!(status, 200);
    assert_eq!(
        proxy.violations(),
        [],
        "the mock ({variant:?}) broke the contract"
    );
    assert_eq!(proxy.stats().exchanges, cases.len() as u64 + 3);
    drop(upstream);
    proxy
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_front_of_the_standalone_mock_every_documented_answer_keeps_the_contract() {
    let proxy = through_the_proxy(Variant::Reference, true).await;
    let stats = proxy.stats();
    // The bad requests the mock refused: id 0, id abc, no key x3, bad or no email x2, dryRun,
    // a body that is an array, one that is not JSON (413), unknown path, other method.
    assert_eq!(stats.refused_invalid_requests, 12, "{stats:?}");
    assert_eq!(stats.violations, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_conforming_variant_keeps_the_contract_too() {
    let proxy = through_the_proxy(Variant::Alternative, false).await;
    assert_eq!(proxy.stats().violations, 0);
}

#[tokio::test]
async fn a_strict_proxy_reports_requests_outside_the_contract_even_when_refused() {
    let mock = InvitationsMock::start().await;
    let proxy = Proxy::start_with(ProxyConfig::new(&mock.uri()).unwrap().strict_requests(true))
        .await
        .unwrap();
    let (status, _) = send(
        &proxy,
        "PUT",
        &tenant_resend(1024, "?id=abc"),
        manager(),
        None,
        &[],
    )
    .await;
    assert_eq!(status, 400);
    let violation = only_violation(&proxy);
    assert_eq!(violation.findings.len(), 1, "{violation:#?}");
    assert_eq!(violation.findings[0].side, Side::Request);
    assert_eq!(violation.findings[0].at, "query id");
    assert_eq!(violation.findings[0].message, "not an integer");
}

// ---------------------------------------------------------------------------------------
// Recording.
// ---------------------------------------------------------------------------------------

/// The default fixture as a deployment that has been running a while shows it: every
/// invitation created in 2024, the pending ones expiring 40 hours from now (dave's
/// already expired).
fn long_running_fixture() -> Fixture {
    let mut fixture = Fixture::default();
    for invitation in &mut fixture.invitations {
        invitation.created_at = FixtureTime::At("2024-03-15T12:30:00Z".parse().unwrap());
        if invitation.expires_at.is_none() {
            invitation.expires_at = Some(FixtureTime::Relative(40 * 3600));
        }
    }
    fixture
}

/// The fields `deployment`'s answer shows, and the same fields of `replay`'s.
fn shown_fields(deployment: &Value, replay: &Value) -> (Value, Value) {
    let mut shown = serde_json::Map::new();
    let mut same = serde_json::Map::new();
    for (name, value) in deployment.as_object().into_iter().flatten() {
        shown.insert(name.clone(), value.clone());
        same.insert(
            name.clone(),
            replay.get(name).cloned().unwrap_or(Value::Null),
        );
    }
    (Value::Object(shown), Value::Object(same))
}

/// A deployment that omits every optional field (the conforming variant: no `tenantId`, no
/// `expiresAt`) is recorded through the proxy while three keys use it; the recording, served
/// by the mock as `invitations-mock --fixture` serves it, answers for each recorded
/// invitation as the deployment does, and the banner's curl line finds a pending one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recording_of_a_server_without_optional_fields_replays_what_was_seen() {
    use fixture::{
        ACME_MANAGER_KEY as ACME, ACME_VIEWER_KEY as VIEWER, GLOBEX_MANAGER_KEY as GLOBEX,
    };
    let dir = std::env::temp_dir().join(format!("invitations-proxy-record-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("seen.json");
    let deployment = handle_of(Variant::Alternative, long_running_fixture());
    let upstream = standalone_mock(deployment.clone()).await;
    let proxy = Proxy::start_with(ProxyConfig::new(upstream.base_url()).unwrap().record(&file))
        .await
        .unwrap();
    let script: Vec<(&str, String, &str, u16)> = vec![
        ("GET", by_email("ada@example.com"), ACME, 200),
        ("GET", by_email("erin@example.com"), ACME, 200),
        ("PUT", tenant_resend(1024, "?id=9005"), ACME, 200),
        // Seen by id only, then whole.
        ("POST", iam("9002"), ACME, 200),
        ("GET", by_email("bob@example.com"), ACME, 200),
        // Seen by id only.
        ("POST", format!("{}?dryRun=true", iam("9003")), ACME, 200),
        ("POST", iam("9004"), ACME, 200),
        // Refused as not pending: it exists there, in some other state.
        ("PUT", tenant_resend(1024, "?id=9003"), ACME, 400),
        // An IAM id that is not the invitation's spelling names another invite.
        ("POST", iam("09005"), ACME, 404),
        // No tenant shown, and none of this key's known yet: the resend that follows names it.
        ("GET", by_email("frank@example.com"), GLOBEX, 200),
        ("PUT", tenant_resend(2048, "?id=9102"), GLOBEX, 200),
        ("GET", by_email("ada@example.com"), VIEWER, 403),
        ("POST", iam("999999"), ACME, 404),
    ];
    for (verb, target, key, expected) in &script {
        let (status, text) = send(&proxy, verb, target, Some(key), None, &[]).await;
        assert_eq!(status, *expected, "{verb} {target}: {text}");
    }
    // Accepted since it was seen: the IAM resend's 404 removes it from the recording.
    let token = deployment.invitation(fixture::PENDING_ID).unwrap().token;
    deployment.accept(&token).unwrap();
    let (status, _) = send(&proxy, "POST", &iam("9001"), Some(ACME), None, &[]).await;
    assert_eq!(status, 404);
    assert_eq!(
        proxy.violations(),
        [],
        "the conforming variant keeps the contract"
    );
    drop(proxy);

    let text = std::fs::read_to_string(&file).unwrap();
    for key in [ACME, GLOBEX, VIEWER] {
        assert!(
            !text.contains(key),
            "a key seen in traffic was written: {text}"
        );
    }
    let recorded = Fixture::from_file(&file).unwrap();
    let ids: Vec<u64> = recorded.invitations.iter().map(|i| i.id).collect();
    let now = deployment.now();
    assert_eq!(
        ids,
        [9002, 9003, 9004, 9005, 9101, 9102],
        "each touched invitation, once"
    );
    for invitation in &recorded.invitations {
        let truth = deployment.invitation(invitation.id).unwrap();
        assert_eq!(invitation.tenant_id, truth.tenant_id, "{invitation:?}");
        let pending = |status: &invitations_sdk::InvitationStatus| {
            *status == invitations_sdk::InvitationStatus::Pending
        };
        assert_eq!(
            pending(&invitation.status),
            pending(&truth.effective_status(now)),
            "{invitation:?} against {truth:?}"
        );
    }
    let keys: Vec<(&str, &[u64], bool)> = recorded
        .api_keys
        .iter()
        .map(|k| {
            (
                k.key.as_str(),
                k.tenants.as_slice(),
                !k.permissions.is_empty(),
            )
        })
        .collect();
    assert_eq!(
        keys,
        [
            ("recorded-key-1", &[1024][..], true),
            ("recorded-key-2", &[2048][..], true),
            ("recorded-key-3", &[][..], false),
        ]
    );
    let as_recorded = |key: &str| match key {
        ACME => "recorded-key-1",
        GLOBEX => "recorded-key-2",
        _ => "recorded-key-3",
    };

    // Served as `invitations-mock --fixture seen.json` serves it.
    let replay = standalone_mock(handle_of(Variant::Reference, recorded.clone())).await;
    let mut probes: Vec<(String, String, &str)> =
        vec![("GET".into(), by_email("ada@example.com"), VIEWER)];
    for InvitationFixture {
        id,
        tenant_id,
        email,
        ..
    } in &recorded.invitations
    {
        let key = if *tenant_id == fixture::ACME_TENANT {
            ACME
        } else {
            GLOBEX
        };
        probes.push((
            "POST".into(),
            format!("{}?dryRun=true", iam(&id.to_string())),
            key,
        ));
        if !email.ends_with("@recorded.invalid") {
            probes.push(("GET".into(), by_email(email), key));
        }
    }
    for (verb, target, key) in &probes {
        let (status, seen) = send_to(upstream.base_url(), verb, target, Some(key), None, &[]).await;
        let (replayed, served) = send_to(
            replay.base_url(),
            verb,
            target,
            Some(as_recorded(key)),
            None,
            &[],
        )
        .await;
        assert_eq!(
            replayed, status,
            "{verb} {target}: deployment {seen}, replay {served}"
        );
        let (seen, served): (Value, Value) = (
            serde_json::from_str(&seen).unwrap(),
            serde_json::from_str(&served).unwrap(),
        );
        match (verb.as_str(), status) {
            ("GET", 200) => {
                let (shown, same) = shown_fields(&seen["value"], &served["value"]);
                assert_eq!(same, shown, "{target}: the fields the deployment shows");
            }
            ("POST", 200) => assert_eq!(served["inviteId"], seen["inviteId"], "{target}"),
            ("PUT", 200) => {
                let (shown, same) = shown_fields(&seen["value"][0], &served["value"][0]);
                let without_expiry = |mut v: Value| {
                    v.as_object_mut().map(|o| o.remove("expiresAt"));
                    v
                };
                assert_eq!(without_expiry(same), without_expiry(shown), "{target}");
            }
            // A refusal: its status matched above; the error code is each server's own
            // (DECISIONS rows 8, 21, 32: the deployment, the conforming variant, names them
            // otherwise than the mock serving the recording).
            (_, _) => {}
        }
    }
    // The banner's curl line (`curl -H 'Authorization: Bearer KEY' BASE/...?email=EMAIL`).
    let (key, email) = recorded
        .example_lookup()
        .expect("a pending invitation to look up");
    let (status, answer) = send_to(
        replay.base_url(),
        "GET",
        &by_email(email),
        Some(key),
        None,
        &[],
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        serde_json::from_str::<Value>(&answer).unwrap()["value"]["email"],
        email
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn secrets_never_reach_the_violations_or_the_502() {
    const KEY: &str = "super-secret-api-key-1234";
    const IDEMPOTENCY: &str = "idempotency-secret-5678";
    const TOKEN: &str = "leaked-invitation-token-9012";
    // A wrong answer that echoes the key and a token into fields the schema checks.
    let body = json!({"error": {"key": KEY, "token": TOKEN}, "idempotencyKey": IDEMPOTENCY});
    let server = wrong_server(
        "POST",
        "/iam/v1/users/9001/actions/resend",
        ResponseTemplate::new(401).set_body_json(body),
    )
    .await;
    let proxy = Proxy::start_with(
        ProxyConfig::new(&server.uri())
            .unwrap()
            .fail_on_violation(true),
    )
    .await
    .unwrap();
    let (status, text) = send(
        &proxy,
        "POST",
        "/iam/v1/users/9001/actions/resend",
        Some(KEY),
        Some("{}"),
        &[("Idempotency-Key", IDEMPOTENCY)],
    )
    .await;
    assert_eq!(status, 502);
    let (_, listed) = send(&proxy, "GET", "/__admin/violations", None, None, &[]).await;
    let (_, health) = send(&proxy, "GET", "/__admin/health", None, None, &[]).await;
    assert!(
        listed.contains("is not of type"),
        "the finding is there: {listed}"
    );
    for shown in [
        &text,
        &listed,
        &health,
        &format!("{:?}", proxy.violations()),
    ] {
        for secret in [KEY, IDEMPOTENCY, TOKEN] {
            assert!(!shown.contains(secret), "{secret} leaked: {shown}");
        }
    }
}

#[tokio::test]
async fn admin_endpoints_list_count_and_clear() {
    let server = wrong_server("GET", BY_EMAIL, ResponseTemplate::new(418)).await;
    let proxy = Proxy::start(&server.uri()).await.unwrap();
    look_up_ada(&proxy).await;
    let (status, listed) = send(&proxy, "GET", "/__admin/violations", None, None, &[]).await;
    assert_eq!(status, 200);
    let listed: Value = serde_json::from_str(&listed).unwrap();
    assert_eq!(listed[0]["operation"], "GetUserInvitationByEmail");
    assert_eq!(listed[0]["status"], 418);
    assert_eq!(listed[0]["path"], BY_EMAIL, "no query string");
    assert_eq!(listed[0]["findings"][0]["side"], "response");
    let (_, health) = send(&proxy, "GET", "/__admin/health", None, None, &[]).await;
    let health: Value = serde_json::from_str(&health).unwrap();
    assert_eq!(health["status"], "ok");
    assert_eq!(health["upstream"], server.uri());
    assert_eq!(
        (health["exchanges"].clone(), health["violations"].clone()),
        (json!(1), json!(1))
    );
    let (status, _) = send(&proxy, "DELETE", "/__admin/violations", None, None, &[]).await;
    assert_eq!(status, 204);
    assert_eq!(proxy.stats().violations, 0);
    let (status, text) = send(&proxy, "POST", "/__admin/health", None, None, &[]).await;
    assert_eq!(status, 405, "{text}");
}

#[tokio::test]
async fn an_unreachable_upstream_is_a_502_naming_it_and_why() {
    // A port that was free a moment ago: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let upstream = format!("http://127.0.0.1:{port}");
    let (proxy, error) = upstream_failure(&upstream).await;
    assert!(
        error.to_lowercase().contains("connection refused"),
        "{error}"
    );
    assert!(
        !error.contains("ada@example.com"),
        "the query stays out: {error}"
    );
    assert_eq!(proxy.stats().upstream_errors, 1);
    assert_eq!(proxy.stats().violations, 0);
}

#[tokio::test]
async fn an_https_upstream_goes_through_tls() {
    // A plain-HTTP server behind an https:// URL: the proxy must attempt a TLS handshake
    // (and say it failed), not refuse the scheme or speak plain HTTP to it.
    let server = MockServer::start().await;
    let upstream = server.uri().replace("http://", "https://");
    let (_proxy, error) = upstream_failure(&upstream).await;
    let lower = error.to_lowercase();
    assert!(
        lower.contains("ssl") || lower.contains("tls"),
        "the TLS layer's error is named: {error}"
    );
    assert!(
        server
            .received_requests()
            .await
            .unwrap_or_default()
            .is_empty(),
        "no plain-HTTP request reached the upstream"
    );
}

#[tokio::test]
async fn a_slow_upstream_is_a_504_after_the_configured_timeout() {
    let server = wrong_server(
        "GET",
        BY_EMAIL,
        ResponseTemplate::new(200).set_delay(Duration::from_secs(5)),
    )
    .await;
    let config = ProxyConfig::new(&server.uri())
        .unwrap()
        .timeout(Duration::from_millis(200));
    let proxy = Proxy::start_with(config).await.unwrap();
    let (status, text) = look_up_ada(&proxy).await;
    assert_eq!(status, 504, "{text}");
    assert!(
        text.contains("did not answer within 200ms (raise it with --timeout SECONDS)"),
        "{text}"
    );
}

#[test]
fn an_upstream_that_is_not_an_http_url_is_refused_clearly() {
    for bad in [
        "localhost:8080",
        "ftp://example.com",
        "http://user:pw@",
        "https://x.example/?q=1",
    ] {
        let err = ProxyConfig::new(bad).unwrap_err().to_string();
        assert!(
            err.contains("is not an http:// or https:// URL"),
            "{bad}: {err}"
        );
        assert!(!err.contains("pw"), "{err}");
    }
    let config = ProxyConfig::new("https://user:secret@api.example.com/base/").unwrap();
    assert_eq!(config.upstream_display(), "https://api.example.com/base");
}

#[tokio::test]
async fn requests_and_answers_pass_through_unchanged() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/iam/v1/users/9001/actions/resend"))
        .and(wiremock::matchers::query_param("dryRun", "true"))
        .and(wiremock::matchers::header("authorization", "Bearer k-123"))
        .and(wiremock::matchers::header("idempotency-key", "abc"))
        .and(wiremock::matchers::body_string("{ }"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("x-upstream", "yes")
                .set_body_raw(r#"{"message":"ok","inviteId":"9001"}"#, "application/json"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let proxy = Proxy::start(&server.uri()).await.unwrap();
    let response = client()
        .post(format!(
            "{}/iam/v1/users/9001/actions/resend?dryRun=true",
            proxy.uri()
        ))
        .header("authorization", "Bearer k-123")
        .header("idempotency-key", "abc")
        .body("{ }")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["x-upstream"], "yes");
    assert_eq!(
        response.text().await.unwrap(),
        r#"{"message":"ok","inviteId":"9001"}"#
    );
    assert_eq!(proxy.violations(), []);
}

/// An upstream that counts its connections and notes the `Host` and path of each request;
/// a request whose path ends in `/close` is answered with `Connection: close`.
async fn counting_upstream() -> (
    String,
    std::sync::Arc<std::sync::atomic::AtomicUsize>,
    std::sync::Arc<std::sync::Mutex<Vec<(String, String)>>>,
) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let connections = Arc::new(AtomicUsize::new(0));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let (count, log) = (connections.clone(), seen.clone());
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            let log = log.clone();
            let service = hyper::service::service_fn(move |req: hyper::Request<_>| {
                let host = req.headers()["host"].to_str().unwrap().to_owned();
                let path = req.uri().path().to_owned();
                log.lock().unwrap().push((host, path.clone()));
                let mut answer = hyper::Response::new(http_body_util::Full::new(
                    bytes::Bytes::from_static(br#"{"message":"ok"}"#),
                ));
                answer
                    .headers_mut()
                    .insert("content-type", "application/json".parse().unwrap());
                if path.ends_with("/close") {
                    answer
                        .headers_mut()
                        .insert("connection", "close".parse().unwrap());
                }
                async move { Ok::<_, std::convert::Infallible>(answer) }
            });
            tokio::spawn(
                hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service),
            );
        }
    });
    (url, connections, seen)
}

#[tokio::test]
async fn each_client_connection_has_one_upstream_connection_renewed_when_closed() {
    use std::sync::atomic::Ordering;
    let (upstream, connections, seen) = counting_upstream().await;
    // A path prefix on the upstream URL is kept in front of every forwarded path.
    let proxy = Proxy::start(&format!("{upstream}/base/")).await.unwrap();
    let one = reqwest::Client::new();
    let get = |client: &reqwest::Client, path: &str| {
        let request = client.get(format!("{}{path}", proxy.uri()));
        async move { request.send().await.unwrap().status().as_u16() }
    };
    for _ in 0..3 {
        assert_eq!(get(&one, "/x").await, 200);
    }
    assert_eq!(
        connections.load(Ordering::SeqCst),
        1,
        "three requests on one client connection share one upstream connection"
    );
    // The upstream closes after this answer: the next request gets a new connection.
    assert_eq!(get(&one, "/close").await, 200);
    assert_eq!(get(&one, "/x").await, 200);
    assert_eq!(connections.load(Ordering::SeqCst), 2);
    // A second client connection has its own.
    let other = reqwest::Client::new();
    assert_eq!(get(&other, "/x").await, 200);
    assert_eq!(connections.load(Ordering::SeqCst), 3);

    let authority = upstream.trim_start_matches("http://");
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 6, "{seen:?}");
    for (host, path) in &seen {
        assert_eq!(host, authority, "the upstream's Host, not the proxy's");
        assert!(path.starts_with("/base/"), "{path}");
    }
    assert_eq!(seen[3].1, "/base/close");
    assert_eq!(proxy.stats().upstream_errors, 0);
}
