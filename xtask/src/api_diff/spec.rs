//! The spec half of `api-diff`: two versions of the OpenAPI document, parsed with openapiv3,
//! and each change classified for an HTTP client written against the old one.
//!
//! The rules, by what a client of the old document may rely on:
//!
//! | change | in a request | in a response |
//! |---|---|---|
//! | operation removed | major | |
//! | operation added | minor | |
//! | parameter or body added as required, optional made required | major | |
//! | parameter, body or field added as optional | minor | minor (a field) |
//! | field removed | major (clients still send it) | major (clients read it) |
//! | field made required | major | minor |
//! | field made optional | minor | major (clients find it missing) |
//! | narrowed (tighter bound, pattern or format added, enum value removed, nullable removed, number made integer) | major | minor |
//! | widened (the reverse) | minor | major |
//! | enum value added | minor | major for a closed enum, minor for an open one |
//! | status added | | major for a success (2xx, 3xx), minor for an error |
//! | status removed | | major for a success, minor for an error |
//! | body (media type) removed | major | major |
//! | anything else that changes what is sent or received | major | major |
//! | descriptions, summaries, examples, titles | patch | patch |
//!
//! An enum is open when clients are told to expect values added later and the SDK reads an
//! unknown value as such instead of failing: the schemas in [`crate::codegen::OPEN_ENUMS`]
//! (`InvitationStatus`, read through the hand-written `invitations_sdk::InvitationStatus`
//! with its `Unknown`). A new status there is a compatible change; in a closed enum a
//! client that matches every documented value meets one it cannot read.
//!
//! Anything the rules above do not recognise (a changed `additionalProperties`, a
//! `multipleOf`, a new security requirement) is reported as major, so that an unknown change
//! is never waved through as compatible.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fmt::Debug;

use anyhow::{Context, Result};
use openapiv3::{
    OpenAPI, Operation, Parameter, ParameterSchemaOrContent, ReferenceOr, RequestBody, Response,
    Schema, SchemaKind, StatusCode, Type,
};
use serde_json::Value;

use super::change::{Change, Level};
use crate::codegen::OPEN_ENUMS;

/// Every change from `old` to `new` (YAML or JSON texts of the document), classified.
pub fn compare(old: &str, new: &str) -> Result<Vec<Change>> {
    let old: OpenAPI =
        serde_yaml::from_str(old).context("parsing the spec at the base revision")?;
    let new: OpenAPI = serde_yaml::from_str(new).context("parsing the spec of the working tree")?;
    let mut diff = Diff {
        old: &old,
        new: &new,
        changes: Vec::new(),
        seen: HashSet::new(),
    };
    diff.operations();
    diff.unclassified();
    Ok(diff.changes)
}

/// Which way data flows: what clients send may be widened, what they receive narrowed.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Flow {
    Request,
    Response,
}

/// A difference in what a schema allows.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Effect {
    /// Allows less than before.
    Narrowed,
    /// Allows more than before.
    Widened,
    /// Allows something else: neither contains the other.
    Changed,
}

impl Flow {
    /// The level of `effect` on data flowing this way.
    fn level(self, effect: Effect) -> Level {
        match (self, effect) {
            (_, Effect::Changed) => Level::Major,
            (Flow::Request, Effect::Narrowed) | (Flow::Response, Effect::Widened) => Level::Major,
            (Flow::Request, Effect::Widened) | (Flow::Response, Effect::Narrowed) => Level::Minor,
        }
    }

    /// Why `effect` has that level, for the report.
    fn why(self, effect: Effect) -> &'static str {
        match (self, effect) {
            (_, Effect::Changed) => "values valid before may not be now, and the reverse",
            (Flow::Request, Effect::Narrowed) => "values clients sent before may be refused",
            (Flow::Request, Effect::Widened) => "everything clients sent before is still accepted",
            (Flow::Response, Effect::Widened) => {
                "clients may receive values they were not told about"
            }
            (Flow::Response, Effect::Narrowed) => "clients receive a subset of what they handle",
        }
    }
}

struct Diff<'a> {
    old: &'a OpenAPI,
    new: &'a OpenAPI,
    changes: Vec<Change>,
    /// Pairs of referenced schemas already compared at a place (recursive schemas end).
    seen: HashSet<(String, String, String)>,
}

/// An operation's key for HTTP clients: its method and its path with the parameter names
/// left out (`{id}` renamed is the same URL).
fn route(method: &str, path: &str) -> String {
    let mut out = String::new();
    let mut in_param = false;
    for c in path.chars() {
        match c {
            '{' => {
                in_param = true;
                out.push_str("{}");
            }
            '}' => in_param = false,
            _ if !in_param => out.push(c),
            _ => {}
        }
    }
    format!("{} {out}", method.to_uppercase())
}

/// The operations of a document by route, with the name the report gives each.
fn operations(spec: &OpenAPI) -> BTreeMap<String, (String, &Operation)> {
    let mut out = BTreeMap::new();
    for (path, item) in spec.paths.iter() {
        let Some(item) = item.as_item() else { continue };
        for (method, op) in item.iter() {
            let name = op
                .operation_id
                .clone()
                .unwrap_or_else(|| format!("{} {path}", method.to_uppercase()));
            out.insert(route(method, path), (name, op));
        }
    }
    out
}

fn is_success(code: &StatusCode) -> bool {
    let n = match code {
        StatusCode::Code(n) => *n,
        StatusCode::Range(n) => *n * 100,
    };
    (200..400).contains(&n)
}

/// `(location, name)` of a parameter; header names compare case-insensitively.
fn parameter_key(parameter: &Parameter) -> (&'static str, String) {
    let name = &parameter.parameter_data_ref().name;
    match parameter {
        Parameter::Query { .. } => ("query", name.clone()),
        Parameter::Header { .. } => ("header", name.to_ascii_lowercase()),
        Parameter::Path { .. } => ("path", name.clone()),
        Parameter::Cookie { .. } => ("cookie", name.clone()),
    }
}

/// A schema reference or an inline schema, boxed or not.
trait SchemaRef {
    fn parts(&self) -> (Option<&str>, Option<&Schema>);
}

impl SchemaRef for ReferenceOr<Schema> {
    fn parts(&self) -> (Option<&str>, Option<&Schema>) {
        match self {
            ReferenceOr::Reference { reference } => (Some(reference), None),
            ReferenceOr::Item(schema) => (None, Some(schema)),
        }
    }
}

impl SchemaRef for ReferenceOr<Box<Schema>> {
    fn parts(&self) -> (Option<&str>, Option<&Schema>) {
        match self {
            ReferenceOr::Reference { reference } => (Some(reference), None),
            ReferenceOr::Item(schema) => (None, Some(schema)),
        }
    }
}

/// Follows `#/components/<kind>/<name>` references to the item: `get` finds a component
/// of the kind by name.
fn resolve_in<'a, T: 'a>(
    get: impl Fn(&str) -> Option<&'a ReferenceOr<T>>,
    prefix: &str,
    mut item: &'a ReferenceOr<T>,
) -> Option<&'a T> {
    for _ in 0..32 {
        match item {
            ReferenceOr::Item(value) => return Some(value),
            ReferenceOr::Reference { reference } => {
                item = get(reference.strip_prefix(prefix)?)?;
            }
        }
    }
    None
}

/// The schema a reference or inline schema stands for, with the name of the component it
/// was reached through (the last one, for a chain of references).
fn schema_of<'a>(
    spec: &'a OpenAPI,
    r: &'a impl SchemaRef,
) -> Option<(Option<&'a str>, &'a Schema)> {
    let prefix = "#/components/schemas/";
    match r.parts() {
        (_, Some(schema)) => Some((None, schema)),
        (Some(reference), None) => {
            let name = reference.strip_prefix(prefix)?;
            let schemas = &spec.components.as_ref()?.schemas;
            let found = resolve_in(|n| schemas.get(n), prefix, schemas.get(name)?)?;
            Some((Some(name), found))
        }
        (None, None) => None,
    }
}

impl<'a> Diff<'a> {
    fn push(&mut self, level: Level, place: &str, what: impl Into<String>) {
        self.changes.push(Change {
            level,
            place: place.to_owned(),
            what: what.into(),
        });
    }

    fn operations(&mut self) {
        let old = operations(self.old);
        let new = operations(self.new);
        for (route, (name, _)) in &old {
            if !new.contains_key(route) {
                self.push(
                    Level::Major,
                    name,
                    format!("operation removed ({route}): clients calling it get an error"),
                );
            }
        }
        for (route, (name, _)) in &new {
            if !old.contains_key(route) {
                self.push(Level::Minor, name, format!("operation added ({route})"));
            }
        }
        for (route, (name, old_op)) in &old {
            if let Some((_, new_op)) = new.get(route) {
                self.parameters(name, old_op, new_op);
                self.request_body(name, old_op, new_op);
                self.responses(name, old_op, new_op);
            }
        }
    }

    fn parameters(&mut self, op: &str, old: &'a Operation, new: &'a Operation) {
        let collect = |spec: &'a OpenAPI,
                       op: &'a Operation|
         -> BTreeMap<(&'static str, String), &'a Parameter> {
            let get = |name: &str| spec.components.as_ref()?.parameters.get(name);
            op.parameters
                .iter()
                .filter_map(|p| resolve_in(get, "#/components/parameters/", p))
                .map(|p| (parameter_key(p), p))
                .collect()
        };
        let old_params = collect(self.old, old);
        let new_params = collect(self.new, new);
        for ((location, name), param) in &old_params {
            let place = format!("{op} {location} parameter `{name}`");
            let was = param.parameter_data_ref();
            let new_param = new_params.get(&(*location, name.clone()));
            let is = new_param.map(|p| p.parameter_data_ref());
            self.requirement(&place, Some(was.required), is.map(|p| p.required));
            if let (
                ParameterSchemaOrContent::Schema(a),
                Some(ParameterSchemaOrContent::Schema(b)),
            ) = (&was.format, is.map(|p| &p.format))
            {
                self.schema(&place, Flow::Request, a, b);
            }
        }
        for ((location, name), param) in &new_params {
            if !old_params.contains_key(&(*location, name.clone())) {
                let place = format!("{op} {location} parameter `{name}`");
                self.requirement(&place, None, Some(param.parameter_data_ref().required));
            }
        }
    }

    /// A request's parameter or body at `place`, by whether each version has it (`Some`) and
    /// requires it: what its coming, going or change of requirement does to old clients.
    fn requirement(&mut self, place: &str, old: Option<bool>, new: Option<bool>) {
        let required = "requests without it are refused";
        match (old, new) {
            (None, Some(true)) => self.push(
                Level::Major,
                place,
                format!("added as required: {required}"),
            ),
            (None, Some(false)) => self.push(Level::Minor, place, "added as optional"),
            (Some(_), None) => self.push(
                Level::Minor,
                place,
                "removed: the server no longer reads it",
            ),
            (Some(false), Some(true)) => {
                self.push(Level::Major, place, format!("made required: {required}"))
            }
            (Some(true), Some(false)) => self.push(Level::Minor, place, "made optional"),
            _ => {}
        }
    }

    fn request_body(&mut self, op: &str, old: &'a Operation, new: &'a Operation) {
        let body = |spec: &'a OpenAPI, op: &'a Operation| -> Option<&'a RequestBody> {
            let get = |name: &str| spec.components.as_ref()?.request_bodies.get(name);
            resolve_in(
                get,
                "#/components/requestBodies/",
                op.request_body.as_ref()?,
            )
        };
        let place = format!("{op} request body");
        let (was, is) = (body(self.old, old), body(self.new, new));
        self.requirement(&place, was.map(|b| b.required), is.map(|b| b.required));
        if let (Some(a), Some(b)) = (was, is) {
            self.contents(&place, Flow::Request, &a.content, &b.content);
        }
    }

    fn contents(
        &mut self,
        place: &str,
        flow: Flow,
        old: &'a openapiv3::Content,
        new: &'a openapiv3::Content,
    ) {
        for (media, was) in old {
            let here = format!("{place} ({media})");
            let Some(is) = new.get(media) else {
                let why = match flow {
                    Flow::Request => "clients sending it are refused",
                    Flow::Response => "clients decoding it find no such body",
                };
                self.push(Level::Major, &here, format!("media type removed: {why}"));
                continue;
            };
            match (&was.schema, &is.schema) {
                (Some(a), Some(b)) => self.schema(&here, flow, a, b),
                (None, Some(_)) => self.push(
                    flow.level(Effect::Narrowed),
                    &here,
                    format!("schema added: {}", flow.why(Effect::Narrowed)),
                ),
                (Some(_), None) => self.push(
                    flow.level(Effect::Widened),
                    &here,
                    format!("schema removed: {}", flow.why(Effect::Widened)),
                ),
                (None, None) => {}
            }
        }
        for media in new.keys() {
            if !old.contains_key(media) {
                self.push(
                    Level::Minor,
                    &format!("{place} ({media})"),
                    "media type added",
                );
            }
        }
    }

    fn responses(&mut self, op: &str, old: &'a Operation, new: &'a Operation) {
        let responses =
            |spec: &'a OpenAPI, op: &'a Operation| -> BTreeMap<String, (bool, &'a Response)> {
                let shared = |name: &str| spec.components.as_ref()?.responses.get(name);
                let mut out: BTreeMap<String, (bool, &Response)> = op
                    .responses
                    .responses
                    .iter()
                    .filter_map(|(code, r)| {
                        let r = resolve_in(shared, "#/components/responses/", r)?;
                        Some((code.to_string(), (is_success(code), r)))
                    })
                    .collect();
                if let Some(r) = op
                    .responses
                    .default
                    .as_ref()
                    .and_then(|r| resolve_in(shared, "#/components/responses/", r))
                {
                    out.insert("default".to_owned(), (false, r));
                }
                out
            };
        let old_responses = responses(self.old, old);
        let new_responses = responses(self.new, new);
        for (code, (success, was)) in &old_responses {
            let place = format!("{op} {code}");
            let Some((_, is)) = new_responses.get(code) else {
                if *success {
                    self.push(
                        Level::Major,
                        &place,
                        "success status removed: clients expecting it never get it",
                    );
                } else {
                    self.push(
                        Level::Minor,
                        &place,
                        "error status removed: clients stop seeing an error they handle",
                    );
                }
                continue;
            };
            let place = format!("{place} body");
            if !was.content.is_empty() && is.content.is_empty() {
                self.push(
                    Level::Major,
                    &place,
                    "response body removed: clients decoding it find none",
                );
            } else {
                self.contents(&place, Flow::Response, &was.content, &is.content);
            }
        }
        for (code, (success, _)) in &new_responses {
            if !old_responses.contains_key(code) {
                let place = format!("{op} {code}");
                if *success {
                    self.push(Level::Major, &place, "success status added: clients that check for the documented success treat it as a failure");
                } else {
                    self.push(Level::Minor, &place, "error status added: clients already handle errors they do not know (any call can fail with 5xx)");
                }
            }
        }
    }

    /// Compares two schemas reached at `place`, data flowing `flow`.
    fn schema(
        &mut self,
        place: &str,
        flow: Flow,
        old: &'a impl SchemaRef,
        new: &'a impl SchemaRef,
    ) {
        let (Some((old_name, a)), Some((new_name, b))) =
            (schema_of(self.old, old), schema_of(self.new, new))
        else {
            return;
        };
        if let (Some(x), Some(y)) = (old_name, new_name)
            && !self
                .seen
                .insert((place.to_owned(), x.to_owned(), y.to_owned()))
        {
            return;
        }
        let open =
            new_name.is_some_and(|name| OPEN_ENUMS.iter().any(|(schema, _)| *schema == name));
        let effect = |diff: &mut Self, effect: Effect, what: &str| {
            diff.push(
                flow.level(effect),
                place,
                format!("{what}: {}", flow.why(effect)),
            );
        };
        match (a.schema_data.nullable, b.schema_data.nullable) {
            (false, true) => effect(self, Effect::Widened, "made nullable"),
            (true, false) => effect(self, Effect::Narrowed, "no longer nullable"),
            _ => {}
        }
        match (&a.schema_kind, &b.schema_kind) {
            (SchemaKind::Type(x), SchemaKind::Type(y)) => self.types(place, flow, open, x, y),
            (SchemaKind::OneOf { one_of: x }, SchemaKind::OneOf { one_of: y })
            | (SchemaKind::AnyOf { any_of: x }, SchemaKind::AnyOf { any_of: y })
            | (SchemaKind::AllOf { all_of: x }, SchemaKind::AllOf { all_of: y })
                if x.len() == y.len() =>
            {
                for (i, (x, y)) in x.iter().zip(y).enumerate() {
                    self.schema(&format!("{place}[variant {i}]"), flow, x, y);
                }
            }
            (x, y) if json(x) == json(y) => {}
            _ => effect(self, Effect::Changed, "type changed"),
        }
    }

    fn types(&mut self, place: &str, flow: Flow, open: bool, old: &'a Type, new: &'a Type) {
        let mut bounds = Bounds::default();
        match (old, new) {
            (Type::String(a), Type::String(b)) => {
                bounds.lower("minLength", a.min_length, b.min_length);
                bounds.upper("maxLength", a.max_length, b.max_length);
                bounds.exact("pattern", &a.pattern, &b.pattern);
                bounds.exact("format", &json(&a.format), &json(&b.format));
                bounds.values(&a.enumeration, &b.enumeration);
            }
            (Type::Integer(a), Type::Integer(b)) => {
                bounds.lower("minimum", a.minimum, b.minimum);
                bounds.upper("maximum", a.maximum, b.maximum);
                bounds.flag("exclusiveMinimum", a.exclusive_minimum, b.exclusive_minimum);
                bounds.flag("exclusiveMaximum", a.exclusive_maximum, b.exclusive_maximum);
                bounds.exact("multipleOf", &a.multiple_of, &b.multiple_of);
                bounds.exact("format", &json(&a.format), &json(&b.format));
                bounds.values(&a.enumeration, &b.enumeration);
            }
            (Type::Number(a), Type::Number(b)) => {
                bounds.lower("minimum", a.minimum.map(Float), b.minimum.map(Float));
                bounds.upper("maximum", a.maximum.map(Float), b.maximum.map(Float));
                bounds.flag("exclusiveMinimum", a.exclusive_minimum, b.exclusive_minimum);
                bounds.flag("exclusiveMaximum", a.exclusive_maximum, b.exclusive_maximum);
                bounds.exact(
                    "multipleOf",
                    &a.multiple_of.map(Float),
                    &b.multiple_of.map(Float),
                );
                bounds.exact("format", &json(&a.format), &json(&b.format));
                bounds.values(
                    &a.enumeration
                        .iter()
                        .map(|v| v.map(Float))
                        .collect::<Vec<_>>(),
                    &b.enumeration
                        .iter()
                        .map(|v| v.map(Float))
                        .collect::<Vec<_>>(),
                );
            }
            (Type::Boolean(a), Type::Boolean(b)) => bounds.values(&a.enumeration, &b.enumeration),
            (Type::Array(a), Type::Array(b)) => {
                bounds.lower("minItems", a.min_items, b.min_items);
                bounds.upper("maxItems", a.max_items, b.max_items);
                bounds.flag("uniqueItems", a.unique_items, b.unique_items);
                if let (Some(x), Some(y)) = (&a.items, &b.items) {
                    self.schema(&format!("{place}[]"), flow, x, y);
                }
            }
            (Type::Object(a), Type::Object(b)) => {
                bounds.lower("minProperties", a.min_properties, b.min_properties);
                bounds.upper("maxProperties", a.max_properties, b.max_properties);
                bounds.exact(
                    "additionalProperties",
                    &json(&a.additional_properties),
                    &json(&b.additional_properties),
                );
                self.properties(place, flow, a, b);
            }
            (Type::Integer(_), Type::Number(_)) => bounds
                .found
                .push(("integer made number".into(), Effect::Widened)),
            (Type::Number(_), Type::Integer(_)) => bounds
                .found
                .push(("number made integer".into(), Effect::Narrowed)),
            _ => bounds.found.push(("type changed".into(), Effect::Changed)),
        }
        for (what, effect) in bounds.found {
            let open_enum_grew = open
                && flow == Flow::Response
                && what.starts_with("enum value")
                && effect == Effect::Widened;
            if open_enum_grew {
                self.push(Level::Minor, place, format!("{what}: the enum is open (clients are told to expect new values; the SDK reads them as `Unknown`)"));
            } else {
                self.push(
                    flow.level(effect),
                    place,
                    format!("{what}: {}", flow.why(effect)),
                );
            }
        }
    }

    fn properties(
        &mut self,
        place: &str,
        flow: Flow,
        old: &'a openapiv3::ObjectType,
        new: &'a openapiv3::ObjectType,
    ) {
        let required = |o: &openapiv3::ObjectType, name: &str| o.required.iter().any(|r| r == name);
        for (name, was) in &old.properties {
            let here = format!("{place} .{name}");
            let Some(is) = new.properties.get(name) else {
                let why = match flow {
                    Flow::Request => "field removed from a request: clients still send it",
                    Flow::Response => {
                        "field removed from a response: clients reading it find it missing"
                    }
                };
                self.push(Level::Major, &here, why);
                continue;
            };
            match (required(old, name), required(new, name), flow) {
                (false, true, Flow::Request) => self.push(
                    Level::Major,
                    &here,
                    "made required in a request: requests without it are refused",
                ),
                (false, true, Flow::Response) => {
                    self.push(Level::Minor, &here, "made required in a response")
                }
                (true, false, Flow::Request) => {
                    self.push(Level::Minor, &here, "made optional in a request")
                }
                (true, false, Flow::Response) => self.push(
                    Level::Major,
                    &here,
                    "made optional in a response: clients reading it may find it missing",
                ),
                _ => {}
            }
            self.schema(&here, flow, was, is);
        }
        for name in new.properties.keys() {
            if !old.properties.contains_key(name) {
                let here = format!("{place} .{name}");
                match (required(new, name), flow) {
                    (true, Flow::Request) => self.push(
                        Level::Major,
                        &here,
                        "field added as required to a request: requests without it are refused",
                    ),
                    (false, Flow::Request) => {
                        self.push(Level::Minor, &here, "field added as optional to a request")
                    }
                    (_, Flow::Response) => self.push(
                        Level::Minor,
                        &here,
                        "field added to a response: clients ignore fields they do not know",
                    ),
                }
            }
        }
    }

    /// What the rules above did not classify: each operation (its references resolved,
    /// documentation left out) that differs without a classified change is reported as a
    /// major change to review; so are the document's security requirements.
    fn unclassified(&mut self) {
        let old_ops = operations(self.old);
        let new_ops = operations(self.new);
        let old_json = serde_json::to_value(self.old).unwrap_or(Value::Null);
        let new_json = serde_json::to_value(self.new).unwrap_or(Value::Null);
        for (route, (name, old_op)) in &old_ops {
            let Some((_, new_op)) = new_ops.get(route) else {
                continue;
            };
            let classified = self
                .changes
                .iter()
                .any(|c| c.place == *name || c.place.starts_with(&format!("{name} ")));
            if !classified && contract(old_op, &old_json) != contract(new_op, &new_json) {
                self.push(
                    Level::Major,
                    name,
                    "changed in a way api-diff does not classify: review it by hand",
                );
            }
        }
        if contract(&self.old.security, &old_json) != contract(&self.new.security, &new_json) {
            self.push(Level::Major, "security", "the document's security requirements changed: clients may have to authenticate differently");
        }
        if !self.changes.is_empty() || json(self.old) == json(self.new) {
            return;
        }
        self.push(
            Level::Patch,
            "document",
            "descriptions, examples or other documentation changed",
        );
    }
}

/// A part of the document as JSON, with `$ref`s replaced by what they name (to a depth that
/// ends recursion) and the keys that only document left out.
fn contract(part: &impl serde::Serialize, spec: &Value) -> Value {
    fn walk(value: &Value, spec: &Value, depth: usize) -> Value {
        match value {
            Value::Object(map) => {
                if let Some(Value::String(reference)) = map.get("$ref")
                    && depth < 16
                    && let Some(target) = reference.strip_prefix('#').and_then(|p| spec.pointer(p))
                {
                    return walk(target, spec, depth + 1);
                }
                map.iter()
                    .filter(|(key, _)| !DOCUMENTATION.contains(&key.as_str()))
                    .map(|(key, value)| (key.clone(), walk(value, spec, depth)))
                    .collect()
            }
            Value::Array(items) => items.iter().map(|item| walk(item, spec, depth)).collect(),
            other => other.clone(),
        }
    }
    walk(&serde_json::to_value(part).unwrap_or(Value::Null), spec, 0)
}

/// Keys that say something to readers and nothing to clients.
const DOCUMENTATION: &[&str] = &[
    "description",
    "summary",
    "example",
    "examples",
    "title",
    "externalDocs",
    "tags",
];

fn json(value: &impl serde::Serialize) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

/// An `f64` ordered for bounds (the spec's numbers are finite).
#[derive(Clone, Copy, PartialEq, PartialOrd, Debug, serde::Serialize)]
struct Float(f64);

/// Differences in what one schema allows, as (what, effect).
#[derive(Default)]
struct Bounds {
    found: Vec<(String, Effect)>,
}

impl Bounds {
    /// A lower bound: raised or added narrows.
    fn lower<T: PartialOrd + Debug>(&mut self, name: &str, old: Option<T>, new: Option<T>) {
        self.bound(name, old, new, Ordering::Greater);
    }

    /// An upper bound: lowered or added narrows.
    fn upper<T: PartialOrd + Debug>(&mut self, name: &str, old: Option<T>, new: Option<T>) {
        self.bound(name, old, new, Ordering::Less);
    }

    /// A bound that narrows when added or moved in the `narrowing` direction (a lower bound
    /// narrows upwards, an upper one downwards); removed or moved back, it widens.
    fn bound<T: PartialOrd + Debug>(
        &mut self,
        name: &str,
        old: Option<T>,
        new: Option<T>,
        narrowing: Ordering,
    ) {
        let found = match (old, new) {
            (None, Some(n)) => (format!("{name} {n:?} added"), Effect::Narrowed),
            (Some(o), None) => (format!("{name} {o:?} removed"), Effect::Widened),
            (Some(o), Some(n)) => match n.partial_cmp(&o) {
                Some(Ordering::Equal) | None => return,
                Some(moved) if moved == narrowing => {
                    (format!("{name} {o:?} -> {n:?}"), Effect::Narrowed)
                }
                Some(_) => (format!("{name} {o:?} -> {n:?}"), Effect::Widened),
            },
            (None, None) => return,
        };
        self.found.push(found);
    }

    /// A flag that narrows when set (`exclusiveMinimum`, `uniqueItems`).
    fn flag(&mut self, name: &str, old: bool, new: bool) {
        match (old, new) {
            (false, true) => self.found.push((format!("{name} set"), Effect::Narrowed)),
            (true, false) => self.found.push((format!("{name} unset"), Effect::Widened)),
            _ => {}
        }
    }

    /// A constraint that is there or not, and not ordered (`pattern`, `format`).
    fn exact<T: PartialEq + serde::Serialize>(&mut self, name: &str, old: &T, new: &T) {
        if old == new {
            return;
        }
        let (was, is) = (json(old), json(new));
        let effect = match (was.is_null(), is.is_null()) {
            (true, false) => Effect::Narrowed,
            (false, true) => Effect::Widened,
            _ => Effect::Changed,
        };
        self.found.push((format!("{name} {was} -> {is}"), effect));
    }

    /// Enum values: an empty list allows every value.
    fn values<T: PartialEq + std::fmt::Debug + serde::Serialize>(&mut self, old: &[T], new: &[T]) {
        if old == new {
            return;
        }
        let show = |v: &T| json(v).to_string();
        if old.is_empty() {
            self.found.push(("enum added".to_owned(), Effect::Narrowed));
            return;
        }
        if new.is_empty() {
            self.found
                .push(("enum removed".to_owned(), Effect::Widened));
            return;
        }
        let removed: BTreeSet<String> = old.iter().filter(|v| !new.contains(v)).map(show).collect();
        let added: BTreeSet<String> = new.iter().filter(|v| !old.contains(v)).map(show).collect();
        if !removed.is_empty() {
            let list = removed.into_iter().collect::<Vec<_>>().join(", ");
            self.found
                .push((format!("enum value removed ({list})"), Effect::Narrowed));
        }
        if !added.is_empty() {
            let list = added.into_iter().collect::<Vec<_>>().join(", ");
            self.found
                .push((format!("enum value added ({list})"), Effect::Widened));
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::api_diff::change::verdict;

    /// Today's spec as JSON (which is YAML too), for edits by JSON pointer.
    fn today() -> Value {
        let root = crate::artifacts::workspace_root();
        let text = std::fs::read_to_string(root.join(crate::codegen::SPEC_PATH)).unwrap();
        serde_yaml::from_str(&text).unwrap()
    }

    fn at<'v>(spec: &'v mut Value, pointer: &str) -> &'v mut Value {
        spec.pointer_mut(pointer)
            .unwrap_or_else(|| panic!("today's spec has no {pointer}"))
    }

    /// The list at `pointer` (an `enum`, the parameters).
    fn list<'v>(spec: &'v mut Value, pointer: &str) -> &'v mut Vec<Value> {
        at(spec, pointer).as_array_mut().unwrap()
    }

    fn remove(spec: &mut Value, pointer: &str) -> Value {
        let (parent, key) = pointer.rsplit_once('/').unwrap();
        let key = key.replace("~1", "/").replace("~0", "~");
        at(spec, parent)
            .as_object_mut()
            .unwrap()
            .remove(&key)
            .unwrap_or_else(|| panic!("today's spec has no {pointer}"))
    }

    const IAM: &str = "/paths/~1iam~1v1~1users~1{id}~1actions~1resend/post";
    const TENANT: &str = "/paths/~1tenant~1{tenantId}~1admin~1user~1invitation~1resend/put";
    const BY_EMAIL: &str = "/paths/~1tenant~1admin~1user~1invitations_by_email/get";
    const SCHEMAS: &str = "/components/schemas";

    /// The changes from `old` to `new`, and their verdict.
    fn diff(old: &Value, new: &Value) -> (Level, Vec<Change>) {
        let changes = compare(&old.to_string(), &new.to_string()).unwrap();
        (verdict(&changes), changes)
    }

    /// Applies `edit` to today's spec and checks the verdict, and that one change is at
    /// `place` and says `what`.
    #[track_caller]
    fn expect(edit: impl FnOnce(&mut Value), level: Level, place: &str, what: &str) {
        expect_from(today(), edit, level, place, what);
    }

    #[track_caller]
    fn expect_from(
        old: Value,
        edit: impl FnOnce(&mut Value),
        level: Level,
        place: &str,
        what: &str,
    ) {
        let mut new = old.clone();
        edit(&mut new);
        let (found, changes) = diff(&old, &new);
        assert_eq!(found, level, "{changes:#?}");
        assert!(
            changes
                .iter()
                .any(|c| c.level == level && c.place == place && c.what.contains(what)),
            "no {level:?} change at `{place}` saying `{what}` in {changes:#?}"
        );
    }

    #[test]
    fn an_operation_removed_is_major_and_one_added_minor() {
        expect(
            |s| drop(remove(s, "/paths/~1iam~1v1~1users~1{id}~1actions~1resend")),
            Level::Major,
            "resendInvite",
            "operation removed (POST /iam/v1/users/{}/actions/resend)",
        );
        expect(
            |s| {
                let mut op = at(s, IAM).clone();
                op["operationId"] = json!("resendInviteAgain");
                at(s, "/paths").as_object_mut().unwrap().insert(
                    "/iam/v2/users/{id}/actions/resend".into(),
                    json!({ "post": op }),
                );
            },
            Level::Minor,
            "resendInviteAgain",
            "operation added",
        );
        // A renamed path parameter is the same URL.
        expect(
            |s| {
                let item = remove(s, "/paths/~1iam~1v1~1users~1{id}~1actions~1resend");
                at(s, "/paths")
                    .as_object_mut()
                    .unwrap()
                    .insert("/iam/v1/users/{userId}/actions/resend".into(), item);
            },
            Level::Patch,
            "document",
            "documentation",
        );
    }

    #[test]
    fn a_response_removed_is_major_for_a_success_and_minor_for_an_error() {
        expect(
            |s| drop(remove(s, &format!("{IAM}/responses/200"))),
            Level::Major,
            "resendInvite 200",
            "success status removed",
        );
        expect(
            |s| drop(remove(s, &format!("{IAM}/responses/404"))),
            Level::Minor,
            "resendInvite 404",
            "error status removed",
        );
        expect(
            |s| drop(remove(s, &format!("{IAM}/responses/200/content"))),
            Level::Major,
            "resendInvite 200 body",
            "response body removed",
        );
    }

    #[test]
    fn a_status_added_is_major_for_a_success_and_minor_for_an_error() {
        let status = |code: &'static str, op: &'static str| {
            move |s: &mut Value| {
                at(s, &format!("{op}/responses"))
                    .as_object_mut()
                    .unwrap()
                    .insert(code.into(), json!({ "description": "new" }));
            }
        };
        expect(
            status("202", IAM),
            Level::Major,
            "resendInvite 202",
            "success status added",
        );
        expect(
            status("409", TENANT),
            Level::Minor,
            "ResendInvitation 409",
            "error status added",
        );
    }

    #[test]
    fn a_parameter_added_as_required_is_major_and_as_optional_minor() {
        let parameter = |required: bool| {
            move |s: &mut Value| {
                list(s, &format!("{BY_EMAIL}/parameters")).push(json!({
                    "name": "tenantId", "in": "query", "required": required,
                    "schema": { "type": "integer", "format": "int64" }
                }));
            }
        };
        expect(
            parameter(true),
            Level::Major,
            "GetUserInvitationByEmail query parameter `tenantId`",
            "added as required",
        );
        expect(
            parameter(false),
            Level::Minor,
            "GetUserInvitationByEmail query parameter `tenantId`",
            "added as optional",
        );
        expect(
            |s| at(s, "/components/parameters/DryRun/required").clone_from(&json!(true)),
            Level::Major,
            "resendInvite query parameter `dryRun`",
            "made required",
        );
    }

    /// Today's request body has no fields: the base of these edits gives it an optional one.
    fn with_request_field() -> Value {
        let mut spec = today();
        at(&mut spec, &format!("{SCHEMAS}/ResendInviteRequest"))
            .as_object_mut()
            .unwrap()
            .insert("properties".into(), json!({ "note": { "type": "string" } }));
        spec
    }

    #[test]
    fn a_request_field_removed_or_made_required_is_major() {
        let place = "resendInvite request body (application/json) .note";
        expect_from(
            with_request_field(),
            |s| {
                drop(remove(
                    s,
                    &format!("{SCHEMAS}/ResendInviteRequest/properties/note"),
                ))
            },
            Level::Major,
            place,
            "field removed from a request",
        );
        expect_from(
            with_request_field(),
            |s| {
                at(s, &format!("{SCHEMAS}/ResendInviteRequest"))
                    .as_object_mut()
                    .unwrap()
                    .insert("required".into(), json!(["note"]));
            },
            Level::Major,
            place,
            "made required in a request",
        );
        // Adding the optional field is compatible.
        let (level, _) = diff(&today(), &with_request_field());
        assert_eq!(level, Level::Minor);
    }

    #[test]
    fn a_response_field_removed_or_made_optional_is_major() {
        let place =
            "GetUserInvitationByEmail 200 body (application/json) .value[variant 0] .expiresAt";
        expect(
            |s| {
                drop(remove(
                    s,
                    &format!("{SCHEMAS}/UserInvitationModel/properties/expiresAt"),
                ))
            },
            Level::Major,
            place,
            "field removed from a response",
        );
        expect(
            |s| {
                at(s, &format!("{SCHEMAS}/UserInvitationModel/required"))
                    .clone_from(&json!(["id", "email", "status"]))
            },
            Level::Major,
            "GetUserInvitationByEmail 200 body (application/json) .value[variant 0] .createdAt",
            "made optional in a response",
        );
    }

    #[test]
    fn a_narrowed_type_is_major_in_a_request_and_minor_in_a_response() {
        let max_length = |pointer: &'static str, n: u64| {
            move |s: &mut Value| at(s, pointer).clone_from(&json!(n))
        };
        let email_parameter = "/components/parameters/Email/schema/maxLength";
        let place = "GetUserInvitationByEmail query parameter `email`";
        expect(
            max_length(email_parameter, 100),
            Level::Major,
            place,
            "maxLength 254 -> 100: values clients sent before may be refused",
        );
        expect(
            max_length(email_parameter, 320),
            Level::Minor,
            place,
            "maxLength 254 -> 320",
        );
        let email_field = "/components/schemas/UserInvitationModel/properties/email/maxLength";
        expect(
            max_length(email_field, 100),
            Level::Minor,
            "GetUserInvitationByEmail 200 body (application/json) .value[variant 0] .email",
            "clients receive a subset",
        );
        expect(
            max_length(email_field, 320),
            Level::Major,
            "GetUserInvitationByEmail 200 body (application/json) .value[variant 0] .email",
            "clients may receive values they were not told about",
        );
        expect(
            |s| {
                at(s, "/components/parameters/InvitationId/schema/type")
                    .clone_from(&json!("string"))
            },
            Level::Major,
            "ResendInvitation query parameter `id`",
            "type changed",
        );
    }

    #[test]
    fn an_enum_value_added_is_major_when_closed_and_minor_when_open() {
        // ApiError's code is a free string today: the base makes it a closed enum.
        let mut closed = today();
        at(&mut closed, &format!("{SCHEMAS}/ApiError/properties/code"))
            .as_object_mut()
            .unwrap()
            .insert("enum".into(), json!(["ValidationError", "NotFound"]));
        expect_from(
            closed,
            |s| {
                list(s, &format!("{SCHEMAS}/ApiError/properties/code/enum")).push(json!("Conflict"))
            },
            Level::Major,
            "GetUserInvitationByEmail 200 body (application/json) .error[variant 0] .code",
            "enum value added (\"Conflict\"): clients may receive values",
        );
        expect(
            |s| list(s, &format!("{SCHEMAS}/InvitationStatus/enum")).push(json!("Accepted")),
            Level::Minor,
            "GetUserInvitationByEmail 200 body (application/json) .value[variant 0] .status",
            "enum value added (\"Accepted\"): the enum is open",
        );
        // Removing a status is narrowing what clients receive.
        expect(
            |s| list(s, &format!("{SCHEMAS}/InvitationStatus/enum")).retain(|v| v != "Declined"),
            Level::Minor,
            "GetUserInvitationByEmail 200 body (application/json) .value[variant 0] .status",
            "enum value removed",
        );
    }

    #[test]
    fn documentation_is_patch_and_an_unknown_change_is_major() {
        expect(
            |s| at(s, &format!("{IAM}/description")).clone_from(&json!("Resends an invite.")),
            Level::Patch,
            "document",
            "documentation changed",
        );
        // Per-operation security is not a classified rule: it must not pass as compatible.
        expect(
            |s| {
                at(s, IAM)
                    .as_object_mut()
                    .unwrap()
                    .insert("security".into(), json!([]));
            },
            Level::Major,
            "resendInvite",
            "does not classify",
        );
        expect(
            |s| at(s, "/security").clone_from(&json!([])),
            Level::Major,
            "security",
            "security requirements changed",
        );
    }
}
