//! The tenant admin surface: every body is the result envelope.

use std::num::NonZeroU64;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use invitations_sdk::types::{UserInvitationModel, UserInvitationModelEmail};
use invitations_sdk::InvitationStatus;

use super::auth::{authorize, AuthFailure};
use super::http::{Answer, Query, QueryError, Response};
use super::store::{ApiKey, InvitationRecord, Store};
use super::validate::parse_positive_id;
use super::{tenant_error, Core, Prechecked};

const VALIDATION_MESSAGE: &str = "The request parameters failed validation.";

fn validation_error(info: Vec<String>) -> Response {
    tenant_error(400, "ValidationError", VALIDATION_MESSAGE, info)
}

/// The caller's key and the request's query, or the error answer: every tenant operation
/// authenticates first, so a bad key outranks a malformed query. The error answer is boxed
/// to keep the `Result` small on the way that succeeds.
fn admit<'r>(
    store: &Store,
    bearer: Result<&str, AuthFailure>,
    query: Result<Query<'r>, QueryError>,
) -> Result<(Arc<ApiKey>, Query<'r>), Box<Response>> {
    let key = authorize(store, bearer)
        .map_err(|failure| Box::new(auth_error(failure.status(), failure.message())))?;
    let query = query.map_err(|err| Box::new(validation_error(vec![err.message()])))?;
    Ok((key, query))
}

/// The spec's `UserInvitationModel` for a stored invitation, as read at `now`.
///
/// `None` only if a store invariant (positive ids, emails of at most 254 characters) is
/// broken, which the store's own checks prevent.
pub(crate) fn model(inv: &InvitationRecord, now: DateTime<Utc>) -> Option<UserInvitationModel> {
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

impl Core {
    /// `PUT /tenant/{tenantId}/admin/user/invitation/resend?id=`
    /// `token` is the invitation's new token, if it is resent; `now` the mock clock when the
    /// request came in.
    pub(super) fn resend_invitation(
        &mut self,
        tenant_param: &[u8],
        prechecked: Prechecked<'_>,
        token: String,
        now: DateTime<Utc>,
    ) -> Answer {
        let (key, query) = match admit(&self.store, prechecked.bearer, prechecked.query) {
            Ok(admitted) => admitted,
            Err(response) => return (*response).into(),
        };
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
        let (Some(tenant_id), Some(id)) = (tenant_id, id) else {
            return validation_error(info).into();
        };
        // A tenant that does not exist is "not managed" too, so tenant ids cannot be probed.
        let tenant = tenant_id;
        if !key.tenants.contains(&tenant) || !self.store.tenant_exists(tenant) {
            return tenant_error(
                403,
                "Forbidden",
                format!("The API key does not manage tenant {tenant_id}."),
                Vec::new(),
            )
            .into();
        }
        let Some(inv) = self
            .store
            .invitation(id)
            .filter(|inv| inv.tenant_id == tenant)
        else {
            return tenant_error(
                404,
                "NotFound",
                format!("No invitation with id {id} exists in tenant {tenant_id}."),
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
        let Some(model) = self
            .store
            .resend_with(id, now, token)
            .and_then(|inv| model(inv, now))
        else {
            return broken_invariant().into();
        };
        // Serialised once the core's lock is released.
        Answer::invitation_list(model)
    }

    /// `GET /tenant/admin/user/invitations_by_email?email=`
    pub(super) fn get_by_email(
        &mut self,
        prechecked: Prechecked<'_>,
        now: DateTime<Utc>,
    ) -> Answer {
        let (key, query) = match admit(&self.store, prechecked.bearer, prechecked.query) {
            Ok(admitted) => admitted,
            Err(response) => return (*response).into(),
        };
        let email = query.get("email").unwrap_or_default();
        // Checked before the lock (`Prechecked`), whenever the query decoded, as it did here.
        if let Some(Err(err)) = prechecked.email {
            return validation_error(vec![err.to_string()]).into();
        }
        let Some(inv) = self.store.pending_by_email(email, &key.tenants, now) else {
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

fn auth_error(status: u16, message: &str) -> Response {
    let code = if status == 401 {
        "Unauthorized"
    } else {
        "Forbidden"
    };
    let response = tenant_error(status, code, message, Vec::new());
    if status == 401 {
        response.with_header("www-authenticate", "Bearer")
    } else {
        response
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
