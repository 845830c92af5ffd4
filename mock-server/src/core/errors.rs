//! Error answers in each surface's shape, and the rules that every surface answers alike.
//!
//! Shared by the operations, the admin API, the router's answers and the transports, so it
//! imports none of them.

use invitations_sdk::types::{ApiError, FailureResult, IamError};

use ::http::HeaderValue;

use super::http::{truncate, Response};
use super::router::Surface;

/// A tenant-surface error: the `FailureResult` envelope.
pub(crate) fn tenant_error(
    status: u16,
    code: &str,
    message: impl Into<String>,
    info: Vec<String>,
) -> Response {
    Response::json(
        status,
        &FailureResult {
            error: ApiError {
                code: code.to_owned(),
                info,
                message: message.into(),
            },
            is_failure: true,
            is_success: false,
            value: None,
        },
    )
}

/// An IAM (or admin, or unknown-path) error: `{"error": "..."}`.
pub(crate) fn plain_error(status: u16, message: impl Into<String>) -> Response {
    Response::json(
        status,
        &IamError {
            error: message.into(),
        },
    )
}

/// The tenant error code that fits a status.
pub(crate) fn code_for_status(status: u16) -> &'static str {
    match status {
        400 => "ValidationError",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "NotFound",
        405 => "MethodNotAllowed",
        500..=599 => "InternalError",
        _ => "InjectedFault",
    }
}

/// An error in the shape of `surface`.
pub(crate) fn surface_error(surface: Surface, status: u16, message: impl Into<String>) -> Response {
    match surface {
        Surface::Tenant => tenant_error(status, code_for_status(status), message, Vec::new()),
        Surface::Iam | Surface::Other => plain_error(status, message),
    }
}

/// 405 in `surface`'s shape, with `Allow`: `allow` lists the path's methods, separated by
/// `, `.
pub(crate) fn method_not_allowed(surface: Surface, allow: &str, method: &str) -> Response {
    let response = surface_error(
        surface,
        405,
        format!(
            "Method {} is not allowed here; use {allow}.",
            truncate(method, 16)
        ),
    );
    // Method names (tokens) joined by `, `: a valid value, so `Allow` is always sent.
    match HeaderValue::from_str(allow) {
        Ok(allow) => response.with_header_value("allow", allow),
        Err(_) => response,
    }
}

/// The 413 for a body of `len` bytes, if that is longer than `limit` (the IAM resend's and the
/// admin API's rule); `advice` ends the message, saying what to send instead.
pub(crate) fn body_too_large(len: usize, limit: usize, advice: &str) -> Option<Response> {
    (len > limit).then(|| {
        plain_error(
            413,
            format!("The request body exceeds the {limit}-byte limit{advice}."),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_status_has_its_tenant_code() {
        for (status, code) in [
            (400, "ValidationError"),
            (401, "Unauthorized"),
            (403, "Forbidden"),
            (404, "NotFound"),
            (405, "MethodNotAllowed"),
            (500, "InternalError"),
            (503, "InternalError"),
            (599, "InternalError"),
            (418, "InjectedFault"),
            (600, "InjectedFault"),
        ] {
            assert_eq!(code_for_status(status), code, "{status}");
        }
    }

    #[test]
    fn the_body_limit_is_inclusive() {
        assert!(body_too_large(8, 8, "").is_none());
        let refused = body_too_large(9, 8, "; send less").unwrap();
        assert_eq!(refused.status, 413);
        assert_eq!(
            refused.json_body().unwrap()["error"],
            "The request body exceeds the 8-byte limit; send less."
        );
    }

    #[test]
    fn surface_errors_take_their_surface_shape() {
        let tenant = surface_error(Surface::Tenant, 404, "gone")
            .json_body()
            .unwrap();
        assert_eq!(tenant["error"]["code"], "NotFound");
        assert_eq!(tenant["error"]["message"], "gone");
        assert_eq!(tenant["isFailure"], true);
        for surface in [Surface::Iam, Surface::Other] {
            let plain = surface_error(surface, 404, "gone");
            assert_eq!(plain.status, 404);
            assert_eq!(
                plain.json_body().unwrap(),
                serde_json::json!({"error": "gone"})
            );
        }
    }
}
