//! Matching method and path to an operation.

use super::http::decode_segment;
use std::borrow::Cow;

/// The three operations of the spec.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Operation {
    /// `PUT /tenant/{tenantId}/admin/user/invitation/resend?id=`
    ResendInvitation,
    /// `GET /tenant/admin/user/invitations_by_email?email=`
    GetUserInvitationByEmail,
    /// `POST /iam/v1/users/{id}/actions/resend`
    ResendInvite,
}

impl Operation {
    /// Every operation.
    pub const ALL: [Operation; 3] = [
        Operation::ResendInvitation,
        Operation::GetUserInvitationByEmail,
        Operation::ResendInvite,
    ];

    /// The spec's operationId.
    pub fn operation_id(self) -> &'static str {
        match self {
            Operation::ResendInvitation => "ResendInvitation",
            Operation::GetUserInvitationByEmail => "GetUserInvitationByEmail",
            Operation::ResendInvite => "resendInvite",
        }
    }

    /// The operation with this operationId.
    pub fn from_operation_id(id: &str) -> Option<Operation> {
        Operation::ALL
            .into_iter()
            .find(|op| op.operation_id() == id)
    }

    /// Its HTTP method.
    pub fn method(self) -> &'static str {
        match self {
            Operation::ResendInvitation => "PUT",
            Operation::GetUserInvitationByEmail => "GET",
            Operation::ResendInvite => "POST",
        }
    }

    /// The surface it belongs to, which decides the error shape.
    pub fn surface(self) -> Surface {
        match self {
            Operation::ResendInvitation | Operation::GetUserInvitationByEmail => Surface::Tenant,
            Operation::ResendInvite => Surface::Iam,
        }
    }
}

/// Which error shape a path gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Surface {
    /// `/tenant/...`: the `FailureResult` envelope.
    Tenant,
    /// `/iam/...`: `{"error": "..."}`.
    Iam,
    /// Anything else (the admin API included): `{"error": "..."}`.
    Other,
}

/// Where a request goes.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Route {
    /// An operation; `param` is the decoded path parameter (`tenantId` or `id`), empty for
    /// the by-email lookup.
    Api {
        operation: Operation,
        param: Vec<u8>,
    },
    /// `/__admin` or below; the segments after `__admin`, decoded.
    Admin(Vec<Vec<u8>>),
    /// No such path.
    NotFound(Surface),
    /// The path exists with another method.
    MethodNotAllowed {
        surface: Surface,
        allow: &'static str,
    },
}

pub(crate) fn route(method: &str, raw_path: &[u8]) -> Route {
    let Some(rest) = raw_path.strip_prefix(b"/") else {
        return Route::NotFound(Surface::Other);
    };
    let segments: Vec<Cow<'_, [u8]>> = rest.split(|b| *b == b'/').map(decode_segment).collect();
    let seg = |i: usize| segments.get(i).map(|s| &**s);
    let surface = match seg(0) {
        Some(b"tenant") => Surface::Tenant,
        Some(b"iam") => Surface::Iam,
        _ => Surface::Other,
    };
    if seg(0) == Some(b"__admin") {
        return Route::Admin(segments[1..].iter().map(|s| s.to_vec()).collect());
    }
    let matched = match segments.len() {
        6 if seg(0) == Some(b"tenant")
            && (2..6)
                .map(seg)
                .eq([&b"admin"[..], b"user", b"invitation", b"resend"].map(Some)) =>
        {
            Some((Operation::ResendInvitation, segments[1].to_vec()))
        }
        4 if (0..4)
            .map(seg)
            .eq([&b"tenant"[..], b"admin", b"user", b"invitations_by_email"].map(Some)) =>
        {
            Some((Operation::GetUserInvitationByEmail, Vec::new()))
        }
        6 if (0..3).map(seg).eq([&b"iam"[..], b"v1", b"users"].map(Some))
            && (4..6).map(seg).eq([&b"actions"[..], b"resend"].map(Some)) =>
        {
            Some((Operation::ResendInvite, segments[3].to_vec()))
        }
        _ => None,
    };
    match matched {
        None => Route::NotFound(surface),
        Some((operation, _)) if method != operation.method() => Route::MethodNotAllowed {
            surface,
            allow: operation.method(),
        },
        Some((operation, param)) => Route::Api { operation, param },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_three_operations() {
        assert_eq!(
            route("PUT", b"/tenant/1024/admin/user/invitation/resend"),
            Route::Api {
                operation: Operation::ResendInvitation,
                param: b"1024".to_vec()
            }
        );
        assert_eq!(
            route("GET", b"/tenant/admin/user/invitations_by_email"),
            Route::Api {
                operation: Operation::GetUserInvitationByEmail,
                param: Vec::new()
            }
        );
        assert_eq!(
            route("POST", b"/iam/v1/users/90%301/actions/resend"),
            Route::Api {
                operation: Operation::ResendInvite,
                param: b"9001".to_vec()
            }
        );
    }

    #[test]
    fn wrong_method_and_unknown_paths() {
        assert_eq!(
            route("GET", b"/tenant/1/admin/user/invitation/resend"),
            Route::MethodNotAllowed {
                surface: Surface::Tenant,
                allow: "PUT"
            }
        );
        assert_eq!(
            route("post", b"/iam/v1/users/1/actions/resend"),
            Route::MethodNotAllowed {
                surface: Surface::Iam,
                allow: "POST"
            }
        );
        assert_eq!(
            route("PUT", b"/tenant/1/admin/user/invitation/resend/"),
            Route::NotFound(Surface::Tenant)
        );
        assert_eq!(
            route("POST", b"/iam/v2/users/1/actions/resend"),
            Route::NotFound(Surface::Iam)
        );
        assert_eq!(
            route("GET", b"/api/tenant/users/x"),
            Route::NotFound(Surface::Other)
        );
        assert_eq!(route("GET", b"*"), Route::NotFound(Surface::Other));
        assert_eq!(route("GET", b""), Route::NotFound(Surface::Other));
        assert_eq!(
            route("GET", b"/__admin/health"),
            Route::Admin(vec![b"health".to_vec()])
        );
    }
}
