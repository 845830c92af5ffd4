//! The spec's schemas compiled for the proxy: component schemas for answers read in place
//! ([`super::json`]), inline schemas for parameters, each once per process.
//!
//! They are the schemas `invitations_spec` compiles, converted the same way
//! (`invitations_spec::to_json_schema`, draft 4, formats checked), so the proxy and every
//! test suite agree on what is valid (`tests` compares them). One thing differs in how, not
//! in what: an `email` is first tried against [`plain_email`], the common shape of an address
//! (`ada.lovelace+x@mail.example.com`), which every address of that shape passes; anything
//! else goes to `jsonschema`'s own check. That check parses the address in full and was a
//! fifth of the proxy's work per by-email exchange (it runs on the query and on the answer).

use std::collections::HashMap;
use std::sync::Arc;

use invitations_spec::{to_json_schema, Spec};
use jsonschema::{Draft, ValidationError, Validator};
use serde_json::{json, Value};

use super::json::{Borrowed, Node};

const SCHEMA_REF_PREFIX: &str = "#/components/schemas/";

/// The component schemas, compiled for [`Borrowed`] documents.
pub(crate) struct Schemas {
    /// `{"components": {"schemas": ...}}`, converted: what `$ref`s resolve in.
    components: Value,
    validators: HashMap<String, Validator<Borrowed>>,
    email: Arc<Validator>,
}

impl std::fmt::Debug for Schemas {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Schemas")
            .field("components", &self.validators.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// `jsonschema`'s own `email` check, for the addresses [`plain_email`] leaves undecided.
fn reference_email() -> Arc<Validator> {
    Arc::new(
        jsonschema::options()
            .with_draft(Draft::Draft4)
            .should_validate_formats(true)
            .build(&json!({"type": "string", "format": "email"}))
            .unwrap_or_else(|err| panic!("the email schema compiles: {err}")),
    )
}

/// Whether `text` is an address of the plain shape `local@domain`, which `jsonschema`'s
/// `email` format (RFC 5321 with `email_address`, hostnames per RFC 1123) always accepts:
/// ASCII letters, digits and `.+-_` in a local part of 1 to 64 bytes without a leading,
/// trailing or doubled dot; a domain of up to 253 bytes of dot-separated labels of 1 to 63
/// letters, digits and inner hyphens, none with `--` in third and fourth place (an IDNA
/// label, which needs the full check). `false` means "not decided here", not "invalid".
pub(crate) fn plain_email(text: &str) -> bool {
    // One pass over the bytes: it runs on every address the proxy sees.
    let bytes = text.as_bytes();
    let Some(at) = bytes.iter().position(|&b| b == b'@') else {
        return false;
    };
    let (local, domain) = (&bytes[..at], &bytes[at + 1..]);
    if local.is_empty() || local.len() > 64 || local[0] == b'.' || local[local.len() - 1] == b'.' {
        return false;
    }
    let mut previous = 0;
    for &b in local {
        let allowed = b.is_ascii_alphanumeric() || matches!(b, b'.' | b'+' | b'-' | b'_');
        if !allowed || (b == b'.' && previous == b'.') {
            return false;
        }
        previous = b;
    }
    if domain.is_empty() || domain.len() > 253 {
        return false;
    }
    let mut label_start = 0;
    for (i, &b) in domain.iter().enumerate() {
        if b == b'.' {
            if !plain_label(&domain[label_start..i]) {
                return false;
            }
            label_start = i + 1;
        } else if !(b.is_ascii_alphanumeric() || b == b'-') {
            return false;
        }
    }
    plain_label(&domain[label_start..])
}

/// A hostname label of 1 to 63 letters, digits and inner hyphens, not an IDNA one.
fn plain_label(label: &[u8]) -> bool {
    (1..=63).contains(&label.len())
        && label[0].is_ascii_alphanumeric()
        && label[label.len() - 1].is_ascii_alphanumeric()
        && !(label.len() >= 4 && &label[2..4] == b"--")
}

/// Draft 4 with formats checked, as `invitations_spec` compiles, and [`plain_email`] first.
fn options<F: jsonschema::json::Json>(
    email: &Arc<Validator>,
) -> jsonschema::ValidationOptions<'static, Arc<dyn jsonschema::Retrieve>, F> {
    let email = email.clone();
    jsonschema::options_for::<F>()
        .with_draft(Draft::Draft4)
        .should_validate_formats(true)
        .with_format("email", move |text: &str| {
            plain_email(text) || email.is_valid(&Value::String(text.to_owned()))
        })
}

impl Schemas {
    /// Compiles every component schema of `spec`.
    ///
    /// # Panics
    /// When a component does not compile; `invitations_spec` compiles the same schemas on
    /// parsing the spec, and its tests fail first.
    pub(crate) fn new(spec: &Spec) -> Schemas {
        let components = spec.json_schema_components().clone();
        let names: Vec<String> = components
            .pointer("/components/schemas")
            .and_then(Value::as_object)
            .map(|schemas| schemas.keys().cloned().collect())
            .unwrap_or_default();
        let email = reference_email();
        let validators = names
            .into_iter()
            .map(|name| {
                let mut document = components.clone();
                document["$ref"] = json!(format!("{SCHEMA_REF_PREFIX}{name}"));
                let validator = options::<Borrowed>(&email)
                    .build(&document)
                    .unwrap_or_else(|err| panic!("schema {name} does not compile: {err}"));
                (name, validator)
            })
            .collect();
        Schemas {
            components,
            validators,
            email,
        }
    }

    /// Compiles an inline schema (a parameter's), with `$ref`s into the components.
    pub(crate) fn inline(&self, openapi_schema: &Value) -> Validator {
        let mut document = self.components.clone();
        if let (Value::Object(doc), Value::Object(own)) =
            (&mut document, to_json_schema(openapi_schema))
        {
            doc.extend(own);
        }
        options::<jsonschema::json::SerdeJson>(&self.email)
            .build(&document)
            .unwrap_or_else(|err| panic!("a parameter schema does not compile: {err}"))
    }

    /// Whether `node` is valid against the component `name` (an unknown name: not valid).
    pub(crate) fn is_valid(&self, name: &str, node: Node<'_>) -> bool {
        self.validators
            .get(name)
            .is_some_and(|validator| validator.is_valid(node))
    }

    /// Every error of `node` against the component `name`: `(JSON pointer, message, whether
    /// it is a failed oneOf)`.
    pub(crate) fn errors(&self, name: &str, node: Node<'_>) -> Vec<SchemaError> {
        let Some(validator) = self.validators.get(name) else {
            return vec![SchemaError {
                pointer: "/".to_owned(),
                message: format!("the spec has no schema {name}"),
                one_of: false,
            }];
        };
        validator.iter_errors(node).map(SchemaError::from).collect()
    }

    /// The branches of the `oneOf` that sits at `pointer` inside the component `name`:
    /// each the component its `$ref` names, or `None` for a branch that is not a `$ref`
    /// (`{enum: [null]}`).
    pub(crate) fn one_of_at(&self, name: &str, pointer: &str) -> Option<Vec<Option<String>>> {
        let mut schema = self.component(name)?;
        for token in pointer.split('/').skip(1).filter(|t| !t.is_empty()) {
            schema = self.resolve(schema);
            schema = match token.parse::<usize>() {
                Ok(_) if schema.get("items").is_some() => schema.get("items")?,
                _ => schema.get("properties")?.get(token)?,
            };
        }
        let branches = self.resolve(schema).get("oneOf")?.as_array()?;
        Some(
            branches
                .iter()
                .map(|branch| {
                    branch
                        .get("$ref")
                        .and_then(Value::as_str)
                        .and_then(|r| r.strip_prefix(SCHEMA_REF_PREFIX))
                        .map(str::to_owned)
                })
                .collect(),
        )
    }

    fn component(&self, name: &str) -> Option<&Value> {
        self.components.get("components")?.get("schemas")?.get(name)
    }

    fn resolve<'s>(&'s self, schema: &'s Value) -> &'s Value {
        match schema
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix(SCHEMA_REF_PREFIX))
            .and_then(|name| self.component(name))
        {
            Some(target) => self.resolve(target),
            None => schema,
        }
    }
}

/// Every error of `value` against an inline schema (a parameter's), found only once
/// `is_valid`, which builds no error, says there are some: nearly every value is valid.
pub(crate) fn inline_errors(schema: &Validator, value: &Value) -> Vec<String> {
    if schema.is_valid(value) {
        return Vec::new();
    }
    schema
        .iter_errors(value)
        .map(|err| err.to_string())
        .collect()
}

/// One error of a body against a schema.
#[derive(Debug)]
pub(crate) struct SchemaError {
    /// JSON pointer into the body (`/` for the whole body).
    pub(crate) pointer: String,
    /// `jsonschema`'s words, which quote the offending value.
    pub(crate) message: String,
    /// Whether a `oneOf` failed here (every branch refused the value).
    pub(crate) one_of: bool,
}

impl From<ValidationError<'_>> for SchemaError {
    fn from(err: ValidationError<'_>) -> SchemaError {
        let pointer = err.instance_path().to_string();
        SchemaError {
            pointer: if pointer.is_empty() {
                "/".to_owned()
            } else {
                pointer
            },
            one_of: matches!(
                err.kind(),
                jsonschema::error::ValidationErrorKind::OneOfNotValid { .. }
            ),
            message: err.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proxy::json::Document;
    use proptest::prelude::*;

    fn schemas() -> &'static Schemas {
        static SCHEMAS: std::sync::OnceLock<Schemas> = std::sync::OnceLock::new();
        SCHEMAS.get_or_init(|| Schemas::new(Spec::get()))
    }

    /// Every component against every example of the spec and a set of broken bodies: the
    /// proxy's validators say what `invitations_spec`'s say, error for error.
    #[test]
    fn the_proxy_and_the_spec_crate_agree_on_every_body() {
        let spec = Spec::get();
        let mut bodies: Vec<Value> = spec.examples().into_iter().map(|e| e.value).collect();
        bodies.extend([
            json!({"isSuccess": true, "isFailure": false, "error": null,
                   "value": {"id": 1, "email": "a@b.example", "status": "Pending",
                             "createdAt": "2024-03-15 12:30:00"}}),
            json!({"isSuccess": true, "isFailure": false, "error": null,
                   "value": [{"id": 0, "email": "not-an-email", "status": "Gone",
                              "createdAt": "2024-03-15T12:30:00Z", "tenantId": "1"}]}),
            json!({"isSuccess": false, "isFailure": true, "value": {},
                   "error": {"code": 1, "message": "m", "info": "x"}}),
            json!({"data": {}, "error": "string"}),
            json!({"message": "ok", "inviteId": 9001}),
            json!({"error": null}),
            json!([1, 2]),
            json!("text"),
            json!(null),
        ]);
        for name in spec.schema_names() {
            for body in &bodies {
                let text = serde_json::to_vec(body).unwrap();
                let document = Document::parse(&text).unwrap();
                let ours = schemas().is_valid(&name, document.root());
                let theirs = spec.validate_component(&name, body);
                assert_eq!(ours, theirs.is_ok(), "{name} {body}");
                if let Err(invitations_spec::SpecError::Invalid { errors, .. }) = theirs {
                    let mut ours: Vec<String> = schemas()
                        .errors(&name, document.root())
                        .into_iter()
                        .map(|e| format!("at {}: {}", e.pointer, e.message))
                        .collect();
                    let mut theirs: Vec<String> =
                        errors.iter().map(|e| e.trim().to_owned()).collect();
                    ours.sort();
                    theirs.sort();
                    assert_eq!(ours, theirs, "{name} {body}");
                }
            }
        }
    }

    #[test]
    fn an_inline_schema_lists_every_error_and_none_for_a_valid_value() {
        let email = schemas().inline(&json!({"type": "string", "format": "email", "minLength": 3}));
        assert_eq!(
            inline_errors(&email, &json!("ada@example.com")),
            Vec::<String>::new()
        );
        assert_eq!(
            inline_errors(&email, &json!("a")),
            [
                "\"a\" is shorter than 3 characters",
                "\"a\" is not a \"email\""
            ]
        );
    }

    #[test]
    fn one_of_branches_are_found_through_refs_and_items() {
        let s = schemas();
        assert_eq!(
            s.one_of_at("UserInvitationResult", "/value"),
            Some(vec![Some("UserInvitationModel".to_owned()), None])
        );
        assert_eq!(
            s.one_of_at("UserInvitationListResult", "/error"),
            Some(vec![Some("ApiError".to_owned()), None])
        );
        assert_eq!(s.one_of_at("UserInvitationListResult", "/value"), None);
        assert_eq!(s.one_of_at("UserInvitationListResult", "/value/0/id"), None);
        assert_eq!(s.one_of_at("UserInvitationResult", "/nothing"), None);
        assert_eq!(s.one_of_at("NoSuchSchema", "/value"), None);
        let document = Document::parse(b"{}").unwrap();
        let errors = s.errors("NoSuchSchema", document.root());
        assert_eq!(errors[0].message, "the spec has no schema NoSuchSchema");
        assert!(!s.is_valid("NoSuchSchema", document.root()));
    }

    #[test]
    fn plain_addresses_are_decided_and_others_left_to_the_full_check() {
        for plain in [
            "ada@example.com",
            "Ada.Lovelace+tag_1-x@mail.example.co",
            "a@b",
            "x@1.2.3.4",
            &format!("{}@{}.example", "l".repeat(64), "d".repeat(63)),
        ] {
            assert!(plain_email(plain), "{plain}");
            assert!(
                reference_email().is_valid(&Value::String(plain.to_owned())),
                "{plain}"
            );
        }
        for other in [
            "",
            "ada",
            "@example.com",
            "ada@",
            ".ada@example.com",
            "ada.@example.com",
            "a..da@example.com",
            "ada@-example.com",
            "ada@example-.com",
            "ada@exa_mple.com",
            "ada@example..com",
            "ada@xn--bcher-kva.example",
            "ada@ab--cd.example",
            "a\"da@example.com",
            "ada@ex@ample.com",
            "\u{e4}da@example.com",
            &format!("{}@example.com", "l".repeat(65)),
            &format!("ada@{}.example", "d".repeat(64)),
            &format!("ada@{0}.{0}.{0}.{0}", "d".repeat(63)),
        ] {
            assert!(!plain_email(other), "{other}");
        }
    }

    proptest! {
        /// Whatever `plain_email` accepts, `jsonschema`'s own `email` format accepts.
        #[test]
        fn a_plain_address_is_a_valid_email(
            text in "[a-zA-Z0-9._+@-]{0,8}|[a-z0-9.+_-]{1,70}@[a-zA-Z0-9.-]{1,80}"
        ) {
            if plain_email(&text) {
                prop_assert!(reference_email().is_valid(&Value::String(text.clone())), "{}", text);
            }
        }
    }
}
