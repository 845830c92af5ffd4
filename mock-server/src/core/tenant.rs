//! The tenant admin surface: every body is the result envelope.

use std::borrow::Cow;
use std::num::NonZeroU64;

use chrono::{DateTime, Utc};
use invitations_sdk::types::{UserInvitationModel, UserInvitationModelEmail};
use invitations_sdk::InvitationStatus;

use super::auth::{authorize, bearer, AuthFailure};
use super::errors::tenant_error;
use super::http::{Answer, Query, Request, Response};
use super::router::Surface;
use super::store::{InvitationRecord, Store};
use super::token::new_token;
use super::validate::{parse_positive_id, validate_email};

const VALIDATION_MESSAGE: &str = "The request parameters failed validation.";

fn validation_error(info: Vec<String>) -> Response {
    tenant_error(400, "ValidationError", VALIDATION_MESSAGE, info)
}

/// The spec's `UserInvitationModel` for a stored invitation, as read at `now`.
///
/// `None` only if a store invariant (positive ids, emails of at most 254 characters) is
/// broken, which the store's own checks prevent.
fn model(inv: &InvitationRecord, now: DateTime<Utc>) -> Option<UserInvitationModel> {
    Some(UserInvitationModel {
        created_at: inv.created_at,
        email: UserInvitationModelEmail::try_from(inv.email.as_str()).ok()?,
        expires_at: Some(inv.expires_at),
        id: NonZeroU64::new(inv.id)?,
        status: inv.effective_status(now),
        tenant_id: NonZeroU64::new(inv.tenant_id),
    })
}

fn broken_invariant() -> Response {
    tenant_error(
        500,
        "InternalError",
        "The mock's store holds an invitation the spec cannot describe; this is a mock bug.",
        Vec::new(),
    )
}

/// `PUT /tenant/{tenantId}/admin/user/invitation/resend?id=`: what the request says, read
/// before the core is locked.
pub(crate) struct ResendInvitation<'r> {
    bearer: Result<&'r str, AuthFailure>,
    /// The tenant and invitation ids, or the 400's details.
    ids: Result<(u64, u64), Vec<String>>,
    /// The invitation's new token, used if it is resent.
    token: String,
}

impl<'r> ResendInvitation<'r> {
    /// `tenant_param`: the path's `tenantId`, as decoded.
    pub(crate) fn read(request: &'r Request, tenant_param: &[u8]) -> ResendInvitation<'r> {
        ResendInvitation {
            bearer: bearer(request),
            ids: ids(request, tenant_param),
            token: new_token(),
        }
    }

    /// The answer, checks in the documented order: 401/403, 400, 403 (tenant), 404, 400
    /// (not pending). `now`: the mock clock when the request came in.
    pub(crate) fn answer(self, store: &mut Store, now: DateTime<Utc>) -> Answer {
        let key = match authorize(store, self.bearer) {
            Ok(key) => key,
            Err(failure) => return failure.answer(Surface::Tenant).into(),
        };
        let (tenant, id) = match self.ids {
            Ok(ids) => ids,
            Err(info) => return validation_error(info).into(),
        };
        // A tenant that does not exist is "not managed" too, so tenant ids cannot be probed.
        if !key.tenants.contains(&tenant) || !store.tenant_exists(tenant) {
            return tenant_error(
                403,
                "Forbidden",
                format!("The API key does not manage tenant {tenant}."),
                Vec::new(),
            )
            .into();
        }
        let Some(inv) = store.invitation(id).filter(|inv| inv.tenant_id == tenant) else {
            return tenant_error(
                404,
                "NotFound",
                format!("No invitation with id {id} exists in tenant {tenant}."),
                Vec::new(),
            )
            .into();
        };
        let status = inv.effective_status(now);
        if status != InvitationStatus::Pending {
            return tenant_error(
                400,
                "InvitationNotPending",
                format!(
                    "Only a pending invitation can be resent; this one is {status}. \
                     The IAM resend (POST /iam/v1/users/{id}/actions/resend) reactivates it."
                ),
                vec![format!("status: {status}")],
            )
            .into();
        }
        let Some(model) = store
            .resend_with(id, now, self.token)
            .and_then(|inv| model(inv, now))
        else {
            return broken_invariant().into();
        };
        // Serialised once the core's lock is released.
        Answer::invitation_list(model)
    }
}

/// The tenant resend's ids: the path's `tenantId` and the query's `id`, each checked, or
/// every problem found (a query that does not decode is the only one then).
fn ids(request: &Request, tenant_param: &[u8]) -> Result<(u64, u64), Vec<String>> {
    let query = Query::parse(request.query.as_deref()).map_err(|err| vec![err.message()])?;
    let mut info = Vec::new();
    let tenant_id = match std::str::from_utf8(tenant_param) {
        Ok(raw) => parse_positive_id("TenantId", raw)
            .map_err(|msg| info.push(msg))
            .ok(),
        Err(_) => {
            info.push("The TenantId field is not valid UTF-8.".to_owned());
            None
        }
    };
    let id = parse_positive_id("Id", query.get("id").unwrap_or_default())
        .map_err(|msg| info.push(msg))
        .ok();
    match (tenant_id, id) {
        (Some(tenant_id), Some(id)) => Ok((tenant_id, id)),
        _ => Err(info),
    }
}

/// `GET /tenant/admin/user/invitations_by_email?email=`: what the request says, read
/// before the core is locked.
pub(crate) struct GetUserInvitationByEmail<'r> {
    bearer: Result<&'r str, AuthFailure>,
    email: Email<'r>,
}

/// The by-email lookup's `email` parameter, read once and checked.
enum Email<'r> {
    /// An address to look up.
    Valid(Cow<'r, str>),
    /// An address the rules refuse (the 400's detail), kept for the conforming variant's
    /// looser rules ([`GetUserInvitationByEmail::loosen`]).
    Refused(Cow<'r, str>, String),
    /// The query string does not decode (the 400's detail).
    BadQuery(String),
}

impl<'r> GetUserInvitationByEmail<'r> {
    pub(crate) fn read(request: &'r Request) -> GetUserInvitationByEmail<'r> {
        let email = match Query::parse(request.query.as_deref()) {
            Err(err) => Email::BadQuery(err.message()),
            Ok(query) => {
                let email = query.into_value("email").unwrap_or_default();
                match validate_email(&email) {
                    Ok(()) => Email::Valid(email),
                    Err(err) => Email::Refused(email, err.to_string()),
                }
            }
        };
        GetUserInvitationByEmail {
            bearer: bearer(request),
            email,
        }
    }

    /// Looks up a refused address too when `accepts` takes it (the conforming variant's
    /// rules; such an address matches no stored invitation, so it is not found).
    pub(crate) fn loosen(&mut self, accepts: fn(&str) -> bool) {
        if let Email::Refused(email, _) = &mut self.email
            && accepts(email)
        {
            self.email = Email::Valid(std::mem::take(email));
        }
    }

    /// The answer, checks in the documented order: 401/403, 400, 404. `now`: the mock clock
    /// when the request came in.
    pub(crate) fn answer(self, store: &Store, now: DateTime<Utc>) -> Answer {
        let key = match authorize(store, self.bearer) {
            Ok(key) => key,
            Err(failure) => return failure.answer(Surface::Tenant).into(),
        };
        let email = match self.email {
            Email::Valid(email) => email,
            Email::Refused(_, why) | Email::BadQuery(why) => {
                return validation_error(vec![why]).into()
            }
        };
        let Some(inv) = store.pending_by_email(&email, &key.tenants, now) else {
            return tenant_error(
                404,
                "NotFound",
                "No pending invitation exists for this email address.",
                Vec::new(),
            )
            .into();
        };
        let Some(model) = model(inv, now) else {
            return broken_invariant().into();
        };
        // Serialised once the core's lock is released.
        Answer::invitation(model)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// No request reaches it while the store keeps its invariants, so only this test sees
    /// that a broken record is reported as the mock's own 500, not as some other answer.
    #[test]
    fn a_broken_invariant_is_an_internal_error() {
        let response = broken_invariant();
        assert_eq!(response.status, 500);
        let body: serde_json::Value = serde_json::from_slice(&response.body).unwrap();
        assert_eq!(body["error"]["code"], "InternalError");
        assert_eq!(body["isFailure"], true);
    }
}
