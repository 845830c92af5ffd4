//! What a case works with: raw HTTP exchanges checked against the spec, SDK calls, the mock's
//! admin API, the mailbox, and the record that becomes the case's snapshot.

use std::time::Duration;

use invitations_spec::Spec;
use serde_json::{json, Value};

use crate::decision::{our_codes, Decision, DOCUMENTED_CODE};
use crate::mailbox::{MailWatch, Mailbox};
use crate::redact::{redact, redact_code};
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

// `#[macro_export]` puts both macros at the crate's root for other crates; inside this crate
// they are imported from here, so that no module imports the root, which imports the modules.
pub(crate) use {ensure, fail};

/// The three operations, by operationId: the SDK's [`Operation`](invitations_sdk::Operation),
/// under the short name the cases use.
pub use invitations_sdk::Operation as Op;

// Still public here; defined in a module of its own so that the mailbox, which this module
// uses, need not import this one.
pub use crate::error_chain::error_chain;

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

/// A raw HTTP request, described in target-independent words for the snapshot. Built from
/// its operation ([`Call::new`]: method and path template from [`Op`]), then its query,
/// headers and body one by one.
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
    /// Body bytes, sent as `application/json`.
    pub body: Option<Vec<u8>>,
}

fn encode(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

impl Call {
    /// A request for `op`, its path template's `{name}`s replaced by `path_params` (raw
    /// values, encoded here, so that invalid ones can be sent), with no query, header or body.
    ///
    /// ```
    /// use invitations_contract_tests::context::{Auth, Call, Op};
    ///
    /// let call = Call::new(Op::ResendInvite, "resend", Auth::Manager, &[("id", "a b")])
    ///     .query("dryRun", "true");
    /// assert_eq!(call.method, "POST");
    /// assert_eq!(call.path_and_query, "/iam/v1/users/a+b/actions/resend?dryRun=true");
    /// ```
    pub fn new(op: Op, label: &str, auth: Auth, path_params: &[(&str, &str)]) -> Call {
        let mut path = op.path().to_owned();
        for (name, value) in path_params {
            path = path.replace(&format!("{{{name}}}"), &encode(value));
        }
        debug_assert!(
            !path.contains('{'),
            "{op}: a path parameter is missing: {path}"
        );
        Call {
            op,
            label: label.to_owned(),
            method: reqwest::Method::from_bytes(op.method().as_bytes())
                .unwrap_or(reqwest::Method::GET),
            path_and_query: path,
            auth,
            headers: Vec::new(),
            body: None,
        }
    }

    /// Adds `name=value` to the query string (the value encoded here).
    pub fn query(mut self, name: &str, value: &str) -> Call {
        let separator = if self.path_and_query.contains('?') {
            '&'
        } else {
            '?'
        };
        self.path_and_query = format!("{}{separator}{name}={}", self.path_and_query, encode(value));
        self
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> Call {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Sets the body (sent as `application/json`, whatever it holds).
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Call {
        self.body = Some(body.into());
        self
    }

    fn described(&self) -> String {
        format!("{} ({})", self.label, self.auth.label())
    }
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

/// What a case saw beyond its verdict, for the report (never the snapshot).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Note {
    /// Which answer the target gave where the documents allow several and no decision of
    /// ours picks one.
    Allowed(String),
    /// Which answer the target gave where a [`Decision`] of ours picks one.
    Decided {
        /// The decision.
        decision: Decision,
        /// Whether the answer was the mock's.
        ours: bool,
        /// The request.
        label: String,
        /// What came, against what the mock answers.
        what: String,
    },
    /// What the case also checked through the mock's admin API or the mailbox.
    Checked(String),
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
    notes: Vec<Note>,
    last_request: Option<String>,
    /// The decisions the case says it relies on (its data).
    declared: &'static [Decision],
    /// The target's mail catcher, or why it cannot be used.
    mailbox: Option<Result<Mailbox, String>>,
}

impl Ctx {
    /// A context for one case against `base_url`; `admin_url` is set on the mock only;
    /// `declared` are the decisions the case names in its data.
    pub fn new(
        data: TargetData,
        base_url: String,
        admin_url: Option<String>,
        declared: &'static [Decision],
    ) -> Ctx {
        // The SDK's builder: one TLS setup for the whole run, not one per case.
        let http = invitations_sdk::http::reqwest_builder()
            .timeout(Duration::from_secs(30))
            .build()
            .expect("a plain reqwest client builds");
        let mailbox = data.mailbox.clone().map(Mailbox::new);
        Ctx {
            data,
            base_url,
            admin_url,
            http,
            spec: Spec::get(),
            record: Vec::new(),
            notes: Vec::new(),
            last_request: None,
            declared,
            mailbox,
        }
    }

    /// Whether the mock's admin API is reachable (embedded mock only).
    pub fn has_admin(&self) -> bool {
        self.admin_url.is_some()
    }

    /// The target's mail catcher, when it has a usable one.
    pub fn mailbox(&self) -> Option<&Mailbox> {
        self.mailbox.as_ref()?.as_ref().ok()
    }

    /// Whether the target is held to the mock's own choices ([`Decision`]s).
    pub fn strict(&self) -> bool {
        self.data.strict
    }

    /// The recorded steps, redacted: the snapshot of the case.
    pub fn snapshot(&self) -> Value {
        Value::Array(self.record.clone())
    }

    /// What the case saw beyond its verdict.
    pub fn notes(&self) -> &[Note] {
        &self.notes
    }

    /// Notes, for the report only, which of the allowed answers the target gave.
    pub fn observe(&mut self, text: impl Into<String>) {
        self.notes.push(Note::Allowed(text.into()));
    }

    /// Notes, for the report only, what the case also checked (admin API, mailbox).
    pub fn checked(&mut self, text: impl Into<String>) {
        self.notes.push(Note::Checked(text.into()));
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

    /// Fails unless the case's data names `decision`: what a case relies on is in its data,
    /// so that reports and the self-test can tell decision cases apart. A miss is a bug in
    /// the suite, reported on every target.
    fn require_declared(&self, decision: Decision, label: &str) -> CaseResult {
        ensure!(
            self.declared.contains(&decision),
            "{label}: the answer depends on {decision}, which the case's data does not name \
             (a bug in the suite: add it to the case's decisions)"
        );
        Ok(())
    }

    /// Sends `call` and checks the wire: a documented status for the operation, the JSON media
    /// type, a body that validates against the spec's schema for that status, and the error
    /// code (see [`Decision::ErrorCodes`]). The exchange is added to the snapshot.
    pub async fn send(&mut self, call: Call) -> Result<Exchange, String> {
        let exchange = self.send_unchecked_code(&call).await?;
        self.check_code(&call, &exchange)?;
        Ok(exchange)
    }

    async fn send_unchecked_code(&mut self, call: &Call) -> Result<Exchange, String> {
        let (exchange, line) = self.exchange(call).await?;
        self.record.push(line);
        self.check_wire(call, &exchange)?;
        Ok(exchange)
    }

    /// [`Ctx::send`], checking the status before the error code (a wrong status says more).
    pub async fn expect(&mut self, call: Call, status: u16) -> Result<Exchange, String> {
        let exchange = self.send_unchecked_code(&call).await?;
        self.check_status(&call, exchange, status)
    }

    /// The status is `status`, then the error code is checked.
    fn check_status(
        &mut self,
        call: &Call,
        exchange: Exchange,
        status: u16,
    ) -> Result<Exchange, String> {
        self.check_allowed(call, exchange, &status.to_string(), &[status])
    }

    /// The status is one of `allowed` (`line` names them as the snapshot does), then the
    /// error code is checked.
    fn check_allowed(
        &mut self,
        call: &Call,
        exchange: Exchange,
        line: &str,
        allowed: &[u16],
    ) -> Result<Exchange, String> {
        ensure!(
            allowed.contains(&exchange.status),
            "{}: expected status {line}, got {} with body {}",
            call.label,
            exchange.status,
            self.excerpt(&exchange.body)
        );
        self.check_code(call, &exchange)?;
        Ok(exchange)
    }

    /// Sends `call` where the documents allow each status in `allowed` (they do not order the
    /// checks that produce them) and no decision of ours picks one: the wire is checked as by
    /// [`Ctx::send`] for whichever status came, the snapshot records only the allowed set, and
    /// the report says which one came.
    pub async fn expect_any(&mut self, call: Call, allowed: &[u16]) -> Result<Exchange, String> {
        let listed = statuses(allowed);
        let exchange = self.send_with_status_line(&call, &listed, allowed).await?;
        self.observe(format!(
            "{}: answered {} (the documents allow {listed})",
            call.label, exchange.status
        ));
        Ok(exchange)
    }

    /// Sends `call` where `decision` picks `ours` and the documents also allow `others`. The
    /// snapshot records the set, the same for every target. A strict target must answer
    /// `ours`; another may answer any of the set, and the report says which.
    pub async fn expect_decided(
        &mut self,
        call: Call,
        decision: Decision,
        ours: u16,
        others: &[u16],
    ) -> Result<Exchange, String> {
        self.require_declared(decision, &call.label)?;
        let allowed: Vec<u16> = std::iter::once(ours)
            .chain(others.iter().copied())
            .collect();
        let line = match others {
            [] => format!("{ours} ({})", decision.rows_text()),
            _ => format!("{ours} ({}), or {}", decision.rows_text(), statuses(others)),
        };
        let exchange = self.send_with_status_line(&call, &line, &allowed).await?;
        self.decided(decision, &call.label, exchange.status == ours, || {
            format!("answered {} (the mock {ours})", exchange.status)
        })?;
        Ok(exchange)
    }

    /// A decided answer: noted for the report, and under `strict` a failure unless it is the
    /// mock's (`is_ours`). `what` says what came.
    pub fn decided(
        &mut self,
        decision: Decision,
        label: &str,
        is_ours: bool,
        what: impl FnOnce() -> String,
    ) -> CaseResult {
        let what = what();
        ensure!(
            is_ours || !self.strict(),
            "{label}: {what}; {decision} picks the mock's answer and this target is strict \
             (`strict = true`). The documents also allow: {}.",
            decision.others()
        );
        self.notes.push(Note::Decided {
            decision,
            ours: is_ours,
            label: label.to_owned(),
            what,
        });
        Ok(())
    }

    async fn send_with_status_line(
        &mut self,
        call: &Call,
        line: &str,
        allowed: &[u16],
    ) -> Result<Exchange, String> {
        let (exchange, _) = self.exchange(call).await?;
        self.record.push(json!({
            "request": call.described(),
            "status": line,
        }));
        self.check_wire(call, &exchange)?;
        self.check_allowed(call, exchange, line, allowed)
    }

    /// [`Ctx::expect`] without a snapshot line: for requests only some targets get (checks
    /// that need a mailbox), so that the snapshot stays the same for every target.
    pub async fn expect_unrecorded(&mut self, call: Call, status: u16) -> Result<Exchange, String> {
        let (exchange, _) = self.exchange(&call).await?;
        self.check_wire(&call, &exchange)?;
        self.check_status(&call, exchange, status)
    }

    /// Sends `call` where any documented error status is a right answer (the documents leave
    /// the choice to the deployment): the snapshot records only that it was an error, the
    /// report which one.
    pub async fn expect_error(&mut self, call: Call) -> Result<Exchange, String> {
        let (exchange, _) = self.exchange(&call).await?;
        self.record.push(json!({
            "request": call.described(),
            "status": "a documented error status",
        }));
        self.check_wire(&call, &exchange)?;
        ensure!(
            exchange.status >= 400,
            "{}: expected an error status, got {} with body {}",
            call.label,
            exchange.status,
            self.excerpt(&exchange.body)
        );
        self.check_code(&call, &exchange)?;
        self.observe(format!("{}: answered {}", call.label, exchange.status));
        Ok(exchange)
    }

    /// The status-independent checks: the challenge of a 401, the media type, the schema.
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
            "{}: content type is {:?}, not application/json; body: {}",
            call.label,
            exchange.content_type,
            self.excerpt(&exchange.body)
        );
        self.spec
            .validate_response(call.op.id(), exchange.status, &exchange.body)
            .map_err(|err| {
                format!(
                    "{}: {err}\nbody: {}",
                    call.label,
                    self.excerpt(&exchange.body)
                )
            })
    }

    /// A tenant error's code: the documents show only `ValidationError`; every other code is
    /// [`Decision::ErrorCodes`], held to the mock's under `strict`.
    fn check_code(&mut self, call: &Call, exchange: &Exchange) -> CaseResult {
        let code = exchange.body.pointer("/error/code").and_then(Value::as_str);
        let Some(code) = code.filter(|_| call.op.is_tenant() && exchange.status >= 400) else {
            return Ok(());
        };
        if exchange.status == 400 && code == DOCUMENTED_CODE {
            return Ok(());
        }
        self.require_declared(Decision::ErrorCodes, &call.label)?;
        let ours = our_codes(exchange.status);
        let status = exchange.status;
        self.decided(
            Decision::ErrorCodes,
            &call.label,
            ours.contains(&code),
            || {
                format!(
                    "a {status} coded `{code}` (the mock's `{}`)",
                    ours.join("` or `")
                )
            },
        )
    }

    /// The body for a failure message: compact JSON, at most 600 characters, with tokens
    /// and the target's keys blanked out (a deployment may echo what it was sent).
    pub fn excerpt(&self, body: &Value) -> String {
        let mut text = serde_json::to_string(&crate::redact::redact_secrets(body))
            .unwrap_or_else(|_| body.to_string());
        for (key, role) in [
            (&self.data.keys.manager, "[manager key]"),
            (&self.data.keys.viewer, "[viewer key]"),
            (&self.data.keys.other_tenant, "[other tenant's key]"),
        ] {
            if !key.expose().is_empty() {
                text = text.replace(key.expose(), role);
            }
        }
        const MAX: usize = 600;
        if text.len() > MAX {
            let cut = (0..=MAX)
                .rev()
                .find(|i| text.is_char_boundary(*i))
                .unwrap_or(0);
            let more = text.len() - cut;
            text.truncate(cut);
            text.push_str(&format!("… ({more} more bytes)"));
        }
        text
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
            .map_err(|err| format!("{}: request failed: {}", call.label, error_chain(&err)))?;
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
        let bytes = response.bytes().await.map_err(|err| {
            format!(
                "{}: reading the body failed: {}",
                call.label,
                error_chain(&err)
            )
        })?;
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
            "request": call.described(),
            "status": exchange.status,
            "content_type": exchange.content_type,
            "body": redact(&exchange.body),
        });
        Ok((exchange, line))
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

    /// Records what the SDK made of a call: `ok`, or the error status and code it decoded
    /// (a code only the decisions fix is recorded as `[code]`, as in bodies).
    pub fn record_sdk(&mut self, outcome: &SdkOutcome) {
        let text = match outcome {
            SdkOutcome::ApiError {
                status,
                code: Some(code),
            } => format!("error {status} {}", redact_code(code)),
            other => other.to_string(),
        };
        self.record.push(json!({ "sdk": text }));
    }

    /// Checks that the SDK read `exchange`'s answer as the wire shows it, and records only
    /// that it agreed: for answers a decision picks, whose status differs between targets.
    pub fn record_sdk_agreement(
        &mut self,
        exchange: &Exchange,
        outcome: &SdkOutcome,
    ) -> CaseResult {
        sdk_agrees(exchange, outcome)?;
        self.record
            .push(json!({ "sdk": "agrees with the wire (the status is decided)" }));
        Ok(())
    }

    /// Before a resend to `address`: where the target has a mailbox, waits for the address's
    /// turn (other cases may resend to it) and notes its emails so far. `None` without one.
    pub async fn watch_mail(&self, address: &str) -> Result<Option<MailWatch>, String> {
        match &self.mailbox {
            None => Ok(None),
            Some(Err(why)) => Err(why.clone()),
            Some(Ok(mailbox)) => MailWatch::start(mailbox, address).await.map(Some),
        }
    }

    /// After the resends a [`Ctx::watch_mail`] covers: exactly `count` new emails to its
    /// address, each with a new link expiring 48 hours after the resend (see
    /// [`MailWatch::check`]). Nothing without a mailbox.
    pub async fn check_mail(&mut self, watch: Option<MailWatch>, count: usize) -> CaseResult {
        let (Some(watch), Some(Ok(mailbox))) = (watch, &self.mailbox) else {
            return Ok(());
        };
        let seen = watch.check(mailbox, count).await?;
        self.checked(seen);
        Ok(())
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
            .map_err(|err| format!("admin {path}: {}", error_chain(&err)))?;
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

/// `400 or 404`.
fn statuses(list: &[u16]) -> String {
    list.iter()
        .map(u16::to_string)
        .collect::<Vec<_>>()
        .join(" or ")
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
