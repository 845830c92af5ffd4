//! The core's own request and response types, free of any HTTP library.
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
use invitations_sdk::types::UserInvitationModel;
use serde::Serialize;

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

/// Most answers fit in the per-thread buffer without regrowing it.
const JSON_CAPACITY: usize = 512;

thread_local! {
    /// Where JSON answers are serialised, reused: the answer's `Bytes` is then one exact-size
    /// allocation (a `Bytes` made from a `Vec` with spare capacity allocates a second time).
    static JSON_BUFFER: std::cell::RefCell<Vec<u8>> =
        std::cell::RefCell::new(Vec::with_capacity(JSON_CAPACITY));
}

/// `body` as JSON.
fn to_json<T: Serialize>(body: &T) -> Bytes {
    to_json_with(|out| serde_json::to_writer(out, body))
}

/// The JSON `write` puts in a buffer.
fn to_json_with(write: impl Fn(&mut Vec<u8>) -> serde_json::Result<()>) -> Bytes {
    let serialised = JSON_BUFFER.try_with(|buffer| {
        let mut buffer = buffer.try_borrow_mut().ok()?;
        buffer.clear();
        write(&mut buffer).ok()?;
        let bytes = Bytes::copy_from_slice(&buffer);
        if buffer.capacity() > 16 * JSON_CAPACITY {
            // A large admin listing grew it; do not keep that memory per thread.
            *buffer = Vec::with_capacity(JSON_CAPACITY);
        }
        Some(bytes)
    });
    if let Ok(Some(bytes)) = serialised {
        return bytes;
    }
    // Re-entered, or during thread teardown: serialise without the buffer.
    let mut out = Vec::new();
    match write(&mut out) {
        Ok(()) => out.into(),
        // The mock's body types serialize infallibly; this only guards the invariant.
        Err(_) => Bytes::from_static(br#"{"error":"the mock could not serialize its answer"}"#),
    }
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

/// What the core decided for a request: the status, and a body that may still be to
/// serialise.
///
/// The core runs under the handle's lock; serialising a success answer does not need the
/// state, so [`MockHandle`](crate::MockHandle) renders it ([`Answer::into_response`]) after
/// releasing the lock.
pub(crate) struct Answer {
    pub(crate) status: u16,
    /// An injected delay to apply before answering.
    pub(crate) delay: Option<Duration>,
    body: Pending,
}

enum Pending {
    /// Already a response (errors, admin answers, the variant's rewrites).
    Ready(HeaderMap, Bytes),
    /// The tenant surface's single-invitation envelope (by email).
    Invitation(UserInvitationModel),
    /// The tenant surface's list envelope, with one invitation (tenant resend).
    InvitationList(UserInvitationModel),
    /// The IAM resend confirmation; `replayed` for an `Idempotency-Key` replay.
    Resent {
        invite_id: String,
        dry_run: bool,
        replayed: bool,
    },
}

/// The messages of the IAM resend confirmation.
pub(crate) const RESENT: &str = "Invite resent; it expires in 48 hours.";
pub(crate) const DRY_RUN: &str =
    "Dry run: the invite would be resent and would expire in 48 hours; nothing was changed.";

/// The spec's `ResendInviteResponse`, byte for byte as the SDK's type serialises it,
/// written directly (the derived `Serialize` escaped the two keys too, on every resend).
fn write_resent(out: &mut Vec<u8>, invite_id: &str, message: &str) -> serde_json::Result<()> {
    out.extend_from_slice(br#"{"inviteId":"#);
    serde_json::to_writer(&mut *out, invite_id)?;
    out.extend_from_slice(br#","message":"#);
    serde_json::to_writer(&mut *out, message)?;
    out.push(b'}');
    Ok(())
}

impl Answer {
    /// 200 with the by-email result envelope holding `model`.
    pub(crate) fn invitation(model: UserInvitationModel) -> Answer {
        Answer::ok(Pending::Invitation(model))
    }

    /// 200 with the list envelope holding `model` alone.
    pub(crate) fn invitation_list(model: UserInvitationModel) -> Answer {
        Answer::ok(Pending::InvitationList(model))
    }

    /// 200 with the IAM resend confirmation for `invite_id` (the id as sent).
    pub(crate) fn resent(invite_id: String, dry_run: bool, replayed: bool) -> Answer {
        Answer::ok(Pending::Resent {
            invite_id,
            dry_run,
            replayed,
        })
    }

    fn ok(body: Pending) -> Answer {
        Answer {
            status: 200,
            delay: None,
            body,
        }
    }

    /// The response: serialises a pending body.
    pub(crate) fn into_response(self) -> Response {
        let (headers, body) = match self.body {
            Pending::Ready(headers, body) => (headers, body),
            Pending::Invitation(model) => (
                json_headers(),
                to_json_with(|out| write_success(out, &model, false)),
            ),
            Pending::InvitationList(model) => (
                json_headers(),
                to_json_with(|out| write_success(out, &model, true)),
            ),
            Pending::Resent {
                invite_id,
                dry_run,
                replayed,
            } => {
                let mut headers = json_headers();
                if replayed {
                    headers.insert(
                        HeaderName::from_static("idempotent-replayed"),
                        HeaderValue::from_static("true"),
                    );
                }
                let message = if dry_run { DRY_RUN } else { RESENT };
                (
                    headers,
                    to_json_with(|out| write_resent(out, &invite_id, message)),
                )
            }
        };
        Response {
            status: self.status,
            headers,
            body,
            delay: self.delay,
        }
    }
}

impl From<Response> for Answer {
    fn from(response: Response) -> Self {
        Answer {
            status: response.status,
            delay: response.delay,
            body: Pending::Ready(response.headers, response.body),
        }
    }
}

/// A success envelope holding `model`, byte for byte as the SDK's `UserInvitationResult`
/// (or, with `list`, `UserInvitationListResult` holding `[model]`) serialises.
///
/// Written piece by piece rather than through the derived `Serialize`: that, and chrono's
/// timestamps written through `fmt` one character at a time, were a fifth of the by-email
/// request's instructions. Tests compare the bytes with the SDK types'.
fn write_success(
    out: &mut Vec<u8>,
    model: &UserInvitationModel,
    list: bool,
) -> serde_json::Result<()> {
    out.extend_from_slice(br#"{"error":null,"isFailure":false,"isSuccess":true,"value":"#);
    if list {
        out.push(b'[');
    }
    out.extend_from_slice(br#"{"createdAt":"#);
    write_timestamp(out, model.created_at)?;
    out.extend_from_slice(br#","email":"#);
    serde_json::to_writer(&mut *out, &model.email)?;
    if let Some(at) = model.expires_at {
        out.extend_from_slice(br#","expiresAt":"#);
        write_timestamp(out, at)?;
    }
    out.extend_from_slice(br#","id":"#);
    push_decimal(out, model.id.get());
    out.extend_from_slice(br#","status":"#);
    serde_json::to_writer(&mut *out, &model.status)?;
    if let Some(tenant) = model.tenant_id {
        out.extend_from_slice(br#","tenantId":"#);
        push_decimal(out, tenant.get());
    }
    out.push(b'}');
    if list {
        out.push(b']');
    }
    out.push(b'}');
    Ok(())
}

/// `value` in decimal.
fn push_decimal(out: &mut Vec<u8>, value: u64) {
    out.extend_from_slice(itoa::Buffer::new().format(value).as_bytes());
}

/// A UTC timestamp as chrono serialises it (a JSON string: RFC 3339, `Z`, 0, 3, 6 or 9
/// fraction digits), without `fmt`; years outside 0 to 9999 and leap seconds go to chrono.
///
/// The calendar date comes from the Unix day in one step ([`civil_from_days`]): chrono's
/// `month()`, `day()`, `hour()`... each convert the whole date again, which made the two
/// timestamps of a by-email answer a twentieth of its instructions.
fn write_timestamp(out: &mut Vec<u8>, at: chrono::DateTime<chrono::Utc>) -> serde_json::Result<()> {
    let seconds = at.timestamp();
    let nanos = at.timestamp_subsec_nanos();
    let (year, month, day) = civil_from_days(seconds.div_euclid(86_400));
    if !(0..=9999).contains(&year) || nanos >= 1_000_000_000 {
        return serde_json::to_writer(out, &at);
    }
    let (fraction, width) = if nanos == 0 {
        (0, 0)
    } else if nanos.is_multiple_of(1_000_000) {
        (nanos / 1_000_000, 3)
    } else if nanos.is_multiple_of(1_000) {
        (nanos / 1_000, 6)
    } else {
        (nanos, 9)
    };
    // The year is within 0..=9999 and the rest are calendar fields: each fits its width.
    let of_day = seconds.rem_euclid(86_400) as u32;
    let mut text = Ascii::default();
    text.push(b'"');
    text.digits(year as u32, 4);
    for (value, separator) in [
        (month, b'-'),
        (day, b'-'),
        (of_day / 3600, b'T'),
        (of_day / 60 % 60, b':'),
        (of_day % 60, b':'),
    ] {
        text.push(separator);
        text.digits(value, 2);
    }
    if width > 0 {
        text.push(b'.');
        text.digits(fraction, width);
    }
    text.push(b'Z');
    text.push(b'"');
    out.extend_from_slice(&text.buf[..text.len]);
    Ok(())
}

/// The proleptic Gregorian (year, month, day) of a count of days since 1970-01-01
/// (Howard Hinnant's `civil_from_days`, exact for every day chrono can represent).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let days = days + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days.rem_euclid(146_097); // [0, 146096]
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153; // March = 0
    let day = (day_of_year - (153 * shifted_month + 2) / 5 + 1) as u32;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// A stack buffer of ASCII, large enough for a timestamp.
#[derive(Default)]
struct Ascii {
    buf: [u8; 32],
    len: usize,
}

impl Ascii {
    fn push(&mut self, byte: u8) {
        self.buf[self.len] = byte;
        self.len += 1;
    }

    /// `value` in `width` decimal digits, zero-padded (`value` has at most `width` digits).
    fn digits(&mut self, mut value: u32, width: u32) {
        let width = width as usize;
        for slot in self.buf[self.len..self.len + width].iter_mut().rev() {
            *slot = b'0' + (value % 10) as u8;
            value /= 10;
        }
        self.len += width;
    }
}

fn json_headers() -> HeaderMap {
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

/// A decoded query string. Names and values borrow the raw query when they have nothing
/// to decode (the usual case), and the first parameter is kept inline, so parsing the
/// API's one-parameter queries allocates nothing.
#[derive(Debug, Default)]
pub(crate) struct Query<'a> {
    first: Option<(Cow<'a, str>, Cow<'a, str>)>,
    rest: Vec<(Cow<'a, str>, Cow<'a, str>)>,
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

impl<'a> Query<'a> {
    /// Decodes `application/x-www-form-urlencoded` pairs, refusing non-UTF-8 and repeats
    /// (a repeated parameter is ambiguous, so it is an error rather than first-wins).
    pub(crate) fn parse(raw: Option<&'a [u8]>) -> Result<Query<'a>, QueryError> {
        let mut query = Query::default();
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
            if query.params().any(|(n, _)| *n == name) {
                return Err(QueryError::Repeated(name.into_owned()));
            }
            if query.first.is_none() {
                query.first = Some((name, value));
            } else {
                query.rest.push((name, value));
            }
        }
        Ok(query)
    }

    fn params(&self) -> impl Iterator<Item = &(Cow<'a, str>, Cow<'a, str>)> {
        self.first.iter().chain(&self.rest)
    }

    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.params().find(|(n, _)| n == name).map(|(_, v)| &**v)
    }
}

fn form_decode(raw: &[u8]) -> Result<Cow<'_, str>, QueryError> {
    if !raw.iter().any(|b| *b == b'+' || *b == b'%') {
        return std::str::from_utf8(raw)
            .map(Cow::Borrowed)
            .map_err(|_| QueryError::NotUtf8);
    }
    let plus_as_space: Vec<u8> = raw
        .iter()
        .map(|b| if *b == b'+' { b' ' } else { *b })
        .collect();
    let bytes: Vec<u8> = percent_encoding::percent_decode(&plus_as_space).collect();
    String::from_utf8(bytes)
        .map(Cow::Owned)
        .map_err(|_| QueryError::NotUtf8)
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
    fn the_resend_body_serialises_as_the_sdk_type() {
        for (dry_run, message) in [(false, RESENT), (true, DRY_RUN)] {
            for invite_id in ["9001", "a\"b\\c\u{1}é/"] {
                let ours = Answer::resent(invite_id.to_owned(), dry_run, false)
                    .into_response()
                    .body;
                let sdk = serde_json::to_vec(&invitations_sdk::types::ResendInviteResponse {
                    invite_id: invite_id.to_owned(),
                    message: message.to_owned(),
                })
                .unwrap();
                assert_eq!(ours, sdk);
            }
        }
        let replayed = Answer::resent("9001".to_owned(), false, true).into_response();
        assert_eq!(replayed.header("idempotent-replayed"), Some("true"));
        assert_eq!(replayed.header("content-type"), Some("application/json"));
    }

    #[test]
    fn timestamps_serialise_as_chrono_does() {
        use chrono::{TimeZone, Utc};
        let base = Utc.with_ymd_and_hms(2026, 11, 21, 23, 26, 59).unwrap();
        let mut cases = vec![
            Utc.with_ymd_and_hms(1970, 1, 1, 0, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(9000, 12, 31, 23, 59, 59).unwrap(),
            Utc.with_ymd_and_hms(10000, 1, 1, 0, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(-1, 1, 1, 0, 0, 0).unwrap(),
        ];
        for nanos in [
            0,
            1,
            957_000_000,
            957_123_000,
            957_123_456,
            999_999_999,
            1_000_000,
        ] {
            cases.push(base + chrono::Duration::nanoseconds(nanos));
        }
        // A leap second: chrono's own path.
        cases.push(
            chrono::NaiveDate::from_ymd_opt(2016, 12, 31)
                .unwrap()
                .and_hms_nano_opt(23, 59, 59, 1_500_000_000)
                .unwrap()
                .and_utc(),
        );
        // Every 11th day from 0000 to 9999 at drifting times of day (every day of the month
        // and about 220 leap days), and the edges: leap years, centuries, 1970.
        let first = Utc.with_ymd_and_hms(0, 1, 1, 0, 0, 0).unwrap();
        let last = Utc.with_ymd_and_hms(9999, 12, 31, 23, 59, 59).unwrap();
        let mut at = first;
        let mut step = 0;
        while at <= last {
            cases.push(at);
            step += 1;
            at += chrono::Duration::days(11) + chrono::Duration::seconds(step * 7 % 86_400);
        }
        for (y, m, d) in [(2000, 2, 29), (1900, 3, 1), (2100, 2, 28), (1600, 2, 29)] {
            cases.push(Utc.with_ymd_and_hms(y, m, d, 12, 0, 0).unwrap());
        }
        cases.extend([first, last, last + chrono::Duration::seconds(1)]);
        cases.push(Utc.with_ymd_and_hms(1969, 12, 31, 23, 59, 59).unwrap());
        cases.push(first - chrono::Duration::seconds(1));
        for at in cases {
            let mut ours = Vec::new();
            write_timestamp(&mut ours, at).unwrap();
            assert_eq!(ours, serde_json::to_vec(&at).unwrap(), "{at:?}");
        }
    }

    #[test]
    fn success_envelopes_serialise_as_the_sdk_types() {
        use chrono::{TimeZone, Utc};
        use invitations_sdk::types::{
            UserInvitationListResult, UserInvitationModelEmail, UserInvitationResult,
        };
        use std::num::NonZeroU64;
        let at = Utc.with_ymd_and_hms(2026, 11, 21, 23, 26, 59).unwrap()
            + chrono::Duration::milliseconds(957);
        let full = UserInvitationModel {
            created_at: at,
            email: UserInvitationModelEmail::try_from("ada@example.com").unwrap(),
            expires_at: Some(at + chrono::Duration::hours(48)),
            id: NonZeroU64::new(9001).unwrap(),
            status: invitations_sdk::InvitationStatus::Pending,
            tenant_id: NonZeroU64::new(1024),
        };
        let bare = UserInvitationModel {
            expires_at: None,
            tenant_id: None,
            ..full.clone()
        };
        for model in [full, bare] {
            let one = Answer::invitation(model.clone()).into_response().body;
            let sdk = serde_json::to_vec(&UserInvitationResult {
                error: None,
                is_failure: false,
                is_success: true,
                value: Some(model.clone()),
            })
            .unwrap();
            assert_eq!(one, sdk);
            let list = Answer::invitation_list(model.clone()).into_response().body;
            let sdk = serde_json::to_vec(&UserInvitationListResult {
                error: None,
                is_failure: false,
                is_success: true,
                value: Some(vec![model]),
            })
            .unwrap();
            assert_eq!(list, sdk);
        }
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
