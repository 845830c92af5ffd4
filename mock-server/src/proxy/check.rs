//! Checking one exchange (request and answer) against `openapi/invitations.yaml`.
//!
//! Pure functions: no sockets, no clock. [`Contract::check`] takes an [`Exchange`] and says
//! which operation it was and what, on either side, breaks the spec. Every rule is read from
//! the spec (operations, parameters and their schemas, statuses, media types, body schemas),
//! plus the few rules the spec states in words (`rules.rs`: envelope flags, `inviteId` as
//! given in the path, the resent or looked-up invitation being the one asked for) and the
//! `WWW-Authenticate` challenge HTTP requires of every 401 under the spec's bearer scheme.
//!
//! When does an exchange break the contract? When the upstream's answer is not one the spec
//! allows for that request:
//!
//! * the request matches an operation: the status must be documented for it, the media type
//!   documented for that status, the body valid against its schema;
//! * the request is one the spec refuses: only the refusal its faults call for keeps the
//!   contract, in whichever order a server checks them: 401 for a missing or malformed bearer
//!   key, 400 for a bad parameter or body (or 413 for a body over the server's limit), and,
//!   when a key was sent, 401 or 403 should the server refuse the key before looking at the
//!   rest. A success, a 5xx (even the documented 500) or another 4xx is a violation naming
//!   what was expected and why. A fault only against a rule of ours (a DECISIONS row where
//!   the documents are silent, `decided.rs`) calls for nothing: a deployment may refuse it
//!   or answer as to a valid request;
//! * the request matches no operation: only a 4xx refusal keeps the contract.
//!
//! A request outside the contract that the upstream refused as documented is the contract
//! working as written (the contract suite sends many on purpose): its findings are reported
//! in [`Verdict::request`] but it is no violation, unless the proxy runs with
//! `--strict-requests` (for checking an application's own calls).
//!
//! A body that fails a `oneOf` (an envelope's `value` or `error`, which may be null) is
//! checked again against the branch the status selects (on a 2xx, `value` is the payload and
//! `error` null; on a failure the reverse), so the finding names the field, its value and
//! the rule it breaks rather than "not valid under any of the schemas listed".
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
//! assert!(text.contains("expected 401 (header Authorization: missing"), "{text}");
//! ```

use std::borrow::Cow;
use std::sync::{Arc, OnceLock};

use http::HeaderMap;
use invitations_spec::{Spec, SpecError};
use jsonschema::Validator;
use percent_encoding::percent_decode_str;
use serde_json::Value;

use super::decided::Decided;
use super::exchange::{bearer_key, finding, invitation_number, Seen};
pub use super::exchange::{Exchange, Finding, Side, Verdict};
use super::json::{Document, Node};
use super::rules::{self, Asked};
use super::schema::{inline_errors, Schemas};
use crate::core::http::Query;
use crate::core::router::decode_segment;

/// More path segments than any template of the spec has: such a path matches nothing.
const MAX_SEGMENTS: usize = 16;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Location {
    Path,
    Query,
    Header,
}

impl Location {
    /// How a finding names it: `path`, `query`, `header`.
    fn place(self) -> &'static str {
        match self {
            Location::Path => "path",
            Location::Query => "query",
            Location::Header => "header",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Integer,
    Number,
    Boolean,
    String,
}

struct Param {
    name: String,
    location: Location,
    required: bool,
    /// The parameter's schema, compiled once when the contract is prepared.
    schema: Validator,
    kind: Kind,
    /// The rule of its schema that a DECISIONS row makes, if any.
    decided: Option<Decided>,
}

#[derive(Debug)]
enum Segment {
    Literal(String),
    Param(String),
}

struct OperationInfo {
    id: Arc<str>,
    method: String,
    segments: Vec<Segment>,
    params: Vec<Param>,
    /// `(required, component schema name)` of a JSON request body.
    body: Option<(bool, Option<String>)>,
    bearer: bool,
    /// A tenant-surface operation: every body is the result envelope.
    envelope: bool,
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

    fn documents(&self, status: u16) -> bool {
        self.response(status).is_ok()
    }

    /// The raw (still percent-encoded) path segment of the parameter `name`.
    fn path_segment<'p>(&self, name: &str, segments: &[&'p str]) -> Option<&'p str> {
        self.segments
            .iter()
            .position(|s| matches!(s, Segment::Param(n) if n == name))
            .and_then(|at| segments.get(at).copied())
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
pub struct Contract {
    schemas: Schemas,
    operations: Vec<OperationInfo>,
}

impl std::fmt::Debug for Contract {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Contract")
            .field("operations", &self.operation_ids())
            .finish_non_exhaustive()
    }
}

/// What the request's faults call for: which refusals keep the contract.
#[derive(Clone, Copy, Debug, Default)]
struct Faults {
    /// No usable bearer key: 401.
    auth: bool,
    /// A bad parameter or body, by the documents (not only by a rule of ours, which a
    /// deployment may skip): 400. The first finding that says so.
    invalid: Option<usize>,
    /// A body was sent with a fault: a server may refuse its size first (413).
    body: bool,
}

impl Contract {
    /// The contract of the embedded `openapi/invitations.yaml`, prepared once per process.
    pub fn get() -> &'static Contract {
        static CONTRACT: OnceLock<Contract> = OnceLock::new();
        CONTRACT.get_or_init(|| Contract::new(Spec::get()))
    }

    /// Prepares `spec`'s operations.
    pub fn new(spec: &Spec) -> Contract {
        let schemas = Schemas::new(spec);
        // The spec as JSON: parameters and request bodies are read from it, with `$ref`s
        // followed by hand (openapiv3 keeps them as references).
        let doc = serde_json::to_value(spec.openapi()).unwrap_or(Value::Null);
        let global_security = doc.get("security").cloned();
        let mut operations = Vec::new();
        for (template, item) in doc
            .get("paths")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let shared = item.get("parameters").and_then(Value::as_array);
            for (method, op) in item.as_object().into_iter().flatten() {
                if !matches!(
                    method.as_str(),
                    "get" | "put" | "post" | "delete" | "patch" | "head" | "options" | "trace"
                ) {
                    continue;
                }
                let id = op
                    .get("operationId")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let mut params: Vec<Param> = Vec::new();
                let own = op.get("parameters").and_then(Value::as_array);
                for raw in own.into_iter().chain(shared).flatten() {
                    if let Some(param) = read_param(&schemas, &doc, id, resolve(&doc, raw))
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
                operations.push(OperationInfo {
                    responses: documented_responses(spec, id),
                    id: id.into(),
                    method: method.to_ascii_uppercase(),
                    envelope: template.starts_with("/tenant/"),
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
                    bearer: security
                        .and_then(Value::as_array)
                        .is_some_and(|reqs| !reqs.is_empty()),
                });
            }
        }
        Contract {
            schemas,
            operations,
        }
    }

    /// The operationIds this contract knows, in path order.
    pub fn operation_ids(&self) -> Vec<&str> {
        self.operations.iter().map(|o| &*o.id).collect()
    }

    /// Checks one exchange.
    pub fn check(&self, exchange: &Exchange<'_>) -> Verdict {
        let mut verdict = Verdict::default();
        let mut raw_segments = [""; MAX_SEGMENTS];
        let count = split_path(exchange.path, &mut raw_segments);
        let segments = &raw_segments[..count];
        let status = exchange.status;
        match self.find(exchange.method, segments) {
            Found::Nothing(other_methods) => {
                let message = if other_methods.is_empty() {
                    format!(
                        "no operation of the spec matches {} {}",
                        exchange.method,
                        shorten(exchange.path)
                    )
                } else {
                    format!(
                        "{} is not documented for {} (documented: {})",
                        exchange.method,
                        shorten(exchange.path),
                        other_methods.join(", ")
                    )
                };
                verdict
                    .request
                    .push(finding(Side::Request, "operation", message));
                if !(400..500).contains(&status) {
                    verdict.response.push(finding(
                        Side::Response,
                        "status",
                        format!(
                            "the upstream answered {status} to a request the spec refuses; \
                             only a 4xx refusal keeps the contract"
                        ),
                    ));
                }
            }
            Found::Operation(op, segments) => {
                verdict.operation = Some(op.id.clone());
                let query = Query::parse(exchange.query.map(str::as_bytes));
                let faults = self.check_request(op, segments, &query, exchange, &mut verdict);
                if !verdict.request.is_empty()
                    && let Some(expected) = refusal_breach(op, &faults, &verdict.request, status)
                {
                    verdict
                        .response
                        .push(finding(Side::Response, "status", expected));
                }
                let asked = asked(op, segments, query.as_ref().ok());
                self.check_response(op, &asked, exchange, &mut verdict);
            }
        }
        super::secrets::scrub(&mut verdict, exchange);
        verdict
    }

    fn find<'s, 'p>(&'s self, method: &str, segments: &'p [&'p str]) -> Found<'s, 'p> {
        let mut other_methods = Vec::new();
        for op in &self.operations {
            if !matches_template(&op.segments, segments) {
                continue;
            }
            if op.method == method {
                return Found::Operation(op, segments);
            }
            other_methods.push(op.method.as_str());
        }
        Found::Nothing(other_methods)
    }

    /// Adds the request's findings to `verdict` and says what they call for.
    fn check_request(
        &self,
        op: &OperationInfo,
        segments: &[&str],
        query: &Result<Query<'_>, crate::core::http::QueryError>,
        exchange: &Exchange<'_>,
        verdict: &mut Verdict,
    ) -> Faults {
        let out = &mut verdict.request;
        let mut faults = Faults::default();
        if op.bearer
            && let Err(problem) = bearer_key(exchange.request_headers)
        {
            faults.auth = true;
            out.push(finding(Side::Request, "header Authorization", problem));
        }
        if let Err(err) = query {
            faults.invalid = Some(out.len());
            out.push(finding(Side::Request, "query", err.message()));
        }
        for param in &op.params {
            let raw: Result<Option<Cow<'_, str>>, &str> = match param.location {
                Location::Path => match op.path_segment(&param.name, segments) {
                    Some(raw) => percent_decode_str(raw)
                        .decode_utf8()
                        .map(Some)
                        .map_err(|_| "not UTF-8 once percent-decoded"),
                    None => Ok(None),
                },
                Location::Query => match query {
                    Ok(query) => Ok(query.get(&param.name).map(Cow::Borrowed)),
                    // Already reported for the whole query string.
                    Err(_) => continue,
                },
                Location::Header => header_text(exchange.request_headers, &param.name),
            };
            let before = out.len();
            // Only written out for a finding.
            let at = || format!("{} {}", param.location.place(), param.name);
            match &raw {
                Err(problem) => out.push(finding(Side::Request, &at(), *problem)),
                Ok(None) if param.required => {
                    out.push(finding(Side::Request, &at(), "required but missing"));
                }
                Ok(None) => {}
                Ok(Some(value)) => match typed_value(param.kind, value) {
                    Err(problem) => out.push(finding(Side::Request, &at(), problem)),
                    Ok(typed) => {
                        for message in inline_errors(&param.schema, &typed) {
                            out.push(finding(Side::Request, &at(), message));
                        }
                    }
                },
            }
            if out.len() == before {
                continue;
            }
            let text = raw.as_ref().ok().and_then(|value| value.as_deref());
            match param.decided.filter(|rule| !rule.documents_refuse(text)) {
                // Only a rule of ours: a deployment may answer as to a valid request.
                Some(rule) => {
                    for found in &mut out[before..] {
                        found.message = format!("{}: {}", rule.note(), found.message);
                    }
                }
                None => {
                    faults.invalid.get_or_insert(before);
                }
            }
        }
        if let Some((required, schema)) = &op.body {
            let before = out.len();
            // Whitespace alone reads as no body (the mock's reading; a server may also refuse
            // it as not JSON, which a request without findings allows).
            if exchange.request_body.iter().all(u8::is_ascii_whitespace) {
                if *required {
                    out.push(finding(Side::Request, "request body", "required but empty"));
                }
            } else {
                match Document::parse(exchange.request_body) {
                    Err(err) => out.push(finding(
                        Side::Request,
                        "request body",
                        format!("not JSON ({err})"),
                    )),
                    Ok(body) => {
                        for error in schema
                            .iter()
                            .flat_map(|name| self.schemas.errors(name, body.root()))
                        {
                            out.push(finding(
                                Side::Request,
                                &format!("request body {}", error.pointer),
                                error.message,
                            ));
                        }
                    }
                }
                faults.body = out.len() > before;
            }
            if out.len() > before {
                faults.invalid.get_or_insert(before);
            }
        }
        faults
    }

    fn check_response(
        &self,
        op: &OperationInfo,
        asked: &Asked<'_>,
        exchange: &Exchange<'_>,
        verdict: &mut Verdict,
    ) {
        let out = &mut verdict.response;
        let status = exchange.status;
        let documented = match op.response(status) {
            Ok(documented) => documented,
            Err(message) => {
                out.push(finding(Side::Response, "status", message));
                return;
            }
        };
        if status == 401 && op.bearer && !challenges_bearer(exchange.response_headers) {
            out.push(finding(
                Side::Response,
                "header WWW-Authenticate",
                "a 401 must name the scheme to use: `WWW-Authenticate: Bearer` (RFC 9110 \
                 §11.6.1, RFC 6750 §3; the spec's security scheme is bearer)",
            ));
        }
        if documented.media.is_empty() {
            return;
        }
        content_type_findings(&documented.media, status, exchange.response_headers, out);
        let document = match Document::parse(exchange.response_body) {
            Ok(document) => document,
            Err(err) => {
                let what = if exchange.response_body.is_empty() {
                    "empty".to_owned()
                } else {
                    format!("not JSON ({err})")
                };
                out.push(finding(
                    Side::Response,
                    "body",
                    format!("{what}; the spec documents a JSON body for {status}"),
                ));
                return;
            }
        };
        let body = document.root();
        // Every JSON body of the spec has a component schema; an inline one (none today) is
        // checked for being JSON only, as `invitations_spec` validates components only.
        let Some(schema) = documented.schema.as_deref() else {
            return;
        };
        if !self.schemas.is_valid(schema, body) {
            self.schema_findings(schema, status, body, out);
            if let Some(hint) = rules::shape_hint(schema, body) {
                out.push(finding(Side::Response, "body /", hint));
            }
            return;
        }
        let before = out.len();
        rules::documented_in_words(&op.id, op.envelope, status, asked, body, out);
        if out.len() == before && verdict.request.is_empty() {
            verdict.seen = seen_in(&op.id, status, asked, body);
        }
    }

    /// The schema's errors, each `oneOf` failure replaced by the errors of the branch the
    /// status selects.
    fn schema_findings(&self, schema: &str, status: u16, body: Node<'_>, out: &mut Vec<Finding>) {
        for error in self.schemas.errors(schema, body) {
            let branch = if error.one_of {
                self.selected_branch(schema, &error.pointer, status)
            } else {
                None
            };
            let Some(branch) = branch else {
                out.push(finding(
                    Side::Response,
                    &format!("body {}", error.pointer),
                    format!("{} (schema {schema})", error.message),
                ));
                continue;
            };
            let field = error.pointer.rsplit('/').next().unwrap_or_default();
            let selected_by = format!("the branch of `{field}` a {status} answer selects");
            match (branch, body.pointer(&error.pointer)) {
                (Some(name), Some(node)) => {
                    for inner in self.schemas.errors(&name, node) {
                        let pointer = match inner.pointer.as_str() {
                            "/" => error.pointer.clone(),
                            deeper => format!("{}{deeper}", error.pointer),
                        };
                        out.push(finding(
                            Side::Response,
                            &format!("body {pointer}"),
                            format!("{} (schema {name}, {selected_by})", inner.message),
                        ));
                    }
                }
                (_, _) => out.push(finding(
                    Side::Response,
                    &format!("body {}", error.pointer),
                    format!("must be null ({selected_by}, schema {schema})"),
                )),
            }
        }
    }

    /// Which branch of the `oneOf` at `pointer` the status selects: `Some(Some(name))` a
    /// component, `Some(None)` the null branch, `None` when the status selects none (a
    /// `oneOf` outside the envelope: reported as it is).
    fn selected_branch(&self, schema: &str, pointer: &str, status: u16) -> Option<Option<String>> {
        let branches = self.schemas.one_of_at(schema, pointer)?;
        let success = (200..300).contains(&status);
        // The envelope's words: on success `value` is the payload and `error` null; on a
        // failure the reverse.
        let wants_payload = match pointer {
            "/value" => success,
            "/error" => !success,
            _ => return None,
        };
        if wants_payload {
            let mut components = branches.into_iter().flatten();
            match (components.next(), components.next()) {
                (Some(only), None) => Some(Some(only)),
                _ => None,
            }
        } else {
            branches.contains(&None).then_some(None)
        }
    }
}

/// The path's segments (after the leading `/`), raw; an empty list when there are more than
/// [`MAX_SEGMENTS`] (no template has that many).
fn split_path<'p>(path: &'p str, out: &mut [&'p str; MAX_SEGMENTS]) -> usize {
    let Some(rest) = path.strip_prefix('/') else {
        return 0;
    };
    let (mut count, mut start) = (0, 0);
    for (i, b) in rest.bytes().enumerate().chain([(rest.len(), b'/')]) {
        if b == b'/' {
            if count == MAX_SEGMENTS {
                return 0;
            }
            out[count] = &rest[start..i];
            count += 1;
            start = i + 1;
        }
    }
    count
}

/// Whether the raw `segments` fit `template` (literals compared once percent-decoded).
fn matches_template(template: &[Segment], segments: &[&str]) -> bool {
    template.len() == segments.len()
        && template.iter().zip(segments).all(|(want, got)| match want {
            // Borrowed when there is nothing to decode (`Cow`): every request is matched.
            Segment::Literal(text) => *decode_segment(got.as_bytes()) == *text.as_bytes(),
            Segment::Param(_) => true,
        })
}

enum Found<'s, 'p> {
    /// No operation; the methods documented for this path, if any.
    Nothing(Vec<&'s str>),
    Operation(&'s OperationInfo, &'p [&'p str]),
}

/// A header parameter's text: absent, once, or a problem.
fn header_text<'h>(
    headers: &'h HeaderMap,
    name: &str,
) -> Result<Option<Cow<'h, str>>, &'static str> {
    let mut values = headers.get_all(name).iter();
    match (values.next(), values.next()) {
        (None, _) => Ok(None),
        (Some(_), Some(_)) => Err("sent more than once"),
        (Some(one), None) => one
            .to_str()
            .map(|text| Some(Cow::Borrowed(text)))
            .map_err(|_| "not visible ASCII"),
    }
}

/// Whether a `WWW-Authenticate` challenge names the `Bearer` scheme (any of the headers,
/// any of the comma-separated challenges).
fn challenges_bearer(headers: &HeaderMap) -> bool {
    headers
        .get_all(http::header::WWW_AUTHENTICATE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|challenge| challenge.split_whitespace().next())
        .any(|scheme| scheme.eq_ignore_ascii_case("bearer"))
}

/// The finding, if any, that the answer's `Content-Type` is not one documented.
fn content_type_findings(
    media: &[String],
    status: u16,
    headers: &HeaderMap,
    out: &mut Vec<Finding>,
) {
    let Some(value) = headers.get(http::header::CONTENT_TYPE) else {
        out.push(finding(
            Side::Response,
            "content-type",
            format!("missing; the spec documents {}", media.join(", ")),
        ));
        return;
    };
    let essence = value
        .as_bytes()
        .split(|b| *b == b';')
        .next()
        .unwrap_or_default()
        .trim_ascii();
    if !media
        .iter()
        .any(|m| m.as_bytes().eq_ignore_ascii_case(essence))
    {
        out.push(finding(
            Side::Response,
            "content-type",
            format!(
                "{} where the spec documents {} for {status}",
                shorten(&String::from_utf8_lossy(value.as_bytes())),
                media.join(", ")
            ),
        ));
    }
}

/// The finding that the status breaks the refusal a faulty request calls for; none when it
/// is one of them.
fn refusal_breach(
    op: &OperationInfo,
    faults: &Faults,
    request: &[Finding],
    status: u16,
) -> Option<String> {
    let reason = |found: Option<&Finding>| {
        found
            .map(|f| format!("{}: {}", f.at, f.message))
            .unwrap_or_default()
    };
    let mut expected: Vec<String> = Vec::new();
    let mut allowed: Vec<u16> = Vec::new();
    if faults.auth {
        allowed.push(401);
        let found = request.iter().find(|f| f.at == "header Authorization");
        expected.push(format!("401 ({})", reason(found)));
    }
    if let Some(at) = faults.invalid {
        allowed.push(400);
        expected.push(format!("400 ({})", reason(request.get(at))));
        if faults.body && op.documents(413) {
            allowed.push(413);
            expected.push("413 should the body exceed the server's limit".to_owned());
        }
        if !faults.auth {
            allowed.extend([401, 403]);
            expected.push("401 or 403 should the key be refused first".to_owned());
        }
    }
    // Nothing allowed: only rules of ours are broken, and any answer to a valid request is.
    if allowed.is_empty() || allowed.contains(&status) {
        return None;
    }
    Some(format!(
        "the upstream answered {status} to a request the spec refuses; expected {}",
        expected.join(", or ")
    ))
}

/// What the request asked for, as the rules in words compare it.
fn asked<'a>(op: &OperationInfo, segments: &[&'a str], query: Option<&'a Query<'a>>) -> Asked<'a> {
    let path = |name: &str| {
        op.path_segment(name, segments)
            .and_then(|raw| percent_decode_str(raw).decode_utf8().ok())
    };
    Asked {
        path_id: path("id"),
        path_tenant: path("tenantId").and_then(|t| t.parse().ok()),
        query_id: query.and_then(|q| q.get("id")).and_then(|v| v.parse().ok()),
        email: query.and_then(|q| q.get("email")),
        dry_run: query.and_then(|q| q.get("dryRun")) == Some("true"),
    }
}

/// What a valid answer shows: the path's tenant and, on a 2xx, the invitations (id and
/// tenant) and an IAM resend's id.
fn seen_in(operation: &str, status: u16, asked: &Asked<'_>, body: Node<'_>) -> Seen {
    let asked_invitation = asked
        .query_id
        .or_else(|| asked.path_id.as_deref().and_then(invitation_number));
    if !(200..300).contains(&status) {
        let code = body.get("error").and_then(|e| e.get("code"));
        return Seen {
            path_tenant: asked.path_tenant,
            asked_invitation,
            // A valid tenant resend refused with 400: the documents' one cause left is "only a
            // pending invitation can be resent". Our code for it (`InvitationNotPending`) is a
            // DECISIONS row, so any code but the documents' `ValidationError` (a bad id)
            // reads as not pending.
            not_pending: operation == "ResendInvitation"
                && status == 400
                && code.and_then(|c| c.as_str()) != Some("ValidationError"),
            ..Seen::default()
        };
    }
    let invitation = |item: Node<'_>| {
        let id = item.get("id").and_then(|n| n.as_u64())?;
        Some((id, item.get("tenantId").and_then(|n| n.as_u64())))
    };
    let value = body.get("value");
    Seen {
        path_tenant: asked.path_tenant,
        asked_invitation,
        not_pending: false,
        invitations: match operation {
            "ResendInvitation" => value
                .into_iter()
                .flat_map(|v| v.elements())
                .filter_map(invitation)
                .collect(),
            "GetUserInvitationByEmail" => value.and_then(invitation).into_iter().collect(),
            _ => Vec::new(),
        },
        resent: (operation == "resendInvite")
            .then(|| body.get("inviteId").and_then(|n| n.as_str()))
            .flatten()
            .map(|id| (id.to_owned(), asked.dry_run)),
    }
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

/// The parameter `raw` of the operation `operation_id`.
fn read_param(schemas: &Schemas, doc: &Value, operation_id: &str, raw: &Value) -> Option<Param> {
    let location = match raw.get("in")?.as_str()? {
        "path" => Location::Path,
        "query" => Location::Query,
        "header" => Location::Header,
        _ => return None,
    };
    let schema = resolve(doc, raw.get("schema")?);
    let kind = match schema.get("type").and_then(Value::as_str) {
        Some("integer") => Kind::Integer,
        Some("number") => Kind::Number,
        Some("boolean") => Kind::Boolean,
        _ => Kind::String,
    };
    let name = raw.get("name")?.as_str()?;
    Some(Param {
        decided: Decided::of(operation_id, location.place(), name),
        name: name.to_owned(),
        location,
        required: raw.get("required").and_then(Value::as_bool) == Some(true),
        schema: schemas.inline(schema),
        kind,
    })
}

/// The text of a parameter as the JSON value its schema describes.
fn typed_value(kind: Kind, text: &str) -> Result<Value, &'static str> {
    match kind {
        Kind::String => Ok(Value::String(text.to_owned())),
        Kind::Boolean => match text {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err("not a boolean (`true` or `false`)"),
        },
        Kind::Integer => {
            let digits = text.strip_prefix('-').unwrap_or(text);
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err("not an integer");
            }
            text.parse::<i64>()
                .map(Value::from)
                .map_err(|_| "outside the int64 range")
        }
        Kind::Number => text
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number)
            .ok_or("not a number"),
    }
}

fn shorten(text: &str) -> String {
    crate::core::http::truncate(text, 200)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A JSON answer's headers (with the challenge a 401 needs).
    fn json_headers() -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            "content-type",
            "application/json; charset=utf-8".parse().unwrap(),
        );
        headers.insert("www-authenticate", "Bearer".parse().unwrap());
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
        for target in [
            "/iam/v1/users/90%301/actions/resend",
            "/iam/v1/%75sers/9001/actions/resend",
        ] {
            let answer = r#"{"message": "ok", "inviteId": "9001"}"#;
            let verdict = check("POST", target, &keyed(), 200, answer);
            assert_eq!(
                verdict.operation.as_deref(),
                Some("resendInvite"),
                "{target}"
            );
            assert!(
                verdict.request.is_empty() && verdict.response.is_empty(),
                "{verdict:?}"
            );
        }
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

    /// A spec of its own, with what the Invitations spec does not use: a path-level
    /// parameter an operation overrides, an operation without security, a number and a
    /// header parameter, a required body, a response without content, an inline schema.
    const OTHER_SPEC: &str = r##"
openapi: 3.0.3
info: {title: t, version: '1'}
security: [{key: []}]
paths:
  /things/{thingId}:
    parameters:
      - {name: thingId, in: path, required: true, schema: {type: integer}}
    get:
      operationId: getThing
      security: []
      parameters:
        - {name: thingId, in: path, required: true, schema: {type: string, maxLength: 3}}
        - {name: ratio, in: query, required: false, schema: {type: number, maximum: 1}}
        - {name: X-Trace, in: header, required: true, schema: {type: string}}
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Thing'}
        '204': {description: nothing}
        '401': {description: not yours}
        '202':
          description: inline
          content:
            application/json:
              schema: {type: object, required: [x]}
    put:
      operationId: putThing
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Thing'}
      responses:
        '200': {description: ok}
        '401': {description: no}
components:
  securitySchemes:
    key: {type: http, scheme: bearer}
  schemas:
    Thing:
      type: object
      required: [name]
      properties: {name: {type: string}}
"##;

    fn other() -> &'static Contract {
        static OTHER: std::sync::OnceLock<Contract> = std::sync::OnceLock::new();
        OTHER.get_or_init(|| Contract::new(&Spec::parse(OTHER_SPEC).unwrap()))
    }

    /// The findings of `exchange` on `contract`, as `side at: message` lines.
    fn findings(contract: &Contract, exchange: &Exchange<'_>) -> Vec<String> {
        contract
            .check(exchange)
            .findings()
            .map(ToString::to_string)
            .collect()
    }

    /// The IAM resend of the fixture's invitation 9001.
    const IAM_RESEND: &str = "/iam/v1/users/9001/actions/resend";

    /// An exchange of `method target` (the query after `?`).
    fn exchange<'a>(
        method: &'a str,
        target: &'a str,
        request_headers: &'a HeaderMap,
        request_body: &'a [u8],
        status: u16,
        response_headers: &'a HeaderMap,
        response_body: &'a [u8],
    ) -> Exchange<'a> {
        let (path, query) = match target.split_once('?') {
            Some((path, query)) => (path, Some(query)),
            None => (target, None),
        };
        Exchange {
            method,
            path,
            query,
            request_headers,
            request_body,
            status,
            response_headers,
            response_body,
        }
    }

    #[test]
    fn operations_parameters_security_and_bodies_are_read_from_any_spec() {
        let contract = other();
        assert_eq!(contract.operation_ids(), ["getThing", "putThing"]);
        assert_eq!(
            format!("{contract:?}"),
            "Contract { operations: [\"getThing\", \"putThing\"], .. }"
        );
        let mut traced = HeaderMap::new();
        traced.insert("x-trace", "t-1".parse().unwrap());
        let json = json_headers();
        let empty_headers = HeaderMap::new();
        // The operation's own `thingId` (a string) replaces the path's (an integer), and it
        // needs no key (`security: []`).
        let ok = exchange(
            "GET",
            "/things/abc?ratio=0.5",
            &traced,
            b"",
            200,
            &json,
            br#"{"name": "x"}"#,
        );
        assert_eq!(findings(contract, &ok), Vec::<String>::new());
        let verdict = contract.check(&ok);
        assert_eq!(verdict.operation.as_deref(), Some("getThing"));
        let wrong = exchange(
            "GET",
            "/things/abcd?ratio=2",
            &empty_headers,
            b"",
            400,
            &json,
            b"{}",
        );
        assert_eq!(
            findings(contract, &wrong),
            [
                "status: 400 is not documented for getThing (documented: 200, 202, 204, 401)",
                "request path thingId: \"abcd\" is longer than 3 characters",
                "request query ratio: 2.0 is greater than the maximum of 1.0",
                "request header X-Trace: required but missing",
            ]
        );
        let not_a_number = exchange("GET", "/things/a?ratio=x", &traced, b"", 204, &json, b"");
        assert_eq!(
            findings(contract, &not_a_number),
            [
                "status: the upstream answered 204 to a request the spec refuses; expected 400 (query ratio: not a number), or 401 or 403 should the key be refused first",
                "request query ratio: not a number",
            ]
        );
        let mut twice = traced.clone();
        twice.append("x-trace", "t-2".parse().unwrap());
        let mut not_ascii = HeaderMap::new();
        not_ascii.insert("x-trace", http::HeaderValue::from_bytes(b"t\xe9").unwrap());
        for (headers, problem) in [
            (&twice, "sent more than once"),
            (&not_ascii, "not visible ASCII"),
        ] {
            let bad = exchange("GET", "/things/a", headers, b"", 400, &json, b"{}");
            assert_eq!(
                findings(contract, &bad)[1],
                format!("request header X-Trace: {problem}")
            );
        }
        // No bearer scheme: a 401 needs no challenge.
        let unchallenged = exchange("GET", "/things/a", &traced, b"", 401, &empty_headers, b"");
        assert_eq!(findings(contract, &unchallenged), Vec::<String>::new());
        // No content documented: the body is not looked at; an inline schema: JSON only.
        let empty = exchange(
            "GET",
            "/things/a",
            &traced,
            b"",
            204,
            &empty_headers,
            b"whatever",
        );
        assert_eq!(findings(contract, &empty), Vec::<String>::new());
        let inline = exchange("GET", "/things/a", &traced, b"", 202, &json, b"{}");
        assert_eq!(findings(contract, &inline), Vec::<String>::new());
        let not_json = exchange("GET", "/things/a", &traced, b"", 202, &json, b"{");
        assert_eq!(
            findings(contract, &not_json),
            ["body: not JSON (EOF while parsing an object at line 1 column 1); the spec documents a JSON body for 202"]
        );
        let empty_json = exchange("GET", "/things/a", &traced, b"", 200, &json, b"");
        assert_eq!(
            findings(contract, &empty_json),
            ["body: empty; the spec documents a JSON body for 200"]
        );
    }

    #[test]
    fn a_required_body_and_the_global_security_apply() {
        let contract = other();
        let json = json_headers();
        let none = HeaderMap::new();
        let keyed = keyed();
        let cases: [(Exchange<'_>, &[&str]); 5] = [
            (
                exchange("PUT", "/things/1", &keyed, br#"{"name": "n"}"#, 200, &none, b""),
                &[],
            ),
            (
                exchange("PUT", "/things/1", &keyed, b" \n", 200, &json, b""),
                &[
                    "status: the upstream answered 200 to a request the spec refuses; expected 400 (request body: required but empty), or 401 or 403 should the key be refused first",
                    "request request body: required but empty",
                ],
            ),
            (
                exchange("PUT", "/things/1", &none, br#"{"name": 1}"#, 401, &none, b""),
                &[
                    "header WWW-Authenticate: a 401 must name the scheme to use: `WWW-Authenticate: Bearer` (RFC 9110 §11.6.1, RFC 6750 §3; the spec's security scheme is bearer)",
                    "request header Authorization: missing; the spec requires `Authorization: Bearer <api key>`",
                    "request request body /name: 1 is not of type \"string\"",
                ],
            ),
            // No 413 documented: a body's fault calls for 400 only.
            (
                exchange("PUT", "/things/1", &keyed, b"[1]", 413, &json, b""),
                &[
                    "status: the upstream answered 413 to a request the spec refuses; expected 400 (request body /: [1] is not of type \"object\"), or 401 or 403 should the key be refused first",
                    "status: 413 is not documented for putThing (documented: 200, 401)",
                    "request request body /: [1] is not of type \"object\"",
                ],
            ),
            (
                exchange("DELETE", "/things/1", &keyed, b"", 404, &json, b""),
                &["request operation: DELETE is not documented for /things/1 (documented: GET, PUT)"],
            ),
        ];
        for (exchange, expected) in cases {
            assert_eq!(findings(contract, &exchange), expected, "{exchange:?}");
        }
    }

    #[test]
    fn paths_are_matched_segment_by_segment() {
        let keyed = keyed();
        let nothing = |path: &str| {
            let verdict = check("GET", path, &keyed, 404, "{}");
            let first = verdict.request.first().map(|f| f.message.clone());
            let shown = format!("{path}: {verdict:?}");
            (verdict.operation.clone(), first.unwrap_or(shown))
        };
        let long = format!("/tenant{}", "/x".repeat(16));
        for path in [
            "tenant/admin/user/invitations_by_email",
            "/tenant/admin/user/invitations_by_email/",
            "/tenant/admin/user",
            long.as_str(),
        ] {
            let (operation, message) = nothing(path);
            assert_eq!(operation, None, "{path}");
            assert!(
                message.starts_with("no operation of the spec matches GET"),
                "{message}"
            );
        }
        let very_long = format!("/{}", "y".repeat(300));
        let (_, message) = nothing(&very_long);
        assert!(
            message.ends_with(&format!("GET /{}…", "y".repeat(199))),
            "{message}"
        );
        let verdict = check(
            "GET",
            "/tenant/admin/user/invitations_by_%65mail?email=ada@example.com",
            &keyed,
            404,
            r#"{"isSuccess": false, "isFailure": true, "value": null,
                "error": {"code": "NotFound", "message": "none", "info": []}}"#,
        );
        assert_eq!(
            verdict.operation.as_deref(),
            Some("GetUserInvitationByEmail")
        );
        assert!(!verdict.breaks_contract(true), "{verdict:?}");
    }

    #[test]
    fn refusals_allowed_by_the_faults_of_the_request() {
        let keyed = keyed();
        let none = HeaderMap::new();
        let failure = |code: &str| {
            format!(
                r#"{{"isSuccess": false, "isFailure": true, "value": null,
                     "error": {{"code": "{code}", "message": "m", "info": []}}}}"#
            )
        };
        let resend = "/tenant/1024/admin/user/invitation/resend?id=abc";
        let allowed = |headers: &HeaderMap, status: u16| {
            !check("PUT", resend, headers, status, &failure("X")).breaks_contract(false)
        };
        // A key and a bad id: 400, or the key refused first.
        assert_eq!(
            [400, 401, 403, 404, 413, 500].map(|s| allowed(&keyed, s)),
            [true, true, true, false, false, false]
        );
        // No key and a bad id: 401 or 400, never 403.
        assert_eq!(
            [400, 401, 403, 404].map(|s| allowed(&none, s)),
            [true, true, false, false]
        );
        // An IAM resend of `target` with `headers` and `body`, answered `status` and an error.
        let iam_resend = |target: &str, headers: &HeaderMap, body: &[u8], status: u16| {
            let response = json_headers();
            let error = br#"{"error": "e"}"#;
            let exchange = exchange("POST", target, headers, body, status, &response, error);
            Contract::get().check(&exchange)
        };
        let bad_dry_run = &format!("{IAM_RESEND}?dryRun=maybe");
        let iam = |body: &[u8], status: u16| {
            !iam_resend(IAM_RESEND, &keyed, body, status).breaks_contract(false)
        };
        // A body that is not an object: 413 too (the server's size limit may come first).
        assert!(iam(b"[1]", 413) && iam(b"[1]", 400) && !iam(b"[1]", 404));
        // A fault elsewhere than in the body: not 413.
        let mut basic = HeaderMap::new();
        basic.insert("authorization", "Basic a2V5".parse().unwrap());
        let wrong_key = |status: u16| iam_resend(bad_dry_run, &basic, b"", status);
        assert!(wrong_key(413).breaks_contract(false));
        // A fault elsewhere than in a body that was sent: not 413 either.
        let valid_body =
            |status: u16| !iam_resend(bad_dry_run, &keyed, b"{}", status).breaks_contract(false);
        assert!(valid_body(400) && !valid_body(413));
        // No key and a valid body: 401 only.
        let unkeyed = |status: u16| {
            !iam_resend(IAM_RESEND, &HeaderMap::new(), b"{}", status).breaks_contract(false)
        };
        assert!(unkeyed(401) && !unkeyed(400));
        for not_an_integer in ["id=", "id=-"] {
            let target = format!("/tenant/1024/admin/user/invitation/resend?{not_an_integer}");
            let verdict = check("PUT", &target, &keyed, 400, &failure("X"));
            assert_eq!(verdict.request[0].message, "not an integer", "{target}");
        }
        assert_eq!(
            wrong_key(500).response[0].message,
            "the upstream answered 500 to a request the spec refuses; expected 401 (header \
             Authorization: not a `Bearer <api key>` credential), or 400 (query dryRun: not a \
             boolean (`true` or `false`))"
        );
        // The documented 500 to a request without faults is no violation.
        assert!(iam(b"{}", 500));
    }

    #[test]
    fn a_request_that_breaks_only_a_rule_of_ours_may_be_answered_as_a_valid_one() {
        let keyed = keyed();
        let not_found = r#"{"isSuccess": false, "isFailure": true, "value": null,
            "error": {"code": "NotFound", "message": "none", "info": []}}"#;
        let lookup = |email: &str, headers: &HeaderMap, status: u16| {
            check(
                "GET",
                &format!("/tenant/admin/user/invitations_by_email?email={email}"),
                headers,
                status,
                not_found,
            )
        };
        // An address only our reading of the RFCs refuses (row 16): 404 as well as 400.
        let ours = lookup("ada@-example.com", &keyed, 404);
        assert!(!ours.breaks_contract(false), "{ours:?}");
        assert!(ours.breaks_contract(true), "still outside our spec");
        assert_eq!(
            ours.request[0].message,
            "DECISIONS row 16 (the documents let a deployment accept it): \"ada@-example.com\" \
             is not a \"email\""
        );
        assert!(!lookup("ada@-example.com", &keyed, 400).breaks_contract(false));
        // The answer is checked as any answer to a valid request.
        assert!(lookup("ada@-example.com", &keyed, 410).breaks_contract(false));
        // Without a key, 401 is still the only answer.
        assert!(lookup("ada@-example.com", &HeaderMap::new(), 404).breaks_contract(false));
        // An address no reading allows: a refusal only.
        let documented = lookup("ada@example..com", &keyed, 404);
        assert_eq!(
            documented.response[0].message,
            "the upstream answered 404 to a request the spec refuses; expected 400 (query \
             email: \"ada@example..com\" is not a \"email\"), or 401 or 403 should the key be \
             refused first"
        );
        // An invite id longer than ours (row 14), found or not.
        let long = format!("/iam/v1/users/{}/actions/resend", "x".repeat(129));
        let iam =
            |target: &str, status: u16, body: &str| check("POST", target, &keyed, status, body);
        assert!(!iam(&long, 404, r#"{"error": "none"}"#).breaks_contract(false));
        let resent = format!(r#"{{"message": "ok", "inviteId": "{}"}}"#, "x".repeat(129));
        assert!(!iam(&long, 200, &resent).breaks_contract(false));
        // Beside a fault the documents name, the refusal names that fault.
        let with_dry_run = iam(&format!("{long}?dryRun=maybe"), 404, r#"{"error": "none"}"#);
        assert_eq!(
            with_dry_run.response[0].message,
            "the upstream answered 404 to a request the spec refuses; expected 400 (query \
             dryRun: not a boolean (`true` or `false`)), or 401 or 403 should the key be \
             refused first"
        );
        // An empty invite id is refused by the documents too.
        let empty = iam("/iam/v1/users//actions/resend", 404, r#"{"error": "none"}"#);
        assert!(empty.breaks_contract(false), "{empty:?}");
        // Idempotency-Key (row 12, not in the documents): empty, read as none.
        let mut empty_key = keyed.clone();
        empty_key.insert("idempotency-key", "".parse().unwrap());
        let (response, answer) = (json_headers(), br#"{"message": "ok", "inviteId": "9001"}"#);
        let exchange = exchange("POST", IAM_RESEND, &empty_key, b"", 200, &response, answer);
        let verdict = Contract::get().check(&exchange);
        assert!(!verdict.breaks_contract(false), "{verdict:?}");
        assert!(
            verdict.request[0]
                .message
                .starts_with("DECISIONS row 12 (the documents have no Idempotency-Key"),
            "{verdict:?}"
        );
    }

    #[test]
    fn a_401_names_the_bearer_scheme_in_any_challenge() {
        let challenged = |values: &[&str]| {
            let mut headers = json_headers();
            headers.remove("www-authenticate");
            for value in values {
                headers.append("www-authenticate", value.parse().unwrap());
            }
            let (request, answer) = (keyed(), br#"{"error": "who?"}"#);
            let exchange = exchange("POST", IAM_RESEND, &request, b"", 401, &headers, answer);
            !Contract::get().check(&exchange).breaks_contract(false)
        };
        assert!(challenged(&["Bearer"]));
        assert!(challenged(&["bearer realm=\"x\""]));
        assert!(challenged(&["Basic realm=\"x\", Bearer"]));
        assert!(challenged(&[
            "Basic realm=\"x\"",
            "Bearer error=\"invalid_token\""
        ]));
        assert!(!challenged(&[]));
        assert!(!challenged(&["Basic realm=\"Bearer\""]));
        assert!(!challenged(&["Bearerish"]));
    }

    #[test]
    fn the_content_type_is_compared_without_parameters_or_case() {
        let typed = |value: Option<&str>| {
            let mut headers = HeaderMap::new();
            if let Some(value) = value {
                headers.insert("content-type", value.parse().unwrap());
            }
            let (request, answer) = (keyed(), br#"{"error": "none"}"#);
            let exchange = exchange("POST", IAM_RESEND, &request, b"", 404, &headers, answer);
            findings(Contract::get(), &exchange)
        };
        assert_eq!(
            typed(Some(" APPLICATION/json ;charset=utf-8")),
            Vec::<String>::new()
        );
        assert_eq!(
            typed(None),
            ["content-type: missing; the spec documents application/json"]
        );
        assert_eq!(
            typed(Some("application/jsonx")),
            ["content-type: application/jsonx where the spec documents application/json for 404"]
        );
    }

    #[test]
    fn a_oneof_is_reported_against_the_branch_the_status_selects() {
        let contract = Contract::get();
        assert_eq!(
            contract.selected_branch("UserInvitationResult", "/value", 200),
            Some(Some("UserInvitationModel".to_owned()))
        );
        assert_eq!(
            contract.selected_branch("UserInvitationResult", "/value", 404),
            Some(None)
        );
        assert_eq!(
            contract.selected_branch("UserInvitationResult", "/error", 200),
            Some(None)
        );
        assert_eq!(
            contract.selected_branch("UserInvitationResult", "/error", 500),
            Some(Some("ApiError".to_owned()))
        );
        assert_eq!(
            contract.selected_branch("UserInvitationResult", "/other", 200),
            None
        );
        assert_eq!(
            contract.selected_branch("UserInvitationListResult", "/value", 200),
            None
        );
        // The whole value when the branch refuses it at its root.
        let verdict = check(
            "GET",
            "/tenant/admin/user/invitations_by_email?email=ada@example.com",
            &keyed(),
            200,
            r#"{"isSuccess": true, "isFailure": false, "error": null, "value": []}"#,
        );
        assert_eq!(
            verdict.summary(),
            "body /value: [] is not of type \"object\" (schema UserInvitationModel, the branch of \
             `value` a 200 answer selects)"
        );
    }

    #[test]
    fn what_a_valid_answer_shows_is_kept_for_later_exchanges() {
        let keyed = keyed();
        let seen = |method: &str, target: &str, status: u16, body: &str| {
            check(method, target, &keyed, status, body).seen
        };
        let list = r#"{"isSuccess": true, "isFailure": false, "error": null, "value": [
            {"id": 9001, "tenantId": 1024, "email": "ada@example.com", "status": "Pending",
             "createdAt": "2024-03-15T12:30:00Z"},
            {"id": 9002, "email": "bob@example.com", "status": "Pending",
             "createdAt": "2024-03-15T12:30:00Z"}]}"#;
        let resent = seen(
            "PUT",
            "/tenant/1024/admin/user/invitation/resend?id=9001",
            200,
            list,
        );
        assert_eq!(resent.path_tenant, Some(1024));
        assert_eq!(resent.asked_invitation, Some(9001));
        assert_eq!(resent.invitations, [(9001, Some(1024)), (9002, None)]);
        let not_pending = r#"{"isSuccess": false, "isFailure": true, "value": null,
            "error": {"code": "InvitationNotPending", "message": "m", "info": []}}"#;
        let refused = seen(
            "PUT",
            "/tenant/1024/admin/user/invitation/resend?id=9003",
            400,
            not_pending,
        );
        assert!(refused.not_pending && refused.invitations.is_empty());
        assert_eq!(
            (refused.path_tenant, refused.asked_invitation),
            (Some(1024), Some(9003))
        );
        // Another server's name for it (the conforming variant's) says the same.
        let renamed = not_pending.replace("InvitationNotPending", "InvitationNotResendable");
        assert!(
            seen(
                "PUT",
                "/tenant/1024/admin/user/invitation/resend?id=9003",
                400,
                &renamed
            )
            .not_pending
        );
        let other_400 = not_pending.replace("InvitationNotPending", "ValidationError");
        assert!(
            !seen(
                "PUT",
                "/tenant/1024/admin/user/invitation/resend?id=9003",
                400,
                &other_400
            )
            .not_pending
        );
        let iam = |target: &str| {
            seen(
                "POST",
                target,
                200,
                r#"{"message": "m", "inviteId": "9001"}"#,
            )
        };
        assert_eq!(
            iam("/iam/v1/users/9001/actions/resend").resent,
            Some(("9001".to_owned(), false))
        );
        assert_eq!(
            iam("/iam/v1/users/9001/actions/resend").asked_invitation,
            Some(9001)
        );
        assert_eq!(
            iam("/iam/v1/users/9001/actions/resend?dryRun=true").resent,
            Some(("9001".to_owned(), true))
        );
        assert!(
            !iam("/iam/v1/users/9001/actions/resend?dryRun=false")
                .resent
                .unwrap()
                .1
        );
        let by_email = r#"{"isSuccess": true, "isFailure": false, "error": null, "value":
            {"id": 9005, "email": "erin@example.com", "status": "Pending",
             "createdAt": "2024-03-15T12:30:00Z"}}"#;
        let found = seen(
            "GET",
            "/tenant/admin/user/invitations_by_email?email=erin@example.com",
            200,
            by_email,
        );
        assert_eq!(found.invitations, [(9005, None)]);
        assert_eq!(found.path_tenant, None);
        // Nothing from an answer that breaks the contract, or from a faulty request.
        let broken = by_email.replace("erin@", "someone@");
        assert!(seen(
            "GET",
            "/tenant/admin/user/invitations_by_email?email=erin@example.com",
            200,
            &broken
        )
        .invitations
        .is_empty());
        let faulty = check(
            "PUT",
            "/tenant/1024/admin/user/invitation/resend?id=9003&id=9003",
            &keyed,
            400,
            not_pending,
        );
        assert_eq!(faulty.seen.path_tenant, None);
        assert!(!faulty.seen.not_pending);
        // The code means "not pending" on the tenant resend's 400 only.
        let on_404 = seen(
            "PUT",
            "/tenant/1024/admin/user/invitation/resend?id=9003",
            404,
            not_pending,
        );
        assert!(!on_404.not_pending);
        let iam_400 = seen(
            "POST",
            "/iam/v1/users/9003/actions/resend?dryRun=false",
            400,
            r#"{"error": "InvitationNotPending"}"#,
        );
        assert!(!iam_400.not_pending);
    }
}
