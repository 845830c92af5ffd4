//! The core's own request and response types, free of any HTTP library.
//!
//! Transports (the wiremock adapter, the hyper server, tests) translate to and from these,
//! so the core never depends on how bytes reached it. Everything that can be malformed on
//! the wire is kept raw here (bytes, not `str`), so the core, not the transport, decides
//! how bad input is answered.

use std::fmt;
use std::time::Duration;

use serde::Serialize;

/// A request as the core sees it.
///
/// ```
/// use invitations_mock::core::Request;
/// let req = Request::new("GET", "/tenant/admin/user/invitations_by_email?email=ada@example.com")
///     .bearer("acme-manager-key");
/// assert_eq!(req.path, b"/tenant/admin/user/invitations_by_email");
/// assert_eq!(req.query.as_deref(), Some(&b"email=ada@example.com"[..]));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Request {
    /// The method, as sent (methods are case-sensitive: `put` is not `PUT`).
    pub method: String,
    /// The path, still percent-encoded, without the query string.
    pub path: Vec<u8>,
    /// The raw query string after `?`, still percent-encoded; `None` when there was no `?`.
    pub query: Option<Vec<u8>>,
    /// Header names (any case) and raw values, in arrival order, repeats kept.
    pub headers: Vec<(String, Vec<u8>)>,
    /// The body. Transports may stop reading past the body limit: a body longer than the
    /// limit is enough for the core to answer 413.
    pub body: Vec<u8>,
    /// Whether the peer connected from a loopback address (gates `/__admin`).
    pub peer_is_loopback: bool,
}

impl Request {
    /// A request for `target` (`/path?query`), from a loopback peer, with no headers or body.
    pub fn new(method: impl Into<String>, target: impl AsRef<[u8]>) -> Request {
        let target = target.as_ref();
        let (path, query) = match target.iter().position(|b| *b == b'?') {
            Some(at) => (target[..at].to_vec(), Some(target[at + 1..].to_vec())),
            None => (target.to_vec(), None),
        };
        Request {
            method: method.into(),
            path,
            query,
            headers: Vec::new(),
            body: Vec::new(),
            peer_is_loopback: true,
        }
    }

    /// Adds a header.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<Vec<u8>>) -> Request {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Adds `Authorization: Bearer <key>`.
    pub fn bearer(self, key: &str) -> Request {
        self.header("authorization", format!("Bearer {key}"))
    }

    /// Sets the body.
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Request {
        self.body = body.into();
        self
    }

    /// Sets whether the peer is on loopback.
    pub fn from_loopback(mut self, loopback: bool) -> Request {
        self.peer_is_loopback = loopback;
        self
    }

    /// Every value of the header `name` (case-insensitive).
    pub fn header_values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a [u8]> + 'a {
        self.headers
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_slice())
    }

    /// The path for logs and the journal: lossy UTF-8, at most 256 characters.
    pub fn display_path(&self) -> String {
        // Runs for every request (journal and log line): slice, don't collect char by char.
        let text = String::from_utf8_lossy(&self.path);
        match text.char_indices().nth(256) {
            None => text.into_owned(),
            Some((cut, _)) => text[..cut].to_owned(),
        }
    }
}

/// Hides header values and the body: they carry API keys and tokens.
impl fmt::Debug for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.headers.iter().map(|(n, _)| n.as_str()).collect();
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
    /// Headers to send (lower-case names).
    pub headers: Vec<(String, String)>,
    /// The body (JSON, or empty for 204).
    pub body: Vec<u8>,
    /// An injected delay to apply before answering.
    pub delay: Option<Duration>,
}

impl Response {
    /// A JSON response with `body` serialized.
    pub(crate) fn json<T: Serialize>(status: u16, body: &T) -> Response {
        let bytes = serde_json::to_vec(body)
            // The mock's body types serialize infallibly; this only guards the invariant.
            .unwrap_or_else(|_| br#"{"error":"the mock could not serialize its answer"}"#.to_vec());
        Response::raw_json(status, bytes)
    }

    /// A JSON response with an already serialized body.
    pub(crate) fn raw_json(status: u16, body: Vec<u8>) -> Response {
        Response {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body,
            delay: None,
        }
    }

    /// A response without a body.
    pub(crate) fn empty(status: u16) -> Response {
        Response {
            status,
            headers: Vec::new(),
            body: Vec::new(),
            delay: None,
        }
    }

    /// Adds a header.
    pub(crate) fn with_header(mut self, name: &str, value: impl Into<String>) -> Response {
        self.headers.push((name.to_owned(), value.into()));
        self
    }

    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body parsed as JSON, if it is JSON.
    pub fn json_body(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }
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

/// A decoded query string.
#[derive(Debug, Default)]
pub(crate) struct Query {
    params: Vec<(String, String)>,
}

/// Why a query string was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum QueryError {
    /// A name or value is not UTF-8 once percent-decoded.
    NotUtf8,
    /// A parameter appears more than once.
    Repeated(String),
}

impl QueryError {
    pub(crate) fn message(&self) -> String {
        match self {
            QueryError::NotUtf8 => {
                "The query string is not valid UTF-8 once percent-decoded.".to_owned()
            }
            QueryError::Repeated(name) => format!(
                "The query parameter {:?} appears more than once; send it once.",
                truncate(name, 64)
            ),
        }
    }
}

impl Query {
    /// Decodes `application/x-www-form-urlencoded` pairs, refusing non-UTF-8 and repeats
    /// (a repeated parameter is ambiguous, so it is an error rather than first-wins).
    pub(crate) fn parse(raw: Option<&[u8]>) -> Result<Query, QueryError> {
        let mut params: Vec<(String, String)> = Vec::new();
        for pair in raw.unwrap_or_default().split(|b| *b == b'&') {
            if pair.is_empty() {
                continue;
            }
            let (name, value) = match pair.iter().position(|b| *b == b'=') {
                Some(at) => (&pair[..at], &pair[at + 1..]),
                None => (pair, &b""[..]),
            };
            let name = form_decode(name)?;
            let value = form_decode(value)?;
            if params.iter().any(|(n, _)| *n == name) {
                return Err(QueryError::Repeated(name));
            }
            params.push((name, value));
        }
        Ok(Query { params })
    }

    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

fn form_decode(raw: &[u8]) -> Result<String, QueryError> {
    let plus_as_space: Vec<u8> = raw
        .iter()
        .map(|b| if *b == b'+' { b' ' } else { *b })
        .collect();
    let bytes: Vec<u8> = percent_encoding::percent_decode(&plus_as_space).collect();
    String::from_utf8(bytes).map_err(|_| QueryError::NotUtf8)
}

/// Percent-decodes one path segment (`+` stays `+` in paths).
/// Borrows the segment when it has nothing to decode, which is every segment of a normal
/// request: the router runs on every request, under the core's lock.
pub(crate) fn decode_segment(raw: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    percent_encoding::percent_decode(raw).into()
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
    fn query_decoding() {
        let q = Query::parse(Some(b"email=ada%40example.com&dryRun=true&&x")).unwrap();
        assert_eq!(q.get("email"), Some("ada@example.com"));
        assert_eq!(q.get("dryRun"), Some("true"));
        assert_eq!(q.get("x"), Some(""));
        assert_eq!(q.get("missing"), None);
        assert_eq!(
            Query::parse(Some(b"a+b=c+d")).unwrap().get("a b"),
            Some("c d")
        );
    }

    #[test]
    fn query_refuses_repeats_and_non_utf8() {
        assert_eq!(
            Query::parse(Some(b"id=1&id=2")).unwrap_err(),
            QueryError::Repeated("id".into())
        );
        assert_eq!(
            Query::parse(Some(b"id=%FF")).unwrap_err(),
            QueryError::NotUtf8
        );
        assert_eq!(
            Query::parse(Some(b"%C3=1")).unwrap_err(),
            QueryError::NotUtf8
        );
        assert_eq!(
            Query::parse(Some(&[b'i', b'd', b'=', 0xff][..])).unwrap_err(),
            QueryError::NotUtf8
        );
    }

    #[test]
    fn debug_hides_secrets() {
        let req = Request::new("POST", "/__admin/accept")
            .bearer("secret-key")
            .body(r#"{"token":"secret-token"}"#);
        let shown = format!("{req:?}");
        assert!(!shown.contains("secret"), "{shown}");
        let resp = Response::raw_json(200, br#"{"token":"secret-token"}"#.to_vec());
        assert!(!format!("{resp:?}").contains("secret-token"));
    }
}
