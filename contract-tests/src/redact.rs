//! Redaction of the values that differ between targets or between runs, so that one snapshot
//! holds for the embedded mock, the standalone mock and any deployment.
//!
//! Ids, emails, timestamps and tokens differ by target; free-text messages are each server's
//! own wording, and error codes other than the documents' own `ValidationError` are our
//! decision (DECISIONS rows 8, 21, 32), checked apart under `strict`. What stays is the
//! contract: field names, types, booleans, the documented code, statuses, the number of items.

use serde_json::Value;

use crate::decision::DOCUMENTED_CODE;

/// A tenant error code as the snapshot holds it: the documented `ValidationError` as it is,
/// any other as `[code]`.
pub fn redact_code(code: &str) -> &str {
    if code == DOCUMENTED_CODE {
        code
    } else {
        "[code]"
    }
}

/// `value` with every `token` replaced, for failure messages: nothing else in an answer of
/// this API is secret, and the keys a deployment might echo are blanked by the caller.
pub fn redact_secrets(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(key, child)| {
                    let child = if key.eq_ignore_ascii_case("token") && !child.is_null() {
                        Value::String("[token]".into())
                    } else {
                        redact_secrets(child)
                    };
                    (key.clone(), child)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(redact_secrets).collect()),
        other => other.clone(),
    }
}

/// Keys whose values are replaced by a placeholder naming their kind.
fn placeholder(key: &str, value: &Value) -> Option<Value> {
    let kind = match key {
        "id" | "tenantId" | "inviteId" | "invitationId" => "[id]",
        "email" | "to" => "[email]",
        "createdAt" | "expiresAt" | "sentAt" | "now" => "[timestamp]",
        "token" => "[token]",
        "code" if value.as_str().is_some_and(|code| code != DOCUMENTED_CODE) => "[code]",
        "message" => "[text]",
        // `error` is a string on the IAM surface and an object on the tenant surface.
        "error" if value.is_string() => "[text]",
        // How many details a server lists is its own choice; the schema check still
        // requires an array of strings.
        "info" if value.is_array() => "[details]",
        _ => return None,
    };
    // Keep the shape visible: a null stays null, so a missing value is still caught.
    if value.is_null() {
        return Some(Value::Null);
    }
    Some(Value::String(kind.into()))
}

/// Properties of `UserInvitationModel` the spec leaves optional (DECISIONS row 6: a deployment
/// that sends only the required ones conforms). The schema check validates them when they are
/// present; the snapshot never holds them, so it never requires them.
pub const OPTIONAL_INVITATION_FIELDS: [&str; 2] = ["tenantId", "expiresAt"];

/// An invitation model: the object that carries the required `createdAt` and `status`.
fn is_invitation(map: &serde_json::Map<String, Value>) -> bool {
    map.contains_key("createdAt") && map.contains_key("status")
}

/// Returns `value` with target-specific values replaced by placeholders and the optional
/// fields of invitations left out.
///
/// ```
/// use invitations_contract_tests::redact::redact;
/// use serde_json::json;
///
/// let body = json!({"value": {"id": 9001, "email": "ada@example.com", "status": "Pending"}});
/// assert_eq!(
///     redact(&body),
///     json!({"value": {"id": "[id]", "email": "[email]", "status": "Pending"}})
/// );
/// ```
pub fn redact(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(key, _)| {
                    !(is_invitation(map) && OPTIONAL_INVITATION_FIELDS.contains(&key.as_str()))
                })
                .map(|(key, child)| {
                    let replaced = placeholder(key, child).unwrap_or_else(|| redact(child));
                    (key.clone(), replaced)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(redact).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_documented_code_and_shapes_survive_and_other_codes_are_redacted() {
        let failure = json!({"isSuccess": false, "isFailure": true, "value": null,
            "error": {"code": "NotFound", "message": "No invitation 7", "info": ["a", "b"]}});
        assert_eq!(
            redact(&failure),
            json!({"isSuccess": false, "isFailure": true, "value": null,
                "error": {"code": "[code]", "message": "[text]", "info": "[details]"}})
        );
        let invalid = json!({"error": {"code": "ValidationError", "message": "x", "info": []}});
        assert_eq!(redact(&invalid)["error"]["code"], "ValidationError");
        assert_eq!(
            (redact_code("ValidationError"), redact_code("Forbidden")),
            ("ValidationError", "[code]")
        );
    }

    #[test]
    fn tokens_are_blanked_for_messages_and_the_rest_kept() {
        let body = json!({"items": [{"token": "s3cret", "id": 1}], "Token": null});
        assert_eq!(
            redact_secrets(&body),
            json!({"items": [{"token": "[token]", "id": 1}], "Token": null})
        );
    }

    #[test]
    fn optional_invitation_fields_are_left_out_and_required_ones_kept() {
        let full = json!({"id": 1, "email": "a@b.c", "status": "Pending",
            "createdAt": "2024-01-01T00:00:00Z", "tenantId": 5, "expiresAt": "2024-01-03T00:00:00Z"});
        let minimal = json!({"id": 1, "email": "a@b.c", "status": "Pending",
            "createdAt": "2024-01-01T00:00:00Z"});
        assert_eq!(redact(&full), redact(&minimal));
        assert_eq!(
            redact(&minimal),
            json!({"id": "[id]", "email": "[email]", "status": "Pending", "createdAt": "[timestamp]"})
        );
    }

    #[test]
    fn the_optional_list_is_the_specs() {
        // Through the spec crate, the one reader of the YAML (ARCHITECTURE.md).
        let spec = serde_json::to_value(invitations_spec::Spec::get().openapi()).unwrap();
        let model = &spec["components"]["schemas"]["UserInvitationModel"];
        let required: Vec<&str> = model["required"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
            .collect();
        let mut optional: Vec<&str> = model["properties"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .filter(|key| !required.contains(key))
            .collect();
        optional.sort_unstable();
        let mut ours = OPTIONAL_INVITATION_FIELDS.to_vec();
        ours.sort_unstable();
        assert_eq!(optional, ours);
        // `is_invitation` recognises a model by these two; they must stay required.
        assert!(required.contains(&"createdAt") && required.contains(&"status"));
    }

    #[test]
    fn iam_error_text_is_redacted_but_a_renamed_field_is_not() {
        assert_eq!(redact(&json!({"error": "x"})), json!({"error": "[text]"}));
        assert_eq!(redact(&json!({"detail": "x"})), json!({"detail": "x"}));
    }
}
