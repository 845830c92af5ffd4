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
use super::http::{Answer, Request, Response};
use super::router::Operation;
use super::store::Store;
use super::validate::char_len;
use super::{tenant_error, Core, Prechecked};

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

/// The reference's id limit (DECISIONS row 14), which the variant does not have.
const REFERENCE_MAX_INVITE_ID_CHARS: usize = 128;

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

/// Answers an API request as the variant: the called hook of [`Core`] under
/// [`Variant::Alternative`] (arguments as for the reference operation).
pub(super) fn answer(
    core: &mut Core,
    operation: Operation,
    param: Vec<u8>,
    request: &Request,
    delay: Option<std::time::Duration>,
    mut prechecked: Prechecked<'_>,
    now: chrono::DateTime<chrono::Utc>,
) -> Answer {
    if let Some(early) = tenant_not_managed_first(&core.store, operation, &param, request) {
        return rewrite(early).into();
    }
    let response = match adapt_resend(operation, &param, request) {
        Some((param, adapted)) => {
            let prechecked = Prechecked::new(operation, &param, &adapted);
            core.operation(operation, param, &adapted, delay, prechecked, now)
                .into_response()
        }
        None => {
            loosen_email_check(&mut prechecked);
            core.operation(operation, param, request, delay, prechecked, now)
                .into_response()
        }
    };
    rewrite(response).into()
}

/// The variant orders its checks differently: an authenticated tenant-surface request naming
/// a tenant the key does not manage (or no valid tenant at all) is 403 whatever else is wrong
/// with it.
fn tenant_not_managed_first(
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

/// The IAM resend as the variant reads it, when that differs from the request as sent: an id
/// of any length (a longer one than the reference takes names no invite), and no
/// `Idempotency-Key` on a dry run or when the header is empty. `None`: nothing to adapt.
fn adapt_resend(
    operation: Operation,
    param: &[u8],
    request: &Request,
) -> Option<(Vec<u8>, Request)> {
    if operation != Operation::ResendInvite {
        return None;
    }
    // (`>=` would answer alike: an id of 128 characters names no invitation either.)
    let long_id =
        std::str::from_utf8(param).is_ok_and(|id| char_len(id) > REFERENCE_MAX_INVITE_ID_CHARS);
    let key = request.header_values("idempotency-key").next();
    let dry_run = super::http::Query::parse(request.query.as_deref())
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
        param.to_vec()
    };
    Some((param, adapted))
}

/// The by-email lookup (the one operation whose address is checked before the lock) takes
/// every address [`loose_email`] accepts; such an address that the reference refuses is
/// simply not found.
fn loosen_email_check(prechecked: &mut Prechecked<'_>) {
    if !matches!(prechecked.email, Some(Err(_))) {
        return;
    }
    let email = match &prechecked.query {
        Ok(query) => query.get("email").unwrap_or_default(),
        Err(_) => return,
    };
    if loose_email(email) {
        prechecked.email = Some(Ok(()));
    }
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
    use crate::core::fixture::{self as f, Fixture};
    use crate::core::{Clock, CoreConfig};
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

    fn core(variant: Variant) -> Core {
        Core::with_config(
            Fixture::default(),
            CoreConfig::for_variant(variant),
            Clock::system(),
        )
    }

    fn resend(id: &str) -> Request {
        Request::new("POST", format!("/iam/v1/users/{id}/actions/resend"))
            .bearer(f::ACME_MANAGER_KEY)
    }

    /// `(reference, variant)` statuses of the same requests, each on a fresh core.
    fn both(requests: &[Request]) -> (Vec<u16>, Vec<u16>) {
        let run = |variant| {
            let mut core = core(variant);
            requests.iter().map(|r| core.handle(r).status).collect()
        };
        (run(Variant::Reference), run(Variant::Alternative))
    }

    #[test]
    fn a_key_reused_on_a_dry_run_is_ignored_and_for_another_invite_is_400() {
        let first = resend("9001").header("Idempotency-Key", "k1");
        let dry = Request::new("POST", "/iam/v1/users/9001/actions/resend?dryRun=true")
            .bearer(f::ACME_MANAGER_KEY)
            .header("Idempotency-Key", "k1");
        let other = resend("9003").header("Idempotency-Key", "k1");
        let (reference, variant) = both(&[first, dry, other]);
        assert_eq!(reference, [200, 422, 422]);
        assert_eq!(variant, [200, 200, 400]);
    }

    #[test]
    fn a_repeated_key_still_replays_without_a_second_email() {
        let mut core = core(Variant::Alternative);
        for _ in 0..2 {
            let answer = core.handle(&resend("9001").header("Idempotency-Key", "k2"));
            assert_eq!(answer.status, 200);
        }
        assert_eq!(core.outbox().len(), 1);
    }

    #[test]
    fn an_empty_key_counts_as_none() {
        let (reference, variant) = both(&[resend("999999").header("Idempotency-Key", "")]);
        assert_eq!((reference[0], variant[0]), (400, 404));
        let mut core = core(Variant::Alternative);
        let answer = core.handle(&resend("9003").header("Idempotency-Key", ""));
        assert_eq!(answer.status, 200, "an empty key does not stop a resend");
        assert_eq!(core.outbox().len(), 1);
    }

    #[test]
    fn ids_are_opaque_at_any_length_and_still_checked_otherwise() {
        let long = "x".repeat(129);
        let (reference, variant) = both(&[
            resend(&long),
            Request::new(
                "POST",
                format!("/iam/v1/users/{long}/actions/resend?dryRun=maybe"),
            )
            .bearer(f::ACME_MANAGER_KEY),
            Request::new("POST", format!("/iam/v1/users/{long}/actions/resend")),
        ]);
        assert_eq!(reference, [400, 400, 401]);
        assert_eq!(variant, [404, 400, 401]);
    }

    #[test]
    fn an_oversize_body_is_400_above_the_variants_own_limit() {
        let at_limit = format!(
            r#"{{"p":"{}"}}"#,
            "x".repeat(ALTERNATIVE_MAX_BODY_BYTES - 8)
        );
        assert_eq!(at_limit.len(), ALTERNATIVE_MAX_BODY_BYTES);
        let over = format!("{at_limit} ");
        let mut core = core(Variant::Alternative);
        assert_eq!(core.handle(&resend("999999").body(at_limit)).status, 404);
        assert_eq!(core.handle(&resend("999999").body(over)).status, 400);
    }

    #[test]
    fn addresses_the_reference_refuses_by_its_own_rules_are_looked_up() {
        let lookup = |email: &str| {
            Request::new(
                "GET",
                format!("/tenant/admin/user/invitations_by_email?email={email}"),
            )
            .bearer(f::ACME_MANAGER_KEY)
        };
        let ours = [
            format!("{}@example.com", "a".repeat(65)),
            format!("ada@{}.com", "d".repeat(64)),
            "ada@-example.com".to_owned(),
            "ada@example.123".to_owned(),
            "a@b".to_owned(),
        ];
        let requests: Vec<_> = ours.iter().map(|e| lookup(e)).collect();
        let (reference, variant) = both(&requests);
        assert!(reference.iter().all(|s| *s == 400), "{reference:?}");
        assert!(variant.iter().all(|s| *s == 404), "{variant:?}");
        // What no reading allows stays refused.
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
    }

    #[test]
    fn an_unmanaged_tenant_is_403_before_validation() {
        let request = Request::new("PUT", "/tenant/2048/admin/user/invitation/resend?id=abc")
            .bearer(f::ACME_MANAGER_KEY);
        let (reference, variant) = both(&[request]);
        assert_eq!((reference[0], variant[0]), (400, 403));
    }
}
