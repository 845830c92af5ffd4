//! `openapi/invitations.yaml`, embedded at compile time, and validators built from it.
//!
//! The SDK's tests, the mock server's tests and the contract tests all check JSON bodies
//! against the spec. This crate is the one place that reads the spec for them, so they cannot
//! disagree about what it says.
//!
//! OpenAPI 3.0 schemas are not quite JSON Schema: `nullable` is an OpenAPI keyword and
//! `example` is not a validation keyword. [`Spec`] rewrites each schema into JSON Schema
//! draft 4 (whose `exclusiveMinimum` is a boolean, as in OpenAPI 3.0) and compiles it once,
//! with the `jsonschema` crate, formats (`email`, `date-time`) checked. The converted schemas
//! stay under `components/schemas`, so every `$ref` resolves exactly as written.
//!
//! `nullable` is read exactly as OpenAPI 3.0.3 defines it: `nullable: true` adds `null` to the
//! `type` of the same schema, and does nothing when that schema has no `type`. Other keywords
//! keep their meaning, so an `enum` without `null` or an `allOf` of an object schema still
//! refuses `null`. A schema that wants "an object or null" without a `type` says so with
//! `oneOf: [{$ref: ...}, {enum: [null]}]`.
//!
//! ```
//! use invitations_spec::Spec;
//! use serde_json::json;
//!
//! let spec = Spec::get();
//! let ok = json!({"error": "No invite exists with id 7."});
//! spec.validate_response("resendInvite", 404, &ok).unwrap();
//!
//! let renamed = json!({"message": "no such invite"});
//! let err = spec.validate_response("resendInvite", 404, &renamed).unwrap_err();
//! assert!(err.to_string().contains("error"), "{err}");
//! ```

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use openapiv3::{OpenAPI, ReferenceOr};
use serde_json::{json, Map, Value};

/// The spec's text, exactly as checked in. Read through `spec/invitations.yaml`, a symbolic
/// link to `openapi/invitations.yaml`, so that the file is inside this crate's package
/// (`cargo package` copies the linked file in).
pub const SPEC_YAML: &str = include_str!("../invitations.yaml");

const SCHEMA_REF_PREFIX: &str = "#/components/schemas/";
const RESPONSE_REF_PREFIX: &str = "#/components/responses/";
/// Keywords OpenAPI 3.0 adds to a schema that are not validation keywords.
const ANNOTATION_KEYWORDS: &[&str] = &[
    "example",
    "discriminator",
    "readOnly",
    "writeOnly",
    "xml",
    "externalDocs",
    "deprecated",
];

/// Why a body does not conform to the spec, or why the spec has no schema for it.
#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    /// The spec has no such operation.
    #[error("the spec has no operation with operationId `{0}`")]
    UnknownOperation(String),
    /// The operation does not document this status code.
    #[error("operation `{operation}` documents no {status} response (documented: {documented:?})")]
    UndocumentedStatus {
        /// operationId.
        operation: String,
        /// The status that came back.
        status: u16,
        /// The statuses the spec lists for it.
        documented: Vec<u16>,
    },
    /// The spec has no component schema of this name.
    #[error("the spec has no schema `{0}` in components.schemas")]
    UnknownSchema(String),
    /// The body broke one or more rules of its schema.
    #[error("{context} does not match schema `{schema}`:\n{}", .errors.join("\n"))]
    Invalid {
        /// What was validated, such as `resendInvite 404 response`.
        context: String,
        /// The schema's name (a component name or an inline description).
        schema: String,
        /// One line per violation: the instance path and what is wrong there.
        errors: Vec<String>,
    },
}

/// One operation of the spec, as the coverage gate and the route tests see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Operation {
    /// The operationId, such as `ResendInvitation`.
    pub id: String,
    /// Upper-case HTTP method.
    pub method: &'static str,
    /// Path template, such as `/iam/v1/users/{id}/actions/resend`.
    pub path: String,
    /// Every documented status code, ascending.
    pub statuses: Vec<u16>,
}

/// The parsed spec and the compiled JSON Schema form of its component schemas.
pub struct Spec {
    openapi: OpenAPI,
    /// The spec as plain JSON, for [`Spec::examples`].
    raw: Value,
    /// `{"components": {"schemas": ...}}` with every schema converted: what `$ref`s resolve in.
    components: Value,
    /// One compiled validator per component schema, built by [`Spec::parse`].
    validators: BTreeMap<String, jsonschema::Validator>,
    /// Validators of inline schemas (parameters, examples), compiled on first use, by the
    /// schema's JSON text.
    inline: Mutex<HashMap<String, Arc<jsonschema::Validator>>>,
}

/// An inline schema compiled by [`Spec::compile_inline`].
#[derive(Clone)]
pub struct InlineSchema(Arc<jsonschema::Validator>);

impl InlineSchema {
    /// Whether `value` satisfies the schema: [`InlineSchema::validate`] without building
    /// any error, for a caller that only words the errors when there are some.
    pub fn is_valid(&self, value: &Value) -> bool {
        self.0.is_valid(value)
    }

    /// Checks `value` against the schema; `context` names it in the error.
    pub fn validate(&self, value: &Value, context: &str) -> Result<(), SpecError> {
        report(&self.0, "inline schema", value, || context.to_owned())
    }
}

impl fmt::Debug for InlineSchema {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("InlineSchema")
    }
}

impl fmt::Debug for Spec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Spec")
            .field("title", &self.openapi.info.title)
            .field("version", &self.openapi.info.version)
            .finish_non_exhaustive()
    }
}

impl Spec {
    /// The embedded spec, parsed once per process.
    ///
    /// # Panics
    /// When the embedded spec does not parse; `spec/tests` fails first in that case.
    pub fn get() -> &'static Spec {
        static SPEC: OnceLock<Spec> = OnceLock::new();
        SPEC.get_or_init(|| Spec::parse(SPEC_YAML).expect("openapi/invitations.yaml parses"))
    }

    /// Parses a spec from YAML text and compiles a validator for each component schema.
    ///
    /// # Panics
    /// When a component schema is not valid JSON Schema once converted (a broken `$ref`,
    /// say): the spec itself is wrong, and `spec/tests` names the schema.
    pub fn parse(yaml: &str) -> Result<Spec, serde_yaml::Error> {
        let openapi: OpenAPI = serde_yaml::from_str(yaml)?;
        let raw: Value = serde_yaml::from_str(yaml)?;
        let schemas: Map<String, Value> = raw
            .pointer("/components/schemas")
            .and_then(Value::as_object)
            .map(|schemas| {
                schemas
                    .iter()
                    .map(|(name, schema)| (name.clone(), to_json_schema(schema)))
                    .collect()
            })
            .unwrap_or_default();
        let components = json!({ "components": { "schemas": schemas } });
        let validators = schemas
            .keys()
            .map(|name| {
                let escaped = name.replace('~', "~0").replace('/', "~1");
                let root = json!({ "$ref": format!("{SCHEMA_REF_PREFIX}{escaped}") });
                (name.clone(), compile(&root, &components, name))
            })
            .collect();
        Ok(Spec {
            openapi,
            raw,
            components,
            validators,
            inline: Mutex::new(HashMap::new()),
        })
    }

    /// The spec as `openapiv3` reads it.
    pub fn openapi(&self) -> &OpenAPI {
        &self.openapi
    }

    /// Every operation, in path order.
    pub fn operations(&self) -> Vec<Operation> {
        self.openapi
            .operations()
            .map(|(path, method, op)| Operation {
                id: op.operation_id.clone().unwrap_or_default(),
                method: method_name(method),
                path: path.to_owned(),
                statuses: self.statuses(op),
            })
            .collect()
    }

    fn statuses(&self, op: &openapiv3::Operation) -> Vec<u16> {
        let mut statuses: Vec<u16> = op
            .responses
            .responses
            .keys()
            .filter_map(|code| match code {
                openapiv3::StatusCode::Code(code) => Some(*code),
                openapiv3::StatusCode::Range(_) => None,
            })
            .collect();
        statuses.sort_unstable();
        statuses
    }

    fn operation(&self, operation_id: &str) -> Result<&openapiv3::Operation, SpecError> {
        self.openapi
            .operations()
            .map(|(_, _, op)| op)
            .find(|op| op.operation_id.as_deref() == Some(operation_id))
            .ok_or_else(|| SpecError::UnknownOperation(operation_id.to_owned()))
    }

    /// The documented response of `operation_id` for `status`, with `$ref`s to
    /// `components.responses` followed.
    pub fn response(
        &self,
        operation_id: &str,
        status: u16,
    ) -> Result<&openapiv3::Response, SpecError> {
        let op = self.operation(operation_id)?;
        let found = op
            .responses
            .responses
            .get(&openapiv3::StatusCode::Code(status))
            .ok_or_else(|| SpecError::UndocumentedStatus {
                operation: operation_id.to_owned(),
                status,
                documented: self.statuses(op),
            })?;
        Ok(self.resolve_response(found))
    }

    fn resolve_response<'a>(
        &'a self,
        response: &'a ReferenceOr<openapiv3::Response>,
    ) -> &'a openapiv3::Response {
        match response {
            ReferenceOr::Item(item) => item,
            ReferenceOr::Reference { reference } => {
                let name = reference
                    .strip_prefix(RESPONSE_REF_PREFIX)
                    .unwrap_or(reference);
                let target = self
                    .openapi
                    .components
                    .as_ref()
                    .and_then(|c| c.responses.get(name))
                    .unwrap_or_else(|| panic!("dangling response reference {reference}"));
                self.resolve_response(target)
            }
        }
    }

    /// The name of the component schema of the JSON body of `operation_id`'s `status`
    /// response, such as `FailureResult`.
    pub fn response_schema_name(
        &self,
        operation_id: &str,
        status: u16,
    ) -> Result<String, SpecError> {
        let response = self.response(operation_id, status)?;
        let schema = response
            .content
            .get("application/json")
            .and_then(|media| media.schema.as_ref());
        match schema {
            Some(ReferenceOr::Reference { reference }) => Ok(reference
                .strip_prefix(SCHEMA_REF_PREFIX)
                .unwrap_or(reference)
                .to_owned()),
            _ => Err(SpecError::UnknownSchema(format!(
                "{operation_id} {status} (inline or missing)"
            ))),
        }
    }

    /// Checks `body` against the schema of `operation_id`'s `status` response.
    ///
    /// A status the operation does not document is itself an error: the contract includes
    /// which statuses may come back.
    pub fn validate_response(
        &self,
        operation_id: &str,
        status: u16,
        body: &Value,
    ) -> Result<(), SpecError> {
        let name = self.response_schema_name(operation_id, status)?;
        self.validate_named(&name, body, || {
            format!("{operation_id} {status} response body")
        })
    }

    /// Checks `value` against the component schema `name`.
    pub fn validate_component(&self, name: &str, value: &Value) -> Result<(), SpecError> {
        self.validate_named(name, value, || format!("value for `{name}`"))
    }

    /// The context is only written out for an error: the proxy validates every answer it
    /// forwards, and almost all of them are valid.
    fn validate_named(
        &self,
        name: &str,
        value: &Value,
        context: impl FnOnce() -> String,
    ) -> Result<(), SpecError> {
        let validator = self
            .validators
            .get(name)
            .ok_or_else(|| SpecError::UnknownSchema(name.to_owned()))?;
        report(validator, name, value, context)
    }

    /// Checks `value` against an OpenAPI 3.0 schema given inline (a parameter's schema, say);
    /// `$ref`s inside it resolve to this spec's components. Each distinct schema is compiled
    /// once per [`Spec`].
    ///
    /// # Panics
    /// When the schema is not valid JSON Schema once converted.
    pub fn validate_inline(
        &self,
        openapi_schema: &Value,
        value: &Value,
        context: &str,
    ) -> Result<(), SpecError> {
        self.compile_inline(openapi_schema).validate(value, context)
    }

    /// Compiles an OpenAPI 3.0 schema given inline, for a caller that checks many values
    /// against it (the proxy, once per parameter): [`InlineSchema::validate`] then costs
    /// neither the cache lookup nor its lock. Each distinct schema is compiled once per
    /// [`Spec`].
    ///
    /// # Panics
    /// When the schema is not valid JSON Schema once converted.
    pub fn compile_inline(&self, openapi_schema: &Value) -> InlineSchema {
        let cache_key = openapi_schema.to_string();
        let cached = self
            .inline
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&cache_key)
            .cloned();
        let validator = match cached {
            Some(validator) => validator,
            None => {
                let compiled = Arc::new(compile(
                    &to_json_schema(openapi_schema),
                    &self.components,
                    "inline schema",
                ));
                self.inline
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .entry(cache_key)
                    .or_insert(compiled)
                    .clone()
            }
        };
        InlineSchema(validator)
    }

    /// Every `example` in this spec, with where it sits and the OpenAPI schema it
    /// illustrates: media-type examples of responses and request bodies, schema-level
    /// examples of components, and parameter examples.
    pub fn examples(&self) -> Vec<Example> {
        let mut out = Vec::new();
        collect_examples(&self.raw, String::new(), &mut out);
        out
    }

    /// The names of all component schemas, sorted.
    pub fn schema_names(&self) -> Vec<String> {
        self.validators.keys().cloned().collect()
    }
}

/// Compiles `schema` (JSON Schema draft 4) with the converted components beside it, so that
/// `#/components/schemas/...` references resolve.
fn compile(schema: &Value, components: &Value, name: &str) -> jsonschema::Validator {
    let mut document = components.clone();
    if let (Value::Object(doc), Value::Object(own)) = (&mut document, schema) {
        for (key, value) in own {
            doc.insert(key.clone(), value.clone());
        }
    } else {
        // A boolean or otherwise non-object schema: wrap it so `components` can sit beside it.
        document["allOf"] = json!([schema]);
    }
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft4)
        .should_validate_formats(true)
        .build(&document)
        .unwrap_or_else(|err| panic!("schema `{name}` is not valid JSON Schema: {err}"))
}

fn report(
    validator: &jsonschema::Validator,
    name: &str,
    value: &Value,
    context: impl FnOnce() -> String,
) -> Result<(), SpecError> {
    // `is_valid` stops at the first failure and builds no error values: the common case,
    // a valid value, costs a fraction of collecting every error.
    if validator.is_valid(value) {
        return Ok(());
    }
    let errors: Vec<String> = validator
        .iter_errors(value)
        .map(|err| {
            let path = err.instance_path().to_string();
            let path = if path.is_empty() { "/".into() } else { path };
            format!("  at {path}: {err}")
        })
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(SpecError::Invalid {
            context: context(),
            schema: name.to_owned(),
            errors,
        })
    }
}

/// An example found in the spec.
#[derive(Clone, Debug)]
pub struct Example {
    /// JSON pointer of the example in the spec.
    pub location: String,
    /// The example value.
    pub value: Value,
    /// The OpenAPI schema it is an example of.
    pub schema: Value,
}

fn collect_examples(node: &Value, at: String, out: &mut Vec<Example>) {
    let Value::Object(map) = node else {
        if let Value::Array(items) = node {
            for (i, item) in items.iter().enumerate() {
                collect_examples(item, format!("{at}/{i}"), out);
            }
        }
        return;
    };
    if let Some(example) = map.get("example") {
        // A media type or a parameter carries its schema beside its example; a schema carries
        // the example inside itself.
        let schema = map.get("schema").cloned().unwrap_or_else(|| {
            let mut own = map.clone();
            own.remove("example");
            Value::Object(own)
        });
        out.push(Example {
            location: format!("{at}/example"),
            value: example.clone(),
            schema,
        });
    }
    for (key, child) in map {
        if key != "example" {
            let escaped = key.replace('~', "~0").replace('/', "~1");
            collect_examples(child, format!("{at}/{escaped}"), out);
        }
    }
}

/// Rewrites an OpenAPI 3.0 schema into JSON Schema draft 4.
///
/// `nullable: true` becomes `null` added to `type`, only when the same schema has a `type`
/// (OpenAPI 3.0.3, "nullable"); other keywords, `enum` included, are not widened. `$ref`s are
/// kept as written: the compiled document has the converted schemas under
/// `components/schemas`.
///
/// ```
/// use invitations_spec::to_json_schema;
/// use serde_json::json;
///
/// let typed = to_json_schema(&json!({"type": "object", "nullable": true}));
/// assert_eq!(typed, json!({"type": ["object", "null"]}));
/// // Without `type`, `nullable` has no effect.
/// let untyped = to_json_schema(&json!({"nullable": true, "minLength": 1}));
/// assert_eq!(untyped, json!({"minLength": 1}));
/// ```
pub fn to_json_schema(schema: &Value) -> Value {
    match schema {
        Value::Object(map) => {
            let mut out = Map::new();
            let mut nullable = false;
            for (key, value) in map {
                match key.as_str() {
                    "nullable" => nullable = value.as_bool().unwrap_or(false),
                    // `properties` maps names to schemas: its keys are not keywords.
                    "properties" => {
                        let props = value
                            .as_object()
                            .map(|props| {
                                props
                                    .iter()
                                    .map(|(name, s)| (name.clone(), to_json_schema(s)))
                                    .collect()
                            })
                            .unwrap_or_default();
                        out.insert(key.clone(), Value::Object(props));
                    }
                    // `enum` lists values, not schemas: keep them as they are.
                    "enum" | "$ref" => {
                        out.insert(key.clone(), value.clone());
                    }
                    k if ANNOTATION_KEYWORDS.contains(&k) => {}
                    _ => {
                        out.insert(key.clone(), to_json_schema(value));
                    }
                }
            }
            if out.get("format").and_then(Value::as_str) == Some("int64") {
                out.entry("maximum").or_insert(json!(i64::MAX));
                out.entry("minimum").or_insert(json!(i64::MIN));
            }
            if nullable && let Some(Value::String(ty)) = out.get("type").cloned() {
                out.insert("type".into(), json!([ty, "null"]));
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(to_json_schema).collect()),
        other => other.clone(),
    }
}

fn method_name(method: &str) -> &'static str {
    match method {
        "get" => "GET",
        "put" => "PUT",
        "post" => "POST",
        "delete" => "DELETE",
        "patch" => "PATCH",
        "head" => "HEAD",
        "options" => "OPTIONS",
        "trace" => "TRACE",
        other => panic!("openapiv3 yielded an unknown method {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nullable_type_admits_null() {
        let converted = to_json_schema(&json!({"type": "object", "nullable": true}));
        assert_eq!(converted, json!({"type": ["object", "null"]}));
    }

    #[test]
    fn nullable_without_type_has_no_effect() {
        // OpenAPI 3.0.3: `nullable` only adds null to a `type` in the same schema. This is
        // the shape Redocly's `nullable-type-sibling` refuses; it must refuse null here too.
        let schema = json!({
            "nullable": true,
            "allOf": [{"$ref": "#/components/schemas/ApiError"}],
        });
        assert_eq!(
            to_json_schema(&schema),
            json!({"allOf": [{"$ref": "#/components/schemas/ApiError"}]})
        );
        let spec = Spec::get();
        let err = spec
            .validate_inline(&schema, &Value::Null, "untyped nullable")
            .unwrap_err();
        assert!(err.to_string().contains("untyped nullable"), "{err}");
    }

    #[test]
    fn nullable_type_does_not_widen_other_keywords() {
        let spec = Spec::get();
        let with_all_of = json!({
            "type": "object",
            "nullable": true,
            "allOf": [{"$ref": "#/components/schemas/ApiError"}],
        });
        assert!(spec
            .validate_inline(&with_all_of, &Value::Null, "allOf")
            .is_err());
        let with_enum = json!({"type": "string", "nullable": true, "enum": ["a"]});
        assert!(spec
            .validate_inline(&with_enum, &Value::Null, "enum")
            .is_err());
        let with_null_in_enum = json!({"type": "string", "nullable": true, "enum": ["a", null]});
        spec.validate_inline(&with_null_in_enum, &Value::Null, "enum with null")
            .unwrap();
    }

    #[test]
    fn one_of_a_ref_and_null_admits_both() {
        let spec = Spec::get();
        let schema = json!({"oneOf": [
            {"$ref": "#/components/schemas/ApiError"},
            {"enum": [null]},
        ]});
        spec.validate_inline(&schema, &Value::Null, "null").unwrap();
        let error = json!({"code": "NotFound", "message": "m", "info": []});
        spec.validate_inline(&schema, &error, "error").unwrap();
        assert!(spec
            .validate_inline(&schema, &json!({"code": "NotFound"}), "partial")
            .is_err());
    }

    #[test]
    fn examples_come_from_the_parsed_spec() {
        let yaml = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\n\
                    components:\n  schemas:\n    Only:\n      type: string\n      example: x\n";
        let spec = Spec::parse(yaml).unwrap();
        let examples = spec.examples();
        assert_eq!(examples.len(), 1, "{examples:?}");
        assert_eq!(examples[0].location, "/components/schemas/Only/example");
        assert_eq!(spec.schema_names(), vec!["Only".to_owned()]);
        spec.validate_component("Only", &json!("y")).unwrap();
        assert!(spec.validate_component("Only", &json!(1)).is_err());
    }

    #[test]
    fn annotations_are_dropped_but_property_names_are_kept() {
        let converted = to_json_schema(&json!({
            "type": "object",
            "example": {"a": 1},
            "properties": {"example": {"type": "string"}},
        }));
        assert_eq!(
            converted,
            json!({"type": "object", "properties": {"example": {"type": "string"}}})
        );
    }

    #[test]
    fn int64_is_bounded() {
        let spec = Spec::get();
        let schema = json!({"type": "integer", "format": "int64"});
        spec.validate_inline(&schema, &json!(i64::MAX), "max")
            .unwrap();
        assert!(spec
            .validate_inline(&schema, &json!(u64::MAX), "too big")
            .is_err());
    }
}
