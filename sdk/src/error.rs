//! [`Error`]: one error type for both API surfaces, and [`BuildError`] for the builder.

use std::time::Duration;

use reqwest::StatusCode;

use crate::generated::types;

/// Longest body excerpt kept in a [`Error::Decode`] or in the message of an undocumented status.
const EXCERPT_CHARS: usize = 200;

/// Error code the tenant surface uses for "only a pending invitation can be resent".
pub const CODE_INVITATION_NOT_PENDING: &str = "InvitationNotPending";

/// Why a call failed.
///
/// The same type for the tenant admin surface (envelope errors with `code`, `message` and
/// `info`) and the IAM surface (`{"error": message}`). It never contains the API key.
///
/// ```
/// # use invitations_sdk::Error;
/// fn explain(err: &Error) -> &'static str {
///     if err.is_not_found() {
///         "no such invitation"
///     } else if err.is_not_pending() {
///         "only pending invitations can be resent here"
///     } else if err.is_unauthorized() || err.is_forbidden() {
///         "check the API key"
///     } else if err.is_retryable() {
///         "try again later"
///     } else {
///         "failed"
///     }
/// }
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The server answered with an error status: a documented one (with the surface's error
    /// body) or an undocumented one such as 429 or 503 (with whatever message its body had).
    #[error("{status}{}: {message}", code.as_ref().map(|c| format!(" [{c}]")).unwrap_or_default())]
    Api {
        /// The HTTP status.
        status: StatusCode,
        /// The tenant surface's `error.code` (`NotFound`, `InvitationNotPending`, ...). `None`
        /// on the IAM surface, which has no codes, and for undocumented statuses.
        code: Option<String>,
        /// The server's message, or the status's reason phrase when the body had none.
        message: String,
        /// The tenant surface's `error.info` details; empty elsewhere.
        info: Vec<String>,
        /// The `Retry-After` header in seconds, when the server sent one.
        retry_after: Option<Duration>,
    },

    /// The server's answer does not match the API description: invalid JSON, a missing or
    /// misnamed field (such as `data` where `value` belongs), or a success envelope with
    /// `value: null`.
    #[error(
        "could not decode the {operation} response{}: {reason}; body starts with: {excerpt}",
        status.map(|s| format!(" (HTTP {s})")).unwrap_or_default()
    )]
    Decode {
        /// The operation, such as `resendInvite`.
        operation: &'static str,
        /// The HTTP status, when known (the generated client does not report it for a
        /// documented status whose body fails to decode).
        status: Option<StatusCode>,
        /// What was wrong: the serde message or a description of the mismatch.
        reason: String,
        /// The start of the body, at most 200 characters, for diagnosis.
        excerpt: String,
    },

    /// No answer arrived within the connect or request timeout.
    #[error("the {operation} request timed out")]
    Timeout {
        /// The operation, such as `resendInvite`.
        operation: &'static str,
        /// The underlying error.
        #[source]
        source: reqwest::Error,
    },

    /// The connection could not be established (refused, DNS, TLS); the request was not sent.
    #[error("could not connect to the server for {operation}")]
    Connect {
        /// The operation, such as `resendInvite`.
        operation: &'static str,
        /// The underlying error.
        #[source]
        source: reqwest::Error,
    },

    /// Another transport failure (connection reset, body read error, ...). The request may
    /// or may not have reached the server.
    #[error("transport error during {operation}")]
    Transport {
        /// The operation, such as `resendInvite`.
        operation: &'static str,
        /// The underlying error.
        #[source]
        source: reqwest::Error,
    },

    /// An argument was rejected before anything was sent (an id of 0 or below, an email
    /// that is too short or too long, an over-long idempotency key).
    #[error("invalid {name}: {reason}")]
    InvalidArgument {
        /// The argument, such as `tenant_id`.
        name: &'static str,
        /// What is wrong with it.
        reason: String,
    },
}

impl Error {
    /// The HTTP status, for errors that carry one.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Api { status, .. } => Some(*status),
            Error::Decode { status, .. } => *status,
            Error::Timeout { source, .. }
            | Error::Connect { source, .. }
            | Error::Transport { source, .. } => source.status(),
            Error::InvalidArgument { .. } => None,
        }
    }

    /// The tenant surface's error code, such as `NotFound` or `InvitationNotPending`.
    pub fn code(&self) -> Option<&str> {
        match self {
            Error::Api { code, .. } => code.as_deref(),
            _ => None,
        }
    }

    /// The server's message, for [`Error::Api`].
    pub fn message(&self) -> Option<&str> {
        match self {
            Error::Api { message, .. } => Some(message),
            _ => None,
        }
    }

    /// The tenant surface's `error.info` details (empty when there are none).
    pub fn info(&self) -> &[String] {
        match self {
            Error::Api { info, .. } => info,
            _ => &[],
        }
    }

    /// The server's `Retry-After`, when it sent one.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::Api { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// 404: no such invitation (or one the key may not see).
    pub fn is_not_found(&self) -> bool {
        self.api_status() == Some(StatusCode::NOT_FOUND)
    }

    /// 401: the API key is missing or unknown.
    pub fn is_unauthorized(&self) -> bool {
        self.api_status() == Some(StatusCode::UNAUTHORIZED)
    }

    /// 403: the key lacks `usersManager` or does not manage the tenant.
    pub fn is_forbidden(&self) -> bool {
        self.api_status() == Some(StatusCode::FORBIDDEN)
    }

    /// The tenant resend refused an invitation that is not `Pending` (400
    /// `InvitationNotPending`).
    pub fn is_not_pending(&self) -> bool {
        self.code() == Some(CODE_INVITATION_NOT_PENDING)
    }

    /// 409 from `resendInvite`: a request with the same `Idempotency-Key` is still being
    /// processed. Nothing was done; retry later with the same key to get the first request's
    /// answer. (Not [retryable](Self::is_retryable) automatically: how long the first request
    /// takes is the caller's call.)
    ///
    /// ```
    /// # use invitations_sdk::Error;
    /// # fn handle(err: Error) {
    /// if err.is_idempotency_key_in_flight() {
    ///     // wait, then send the same request with the same key again
    /// }
    /// # }
    /// ```
    pub fn is_idempotency_key_in_flight(&self) -> bool {
        self.api_status() == Some(StatusCode::CONFLICT)
    }

    /// 422 from `resendInvite`: this `Idempotency-Key` was already used for a different
    /// request (another invite id or `dryRun`). Nothing was done; use a new key.
    pub fn is_idempotency_key_reused(&self) -> bool {
        self.api_status() == Some(StatusCode::UNPROCESSABLE_ENTITY)
    }

    /// A timeout.
    pub fn is_timeout(&self) -> bool {
        matches!(self, Error::Timeout { .. })
    }

    /// A connection that could not be established.
    pub fn is_connect(&self) -> bool {
        matches!(self, Error::Connect { .. })
    }

    /// A response that does not match the API description.
    pub fn is_decode(&self) -> bool {
        matches!(self, Error::Decode { .. })
    }

    /// Transient: a connection failure (could not connect, or the connection broke before
    /// the answer was complete), 429, 502, 503 or 504. These are the errors the client's
    /// [retry policy](crate::retry) retries, when the operation allows it. Timeouts are not:
    /// the request may have been processed, and the timeout is the caller's budget.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Connect { .. } => true,
            Error::Transport { source, .. } => source.is_request() || source.is_body(),
            Error::Api { status, .. } => is_retryable_status(*status),
            _ => false,
        }
    }

    fn api_status(&self) -> Option<StatusCode> {
        match self {
            Error::Api { status, .. } => Some(*status),
            _ => None,
        }
    }
}

pub(crate) fn is_retryable_status(status: StatusCode) -> bool {
    matches!(status.as_u16(), 429 | 502 | 503 | 504)
}

/// Why [`ClientBuilder::build`](crate::ClientBuilder::build) failed. Never contains the API key.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// No base URL was given (nor `INVITATIONS_BASE_URL` set, for `from_env`).
    #[error("no base URL: call base_url(..) or set INVITATIONS_BASE_URL")]
    MissingBaseUrl,
    /// The base URL is not an absolute `http`/`https` URL without credentials, query or fragment.
    #[error("invalid base URL {url:?}: {reason}")]
    InvalidBaseUrl {
        /// The URL as given (omitted when it carried credentials).
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The API key cannot be sent in an HTTP header (empty, or a control or non-ASCII
    /// character). The key itself is not included.
    #[error("invalid API key: {reason}")]
    InvalidApiKey {
        /// What is wrong with it, without the key.
        reason: &'static str,
    },
    /// An environment variable is set but is not valid Unicode.
    #[error("environment variable {name} is not valid Unicode")]
    InvalidEnv {
        /// The variable's name.
        name: &'static str,
    },
    /// The user agent is not a valid header value.
    #[error("invalid user agent: not a valid HTTP header value")]
    InvalidUserAgent,
    /// The HTTP client could not be created (TLS backend initialisation).
    #[error("could not create the HTTP client")]
    Http(#[source] reqwest::Error),
}

/// Map a failure of the generated tenant-surface client.
pub(crate) async fn from_tenant(
    operation: &'static str,
    err: progenitor_client::Error<types::FailureResult>,
) -> Error {
    match err {
        progenitor_client::Error::ErrorResponse(rv) => {
            let status = rv.status();
            let body = rv.into_inner();
            Error::Api {
                status,
                code: Some(body.error.code),
                message: body.error.message,
                info: body.error.info,
                retry_after: None,
            }
        }
        other => from_common(operation, other).await,
    }
}

/// Map a failure of the generated IAM-surface client.
pub(crate) async fn from_iam(
    operation: &'static str,
    err: progenitor_client::Error<types::IamError>,
) -> Error {
    match err {
        progenitor_client::Error::ErrorResponse(rv) => Error::Api {
            status: rv.status(),
            code: None,
            message: rv.into_inner().error,
            info: Vec::new(),
            retry_after: None,
        },
        other => from_common(operation, other).await,
    }
}

async fn from_common<E>(operation: &'static str, err: progenitor_client::Error<E>) -> Error {
    use progenitor_client::Error as G;
    match err {
        G::InvalidRequest(reason) => Error::InvalidArgument {
            name: "request",
            reason,
        },
        G::CommunicationError(source)
        | G::InvalidUpgrade(source)
        | G::ResponseBodyError(source) => from_reqwest(operation, source),
        G::InvalidResponsePayload(bytes, serde_err) => Error::Decode {
            operation,
            status: None,
            reason: serde_err.to_string(),
            excerpt: excerpt(&bytes),
        },
        G::UnexpectedResponse(response) => from_unexpected(operation, response).await,
        G::Custom(reason) => Error::InvalidArgument {
            name: "request",
            reason,
        },
        // Error::ErrorResponse is handled by the callers, which know the body type.
        G::ErrorResponse(rv) => Error::Api {
            status: rv.status(),
            code: None,
            message: reason_phrase(rv.status()),
            info: Vec::new(),
            retry_after: None,
        },
    }
}

pub(crate) fn from_reqwest(operation: &'static str, source: reqwest::Error) -> Error {
    if source.is_timeout() {
        Error::Timeout { operation, source }
    } else if source.is_connect() {
        Error::Connect { operation, source }
    } else {
        Error::Transport { operation, source }
    }
}

/// An undocumented status (503, 429, ...): keep the status, `Retry-After` and the body's
/// message in either surface's shape, else its text, else the reason phrase.
async fn from_unexpected(operation: &'static str, response: reqwest::Response) -> Error {
    let status = response.status();
    let retry_after = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    let body = match response.bytes().await {
        Ok(bytes) => bytes,
        Err(source) => {
            if status.is_success() {
                return from_reqwest(operation, source);
            }
            Default::default()
        }
    };
    if status.is_success() || status.is_informational() || status.is_redirection() {
        // Not an error status the spec knows of, and not an error either.
        return Error::Decode {
            operation,
            status: Some(status),
            reason: format!("undocumented status {status}"),
            excerpt: excerpt(&body),
        };
    }
    let (code, message, info) = match serde_json::from_slice::<serde_json::Value>(&body) {
        Ok(json) => {
            if let Ok(failure) = serde_json::from_value::<types::FailureResult>(json.clone()) {
                (
                    Some(failure.error.code),
                    failure.error.message,
                    failure.error.info,
                )
            } else if let Some(text) = json.get("error").and_then(|e| e.as_str()) {
                (None, text.to_owned(), Vec::new())
            } else if let Some(text) = json.get("message").and_then(|e| e.as_str()) {
                (None, text.to_owned(), Vec::new())
            } else {
                (None, reason_phrase(status), Vec::new())
            }
        }
        Err(_) => {
            let text = excerpt(&body);
            if text.is_empty() {
                (None, reason_phrase(status), Vec::new())
            } else {
                (None, text, Vec::new())
            }
        }
    };
    Error::Api {
        status,
        code,
        message,
        info,
        retry_after,
    }
}

fn reason_phrase(status: StatusCode) -> String {
    status
        .canonical_reason()
        .unwrap_or("unexpected status")
        .to_owned()
}

/// The start of a body as text, at most [`EXCERPT_CHARS`] characters, on one line.
pub(crate) fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    let mut out: String = text
        .chars()
        .take(EXCERPT_CHARS)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if text.chars().count() > EXCERPT_CHARS {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpt_is_truncated_on_a_char_boundary() {
        let body = "é".repeat(300);
        let e = excerpt(body.as_bytes());
        assert_eq!(e.chars().count(), EXCERPT_CHARS + 1);
        assert!(e.ends_with('…'));
        assert_eq!(excerpt(b" {\"a\":\n1} "), "{\"a\": 1}");
    }

    #[test]
    fn api_error_display_has_status_code_and_message() {
        let err = Error::Api {
            status: StatusCode::BAD_REQUEST,
            code: Some(CODE_INVITATION_NOT_PENDING.into()),
            message: "Only a pending invitation can be resent.".into(),
            info: vec!["status: Cancelled".into()],
            retry_after: None,
        };
        assert_eq!(
            err.to_string(),
            "400 Bad Request [InvitationNotPending]: Only a pending invitation can be resent."
        );
        assert!(err.is_not_pending());
        assert!(!err.is_retryable());
        let iam = Error::Api {
            status: StatusCode::NOT_FOUND,
            code: None,
            message: "No invite exists with id 7.".into(),
            info: vec![],
            retry_after: None,
        };
        assert_eq!(
            iam.to_string(),
            "404 Not Found: No invite exists with id 7."
        );
        assert!(iam.is_not_found());
    }

    #[test]
    fn retryable_statuses() {
        for (code, retryable) in [
            (429, true),
            (502, true),
            (503, true),
            (504, true),
            (500, false),
            (501, false),
            (408, false),
            (404, false),
        ] {
            assert_eq!(
                is_retryable_status(StatusCode::from_u16(code).unwrap()),
                retryable,
                "{code}"
            );
        }
    }
}

/// The excerpt's length boundary (found by `cargo xtask mutants`).
#[cfg(test)]
mod excerpt_tests {
    use super::*;

    #[test]
    fn a_body_of_exactly_the_limit_is_kept_whole() {
        let body = "a".repeat(EXCERPT_CHARS);
        assert_eq!(excerpt(body.as_bytes()), body);
        let longer = "a".repeat(EXCERPT_CHARS + 1);
        assert_eq!(excerpt(longer.as_bytes()), format!("{body}…"));
    }
}
