//! What the spec says in words rather than in schemas, and plain-words hints for bodies of
//! the wrong kind altogether.

use std::borrow::Cow;

use super::exchange::{finding, Finding, Side};
use super::json::Node;

/// What the request asked for, as these rules compare it (read by `check.rs` from the path
/// and query).
#[derive(Debug, Default)]
pub(crate) struct Asked<'a> {
    /// The path's `id` (the IAM invite id), percent-decoded.
    pub(crate) path_id: Option<Cow<'a, str>>,
    /// The path's `tenantId`.
    pub(crate) path_tenant: Option<u64>,
    /// The query's `id` (the tenant resend's invitation id).
    pub(crate) query_id: Option<u64>,
    /// The query's `email`.
    pub(crate) email: Option<&'a str>,
    /// `dryRun=true` in the query.
    pub(crate) dry_run: bool,
}

/// A plain-words reason for the common ways a body is of the wrong kind altogether.
pub(crate) fn shape_hint(schema: &str, body: Node<'_>) -> Option<String> {
    if !body.is_object() {
        return None;
    }
    let has = |k: &str| body.get(k).is_some();
    match schema {
        "FailureResult"
            if body.get("error").and_then(|e| e.as_str()).is_some() && !has("isSuccess") =>
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

/// Rules the spec states in its descriptions rather than its schemas, on an answer already
/// valid against its schema.
pub(crate) fn documented_in_words(
    operation_id: &str,
    envelope: bool,
    status: u16,
    asked: &Asked<'_>,
    body: Node<'_>,
    out: &mut Vec<Finding>,
) {
    let success = (200..300).contains(&status);
    if envelope {
        let flag = |name: &str| body.get(name).and_then(|n| n.as_bool());
        if flag("isSuccess") != Some(success) || flag("isFailure") != Some(!success) {
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
        let null = |name: &str| body.get(name).is_some_and(|n| n.is_null());
        if success && !null("error") {
            out.push(finding(
                Side::Response,
                "body /error",
                "must be null on success",
            ));
        }
        if !success && !null("value") {
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
    match operation_id {
        "resendInvite" => {
            let asked_id = asked.path_id.as_deref().unwrap_or_default();
            if body.get("inviteId").and_then(|n| n.as_str()) != Some(asked_id) {
                out.push(finding(
                    Side::Response,
                    "body /inviteId",
                    format!("must be the invite's ID as given in the path ({asked_id:?})"),
                ));
            }
        }
        "ResendInvitation" => {
            let found = body
                .get("value")
                .into_iter()
                .flat_map(|v| v.elements())
                .find(|inv| {
                    asked.query_id.is_some()
                        && inv.get("id").and_then(|n| n.as_u64()) == asked.query_id
                });
            match found {
                None => out.push(finding(
                    Side::Response,
                    "body /value",
                    format!(
                        "must hold the resent invitation (id {})",
                        asked.query_id.map_or("?".to_owned(), |a| a.to_string())
                    ),
                )),
                Some(inv) => {
                    if let Some(owner) = inv.get("tenantId").and_then(|n| n.as_u64())
                        && Some(owner) != asked.path_tenant
                    {
                        out.push(finding(
                            Side::Response,
                            "body /value",
                            format!(
                                "the resent invitation belongs to tenant {owner}, not the \
                                 tenant in the path"
                            ),
                        ));
                    }
                }
            }
        }
        "GetUserInvitationByEmail" => {
            let value = body.get("value");
            let email = value.and_then(|v| v.get("email")).and_then(|n| n.as_str());
            let asked_email = asked.email.unwrap_or_default();
            if !email.is_some_and(|e| e.eq_ignore_ascii_case(asked_email)) {
                out.push(finding(
                    Side::Response,
                    "body /value/email",
                    "must be the address asked for (compared case-insensitively)",
                ));
            }
            let state = value.and_then(|v| v.get("status")).and_then(|n| n.as_str());
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
