//! What a case works with: raw HTTP exchanges checked against the spec, SDK calls, the mock's
//! admin API, and the record that becomes the case's snapshot.

use std::time::Duration;

use invitations_spec::Spec;
use serde_json::{json, Value};

use crate::redact::redact;
use crate::target::{Secret, TargetData};

/// The result of a case body: `Err` carries a readable reason.
pub type CaseResult = Result<(), String>;

/// Fails the case with a formatted message.
#[macro_export]
macro_rules! fail {
    ($($arg:tt)*) => { return Err(format!($($arg)*)) };
}

/// Fails the case unless the condition holds.
#[macro_export]
macro_rules! ensure {
    ($cond:expr, $($arg:tt)*) => { if !$cond { return Err(format!($($arg)*)); } };
}

/// The three operations, by operationId: the SDK's [`Operation`](invitations_sdk::Operation),
/// under the short name the cases use.
pub use invitations_sdk::Operation as Op;

/// Which credentials a request carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Auth {
    /// No `Authorization` header.
    None,
    /// A key that exists nowhere.
    Unknown,
    /// The manager key of the target's tenant.
    Manager,
    /// A key of the tenant without `usersManager`.
    Viewer,
    /// A manager key of another tenant.
    OtherTenant,
    /// The manager key, valid, but sent as `Authorization: Basic <key>`: only Bearer is
    /// documented, so it must be refused like no key.
    ManagerAsBasic,
}

impl Auth {
    fn label(self) -> &'static str {
        match self {
            Auth::None => "no key",
            Auth::Unknown => "unknown key",
            Auth::Manager => "manager key",
            Auth::Viewer => "key without usersManager",
            Auth::OtherTenant => "other tenant's key",
            Auth::ManagerAsBasic => "manager key under the Basic scheme",
        }
    }
}

/// A raw HTTP request, described in target-independent words for the snapshot.
#[derive(Clone, Debug)]
pub struct Call {
    /// The operation whose documented responses the answer must match.
    pub op: Op,
    /// What the request is, for the snapshot: no ids, emails or keys of any one target.
    pub label: String,
    /// HTTP method.
    pub method: reqwest::Method,
    /// Path with its query string, already encoded.
    pub path_and_query: String,
    /// Credentials.
    pub auth: Auth,
    /// Extra headers.
    pub headers: Vec<(String, String)>,
    /// Body bytes and whether to label them JSON.
    pub body: Option<Vec<u8>>,
}

/// A response as received.
#[derive(Clone, Debug)]
pub struct Exchange {
    /// HTTP status.
    pub status: u16,
    /// Media type without parameters (`application/json`).
    pub content_type: String,
    /// The body, parsed.
    pub body: Value,
    /// The `WWW-Authenticate` header, if any.
    pub www_authenticate: Option<String>,
}

/// Per-case state.
pub struct Ctx {
    /// What the target holds.
    pub data: TargetData,
    base_url: String,
    admin_url: Option<String>,
    http: reqwest::Client,
    spec: &'static Spec,
    record: Vec<Value>,
    observations: Vec<String>,
    last_request: Option<String>,
}

impl Ctx {
    /// A context for one case against `base_url`; `admin_url` is set on the mock only.
    pub fn new(data: TargetData, base_url: String, admin_url: Option<String>) -> Ctx {
        // The SDK's builder: one TLS setup for the whole run, not one per case.
        let http = invitations_sdk::http::reqwest_builder()
            .timeout(Duration::from_secs(30))
            .build()
            .expect("a plain reqwest client builds");
        Ctx {
            data,
            base_url,
            admin_url,
            http,
            spec: Spec::get(),
            record: Vec::new(),
            observations: Vec::new(),
            last_request: None,
        }
    }

    /// Whether the mock's admin API is reachable (embedded mock only).
    pub fn has_admin(&self) -> bool {
        self.admin_url.is_some()
    }

    /// The recorded steps, redacted: the snapshot of the case.
    pub fn snapshot(&self) -> Value {
        Value::Array(self.record.clone())
    }

    /// What the case saw where the documents allow more than one answer (for the report, not
    /// the snapshot).
    pub fn observations(&self) -> &[String] {
        &self.observations
    }

    /// Notes, for the report only, which of the allowed answers the target gave.
    pub fn observe(&mut self, text: impl Into<String>) {
        self.observations.push(text.into());
    }

    /// The last request sent, as `METHOD path?query` (never its credentials), so that a
    /// failure names the request that produced it.
    pub fn last_request(&self) -> Option<&str> {
        self.last_request.as_deref()
    }

    /// Adds a line to the snapshot, for behaviour a case observed. Only for observations every
    /// target makes: a note added on the mock alone would make the snapshot target-specific.
    pub fn note(&mut self, key: &str, value: impl Into<Value>) {
        self.record.push(json!({ key: value.into() }));
    }

    fn key(&self, auth: Auth) -> Option<Secret> {
        match auth {
            Auth::None => None,
            Auth::Unknown => Some(Secret::new("contract-tests-unknown-key-7f3a")),
            Auth::Manager => Some(self.data.keys.manager.clone()),
            Auth::Viewer => Some(self.data.keys.viewer.clone()),
            Auth::OtherTenant => Some(self.data.keys.other_tenant.clone()),
            Auth::ManagerAsBasic => None,
        }
    }

    /// Sends `call` and checks the wire: a documented status for the operation, the JSON media
    /// type, and a body that validates against the spec's schema for that status. The
    /// exchange is added to the snapshot.
    pub async fn send(&mut self, call: Call) -> Result<Exchange, String> {
        let (exchange, line) = self.exchange(&call).await?;
        self.record.push(line);
        self.check_wire(&call, &exchange)?;
        Ok(exchange)
    }

    /// Sends `call` where the documents allow each status in `allowed` (they do not order the
    /// checks that produce them): the wire is checked as by [`Ctx::send`] for whichever status
    /// came, the snapshot records only the allowed set, and the report says which one came.
    pub async fn expect_any(&mut self, call: Call, allowed: &[u16]) -> Result<Exchange, String> {
        let (exchange, _) = self.exchange(&call).await?;
        let listed = allowed
            .iter()
            .map(u16::to_string)
            .collect::<Vec<_>>()
            .join(" or ");
        self.record.push(json!({
            "request": format!("{} ({})", call.label, call.auth.label()),
            "status": listed,
        }));
        self.check_wire(&call, &exchange)?;
        ensure!(
            allowed.contains(&exchange.status),
            "{}: expected status {listed}, got {} with body {}",
            call.label,
            exchange.status,
            exchange.body
        );
        self.observe(format!(
            "{}: answered {} (the documents allow {listed})",
            call.label, exchange.status
        ));
        Ok(exchange)
    }

    /// [`Ctx::expect`] without a snapshot line: for requests only some targets get (checks
    /// that need a mailbox), so that the snapshot stays the same for every target.
    pub async fn expect_unrecorded(&mut self, call: Call, status: u16) -> Result<Exchange, String> {
        let (exchange, _) = self.exchange(&call).await?;
        self.check_wire(&call, &exchange)?;
        ensure!(
            exchange.status == status,
            "{}: expected status {status}, got {} with body {}",
            call.label,
            exchange.status,
            exchange.body
        );
        Ok(exchange)
    }

    /// Sends `call` where any documented error status is a right answer (the documents leave
    /// the choice to the deployment): the snapshot records only that it was an error, the
    /// report which one.
    pub async fn expect_error(&mut self, call: Call) -> Result<Exchange, String> {
        let (exchange, _) = self.exchange(&call).await?;
        self.record.push(json!({
            "request": format!("{} ({})", call.label, call.auth.label()),
            "status": "a documented error status",
        }));
        self.check_wire(&call, &exchange)?;
        ensure!(
            exchange.status >= 400,
            "{}: expected an error status, got {} with body {}",
            call.label,
            exchange.status,
            exchange.body
        );
        self.observe(format!("{}: answered {}", call.label, exchange.status));
        Ok(exchange)
    }

    fn check_wire(&self, call: &Call, exchange: &Exchange) -> CaseResult {
        // RFC 6750 §3: every 401 names the scheme the client must use.
        ensure!(
            exchange.status != 401
                || exchange
                    .www_authenticate
                    .as_deref()
                    .and_then(|v| v.split_whitespace().next())
                    .is_some_and(|scheme| scheme.eq_ignore_ascii_case("Bearer")),
            "{}: a 401 without `WWW-Authenticate: Bearer` (got {:?})",
            call.label,
            exchange.www_authenticate
        );
        ensure!(
            exchange.content_type == "application/json",
            "{}: content type is {:?}, not application/json",
            call.label,
            exchange.content_type
        );
        self.spec
            .validate_response(call.op.id(), exchange.status, &exchange.body)
            .map_err(|err| format!("{}: {err}", call.label))
    }

    /// Sends `call`; returns the response and its snapshot line.
    async fn exchange(&mut self, call: &Call) -> Result<(Exchange, Value), String> {
        self.last_request = Some(format!("{} {}", call.method, call.path_and_query));
        let url = format!("{}{}", self.base_url, call.path_and_query);
        let mut request = self.http.request(call.method.clone(), &url);
        if let Some(key) = self.key(call.auth) {
            request = request.bearer_auth(key.expose());
        }
        if call.auth == Auth::ManagerAsBasic {
            request = request.header(
                reqwest::header::AUTHORIZATION,
                format!("Basic {}", self.data.keys.manager.expose()),
            );
        }
        for (name, value) in &call.headers {
            request = request.header(name, value);
        }
        if let Some(body) = &call.body {
            request = request
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body.clone());
        }
        let response = request
            .send()
            .await
            .map_err(|err| format!("{}: request failed: {err}", call.label))?;
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        let www_authenticate = response
            .headers()
            .get(reqwest::header::WWW_AUTHENTICATE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let bytes = response
            .bytes()
            .await
            .map_err(|err| format!("{}: reading the body failed: {err}", call.label))?;
        let exchange = Exchange {
            status,
            content_type,
            www_authenticate,
            body: serde_json::from_slice(&bytes).unwrap_or_else(|_| {
                Value::String(format!(
                    "<not JSON: {}>",
                    String::from_utf8_lossy(&bytes[..bytes.len().min(200)])
                ))
            }),
        };
        let line = json!({
            "request": format!("{} ({})", call.label, call.auth.label()),
            "status": exchange.status,
            "content_type": exchange.content_type,
            "body": redact(&exchange.body),
        });
        Ok((exchange, line))
    }

    /// [`Ctx::send`], then checks the status.
    pub async fn expect(&mut self, call: Call, status: u16) -> Result<Exchange, String> {
        let label = call.label.clone();
        let exchange = self.send(call).await?;
        ensure!(
            exchange.status == status,
            "{label}: expected status {status}, got {} with body {}",
            exchange.status,
            exchange.body
        );
        Ok(exchange)
    }

    /// The SDK client (the hand-written layer users call) with `auth`'s key. Retries are off:
    /// each SDK call must be exactly one request, so the wire and the SDK see the same thing.
    pub fn sdk(&self, auth: Auth) -> invitations_sdk::Client {
        let mut builder = invitations_sdk::Client::builder()
            .base_url(&self.base_url)
            .retry(invitations_sdk::RetryPolicy::none());
        if let Some(key) = self.key(auth) {
            builder = builder.api_key(key.expose());
        }
        builder
            .build()
            .expect("the target's base URL and keys are valid")
    }

    /// Records what the SDK made of a call: `ok`, or the error status and code it decoded.
    pub fn record_sdk(&mut self, outcome: &SdkOutcome) {
        self.record.push(json!({ "sdk": outcome.to_string() }));
    }

    /// The mock's admin API: `method path` with an optional JSON body. Not recorded.
    pub async fn admin(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<(u16, Value), String> {
        let Some(admin) = &self.admin_url else {
            fail!("this case needs the mock's admin API, which this target does not have");
        };
        let mut request = self.http.request(method, format!("{admin}{path}"));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request
            .send()
            .await
            .map_err(|err| format!("admin {path}: {err}"))?;
        let status = response.status().as_u16();
        let bytes = response.bytes().await.map_err(|err| err.to_string())?;
        Ok((
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        ))
    }

    /// Admin call that must succeed with a 2xx.
    pub async fn admin_ok(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value, String> {
        let (status, value) = self.admin(method, path, body).await?;
        ensure!(
            (200..300).contains(&status),
            "admin {path} answered {status}: {value}"
        );
        Ok(value)
    }
}

/// What the SDK returned, reduced to what every target must agree on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SdkOutcome {
    /// Decoded a success.
    Ok,
    /// A documented error status, with the tenant surface's error code if any.
    ApiError {
        /// HTTP status.
        status: u16,
        /// `error.code` on the tenant surface.
        code: Option<String>,
    },
    /// The request could not be built (the SDK's types refused the input).
    InvalidRequest,
    /// Anything else: decode failures, transport errors, undocumented statuses.
    Failed(String),
}

impl std::fmt::Display for SdkOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SdkOutcome::Ok => f.write_str("ok"),
            SdkOutcome::ApiError { status, code: None } => write!(f, "error {status}"),
            SdkOutcome::ApiError {
                status,
                code: Some(code),
            } => write!(f, "error {status} {code}"),
            SdkOutcome::InvalidRequest => f.write_str("refused by the SDK before sending"),
            SdkOutcome::Failed(why) => write!(f, "failed: {why}"),
        }
    }
}

/// Reduces an SDK result to an [`SdkOutcome`].
pub fn sdk_outcome<T>(result: Result<T, invitations_sdk::Error>) -> SdkOutcome {
    match result {
        Ok(_) => SdkOutcome::Ok,
        Err(err @ invitations_sdk::Error::Api { .. }) => SdkOutcome::ApiError {
            status: err.status().map_or(0, |s| s.as_u16()),
            code: err.code().map(str::to_owned),
        },
        Err(invitations_sdk::Error::InvalidArgument { .. }) => SdkOutcome::InvalidRequest,
        Err(other) => SdkOutcome::Failed(other.to_string()),
    }
}

/// Reduces a result of the generated client (used where the layer cannot even express the
/// request, such as a missing required parameter) to an [`SdkOutcome`].
pub fn generated_outcome<T, E: std::fmt::Debug>(
    result: Result<
        invitations_sdk::generated::ResponseValue<T>,
        invitations_sdk::generated::Error<E>,
    >,
) -> SdkOutcome {
    use invitations_sdk::generated::Error;
    match result {
        Ok(_) => SdkOutcome::Ok,
        Err(Error::ErrorResponse(response)) => SdkOutcome::ApiError {
            status: response.status().as_u16(),
            code: None,
        },
        Err(Error::InvalidRequest(_)) => SdkOutcome::InvalidRequest,
        Err(other) => SdkOutcome::Failed(other.to_string()),
    }
}

/// Checks that the SDK saw what the wire showed: success for a 2xx, else the same status and
/// (tenant surface) the same error code.
pub fn sdk_agrees(exchange: &Exchange, outcome: &SdkOutcome) -> CaseResult {
    let wire_code = exchange
        .body
        .pointer("/error/code")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let agrees = match outcome {
        SdkOutcome::Ok => (200..300).contains(&exchange.status),
        SdkOutcome::ApiError { status, code } => *status == exchange.status && *code == wire_code,
        SdkOutcome::InvalidRequest | SdkOutcome::Failed(_) => false,
    };
    ensure!(
        agrees,
        "the SDK read status {} ({}) as `{outcome}`",
        exchange.status,
        wire_code.as_deref().unwrap_or("no code")
    );
    Ok(())
}
