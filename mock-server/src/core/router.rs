//! Matching method and path to an operation.

use std::borrow::Cow;

pub use invitations_sdk::Operation;

/// The error shape of an operation's surface.
pub(crate) fn surface(operation: Operation) -> Surface {
    if operation.is_tenant() {
        Surface::Tenant
    } else {
        Surface::Iam
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

/// Where a request goes. `A` is what an API request carries: [`route`] gives its
/// [`ApiPath`], and the core replaces that with the operation's own checks
/// ([`Route::map_api`]).
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Route<A = ApiPath> {
    /// An operation.
    Api(A),
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

/// An operation matched by method and path.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct ApiPath {
    pub(crate) operation: Operation,
    /// The decoded path parameter (`tenantId` or `id`), empty for the by-email lookup.
    pub(crate) param: Vec<u8>,
}

impl<A> Route<A> {
    /// The same route, an API request's `A` turned into a `B`.
    pub(crate) fn map_api<B>(self, f: impl FnOnce(A) -> B) -> Route<B> {
        match self {
            Route::Api(api) => Route::Api(f(api)),
            Route::Admin(segments) => Route::Admin(segments),
            Route::NotFound(surface) => Route::NotFound(surface),
            Route::MethodNotAllowed { surface, allow } => {
                Route::MethodNotAllowed { surface, allow }
            }
        }
    }
}

/// The most segments an API path has (`/tenant/{id}/admin/user/invitation/resend`).
const MOST_SEGMENTS: usize = 6;

/// `rest` split at `/` in one pass over its bytes, unless it holds a `%` (to decode) or more
/// than [`MOST_SEGMENTS`] segments (no API path has that many).
fn split_plain(rest: &[u8]) -> Option<([&[u8]; MOST_SEGMENTS], usize)> {
    let mut path: [&[u8]; MOST_SEGMENTS] = [&[]; MOST_SEGMENTS];
    let mut count = 0;
    let mut start = 0;
    for (at, byte) in rest.iter().enumerate() {
        match byte {
            b'%' => return None,
            b'/' => {
                // This one and the segment after it: more than fit.
                if count + 1 == MOST_SEGMENTS {
                    return None;
                }
                path[count] = &rest[start..at];
                count += 1;
                start = at + 1;
            }
            _ => {}
        }
    }
    path[count] = &rest[start..];
    Some((path, count + 1))
}

pub(crate) fn route(method: &str, raw_path: &[u8]) -> Route {
    let Some(rest) = raw_path.strip_prefix(b"/") else {
        return Route::NotFound(Surface::Other);
    };
    // The common case, nothing percent-encoded and no more segments than an API path, is
    // split on the stack by hand: this runs on every request, and the general path below
    // cost 733 instructions per by-email request where this costs 657 (callgrind).
    if let Some((path, count)) = split_plain(rest) {
        return route_segments(method, &path[..count]);
    }
    let segments: Vec<Cow<'_, [u8]>> = rest.split(|b| *b == b'/').map(decode_segment).collect();
    let path: Vec<&[u8]> = segments.iter().map(|s| &**s).collect();
    route_segments(method, &path)
}

/// Percent-decodes one path segment (`+` stays `+` in paths), borrowing it when it has
/// nothing to decode.
pub(crate) fn decode_segment(raw: &[u8]) -> Cow<'_, [u8]> {
    percent_encoding::percent_decode(raw).into()
}

/// [`route`] on the decoded segments after the leading `/`.
fn route_segments(method: &str, path: &[&[u8]]) -> Route {
    // One arm per `Operation::path()` template; the tests check each template routes here.
    let matched = match path {
        [b"__admin", rest @ ..] => return Route::Admin(rest.iter().map(|s| s.to_vec()).collect()),
        [b"tenant", tenant_id, b"admin", b"user", b"invitation", b"resend"] => {
            Some((Operation::ResendInvitation, tenant_id.to_vec()))
        }
        [b"tenant", b"admin", b"user", b"invitations_by_email"] => {
            Some((Operation::GetUserInvitationByEmail, Vec::new()))
        }
        [b"iam", b"v1", b"users", id, b"actions", b"resend"] => {
            Some((Operation::ResendInvite, id.to_vec()))
        }
        _ => None,
    };
    let surface = match path {
        [b"tenant", ..] => Surface::Tenant,
        [b"iam", ..] => Surface::Iam,
        _ => Surface::Other,
    };
    match matched {
        None => Route::NotFound(surface),
        Some((operation, _)) if method != operation.method() => Route::MethodNotAllowed {
            surface,
            allow: operation.method(),
        },
        Some((operation, param)) => Route::Api(ApiPath { operation, param }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The route to `operation` with `param` as its path parameter.
    fn api(operation: Operation, param: &[u8]) -> Route {
        Route::Api(ApiPath {
            operation,
            param: param.to_vec(),
        })
    }

    #[test]
    fn plain_paths_are_split_on_the_stack_and_others_left_to_the_general_path() {
        let (path, count) = split_plain(b"tenant/admin/user/invitations_by_email").unwrap();
        assert_eq!(
            path[..count],
            [&b"tenant"[..], b"admin", b"user", b"invitations_by_email"]
        );
        let (path, count) = split_plain(b"a//b/").unwrap();
        assert_eq!(path[..count], [&b"a"[..], b"", b"b", b""]);
        let six = b"tenant/1/admin/user/invitation/resend";
        assert_eq!(split_plain(six).map(|(_, count)| count), Some(6));
        // Seven segments, or anything to decode: the general path.
        assert!(split_plain(b"tenant/1/admin/user/invitation/resend/x").is_none());
        assert!(split_plain(b"iam/v1/users/90%301/actions/resend").is_none());
    }

    #[test]
    fn matches_the_three_operations() {
        assert_eq!(
            route("PUT", b"/tenant/1024/admin/user/invitation/resend"),
            api(Operation::ResendInvitation, b"1024")
        );
        assert_eq!(
            route("GET", b"/tenant/admin/user/invitations_by_email"),
            api(Operation::GetUserInvitationByEmail, b"")
        );
        assert_eq!(
            route("POST", b"/iam/v1/users/90%301/actions/resend"),
            api(Operation::ResendInvite, b"9001")
        );
    }

    /// The router and `Operation::path()` name the same paths: each template, its parameter
    /// filled in, routes to its operation with that parameter.
    #[test]
    fn every_operation_template_routes_to_its_operation() {
        for operation in Operation::ALL {
            let mut param = Vec::new();
            let path: Vec<&str> = operation
                .path()
                .split('/')
                .map(|segment| {
                    if segment.starts_with('{') {
                        param = b"42".to_vec();
                        "42"
                    } else {
                        segment
                    }
                })
                .collect();
            assert_eq!(
                route(operation.method(), path.join("/").as_bytes()),
                Route::Api(ApiPath { operation, param }),
                "{}",
                operation.path()
            );
        }
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
        for (method, path, surface) in [
            (
                "PUT",
                &b"/tenant/1/admin/user/invitation/resend/"[..],
                Surface::Tenant,
            ),
            ("POST", b"/iam/v2/users/1/actions/resend", Surface::Iam),
            ("GET", b"/api/tenant/users/x", Surface::Other),
            ("GET", b"*", Surface::Other),
            ("GET", b"", Surface::Other),
            // Longer than any API path, with and without percent-encoding.
            (
                "PUT",
                b"/tenant/1/admin/user/invitation/resend/x",
                Surface::Tenant,
            ),
            (
                "PUT",
                b"/tenant/1/admin/user/invitation/resen%64/x",
                Surface::Tenant,
            ),
        ] {
            let shown = String::from_utf8_lossy(path);
            assert_eq!(
                route(method, path),
                Route::NotFound(surface),
                "{method} {shown}"
            );
        }
        assert_eq!(
            route("GET", b"/__admin/a/b/c/d/e/f/g"),
            Route::Admin(
                ["a", "b", "c", "d", "e", "f", "g"]
                    .map(|s| s.as_bytes().to_vec())
                    .to_vec()
            )
        );
        assert_eq!(
            route("PUT", b"/tenant/1/admin/user/invitation/resen%64"),
            api(Operation::ResendInvitation, b"1")
        );
        assert_eq!(
            route("GET", b"/__admin/health"),
            Route::Admin(vec![b"health".to_vec()])
        );
    }
}
