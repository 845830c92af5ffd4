//! The conforming variant: the same rules, with the other choices the documents allow.
//!
//! The contract suite must hold for any conforming deployment, not only for this mock's own
//! choices. Under [`Variant::Alternative`] the mock answers as a second, independent
//! implementation could: invitations carry only their required fields, a tenant the key does
//! not manage is 403 before any validation of the rest of the request, the IAM body limit is
//! much larger (16 MiB), and error messages and detail lists have other wording.

use serde_json::Value;

use super::auth::authenticate;
use super::errors::tenant_error;
use super::http::{Request, Response};
use super::router::Operation;
use super::store::Store;

/// Which of the allowed choices the mock makes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Variant {
    /// The reference mock's choices (DECISIONS.md).
    #[default]
    Reference,
    /// The other allowed choices (see the module documentation).
    Alternative,
}

/// The variant's IAM body limit: larger than the reference mock's, still bounded so that a
/// client cannot make the mock hold an unbounded body.
pub const ALTERNATIVE_MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

/// Answers before the reference logic where the variant orders its checks differently:
/// an authenticated tenant-surface request naming a tenant the key does not manage (or no
/// valid tenant at all) is 403 whatever else is wrong with it.
pub(crate) fn precheck(
    store: &Store,
    operation: Operation,
    param: &[u8],
    request: &Request,
) -> Option<Response> {
    if operation != Operation::ResendInvitation {
        return None;
    }
    let key = authenticate(store, request).ok()?;
    let managed = std::str::from_utf8(param)
        .ok()
        .and_then(|t| t.parse::<u64>().ok())
        .is_some_and(|tenant| key.tenants.contains(&tenant));
    (!managed).then(|| {
        tenant_error(
            403,
            "Forbidden",
            "Access denied for this tenant.".to_owned(),
            vec!["tenant".to_owned(), "not managed".to_owned()],
        )
    })
}

/// Rewrites a reference answer into the variant's: optional invitation fields dropped,
/// messages and details reworded. Status, headers and everything required stay.
pub(crate) fn rewrite(mut response: Response) -> Response {
    let Ok(mut body) = serde_json::from_slice::<Value>(&response.body) else {
        return response;
    };
    reword(&mut body);
    if let Ok(bytes) = serde_json::to_vec(&body) {
        response.body = bytes.into();
    }
    response
}

fn reword(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if map.contains_key("createdAt") && map.contains_key("status") {
                map.remove("tenantId");
                map.remove("expiresAt");
            }
            if let Some(Value::String(message)) = map.get_mut("message") {
                *message = format!("[alt] {}", message.len());
            }
            if let Some(Value::String(error)) = map.get_mut("error") {
                *error = "request refused".to_owned();
            }
            if let Some(Value::Array(info)) = map.get_mut("info") {
                *info = if info.is_empty() {
                    vec![Value::String("see the documentation".into())]
                } else {
                    Vec::new()
                };
            }
            for child in map.values_mut() {
                reword(child);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(reword),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn optional_fields_go_and_wording_changes() {
        let mut body = json!({"isSuccess": true, "isFailure": false, "error": null,
            "value": {"id": 1, "email": "a@b.co", "status": "Pending",
                      "createdAt": "x", "expiresAt": "y", "tenantId": 3}});
        reword(&mut body);
        assert_eq!(
            body["value"],
            json!({"id": 1, "email": "a@b.co", "status": "Pending", "createdAt": "x"})
        );
        let mut failure = json!({"error": {"code": "NotFound", "message": "No.", "info": []}});
        reword(&mut failure);
        assert_eq!(failure["error"]["code"], "NotFound");
        assert_ne!(failure["error"]["message"], "No.");
        assert_eq!(failure["error"]["info"], json!(["see the documentation"]));
    }
}
