//! What the spec says in words rather than in schemas, and plain-words hints for bodies of
//! the wrong kind altogether.

use serde_json::Value;

use super::check::{finding, Exchange, Finding, Side};
use crate::core::http::Query;

/// A plain-words reason for the common ways a body is of the wrong kind altogether.
pub(super) fn shape_hint(schema: Option<&str>, body: &Value) -> Option<String> {
    let object = body.as_object()?;
    let has = |k: &str| object.contains_key(k);
    match schema? {
        "FailureResult"
            if object.get("error").is_some_and(Value::is_string) && !has("isSuccess") =>
        {
            Some(
                "this is the IAM surface's error shape `{error: string}`; the tenant surface \
                 answers errors with the FailureResult envelope {isSuccess, isFailure, error, \
                 value}"
                    .to_owned(),
            )
        }
        "IamError" if has("isSuccess") || has("isFailure") => Some(
            "this is the tenant surface's envelope; the IAM surface answers errors with \
             `{error: string}`"
                .to_owned(),
        ),
        "UserInvitationResult" | "UserInvitationListResult" if has("data") && !has("value") => {
            Some(
                "the body names the payload `data`; the spec's envelope names it `value` (the \
                 source pages' examples use `data`, see openapi/DECISIONS.md)"
                    .to_owned(),
            )
        }
        _ => None,
    }
}

/// Rules the spec states in its descriptions rather than its schemas.
pub(super) fn documented_in_words(
    operation_id: &str,
    template: &str,
    path_params: &[(String, Vec<u8>)],
    exchange: &Exchange<'_>,
    status: u16,
    body: &Value,
    out: &mut Vec<Finding>,
) {
    let success = (200..300).contains(&status);
    let is_envelope = template.starts_with("/tenant/");
    if is_envelope {
        let (is_success, is_failure) = (body.get("isSuccess"), body.get("isFailure"));
        if is_success != Some(&Value::Bool(success)) || is_failure != Some(&Value::Bool(!success)) {
            out.push(finding(
                Side::Response,
                "body /isSuccess",
                format!(
                    "a {status} answer must carry isSuccess: {success} and isFailure: {} \
                     (isFailure is always the negation of isSuccess)",
                    !success
                ),
            ));
        }
        if success && !body.get("error").is_some_and(Value::is_null) {
            out.push(finding(
                Side::Response,
                "body /error",
                "must be null on success",
            ));
        }
        if !success && !body.get("value").is_some_and(Value::is_null) {
            out.push(finding(
                Side::Response,
                "body /value",
                "must be null on failure",
            ));
        }
    }
    if !success {
        return;
    }
    let query = Query::parse(exchange.query.map(str::as_bytes)).ok();
    let query_value = |name: &str| query.as_ref().and_then(|q| q.get(name)).map(str::to_owned);
    let path_value = |name: &str| {
        path_params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| String::from_utf8_lossy(v).into_owned())
    };
    match operation_id {
        "resendInvite" => {
            let asked = path_value("id").unwrap_or_default();
            if body.get("inviteId").and_then(Value::as_str) != Some(asked.as_str()) {
                out.push(finding(
                    Side::Response,
                    "body /inviteId",
                    format!("must be the invite's ID as given in the path ({asked:?})"),
                ));
            }
        }
        "ResendInvitation" => {
            let asked: Option<u64> = query_value("id").and_then(|v| v.parse().ok());
            let tenant: Option<u64> = path_value("tenantId").and_then(|v| v.parse().ok());
            let items = body.get("value").and_then(Value::as_array);
            let found = items
                .into_iter()
                .flatten()
                .find(|inv| inv.get("id").and_then(Value::as_u64) == asked);
            match found {
                None => out.push(finding(
                    Side::Response,
                    "body /value",
                    format!(
                        "must hold the resent invitation (id {})",
                        asked.map_or("?".to_owned(), |a| a.to_string())
                    ),
                )),
                Some(inv) => {
                    if let Some(owner) = inv.get("tenantId").and_then(Value::as_u64)
                        && Some(owner) != tenant
                    {
                        out.push(finding(
                                Side::Response,
                                "body /value",
                                format!("the resent invitation belongs to tenant {owner}, not the tenant in the path"),
                            ));
                    }
                }
            }
        }
        "GetUserInvitationByEmail" => {
            let asked = query_value("email").unwrap_or_default();
            let value = body.get("value");
            let email = value.and_then(|v| v.get("email")).and_then(Value::as_str);
            if !email.is_some_and(|e| e.eq_ignore_ascii_case(&asked)) {
                out.push(finding(
                    Side::Response,
                    "body /value/email",
                    "must be the address asked for (compared case-insensitively)",
                ));
            }
            let state = value.and_then(|v| v.get("status")).and_then(Value::as_str);
            if state != Some("Pending") {
                out.push(finding(
                    Side::Response,
                    "body /value/status",
                    format!(
                        "the lookup returns only pending invitations, not {}",
                        state.unwrap_or("a missing status")
                    ),
                ));
            }
        }
        _ => {}
    }
}
