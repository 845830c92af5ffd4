//! Checking one exchange (request and answer) against `openapi/invitations.yaml`.
//!
//! Pure functions: no sockets, no clock. [`Contract::check`] takes an [`Exchange`] and says
//! which operation it was and what, on either side, breaks the spec. Every rule is read from
//! the spec through `invitations_spec` (operations, parameters and their schemas, statuses,
//! media types, body schemas), plus the few rules the spec states in words (envelope flags,
//! `inviteId` as given in the path, the resent or looked-up invitation being the one asked
//! for).
//!
//! When does an exchange break the contract? When the upstream's answer is not one the spec
//! allows for that request:
//!
//! * the request matches an operation: the status must be documented for it, the media type
//!   documented for that status, the body valid against its schema; and a request the spec
//!   refuses (a bad parameter, no bearer key, a body that is not a JSON object) must not be
//!   answered with success;
//! * the request matches no operation: only a 4xx refusal keeps the contract.
//!
//! A request outside the contract that the upstream refused with a documented error is the
//! contract working as written (the contract suite sends many on purpose): its findings are
//! reported in [`Verdict::request`] but it is no violation, unless the proxy runs with
//! `--strict-requests` (for checking an application's own calls).
//!
//! ```
//! use invitations_mock::proxy::check::{Contract, Exchange};
//!
//! let contract = Contract::get();
//! let headers = http::HeaderMap::new();
//! let mut response_headers = http::HeaderMap::new();
//! response_headers.insert("content-type", "application/json".parse().unwrap());
//! let exchange = Exchange {
//!     method: "POST",
//!     path: "/iam/v1/users/9001/actions/resend",
//!     query: None,
//!     request_headers: &headers,
//!     request_body: b"",
//!     status: 200,
//!     response_headers: &response_headers,
//!     response_body: br#"{"message": "Invite resent."}"#,
//! };
//! let verdict = contract.check(&exchange);
//! assert_eq!(verdict.operation.as_deref(), Some("resendInvite"));
//! // No bearer key was sent, yet the upstream answered 200 without the required `inviteId`.
//! assert!(verdict.breaks_contract(false));
//! let text = verdict.summary();
//! assert!(text.contains("\"inviteId\" is a required property"), "{text}");
//! assert!(text.contains("Authorization"), "{text}");
//! ```

use std::borrow::Cow;
use std::sync::OnceLock;

use http::HeaderMap;
use invitations_spec::{InlineSchema, Spec, SpecError};
use serde::Serialize;
use serde_json::Value;

use crate::core::http::Query;

/// One request and the answer it got, as raw as they travelled.
#[derive(Clone, Copy)]
pub struct Exchange<'a> {
    /// The request method.
    pub method: &'a str,
    /// The request path, still percent-encoded, without the query string.
    pub path: &'a str,
    /// The raw query string (after `?`), if any.
    pub query: Option<&'a str>,
    /// The request headers.
    pub request_headers: &'a HeaderMap,
    /// The request body.
    pub request_body: &'a [u8],
    /// The answer's status.
    pub status: u16,
    /// The answer's headers.
    pub response_headers: &'a HeaderMap,
    /// The answer's body.
    pub response_body: &'a [u8],
}

/// Header values and bodies carry API keys and tokens: only their names and sizes are shown.
impl std::fmt::Debug for Exchange<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names = |headers: &HeaderMap| -> Vec<String> {
            headers.keys().map(|k| k.as_str().to_owned()).collect()
        };
        f.debug_struct("Exchange")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("has_query", &self.query.is_some())
            .field("request_header_names", &names(self.request_headers))
            .field("request_body_len", &self.request_body.len())
            .field("status", &self.status)
            .field("response_header_names", &names(self.response_headers))
            .field("response_body_len", &self.response_body.len())
            .finish()
    }
}

/// Which side of an exchange a finding is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Side {
    /// The client's request.
    Request,
    /// The upstream's answer.
    Response,
}

/// One thing that breaks the spec.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Request or answer.
    pub side: Side,
    /// Where: `operation`, `status`, `content-type`, `query id`, `path tenantId`,
    /// `header Authorization`, `request body /x`, or `body /value/0/id` (a JSON pointer into
    /// the answer's body).
    pub at: String,
    /// What is wrong, at most 300 characters, with the exchange's secrets (bearer key,
    /// `Idempotency-Key`, token fields) replaced by `<redacted>`.
    pub message: String,
}

/// What [`Contract::check`] found.
#[derive(Clone, Default)]
pub struct Verdict {
    /// The operationId the request matched, if any.
    pub operation: Option<String>,
    /// Where the request breaks the spec.
    pub request: Vec<Finding>,
    /// Where the answer breaks the spec, given the request.
    pub response: Vec<Finding>,
    /// The answer's body as JSON, when it is JSON.
    pub body: Option<Value>,
}

/// The body is left out: a wrong upstream may put a token in it.
impl std::fmt::Debug for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verdict")
            .field("operation", &self.operation)
            .field("request", &self.request)
            .field("response", &self.response)
            .field("body_is_json", &self.body.is_some())
            .finish()
    }
}

impl Verdict {
    /// Whether the exchange breaks the contract: the answer does; or, with `strict_requests`,
    /// the request does even though the upstream refused it as documented.
    pub fn breaks_contract(&self, strict_requests: bool) -> bool {
        !self.response.is_empty() || (strict_requests && !self.request.is_empty())
    }

    /// Whether the answer keeps the contract (its invitations may be recorded).
    pub fn answer_is_valid(&self) -> bool {
        self.response.is_empty()
    }

    /// Every finding, answer first, as `at: message` joined by `; `: one log line's worth.
    pub fn summary(&self) -> String {
        self.response
            .iter()
            .chain(&self.request)
            .map(|f| {
                let side = match f.side {
                    Side::Request => "request ",
                    Side::Response => "",
                };
                format!("{side}{}: {}", f.at, f.message)
            })
            .collect::<Vec<_>>()
            .join("; ")
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Location {
    Path,
    Query,
    Header,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Integer,
    Number,
    Boolean,
    String,
}

#[derive(Debug)]
struct Param {
    name: String,
    location: Location,
    required: bool,
    /// The parameter's schema, compiled once when the contract is prepared.
    schema: InlineSchema,
    kind: Kind,
}

#[derive(Debug)]
enum Segment {
    Literal(String),
    Param(String),
}

#[derive(Debug)]
struct OperationInfo {
    id: String,
    method: String,
    template: String,
    segments: Vec<Segment>,
    params: Vec<Param>,
    /// `(required, component schema name)` of a JSON request body.
    body: Option<(bool, Option<String>)>,
    bearer: bool,
    /// What the spec documents for each status, read once: checking an answer then looks
    /// nothing up in the spec but the schema's validator.
    responses: Result<Vec<Documented>, String>,
}

/// One documented response of an operation.
#[derive(Debug)]
struct Documented {
    status: u16,
    /// The media types of its body (none: no body).
    media: Vec<String>,
    /// The component schema of its JSON body (none: inline or missing).
    schema: Option<String>,
}

impl OperationInfo {
    /// The documented response for `status`, or the finding that it is not documented.
    fn response(&self, status: u16) -> Result<&Documented, String> {
        let responses = self.responses.as_ref().map_err(Clone::clone)?;
        responses
            .iter()
            .find(|r| r.status == status)
            .ok_or_else(|| {
                let list: Vec<String> = responses.iter().map(|r| r.status.to_string()).collect();
                format!(
                    "{status} is not documented for {} (documented: {})",
                    self.id,
                    list.join(", ")
                )
            })
    }
}

/// Every documented response of `operation_id`, as `Spec::response` and
/// `Spec::response_schema_name` say; `Err` with the spec's words when it has no such
/// operation.
fn documented_responses(spec: &Spec, operation_id: &str) -> Result<Vec<Documented>, String> {
    // A status no operation documents: the spec's error lists those it does.
    let statuses = match spec.response(operation_id, 0) {
        Ok(_) => return Err(format!("status 0 is documented for {operation_id}")),
        Err(SpecError::UndocumentedStatus { documented, .. }) => documented,
        Err(other) => return Err(other.to_string()),
    };
    statuses
        .into_iter()
        .map(|status| {
            let response = spec
                .response(operation_id, status)
                .map_err(|e| e.to_string())?;
            Ok(Documented {
                status,
                media: response.content.keys().cloned().collect(),
                schema: spec.response_schema_name(operation_id, status).ok(),
            })
        })
        .collect()
}

/// The spec's operations, prepared once for matching and checking requests.
#[derive(Debug)]
pub struct Contract {
    spec: &'static Spec,
    operations: Vec<OperationInfo>,
}

impl Contract {
    /// The contract of the embedded `openapi/invitations.yaml`, prepared once per process.
    pub fn get() -> &'static Contract {
        static CONTRACT: OnceLock<Contract> = OnceLock::new();
        CONTRACT.get_or_init(|| Contract::new(Spec::get()))
    }

    /// Prepares `spec`'s operations.
    pub fn new(spec: &'static Spec) -> Contract {
        // The spec as JSON: parameters and request bodies are read from it, with `$ref`s
        // followed by hand (openapiv3 keeps them as references).
        let doc = serde_json::to_value(spec.openapi()).unwrap_or(Value::Null);
        let global_security = doc.get("security").cloned();
        let mut operations = Vec::new();
        if let Some(paths) = doc.get("paths").and_then(Value::as_object) {
            for (template, item) in paths {
                let shared = item.get("parameters").and_then(Value::as_array);
                let Some(item) = item.as_object() else {
                    continue;
                };
                for (method, op) in item {
                    if !matches!(
                        method.as_str(),
                        "get" | "put" | "post" | "delete" | "patch" | "head" | "options" | "trace"
                    ) {
                        continue;
                    }
                    let mut params: Vec<Param> = Vec::new();
                    let own = op.get("parameters").and_then(Value::as_array);
                    for raw in own.into_iter().chain(shared).flatten() {
                        let raw = resolve(&doc, raw);
                        if let Some(param) = read_param(spec, &doc, raw)
                            && !params
                                .iter()
                                .any(|p| p.name == param.name && p.location == param.location)
                        {
                            params.push(param);
                        }
                    }
                    let body = op.get("requestBody").map(|b| {
                        let b = resolve(&doc, b);
                        let required = b.get("required").and_then(Value::as_bool) == Some(true);
                        let name = b
                            .pointer("/content/application~1json/schema/$ref")
                            .and_then(Value::as_str)
                            .and_then(|r| r.strip_prefix("#/components/schemas/"))
                            .map(str::to_owned);
                        (required, name)
                    });
                    let security = op.get("security").or(global_security.as_ref());
                    let bearer = security
                        .and_then(Value::as_array)
                        .is_some_and(|reqs| !reqs.is_empty());
                    let id = op
                        .get("operationId")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned();
                    operations.push(OperationInfo {
                        responses: documented_responses(spec, &id),
                        id,
                        method: method.to_ascii_uppercase(),
                        template: template.clone(),
                        segments: template
                            .trim_start_matches('/')
                            .split('/')
                            .map(
                                |s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                                    Some(name) => Segment::Param(name.to_owned()),
                                    None => Segment::Literal(s.to_owned()),
                                },
                            )
                            .collect(),
                        params,
                        body,
                        bearer,
                    });
                }
            }
        }
        Contract { spec, operations }
    }

    /// The operationIds this contract knows, in path order.
    pub fn operation_ids(&self) -> Vec<&str> {
        self.operations.iter().map(|o| o.id.as_str()).collect()
    }

    /// Checks one exchange.
    pub fn check(&self, exchange: &Exchange<'_>) -> Verdict {
        let mut verdict = Verdict {
            body: serde_json::from_slice(exchange.response_body).ok(),
            ..Verdict::default()
        };
        match self.find(exchange.method, exchange.path) {
            Match::None => {
                verdict.request.push(finding(
                    Side::Request,
                    "operation",
                    format!(
                        "no operation of the spec matches {} {}",
                        exchange.method,
                        shorten(exchange.path)
                    ),
                ));
            }
            Match::OtherMethod(documented) => {
                verdict.request.push(finding(
                    Side::Request,
                    "operation",
                    format!(
                        "{} is not documented for {} (documented: {})",
                        exchange.method,
                        shorten(exchange.path),
                        documented.join(", ")
                    ),
                ));
            }
            Match::Operation(op, path_params) => {
                verdict.operation = Some(op.id.clone());
                self.check_request(op, &path_params, exchange, &mut verdict.request);
                self.check_response(
                    op,
                    &path_params,
                    exchange,
                    &verdict.body,
                    &mut verdict.response,
                )
            }
        }
        let status = exchange.status;
        if !verdict.request.is_empty() {
            let refused = (400..500).contains(&status);
            let known = verdict.operation.is_some();
            // A known operation's documented 5xx is already judged by the response checks.
            if !refused && (status < 400 || !known) {
                verdict.response.push(finding(
                    Side::Response,
                    "status",
                    format!(
                        "the upstream answered {status} to a request the spec refuses (see the \
                         request findings); only a documented 4xx refusal keeps the contract"
                    ),
                ));
            }
        }
        super::secrets::scrub(&mut verdict, exchange);
        verdict
    }

    fn find<'s>(&'s self, method: &str, raw_path: &str) -> Match<'s> {
        let segments: Vec<Cow<'_, [u8]>> = raw_path
            .strip_prefix('/')
            .unwrap_or("\u{0}")
            .split('/')
            .map(|s| percent_encoding::percent_decode_str(s).into())
            .collect();
        let mut other_methods = Vec::new();
        for op in &self.operations {
            let Some(params) = match_template(&op.segments, &segments) else {
                continue;
            };
            if op.method == method {
                return Match::Operation(op, params);
            }
            other_methods.push(op.method.as_str());
        }
        if other_methods.is_empty() {
            Match::None
        } else {
            Match::OtherMethod(other_methods)
        }
    }

    fn check_request(
        &self,
        op: &OperationInfo,
        path_params: &[(String, Vec<u8>)],
        exchange: &Exchange<'_>,
        out: &mut Vec<Finding>,
    ) {
        if op.bearer {
            let values: Vec<_> = exchange
                .request_headers
                .get_all(http::header::AUTHORIZATION)
                .iter()
                .collect();
            let problem = match values.as_slice() {
                [] => Some("missing; the spec requires `Authorization: Bearer <api key>`"),
                [one] => {
                    let text = one.to_str().unwrap_or_default();
                    match text.split_once(' ') {
                        Some((scheme, key))
                            if scheme.eq_ignore_ascii_case("bearer") && !key.trim().is_empty() =>
                        {
                            None
                        }
                        _ => Some("not a `Bearer <api key>` credential"),
                    }
                }
                _ => Some("sent more than once"),
            };
            if let Some(problem) = problem {
                out.push(finding(Side::Request, "header Authorization", problem));
            }
        }
        let query = Query::parse(exchange.query.map(str::as_bytes));
        if let Err(err) = &query {
            out.push(finding(Side::Request, "query", err.message()));
        }
        for param in &op.params {
            let (place, raw): (&str, Result<Option<Cow<'_, str>>, &str>) = match param.location {
                Location::Path => (
                    "path",
                    match path_params.iter().find(|(n, _)| *n == param.name) {
                        Some((_, bytes)) => match std::str::from_utf8(bytes) {
                            Ok(text) => Ok(Some(Cow::Borrowed(text))),
                            Err(_) => Err("not UTF-8 once percent-decoded"),
                        },
                        None => Ok(None),
                    },
                ),
                Location::Query => (
                    "query",
                    match &query {
                        Ok(query) => Ok(query.get(&param.name).map(Cow::Borrowed)),
                        // Already reported for the whole query string.
                        Err(_) => continue,
                    },
                ),
                Location::Header => {
                    let values: Vec<_> = exchange
                        .request_headers
                        .get_all(param.name.as_str())
                        .iter()
                        .collect();
                    (
                        "header",
                        match values.as_slice() {
                            [] => Ok(None),
                            [one] => match one.to_str() {
                                Ok(text) => Ok(Some(Cow::Borrowed(text))),
                                Err(_) => Err("not visible ASCII"),
                            },
                            _ => Err("sent more than once"),
                        },
                    )
                }
            };
            // Only written out for a finding.
            let at = || format!("{place} {}", param.name);
            let value = match raw {
                Err(problem) => {
                    out.push(finding(Side::Request, &at(), problem));
                    continue;
                }
                Ok(None) => {
                    if param.required {
                        out.push(finding(Side::Request, &at(), "required but missing"));
                    }
                    continue;
                }
                Ok(Some(value)) => value,
            };
            let typed = match typed_value(param.kind, &value) {
                Ok(typed) => typed,
                Err(problem) => {
                    out.push(finding(Side::Request, &at(), problem));
                    continue;
                }
            };
            if !param.schema.is_valid(&typed) {
                let at = at();
                if let Err(err) = param.schema.validate(&typed, &at) {
                    for (_, message) in schema_errors(&err) {
                        out.push(finding(Side::Request, &at, message));
                    }
                }
            }
        }
        if let Some((required, schema)) = &op.body {
            if exchange.request_body.is_empty() {
                if *required {
                    out.push(finding(Side::Request, "request body", "required but empty"));
                }
            } else {
                match serde_json::from_slice::<Value>(exchange.request_body) {
                    Err(err) => out.push(finding(
                        Side::Request,
                        "request body",
                        format!("not JSON ({err})"),
                    )),
                    Ok(body) => {
                        if let Some(name) = schema
                            && let Err(err) = self.spec.validate_component(name, &body)
                        {
                            for (pointer, message) in schema_errors(&err) {
                                out.push(finding(
                                    Side::Request,
                                    &format!("request body {pointer}"),
                                    message,
                                ));
                            }
                        }
                    }
                }
            }
        }
    }

    fn check_response(
        &self,
        op: &OperationInfo,
        path_params: &[(String, Vec<u8>)],
        exchange: &Exchange<'_>,
        body: &Option<Value>,
        out: &mut Vec<Finding>,
    ) {
        let status = exchange.status;
        let documented = match op.response(status) {
            Ok(documented) => documented,
            Err(message) => {
                out.push(finding(Side::Response, "status", message));
                return;
            }
        };
        if documented.media.is_empty() {
            return;
        }
        let media: Vec<&str> = documented.media.iter().map(String::as_str).collect();
        let content_type = exchange
            .response_headers
            .get(http::header::CONTENT_TYPE)
            .map(|v| String::from_utf8_lossy(v.as_bytes()));
        let essence = content_type.as_deref().map(|ct| {
            ct.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        });
        match &essence {
            None => out.push(finding(
                Side::Response,
                "content-type",
                format!("missing; the spec documents {}", media.join(", ")),
            )),
            Some(essence) if !media.iter().any(|m| m.eq_ignore_ascii_case(essence)) => {
                out.push(finding(
                    Side::Response,
                    "content-type",
                    format!(
                        "{} where the spec documents {} for {status}",
                        shorten(content_type.as_deref().unwrap_or_default()),
                        media.join(", ")
                    ),
                ))
            }
            Some(_) => {}
        }
        let Some(body) = body else {
            let what = if exchange.response_body.is_empty() {
                "empty".to_owned()
            } else {
                let err = serde_json::from_slice::<Value>(exchange.response_body)
                    .err()
                    .map(|e| e.to_string())
                    .unwrap_or_default();
                format!("not JSON ({err})")
            };
            out.push(finding(
                Side::Response,
                "body",
                format!("{what}; the spec documents a JSON body for {status}"),
            ));
            return;
        };
        let schema = documented.schema.as_deref();
        let before = out.len();
        let validated = match schema {
            Some(name) => self.spec.validate_component(name, body),
            // The spec's own words for a body it gives no component schema.
            None => self.spec.validate_response(&op.id, status, body),
        };
        if let Err(err) = validated {
            let schema = schema.unwrap_or("its schema");
            for (pointer, message) in schema_errors(&err) {
                out.push(finding(
                    Side::Response,
                    &format!("body {pointer}"),
                    format!("{message} (schema {schema})"),
                ));
            }
        }
        if out.len() > before {
            if let Some(hint) = super::rules::shape_hint(schema, body) {
                out.push(finding(Side::Response, "body /", hint));
            }
            return;
        }
        super::rules::documented_in_words(
            &op.id,
            &op.template,
            path_params,
            exchange,
            status,
            body,
            out,
        );
    }
}

enum Match<'s> {
    None,
    OtherMethod(Vec<&'s str>),
    Operation(&'s OperationInfo, Vec<(String, Vec<u8>)>),
}

fn match_template(
    template: &[Segment],
    actual: &[Cow<'_, [u8]>],
) -> Option<Vec<(String, Vec<u8>)>> {
    if template.len() != actual.len() {
        return None;
    }
    let mut params = Vec::new();
    for (want, got) in template.iter().zip(actual) {
        match want {
            Segment::Literal(text) => {
                if text.as_bytes() != &**got {
                    return None;
                }
            }
            Segment::Param(name) => params.push((name.clone(), got.to_vec())),
        }
    }
    Some(params)
}

fn resolve<'a>(doc: &'a Value, node: &'a Value) -> &'a Value {
    match node.get("$ref").and_then(Value::as_str) {
        Some(reference) => reference
            .strip_prefix('#')
            .and_then(|pointer| doc.pointer(pointer))
            .map_or(node, |target| resolve(doc, target)),
        None => node,
    }
}

fn read_param(spec: &Spec, doc: &Value, raw: &Value) -> Option<Param> {
    let location = match raw.get("in")?.as_str()? {
        "path" => Location::Path,
        "query" => Location::Query,
        "header" => Location::Header,
        _ => return None,
    };
    let schema = resolve(doc, raw.get("schema")?).clone();
    let kind = match schema.get("type").and_then(Value::as_str) {
        Some("integer") => Kind::Integer,
        Some("number") => Kind::Number,
        Some("boolean") => Kind::Boolean,
        _ => Kind::String,
    };
    Some(Param {
        name: raw.get("name")?.as_str()?.to_owned(),
        location,
        required: raw.get("required").and_then(Value::as_bool) == Some(true),
        schema: spec.compile_inline(&schema),
        kind,
    })
}

/// The text of a parameter as the JSON value its schema describes.
fn typed_value(kind: Kind, text: &str) -> Result<Value, String> {
    match kind {
        Kind::String => Ok(Value::String(text.to_owned())),
        Kind::Boolean => match text {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err("not a boolean (`true` or `false`)".to_owned()),
        },
        Kind::Integer => {
            let digits = text.strip_prefix('-').unwrap_or(text);
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err("not an integer".to_owned());
            }
            text.parse::<i64>()
                .map(Value::from)
                .map_err(|_| "outside the int64 range".to_owned())
        }
        Kind::Number => text
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number)
            .ok_or_else(|| "not a number".to_owned()),
    }
}

/// `(JSON pointer, message)` for each schema error `invitations_spec` reported.
fn schema_errors(err: &SpecError) -> Vec<(String, String)> {
    match err {
        SpecError::Invalid { errors, .. } => errors
            .iter()
            .map(|line| {
                let line = line.trim();
                // invitations_spec writes `at /pointer: message`.
                match line
                    .strip_prefix("at ")
                    .and_then(|rest| rest.split_once(": "))
                {
                    Some((pointer, message)) => (pointer.to_owned(), message.to_owned()),
                    None => ("/".to_owned(), line.to_owned()),
                }
            })
            .collect(),
        other => vec![("/".to_owned(), other.to_string())],
    }
}

pub(super) fn finding(side: Side, at: &str, message: impl Into<String>) -> Finding {
    Finding {
        side,
        at: at.to_owned(),
        message: message.into(),
    }
}

fn shorten(text: &str) -> String {
    crate::core::http::truncate(text, 200)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json_headers() -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            "content-type",
            "application/json; charset=utf-8".parse().unwrap(),
        );
        headers
    }

    fn keyed() -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("authorization", "Bearer acme-manager-key".parse().unwrap());
        headers
    }

    fn check(
        method: &str,
        target: &str,
        request_headers: &HeaderMap,
        status: u16,
        body: &str,
    ) -> Verdict {
        let (path, query) = match target.split_once('?') {
            Some((path, query)) => (path, Some(query)),
            None => (target, None),
        };
        Contract::get().check(&Exchange {
            method,
            path,
            query,
            request_headers,
            request_body: b"",
            status,
            response_headers: &json_headers(),
            response_body: body.as_bytes(),
        })
    }

    #[test]
    fn percent_encoded_path_ids_are_decoded_before_comparing() {
        let verdict = check(
            "POST",
            "/iam/v1/users/90%301/actions/resend",
            &keyed(),
            200,
            r#"{"message": "ok", "inviteId": "9001"}"#,
        );
        assert_eq!(verdict.operation.as_deref(), Some("resendInvite"));
        assert!(
            verdict.request.is_empty() && verdict.response.is_empty(),
            "{verdict:?}"
        );
    }

    #[test]
    fn out_of_range_and_repeated_parameters_are_request_findings() {
        let not_found = r#"{"isSuccess": false, "isFailure": true, "value": null,
                           "error": {"code": "ValidationError", "message": "bad", "info": []}}"#;
        let verdict = check(
            "PUT",
            "/tenant/1024/admin/user/invitation/resend?id=99999999999999999999",
            &keyed(),
            400,
            not_found,
        );
        assert_eq!(verdict.request[0].at, "query id");
        assert_eq!(verdict.request[0].message, "outside the int64 range");
        assert!(!verdict.breaks_contract(false), "refused as documented");
        assert!(verdict.breaks_contract(true));
        let verdict = check(
            "PUT",
            "/tenant/1024/admin/user/invitation/resend?id=1&id=2",
            &keyed(),
            400,
            not_found,
        );
        assert_eq!(verdict.request[0].at, "query");
        assert!(
            verdict.request[0].message.contains("more than once"),
            "{verdict:?}"
        );
    }

    #[test]
    fn a_documented_error_in_the_documented_shape_is_no_violation_for_a_valid_request() {
        let verdict = check(
            "POST",
            "/iam/v1/users/7/actions/resend",
            &keyed(),
            404,
            r#"{"error": "No invite exists with id 7."}"#,
        );
        assert!(!verdict.breaks_contract(true), "{verdict:?}");
    }

    #[test]
    fn debug_output_shows_no_header_value_or_body() {
        let headers = keyed();
        let exchange = Exchange {
            method: "GET",
            path: "/x",
            query: Some("email=ada@example.com"),
            request_headers: &headers,
            request_body: b"{\"token\": \"t0ken-value\"}",
            status: 200,
            response_headers: &headers,
            response_body: b"{\"token\": \"t0ken-value\"}",
        };
        let shown = format!("{exchange:?} {:?}", Contract::get().check(&exchange));
        for secret in ["acme-manager-key", "t0ken-value", "ada@example.com"] {
            assert!(!shown.contains(secret), "{shown}");
        }
    }
}
