//! Bearer API keys.

use std::sync::Arc;

use super::errors::surface_error;
use super::http::{Request, Response};
use super::router::Surface;
use super::store::{ApiKey, Store};

/// Why a request was not let in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum AuthFailure {
    /// 401: no usable `Authorization: Bearer <key>`, or an unknown key.
    Unauthenticated(&'static str),
    /// 403: a known key without `usersManager`.
    NoPermission,
}

impl AuthFailure {
    pub(crate) fn status(&self) -> u16 {
        match self {
            AuthFailure::Unauthenticated(_) => 401,
            AuthFailure::NoPermission => 403,
        }
    }

    /// The refusal in `surface`'s shape; a 401 says which scheme to use
    /// (`WWW-Authenticate: Bearer`).
    pub(crate) fn answer(&self, surface: Surface) -> Response {
        let response = surface_error(surface, self.status(), self.message());
        match self {
            AuthFailure::Unauthenticated(_) => response.with_header("www-authenticate", "Bearer"),
            AuthFailure::NoPermission => response,
        }
    }

    pub(crate) fn message(&self) -> &'static str {
        match self {
            AuthFailure::Unauthenticated(why) => why,
            AuthFailure::NoPermission => {
                "The API key lacks the usersManager permission; use a key that has it."
            }
        }
    }
}

const MISSING: &str = "Missing API key: send the header `Authorization: Bearer <api key>`.";
const MALFORMED: &str =
    "Malformed Authorization header: it must be exactly one `Authorization: Bearer <api key>`.";
const UNKNOWN: &str = "Invalid API key: this key is not known; check for typos or use another key.";

/// The caller's key, checked for `usersManager`.
pub(crate) fn authenticate(store: &Store, request: &Request) -> Result<Arc<ApiKey>, AuthFailure> {
    authorize(store, bearer(request))
}

/// The key an `Authorization: Bearer <key>` header carries, or why the header is unusable:
/// the half of [`authenticate`] that needs no state, so it runs before the core is locked.
pub(crate) fn bearer(request: &Request) -> Result<&str, AuthFailure> {
    let mut values = request.header_values(&http::header::AUTHORIZATION);
    let value = values.next().ok_or(AuthFailure::Unauthenticated(MISSING))?;
    if values.next().is_some() {
        return Err(AuthFailure::Unauthenticated(MALFORMED));
    }
    let value = std::str::from_utf8(value).map_err(|_| AuthFailure::Unauthenticated(MALFORMED))?;
    let value = value.trim();
    // A byte search: `split_once(' ')` goes through the general pattern machinery.
    let space = value
        .bytes()
        .position(|b| b == b' ')
        .ok_or(AuthFailure::Unauthenticated(MALFORMED))?;
    let (scheme, key) = value.split_at(space);
    let key = key.trim_start();
    if !scheme.eq_ignore_ascii_case("bearer") || key.is_empty() {
        return Err(AuthFailure::Unauthenticated(MALFORMED));
    }
    Ok(key)
}

/// The other half of [`authenticate`]: the key [`bearer`] found, looked up and checked for
/// `usersManager`.
pub(crate) fn authorize(
    store: &Store,
    bearer: Result<&str, AuthFailure>,
) -> Result<Arc<ApiKey>, AuthFailure> {
    let key = store
        .key(bearer?)
        .ok_or(AuthFailure::Unauthenticated(UNKNOWN))?;
    if !key.users_manager {
        return Err(AuthFailure::NoPermission);
    }
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::fixture::{self, Fixture};
    use chrono::Utc;

    fn check(headers: &[&[u8]]) -> Result<String, u16> {
        let store = Store::from_fixture(&Fixture::default(), Utc::now(), 10);
        let mut req = Request::new("GET", "/");
        for h in headers {
            req = req.header("Authorization", h);
        }
        authenticate(&store, &req)
            .map(|k| k.key.clone())
            .map_err(|e| e.status())
    }

    #[test]
    fn bearer_forms() {
        assert_eq!(
            check(&[b"Bearer acme-manager-key"]),
            Ok(fixture::ACME_MANAGER_KEY.into())
        );
        assert_eq!(
            check(&[b"bearer  acme-manager-key "]),
            Ok(fixture::ACME_MANAGER_KEY.into())
        );
        assert_eq!(check(&[]), Err(401));
        assert_eq!(check(&[b"acme-manager-key"]), Err(401));
        assert_eq!(check(&[b"Basic acme-manager-key"]), Err(401));
        assert_eq!(check(&[b"Bearer "]), Err(401));
        assert_eq!(check(&[b"Bearer nope"]), Err(401));
        assert_eq!(check(&[b"Bearer acme-manager-key\xff"]), Err(401));
        assert_eq!(
            check(&[b"Bearer acme-manager-key", b"Bearer acme-manager-key"]),
            Err(401)
        );
        assert_eq!(check(&[b"Bearer acme-viewer-key"]), Err(403));
    }
}
