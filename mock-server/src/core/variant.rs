//! The conforming variant: the same documented rules, with the other choice the documents
//! allow wherever a DECISIONS row (`openapi/DECISIONS.md`) settles a silence.
//!
//! The contract suite must hold for any conforming deployment, not only for this mock's own
//! choices. Under [`Variant::Alternative`] the mock answers as a second, independent
//! implementation written from the same documents could:
//!
//! | DECISIONS row | the reference mock | the variant |
//! |---|---|---|
//! | 6 optional fields | `tenantId`, `expiresAt` sent | only the required fields |
//! | 8, 21, 32 error codes | `Unauthorized`, `Forbidden`, `NotFound`, `InvitationNotPending`, `InternalError` | `AuthenticationFailed`, `PermissionDenied`, `InvitationNotFound`, `InvitationNotResendable`, `ServerError` (`ValidationError`, the documents' own, stays) |
//! | 12 `Idempotency-Key` | a dry run with a key used for a resend is 422; reuse for another invite 422; an empty key 400 | keys are neither recorded nor replayed on dry runs; reuse for another invite 400; an empty key counts as none |
//! | 13 body limit | 413 above 64 KiB | 400 above its own limit, [`ALTERNATIVE_MAX_BODY_BYTES`] |
//! | 14 IAM id length | 400 above 128 characters | ids are opaque at any length: an unknown one is 404 |
//! | 16 email rules | RFC 5321 lengths (254, 64, 63), no hyphen at a label's edge, a letter in the top-level label, at least two labels | a looser reading: up to 320 characters, any label length, hyphens anywhere, numeric or single labels |
//! | — check order | 400 before the tenant's 403 | an unmanaged tenant is 403 before any validation |
//! | 28 wording | the mock's messages and `info` lists | other messages and lists |
//!
//! Everything the documents fix (statuses, schemas, the 48-hour expiry, reactivation, replays
//! of a repeated key) stays as the reference mock does it, by running the reference logic on
//! an adapted request and rewriting its answer.

use serde_json::Value;

use super::auth::authenticate;
use super::call::{Call, State};
use super::errors::tenant_error;
use super::http::{Answer, Query, Request, Response};
use super::iam::MAX_INVITE_ID_CHARS;
use super::router::{self, ApiPath, Operation, Route};
use super::store::Store;
use super::validate::char_len;

/// Which of the allowed choices the mock makes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Variant {
    /// The reference mock's choices (DECISIONS.md).
    #[default]
    Reference,
    /// The other allowed choices (see the module documentation).
    Alternative,
}

/// The variant's IAM body limit: its own (the documents fix none), above the reference's
/// 64 KiB, small enough that the contract case sending one byte more stays quick.
pub const ALTERNATIVE_MAX_BODY_BYTES: usize = 100_000;

/// The variant's longest address: RFC 3696's 64 + 1 + 255, before its 2004 erratum.
const ALTERNATIVE_MAX_EMAIL_CHARS: usize = 320;

/// An IAM id no invitation can have (not canonical decimal), standing in for an id longer
/// than the reference accepts: the variant reads ids as opaque, so such an id names no invite.
const UNKNOWN_INVITE_ID: &[u8] = b"0";

/// The tenant error codes the variant names otherwise (DECISIONS rows 8, 21 and 32 are ours;
/// `ValidationError` is the documents' own example and stays).
const RENAMED_CODES: [(&str, &str); 5] = [
    ("Unauthorized", "AuthenticationFailed"),
    ("Forbidden", "PermissionDenied"),
    ("NotFound", "InvitationNotFound"),
    ("InvitationNotPending", "InvitationNotResendable"),
    ("InternalError", "ServerError"),
];

/// Answers an API request as the variant, under [`Variant::Alternative`] (arguments as for
/// the reference's [`Call::answer`]): the reference's answer to the request as the variant
/// reads it, rewritten.
pub(super) fn answer(
    state: State<'_>,
    mut call: Call<'_>,
    request: &Request,
    delay: Option<std::time::Duration>,
    now: chrono::DateTime<chrono::Utc>,
) -> Answer {
    if let Some(early) = tenant_not_managed_first(state.store, request) {
        return rewrite(early).into();
    }
    let response = match adapt_resend(request) {
        Some((api, adapted)) => Call::read(api, &adapted).answer(state, delay, now),
        None => {
            if let Call::GetUserInvitationByEmail(lookup) = &mut call {
                lookup.loosen(loose_email);
            }
            call.answer(state, delay, now)
        }
    };
    rewrite(response.into_response()).into()
}

/// The operation and path parameter of an API request: the variant reads the path itself
/// (the reference's [`Call`] keeps only what its checks need).
fn api_path(request: &Request) -> Option<ApiPath> {
    match router::route(&request.method, &request.path) {
        Route::Api(api) => Some(api),
        _ => None,
    }
}

/// The variant orders its checks differently: an authenticated tenant-surface request naming
/// a tenant the key does not manage (or no valid tenant at all) is 403 whatever else is wrong
/// with it.
fn tenant_not_managed_first(store: &Store, request: &Request) -> Option<Response> {
    let api = api_path(request)?;
    if api.operation != Operation::ResendInvitation {
        return None;
    }
    let key = authenticate(store, request).ok()?;
    let managed = std::str::from_utf8(&api.param)
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

/// The IAM resend as the variant reads it, when that differs from the request as sent: an id
/// of any length (a longer one than the reference takes names no invite), and no
/// `Idempotency-Key` on a dry run or when the header is empty. `None`: nothing to adapt.
fn adapt_resend(request: &Request) -> Option<(ApiPath, Request)> {
    let api = api_path(request)?;
    if api.operation != Operation::ResendInvite {
        return None;
    }
    // (`>=` would answer alike: an id of 128 characters names no invitation either.)
    let long_id =
        std::str::from_utf8(&api.param).is_ok_and(|id| char_len(id) > MAX_INVITE_ID_CHARS);
    let key = request.header_values("idempotency-key").next();
    let dry_run = Query::parse(request.query.as_deref())
        .is_ok_and(|query| query.get("dryRun") == Some("true"));
    let drop_key = key.is_some_and(|key| dry_run || key.is_empty());
    if !long_id && !drop_key {
        return None;
    }
    let mut adapted = request.clone();
    if drop_key {
        adapted.headers.remove("idempotency-key");
    }
    let param = if long_id {
        UNKNOWN_INVITE_ID.to_vec()
    } else {
        api.param
    };
    Some((ApiPath { param, ..api }, adapted))
}

/// A looser reading of an address than the reference's (still refusing what no reading of the
/// RFCs allows: empty atoms or labels, spaces, a missing part): a dot-atom local part of any
/// length, `@`, and dot-separated labels of letters, digits and hyphens, at most 320
/// characters in all.
fn loose_email(email: &str) -> bool {
    const ATEXT_SPECIALS: &str = "!#$%&'*+-/=?^_`{|}~";
    let Some((local, domain)) = email.rsplit_once('@') else {
        return false;
    };
    let atom = |part: &str| {
        !part.is_empty()
            && part
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || ATEXT_SPECIALS.contains(c))
    };
    let label = |part: &str| {
        !part.is_empty() && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    char_len(email) <= ALTERNATIVE_MAX_EMAIL_CHARS
        && local.split('.').all(atom)
        && domain.split('.').all(label)
}

/// Rewrites a reference answer into the variant's: another status where the variant's
/// choice differs (413 and 422 become 400), optional invitation fields dropped, error codes
/// renamed, messages and details reworded. Everything required stays.
pub(crate) fn rewrite(mut response: Response) -> Response {
    if matches!(response.status, 413 | 422) {
        response.status = 400;
    }
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
            if let Some(Value::String(code)) = map.get_mut("code")
                && let Some((_, other)) = RENAMED_CODES.iter().find(|(ours, _)| ours == code)
            {
                *code = (*other).to_owned();
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
        assert_eq!(failure["error"]["code"], "InvitationNotFound");
        assert_ne!(failure["error"]["message"], "No.");
        assert_eq!(failure["error"]["info"], json!(["see the documentation"]));
        // Only an invitation (it has `createdAt` and `status`) loses its optional fields, in
        // a list too.
        let mut other = json!({"status": "x", "tenantId": 1});
        reword(&mut other);
        assert_eq!(other["tenantId"], 1);
        let mut list = json!({"value": [{"id": 1, "status": "Pending", "createdAt": "x",
            "expiresAt": "y"}]});
        reword(&mut list);
        assert_eq!(list["value"][0].get("expiresAt"), None);
        let mut documented =
            json!({"error": {"code": "ValidationError", "message": "x", "info": []}});
        reword(&mut documented);
        assert_eq!(documented["error"]["code"], "ValidationError");
    }

    #[test]
    fn the_loose_reading_still_refuses_what_no_reading_allows() {
        for bad in [
            "ada@example..com",
            "a..b@example.com",
            ".ada@example.com",
            "ada@",
            "ada",
        ] {
            assert!(!loose_email(bad), "{bad}");
        }
        assert!(!loose_email(&format!("{}@example.com", "a".repeat(309))));
        assert!(loose_email(&format!("{}@example.com", "a".repeat(308))));
        assert!(loose_email("a@b"));
    }
}
