//! The wire types: the core's own request and response, free of any HTTP library.
//!
//! Transports (the wiremock adapter, the hyper server, tests) translate to and from these,
//! so the core never depends on how bytes reached it. Everything that can be malformed on
//! the wire is kept raw here (bytes, not `str`), so the core, not the transport, decides
//! how bad input is answered.

use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

use ::http::{HeaderMap, HeaderName, HeaderValue, Method};
use bytes::Bytes;
use serde::Serialize;

use super::json::to_json;

/// A request as the core sees it.
///
/// The transports hand over what their HTTP library already parsed (the `HeaderMap`, the
/// body's `Bytes`) instead of copying each piece into owned strings.
///
/// ```
/// use invitations_mock::core::Request;
/// let req = Request::new("GET", "/tenant/admin/user/invitations_by_email?email=ada@example.com")
///     .bearer("acme-manager-key");
/// assert_eq!(req.path, &b"/tenant/admin/user/invitations_by_email"[..]);
/// assert_eq!(req.query.as_deref(), Some(&b"email=ada@example.com"[..]));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Request {
    /// The method, as sent (methods are case-sensitive: `put` is not `PUT`).
    pub method: Cow<'static, str>,
    /// The path, still percent-encoded, without the query string.
    pub path: Bytes,
    /// The raw query string after `?`, still percent-encoded; `None` when there was no `?`.
    pub query: Option<Bytes>,
    /// The headers (names are case-insensitive), repeats kept.
    pub headers: HeaderMap,
    /// The body. Transports may stop reading past the body limit: a body longer than the
    /// limit is enough for the core to answer 413.
    pub body: Bytes,
    /// Whether the peer connected from a loopback address (gates `/__admin`).
    pub peer_is_loopback: bool,
}

impl Request {
    /// A request for `target` (`/path?query`), from a loopback peer, with no headers or body.
    pub fn new(method: impl AsRef<str>, target: impl AsRef<[u8]>) -> Request {
        let (path, query) = split_target(Bytes::copy_from_slice(target.as_ref()));
        let method = method.as_ref();
        Request {
            method: STANDARD_METHODS
                .iter()
                .find(|(_, name)| *name == method)
                .map_or_else(
                    || Cow::Owned(method.to_owned()),
                    |(_, name)| Cow::Borrowed(*name),
                ),
            path,
            query,
            headers: HeaderMap::new(),
            body: Bytes::new(),
            peer_is_loopback: true,
        }
    }

    /// Adds a header.
    ///
    /// # Panics
    /// When `name` is not a valid header name or `value` holds bytes HTTP forbids in a
    /// header (control characters other than tab): no transport can deliver those.
    pub fn header(mut self, name: &str, value: impl AsRef<[u8]>) -> Request {
        let name = HeaderName::from_bytes(name.as_bytes())
            .unwrap_or_else(|_| panic!("{name:?} is not a valid header name"));
        let value = HeaderValue::from_bytes(value.as_ref())
            .unwrap_or_else(|_| panic!("the value of header {name} is not valid in HTTP"));
        self.headers.append(name, value);
        self
    }

    /// Adds `Authorization: Bearer <key>`.
    pub fn bearer(self, key: &str) -> Request {
        self.header("authorization", format!("Bearer {key}"))
    }

    /// Sets the body.
    pub fn body(mut self, body: impl Into<Bytes>) -> Request {
        self.body = body.into();
        self
    }

    /// Sets whether the peer is on loopback.
    pub fn from_loopback(mut self, loopback: bool) -> Request {
        self.peer_is_loopback = loopback;
        self
    }

    /// Every value of the header `name` (case-insensitive): a `&str`, or a [`HeaderName`]
    /// such as `http::header::AUTHORIZATION`, which skips parsing the name on every call.
    pub fn header_values<'a, K>(&'a self, name: K) -> impl Iterator<Item = &'a [u8]> + 'a
    where
        K: http::header::AsHeaderName,
    {
        self.headers
            .get_all(name)
            .into_iter()
            .map(HeaderValue::as_bytes)
    }

    /// The path for logs and the journal: lossy UTF-8, at most 256 characters.
    pub fn display_path(&self) -> String {
        display_path(&self.path)
    }
}

/// Splits `/path?query` without copying: both halves share `target`'s buffer.
pub fn split_target(target: Bytes) -> (Bytes, Option<Bytes>) {
    match target.iter().position(|b| *b == b'?') {
        Some(at) => (target.slice(..at), Some(target.slice(at + 1..))),
        None => (target, None),
    }
}

/// The method as the core's `Cow`: the standard ones borrow a static string, so the
/// transports do not allocate for them.
pub fn method_name(method: &Method) -> Cow<'static, str> {
    STANDARD_METHODS
        .iter()
        .find(|(m, _)| m == method)
        .map_or_else(
            || Cow::Owned(method.as_str().to_owned()),
            |(_, s)| Cow::Borrowed(*s),
        )
}

const STANDARD_METHODS: [(Method, &str); 9] = [
    (Method::GET, "GET"),
    (Method::POST, "POST"),
    (Method::PUT, "PUT"),
    (Method::DELETE, "DELETE"),
    (Method::HEAD, "HEAD"),
    (Method::OPTIONS, "OPTIONS"),
    (Method::PATCH, "PATCH"),
    (Method::CONNECT, "CONNECT"),
    (Method::TRACE, "TRACE"),
];

/// Lossy UTF-8, at most 256 characters.
pub(crate) fn display_path(path: &[u8]) -> String {
    let text = String::from_utf8_lossy(path);
    match text.char_indices().nth(256) {
        None => text.into_owned(),
        Some((cut, _)) => text[..cut].to_owned(),
    }
}

/// Hides header values and the body: they carry API keys and tokens.
impl fmt::Debug for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.headers.keys().map(HeaderName::as_str).collect();
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("path", &self.display_path())
            .field("has_query", &self.query.is_some())
            .field("header_names", &names)
            .field("body_len", &self.body.len())
            .field("peer_is_loopback", &self.peer_is_loopback)
            .finish()
    }
}

/// What the core answers. The transport sleeps for `delay` before sending it.
#[derive(Clone, PartialEq, Eq)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// Headers to send.
    pub headers: HeaderMap,
    /// The body (JSON, or empty for 204).
    pub body: Bytes,
    /// An injected delay to apply before answering.
    pub delay: Option<Duration>,
}

impl Response {
    /// A JSON response with `body` serialized.
    pub(crate) fn json<T: Serialize>(status: u16, body: &T) -> Response {
        Response::raw_json(status, to_json(body))
    }

    /// A JSON response with an already serialized body.
    pub(crate) fn raw_json(status: u16, body: impl Into<Bytes>) -> Response {
        Response {
            status,
            headers: json_headers(),
            body: body.into(),
            delay: None,
        }
    }

    /// A response without a body.
    pub(crate) fn empty(status: u16) -> Response {
        Response {
            status,
            headers: HeaderMap::new(),
            body: Bytes::new(),
            delay: None,
        }
    }

    /// Adds a header whose name and value are constants (lower-case name).
    pub(crate) fn with_header(self, name: &'static str, value: &'static str) -> Response {
        self.with_header_value(name, HeaderValue::from_static(value))
    }

    /// Adds a header with a computed value.
    pub(crate) fn with_header_value(mut self, name: &'static str, value: HeaderValue) -> Response {
        self.headers.append(HeaderName::from_static(name), value);
        self
    }

    /// The first value of header `name` (case-insensitive), if it is text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The body parsed as JSON, if it is JSON.
    pub fn json_body(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

/// `Content-Type: application/json`, the header of every body the core writes.
pub(super) fn json_headers() -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers
}

/// Admin answers carry tokens, so a body that mentions one is not printed.
impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = String::from_utf8_lossy(&self.body);
        let body = if text.contains("\"token\"") {
            format!("<{} bytes, holds a token: redacted>", self.body.len())
        } else {
            text.into_owned()
        };
        f.debug_struct("Response")
            .field("status", &self.status)
            .field("headers", &self.headers)
            .field("body", &body)
            .field("delay", &self.delay)
            .finish()
    }
}

/// At most `max` characters of `text`, with an ellipsis when cut.
pub(crate) fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let mut cut: String = text.chars().take(max).collect();
        cut.push('…');
        cut
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_secrets_and_shows_the_rest() {
        let req = Request::new("POST", "/__admin/accept?x=1")
            .bearer("secret-key")
            .body(r#"{"token":"secret-token"}"#);
        let shown = format!("{req:?}");
        assert!(!shown.contains("secret"), "{shown}");
        for part in [
            "\"POST\"",
            "\"/__admin/accept\"",
            "has_query: true",
            "[\"authorization\"]",
            "body_len: 24",
            "peer_is_loopback: true",
        ] {
            assert!(shown.contains(part), "{part} in {shown}");
        }
        let resp = Response::raw_json(200, br#"{"token":"secret-token"}"#.to_vec());
        let shown = format!("{resp:?}");
        assert!(!shown.contains("secret-token"), "{shown}");
        assert!(shown.contains("24 bytes, holds a token"), "{shown}");
        let plain = format!("{:?}", Response::raw_json(404, &b"{}"[..]));
        assert!(
            plain.contains("status: 404") && plain.contains("\"{}\""),
            "{plain}"
        );
    }

    #[test]
    fn a_request_takes_its_target_method_and_parts_apart() {
        let req = Request::new("PATCH", "/a/b?c=d?e").from_loopback(false);
        assert_eq!(req.method, "PATCH");
        assert!(
            matches!(req.method, Cow::Borrowed(_)),
            "a standard method is not copied"
        );
        assert_eq!(req.path, &b"/a/b"[..]);
        assert_eq!(req.query.as_deref(), Some(&b"c=d?e"[..]));
        assert!(!req.peer_is_loopback);
        let bare = Request::new("BREW", "/pot");
        assert_eq!((&*bare.method, bare.query), ("BREW", None));
        for (method, name) in STANDARD_METHODS {
            assert!(matches!(method_name(&method), Cow::Borrowed(n) if n == name));
        }
        let custom = Method::from_bytes(b"BREW").unwrap();
        assert!(matches!(method_name(&custom), Cow::Owned(n) if n == "BREW"));
    }

    #[test]
    fn texts_are_cut_to_their_limit_in_characters() {
        assert_eq!(truncate("abc", 3), "abc");
        assert_eq!(truncate("abcd", 3), "abc…");
        assert_eq!(truncate("äöüß", 3), "äöü…");
        assert_eq!(truncate("", 0), "");
        let path = "é".repeat(300);
        assert_eq!(display_path(path.as_bytes()), "é".repeat(256));
        assert_eq!(display_path("é".repeat(256).as_bytes()), "é".repeat(256));
        assert_eq!(display_path(b"/a\xffb"), "/a\u{fffd}b");
    }
}
