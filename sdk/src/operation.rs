//! [`Operation`]: the API's operations, named once for the SDK, the mock and the contract suite.

use std::fmt;

/// One operation of the spec (`openapi/invitations.yaml`): its operationId, HTTP method and
/// path template.
///
/// The SDK names its tracing spans and errors after it, the reference mock routes requests to
/// it and the contract suite files its cases under it, so that the list exists once. A test
/// (`sdk/tests/operations.rs`) checks it against the spec.
///
/// ```
/// use invitations_sdk::Operation;
///
/// let op = Operation::from_id("resendInvite").unwrap();
/// assert_eq!(op, Operation::ResendInvite);
/// assert_eq!(op.method(), "POST");
/// assert_eq!(op.path(), "/iam/v1/users/{id}/actions/resend");
/// assert_eq!(op.to_string(), "resendInvite");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Operation {
    /// `PUT /tenant/{tenantId}/admin/user/invitation/resend?id=`: resend a pending
    /// invitation of a tenant ([`Client::resend_invitation`](crate::Client::resend_invitation)).
    ResendInvitation,
    /// `GET /tenant/admin/user/invitations_by_email?email=`: the pending invitation sent to an
    /// address ([`Client::invitation_by_email`](crate::Client::invitation_by_email)).
    GetUserInvitationByEmail,
    /// `POST /iam/v1/users/{id}/actions/resend`: resend an invite in any state
    /// ([`Client::resend_invite`](crate::Client::resend_invite)).
    ResendInvite,
}

impl Operation {
    /// Every operation, in the spec's order.
    pub const ALL: [Operation; 3] = [
        Operation::ResendInvitation,
        Operation::GetUserInvitationByEmail,
        Operation::ResendInvite,
    ];

    /// The spec's `operationId`.
    pub const fn id(self) -> &'static str {
        match self {
            Operation::ResendInvitation => "ResendInvitation",
            Operation::GetUserInvitationByEmail => "GetUserInvitationByEmail",
            Operation::ResendInvite => "resendInvite",
        }
    }

    /// The operation whose `operationId` is `id` (case-sensitive, as in the spec).
    pub fn from_id(id: &str) -> Option<Operation> {
        Operation::ALL.into_iter().find(|op| op.id() == id)
    }

    /// The HTTP method, upper case.
    pub const fn method(self) -> &'static str {
        match self {
            Operation::ResendInvitation => "PUT",
            Operation::GetUserInvitationByEmail => "GET",
            Operation::ResendInvite => "POST",
        }
    }

    /// The path template as the spec writes it, parameters in braces.
    pub const fn path(self) -> &'static str {
        match self {
            Operation::ResendInvitation => "/tenant/{tenantId}/admin/user/invitation/resend",
            Operation::GetUserInvitationByEmail => "/tenant/admin/user/invitations_by_email",
            Operation::ResendInvite => "/iam/v1/users/{id}/actions/resend",
        }
    }

    /// True for the tenant admin surface (`/tenant/...`, bodies in a result envelope), false
    /// for the IAM surface (`/iam/...`, plain bodies, errors as `{error}`).
    pub const fn is_tenant(self) -> bool {
        match self {
            Operation::ResendInvitation | Operation::GetUserInvitationByEmail => true,
            Operation::ResendInvite => false,
        }
    }
}

impl fmt::Display for Operation {
    /// The `operationId`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip() {
        for op in Operation::ALL {
            assert_eq!(Operation::from_id(op.id()), Some(op));
            assert_eq!(op.to_string(), op.id());
        }
        assert_eq!(Operation::from_id("resendinvite"), None);
        assert_eq!(Operation::from_id(""), None);
    }

    #[test]
    fn the_surface_is_the_first_path_segment() {
        for op in Operation::ALL {
            assert_eq!(op.is_tenant(), op.path().starts_with("/tenant/"), "{op}");
        }
    }
}
