//! The validating proxy (`invitations_mock::proxy`): in front of the standalone mock it
//! finds nothing; in front of deliberately wrong servers it names each problem precisely;
//! upstream failures are clear; `--record` round-trips through `--fixture`; no secret leaks.

mod common;

use std::time::Duration;

use invitations_mock::proxy::{Proxy, ProxyConfig, Side, Violation};
use invitations_mock::server::Server;
use invitations_mock::{fixture, Fault, Fixture, InvitationsMock, MockHandle};
use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const BY_EMAIL: &str = "/tenant/admin/user/invitations_by_email";

/// The standalone server (hyper) on a free port, stopped when the sender drops.
async fn standalone_mock(handle: MockHandle) -> (String, tokio::sync::oneshot::Sender<()>) {
    let server = Server::bind("127.0.0.1:0".parse().unwrap(), handle)
        .await
        .unwrap();
    let url = server.base_url();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        let _ = server
            .run(async {
                let _ = stopped.await;
            })
            .await;
    });
    (url, stop)
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
    let mut request = client().request(verb.parse().unwrap(), format!("{}{target}", proxy.uri()));
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

/// (method, target, key, body, headers, expected status)
type Case<'a> = (
    &'a str,
    String,
    Option<&'a str>,
    Option<&'a str>,
    Vec<(&'a str, &'a str)>,
    u16,
);

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

fn messages(violation: &Violation) -> String {
    violation
        .findings
        .iter()
        .map(|f| format!("[{:?}] {}: {}", f.side, f.at, f.message))
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_front_of_the_standalone_mock_every_documented_answer_keeps_the_contract() {
    let handle = MockHandle::default();
    let (upstream, _stop) = standalone_mock(handle.clone()).await;
    let proxy = Proxy::start(&upstream).await.unwrap();
    let tenant = |t: u64, id: &str| format!("/tenant/{t}/admin/user/invitation/resend?id={id}");
    let iam = |id: &str| format!("/iam/v1/users/{id}/actions/resend");
    let viewer = Some(fixture::ACME_VIEWER_KEY);
    let big = " ".repeat(65_537);
    let cases: Vec<Case> = vec![
        ("PUT", tenant(1024, "9001"), manager(), None, vec![], 200),
        ("PUT", tenant(1024, "0"), manager(), None, vec![], 400),
        ("PUT", tenant(1024, "abc"), manager(), None, vec![], 400),
        ("PUT", tenant(1024, "9002"), manager(), None, vec![], 400),
        ("PUT", tenant(1024, "9001"), None, None, vec![], 401),
        ("PUT", tenant(1024, "9001"), viewer, None, vec![], 403),
        ("PUT", tenant(2048, "9101"), manager(), None, vec![], 403),
        ("PUT", tenant(1024, "999999"), manager(), None, vec![], 404),
        (
            "GET",
            format!("{BY_EMAIL}?email=ADA@example.com"),
            manager(),
            None,
            vec![],
            200,
        ),
        (
            "GET",
            format!("{BY_EMAIL}?email=nope"),
            manager(),
            None,
            vec![],
            400,
        ),
        ("GET", BY_EMAIL.to_owned(), manager(), None, vec![], 400),
        (
            "GET",
            format!("{BY_EMAIL}?email=ada@example.com"),
            None,
            None,
            vec![],
            401,
        ),
        (
            "GET",
            format!("{BY_EMAIL}?email=ada@example.com"),
            viewer,
            None,
            vec![],
            403,
        ),
        (
            "GET",
            format!("{BY_EMAIL}?email=bob@example.com"),
            manager(),
            None,
            vec![],
            404,
        ),
        (
            "POST",
            iam("9003"),
            manager(),
            Some("{}"),
            vec![("Idempotency-Key", "k-1")],
            200,
        ),
        (
            "POST",
            iam("9003"),
            manager(),
            Some("{}"),
            vec![("Idempotency-Key", "k-1")],
            200,
        ),
        (
            "POST",
            format!("{}?dryRun=true", iam("9002")),
            manager(),
            None,
            vec![],
            200,
        ),
        (
            "POST",
            format!("{}?dryRun=maybe", iam("9002")),
            manager(),
            None,
            vec![],
            400,
        ),
        ("POST", iam("9002"), manager(), Some("[1]"), vec![], 400),
        ("POST", iam("9002"), None, None, vec![], 401),
        ("POST", iam("9002"), viewer, None, vec![], 403),
        ("POST", iam("999999"), manager(), None, vec![], 404),
        ("POST", iam("9101"), manager(), None, vec![], 404),
        (
            "POST",
            iam("9002"),
            manager(),
            Some(big.as_str()),
            vec![],
            413,
        ),
        // Outside the spec altogether: refused by the mock, which keeps the contract.
        (
            "GET",
            "/api/tenant/admin/user/invitations_by_email".to_owned(),
            manager(),
            None,
            vec![],
            404,
        ),
        ("DELETE", iam("9001"), manager(), None, vec![], 405),
    ];
    for (verb, target, key, body, headers, expected) in &cases {
        let (status, text) = send(&proxy, verb, target, *key, *body, headers).await;
        assert_eq!(status, *expected, "{verb} {target}: {text}");
    }
    // 500 only by fault injection, on every operation.
    handle.inject_fault(Fault::status(500).times(3));
    for (verb, target, body) in [
        ("PUT", tenant(1024, "9001"), None),
        ("GET", format!("{BY_EMAIL}?email=ada@example.com"), None),
        ("POST", iam("9001"), Some("{}")),
    ] {
        let (status, _) = send(&proxy, verb, &target, manager(), body, &[]).await;
        assert_eq!(status, 500);
    }
    // The mock's admin API stays reachable through the proxy, unchecked.
    let (status, _) = send(&proxy, "GET", "/__admin/journal", None, None, &[]).await;
    assert_eq!(status, 200);

    assert_eq!(proxy.violations(), [], "the mock broke the contract");
    let stats = proxy.stats();
    assert_eq!(stats.exchanges, cases.len() as u64 + 3);
    // The bad requests the mock refused: id 0, id abc, no key x3, bad or no email x2, dryRun,
    // a body that is an array, one that is not JSON (413), unknown path, other method.
    assert_eq!(stats.refused_invalid_requests, 12, "{stats:?}");
    assert_eq!(stats.violations, 0);
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
        "/tenant/1024/admin/user/invitation/resend?id=abc",
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

fn invitation() -> Value {
    json!({"id": 9001, "tenantId": 1024, "email": "ada@example.com", "status": "Pending",
           "createdAt": "2024-03-15T12:30:00Z", "expiresAt": "2024-03-17T12:30:00Z"})
}

#[tokio::test]
async fn data_instead_of_value_is_caught() {
    let body = json!({"isSuccess": true, "isFailure": false, "error": null, "data": invitation()});
    let server = wrong_server(
        "GET",
        BY_EMAIL,
        ResponseTemplate::new(200).set_body_json(body),
    )
    .await;
    let proxy = Proxy::start(&server.uri()).await.unwrap();
    let (status, text) = look_up_ada(&proxy).await;
    assert_eq!(status, 200, "forwarded unchanged: {text}");
    assert!(text.contains("\"data\""));
    let violation = only_violation(&proxy);
    assert_eq!(
        violation.operation.as_deref(),
        Some("GetUserInvitationByEmail")
    );
    assert_eq!(violation.status, 200);
    let all = messages(&violation);
    assert!(
        all.contains(
            "[Response] body /: \"value\" is a required property (schema UserInvitationResult)"
        ),
        "{all}"
    );
    assert!(
        all.contains("names the payload `data`; the spec's envelope names it `value`"),
        "{all}"
    );
}

#[tokio::test]
async fn an_undocumented_status_is_caught() {
    let server = wrong_server(
        "POST",
        "/iam/v1/users/9001/actions/resend",
        ResponseTemplate::new(410).set_body_json(json!({"error": "gone"})),
    )
    .await;
    let proxy = Proxy::start(&server.uri()).await.unwrap();
    let (status, _) = send(
        &proxy,
        "POST",
        "/iam/v1/users/9001/actions/resend",
        manager(),
        Some("{}"),
        &[],
    )
    .await;
    assert_eq!(status, 410);
    let violation = only_violation(&proxy);
    assert_eq!(violation.findings.len(), 1, "{violation:#?}");
    assert_eq!(violation.findings[0].at, "status");
    assert_eq!(
        violation.findings[0].message,
        "410 is not documented for resendInvite (documented: 200, 400, 401, 403, 404, 409, 413, 422, 500)"
    );
}

#[tokio::test]
async fn a_text_plain_error_is_caught() {
    let server = wrong_server(
        "PUT",
        "/tenant/1024/admin/user/invitation/resend",
        ResponseTemplate::new(404).set_body_raw("Not Found", "text/plain"),
    )
    .await;
    let proxy = Proxy::start(&server.uri()).await.unwrap();
    let (status, text) = send(
        &proxy,
        "PUT",
        "/tenant/1024/admin/user/invitation/resend?id=9001",
        manager(),
        None,
        &[],
    )
    .await;
    assert_eq!((status, text.as_str()), (404, "Not Found"));
    let violation = only_violation(&proxy);
    let all = messages(&violation);
    assert!(
        all.contains(
            "[Response] content-type: text/plain where the spec documents application/json for 404"
        ),
        "{all}"
    );
    assert!(
        all.contains("[Response] body: not JSON (expected value at line 1 column 1); the spec documents a JSON body for 404"),
        "{all}"
    );
}

#[tokio::test]
async fn a_missing_invite_id_is_caught_and_a_failing_proxy_answers_502() {
    let server = wrong_server(
        "POST",
        "/iam/v1/users/9001/actions/resend",
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
    let (status, text) = send(
        &proxy,
        "POST",
        "/iam/v1/users/9001/actions/resend",
        manager(),
        Some("{}"),
        &[],
    )
    .await;
    assert_eq!(status, 502, "{text}");
    let body: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(body["upstreamStatus"], 200);
    let error = body["error"].as_str().unwrap();
    assert!(
        error.starts_with(
            "invitations-mock proxy: the upstream's 200 answer breaks openapi/invitations.yaml \
             (resendInvite): body /: \"inviteId\" is a required property (schema ResendInviteResponse)"
        ),
        "{error}"
    );
    assert_eq!(body["findings"][0]["at"], "body /");
    assert_eq!(proxy.stats().violations, 1);
}

#[tokio::test]
async fn an_error_of_the_other_surface_is_named_as_such() {
    let server = wrong_server(
        "GET",
        BY_EMAIL,
        ResponseTemplate::new(404).set_body_json(json!({"error": "No pending invitation."})),
    )
    .await;
    let proxy = Proxy::start(&server.uri()).await.unwrap();
    look_up_ada(&proxy).await;
    let all = messages(&only_violation(&proxy));
    assert!(
        all.contains("\"isSuccess\" is a required property (schema FailureResult)"),
        "{all}"
    );
    assert!(
        all.contains("this is the IAM surface's error shape `{error: string}`"),
        "{all}"
    );
}

#[tokio::test]
async fn rules_stated_in_words_are_checked() {
    // A valid envelope, but for another address and not pending.
    let mut other = invitation();
    other["email"] = json!("bob@example.com");
    other["status"] = json!("Declined");
    let body = json!({"isSuccess": true, "isFailure": true, "error": null, "value": other});
    let server = wrong_server(
        "GET",
        BY_EMAIL,
        ResponseTemplate::new(200).set_body_json(body),
    )
    .await;
    let proxy = Proxy::start(&server.uri()).await.unwrap();
    look_up_ada(&proxy).await;
    let all = messages(&only_violation(&proxy));
    assert!(
        all.contains(
            "body /isSuccess: a 200 answer must carry isSuccess: true and isFailure: false"
        ),
        "{all}"
    );
    assert!(
        all.contains("body /value/email: must be the address asked for"),
        "{all}"
    );
    assert!(
        all.contains(
            "body /value/status: the lookup returns only pending invitations, not Declined"
        ),
        "{all}"
    );
}

#[tokio::test]
async fn accepting_a_request_the_spec_refuses_is_a_violation() {
    let body =
        json!({"isSuccess": true, "isFailure": false, "error": null, "value": [invitation()]});
    let server = wrong_server(
        "PUT",
        "/tenant/1024/admin/user/invitation/resend",
        ResponseTemplate::new(200).set_body_json(body),
    )
    .await;
    let proxy = Proxy::start(&server.uri()).await.unwrap();
    send(
        &proxy,
        "PUT",
        "/tenant/1024/admin/user/invitation/resend?id=9001",
        None,
        None,
        &[],
    )
    .await;
    let all = messages(&only_violation(&proxy));
    assert!(
        all.contains("[Response] status: the upstream answered 200 to a request the spec refuses"),
        "{all}"
    );
    assert!(
        all.contains("[Request] header Authorization: missing"),
        "{all}"
    );
}

#[tokio::test]
async fn an_unknown_operation_answered_with_success_is_a_violation() {
    let server = wrong_server(
        "GET",
        "/api/tenant/users",
        ResponseTemplate::new(200).set_body_json(json!({})),
    )
    .await;
    let proxy = Proxy::start(&server.uri()).await.unwrap();
    send(&proxy, "GET", "/api/tenant/users", manager(), None, &[]).await;
    let violation = only_violation(&proxy);
    assert_eq!(violation.operation, None);
    let all = messages(&violation);
    assert!(
        all.contains("[Request] operation: no operation of the spec matches GET /api/tenant/users"),
        "{all}"
    );
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn record_then_fixture_serves_the_same_invitations() {
    let dir = std::env::temp_dir().join(format!("invitations-proxy-record-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("recorded.json");
    let (upstream, _stop) = standalone_mock(MockHandle::default()).await;
    let proxy = Proxy::start_with(ProxyConfig::new(&upstream).unwrap().record(&file))
        .await
        .unwrap();
    let (status, seen) = look_up_ada(&proxy).await;
    assert_eq!(status, 200);
    let (status, _) = send(
        &proxy,
        "PUT",
        "/tenant/2048/admin/user/invitation/resend?id=9101",
        Some(fixture::GLOBEX_MANAGER_KEY),
        None,
        &[],
    )
    .await;
    assert_eq!(status, 200);
    // Not recorded: an error answer, and an IAM answer (it holds no invitation).
    send(
        &proxy,
        "GET",
        &format!("{BY_EMAIL}?email=bob@example.com"),
        manager(),
        None,
        &[],
    )
    .await;
    send(
        &proxy,
        "POST",
        "/iam/v1/users/9003/actions/resend",
        manager(),
        None,
        &[],
    )
    .await;
    drop(proxy);

    let text = std::fs::read_to_string(&file).unwrap();
    for key in [fixture::ACME_MANAGER_KEY, fixture::GLOBEX_MANAGER_KEY] {
        assert!(
            !text.contains(key),
            "a key seen in traffic was written: {text}"
        );
    }
    let recorded = Fixture::from_file(&file).unwrap();
    let ids: Vec<u64> = recorded.invitations.iter().map(|i| i.id).collect();
    assert_eq!(ids, [fixture::PENDING_ID, fixture::GLOBEX_PENDING_ID]);

    // Served by a mock started from the recorded file: the same invitation comes back.
    let replay = InvitationsMock::start_with(recorded).await;
    let answer: Value = common::json_body(
        client()
            .get(format!("{}{BY_EMAIL}?email=ada@example.com", replay.uri()))
            .bearer_auth("recorded-tenant-1024-key"),
    )
    .await;
    let seen: Value = serde_json::from_str(&seen).unwrap();
    assert_eq!(answer["value"], seen["value"]);
    let globex = replay.invitation(fixture::GLOBEX_PENDING_ID).unwrap();
    assert_eq!(globex.email, "frank@example.com");
    std::fs::remove_dir_all(&dir).unwrap();
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
