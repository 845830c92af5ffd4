//! What the proxy's checks take and give: one [`Exchange`] in, a [`Verdict`] of [`Finding`]s
//! out. Shared by the checks (`check.rs`), the rules the spec states in words (`rules.rs`),
//! the secrets filter (`secrets.rs`) and what the proxy learns across exchanges (`keys.rs`).

use std::sync::Arc;

use http::HeaderMap;
use serde::Serialize;

/// One request and the answer it got, as raw as they travelled.
#[derive(Clone, Copy)]
pub struct Exchange<'a> {
    /// The request method.
    pub method: &'a str,
    /// The request path, still percent-encoded, without the query string.
    pub path: &'a str,
    /// The raw query string (after `?`), if any.
    pub query: Option<&'a str>,
    /// The request headers.
    pub request_headers: &'a HeaderMap,
    /// The request body.
    pub request_body: &'a [u8],
    /// The answer's status.
    pub status: u16,
    /// The answer's headers.
    pub response_headers: &'a HeaderMap,
    /// The answer's body.
    pub response_body: &'a [u8],
}

/// Header values and bodies carry API keys and tokens: only their names and sizes are shown.
impl std::fmt::Debug for Exchange<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names = |headers: &HeaderMap| -> Vec<String> {
            headers.keys().map(|k| k.as_str().to_owned()).collect()
        };
        f.debug_struct("Exchange")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("has_query", &self.query.is_some())
            .field("request_header_names", &names(self.request_headers))
            .field("request_body_len", &self.request_body.len())
            .field("status", &self.status)
            .field("response_header_names", &names(self.response_headers))
            .field("response_body_len", &self.response_body.len())
            .finish()
    }
}

/// Which side of an exchange a finding is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Side {
    /// The client's request.
    Request,
    /// The upstream's answer.
    Response,
}

/// One thing that breaks the spec.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Request or answer.
    pub side: Side,
    /// Where: `operation`, `status`, `content-type`, `header WWW-Authenticate`, `query id`,
    /// `path tenantId`, `header Authorization`, `request body /x`, or `body /value/0/id` (a
    /// JSON pointer into the answer's body).
    pub at: String,
    /// What is wrong, at most 300 characters, with the exchange's secrets (bearer key,
    /// `Idempotency-Key`, token fields) replaced by `<redacted>`.
    pub message: String,
}

impl std::fmt::Display for Finding {
    /// `request query id: not an integer`, or `body /: "inviteId" is a required property`
    /// for the answer.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.side == Side::Request {
            f.write_str("request ")?;
        }
        write!(f, "{}: {}", self.at, self.message)
    }
}

/// A finding on `side` at `at`.
pub(crate) fn finding(side: Side, at: &str, message: impl Into<String>) -> Finding {
    Finding {
        side,
        at: at.to_owned(),
        message: message.into(),
    }
}

/// The API key of the request's `Authorization: Bearer <key>`, or what is wrong with it.
pub(crate) fn bearer_key(headers: &HeaderMap) -> Result<&str, &'static str> {
    let mut values = headers.get_all(http::header::AUTHORIZATION).iter();
    let one = match (values.next(), values.next()) {
        (None, _) => return Err("missing; the spec requires `Authorization: Bearer <api key>`"),
        (Some(_), Some(_)) => return Err("sent more than once"),
        (Some(one), None) => one,
    };
    let not_bearer = "not a `Bearer <api key>` credential";
    let text = one.to_str().map_err(|_| not_bearer)?;
    let at = text.bytes().position(|b| b == b' ').ok_or(not_bearer)?;
    let key = text[at + 1..].trim_ascii();
    if !text[..at].eq_ignore_ascii_case("bearer") || key.is_empty() {
        return Err(not_bearer);
    }
    Ok(key)
}

/// The invitation id an IAM invite id names: its plain decimal spelling only (`9001`, not
/// `09001` or `+9001`). The IAM id is an opaque string; only the spelling of the tenant
/// surface's ids joins the two.
pub(crate) fn invitation_number(invite_id: &str) -> Option<u64> {
    let plain = invite_id.bytes().all(|b| b.is_ascii_digit())
        && !(invite_id.len() > 1 && invite_id.starts_with('0'));
    plain.then(|| invite_id.parse().ok()).flatten()
}

/// What the proxy's checks found in one exchange.
#[derive(Clone, Debug, Default)]
pub struct Verdict {
    /// The operationId the request matched, if any.
    pub operation: Option<Arc<str>>,
    /// Where the request breaks the spec.
    pub request: Vec<Finding>,
    /// Where the answer breaks the spec, given the request.
    pub response: Vec<Finding>,
    /// What a valid answer showed, for what the proxy learns across exchanges.
    pub(crate) seen: Seen,
}

/// What a valid answer shows about keys and invitations (filled only when the answer keeps
/// the contract and the request had nothing wrong with it).
#[derive(Clone, Debug, Default)]
pub(crate) struct Seen {
    /// The `tenantId` of the request path, when it is one.
    pub(crate) path_tenant: Option<u64>,
    /// The invitation the request names (the tenant resend's `id`, the IAM resend's path id
    /// when it is a decimal number).
    pub(crate) asked_invitation: Option<u64>,
    /// `(id, tenantId)` of each invitation in a 2xx answer.
    pub(crate) invitations: Vec<(u64, Option<u64>)>,
    /// The IAM resend's invite id as the answer gave it, and whether it was a dry run.
    pub(crate) resent: Option<(String, bool)>,
    /// A valid tenant resend refused with 400 and any code but `ValidationError` (ours says
    /// `InvitationNotPending`): the invitation asked exists in the path's tenant and is not
    /// pending.
    pub(crate) not_pending: bool,
}

impl Verdict {
    /// Whether the exchange breaks the contract: the answer does; or, with `strict_requests`,
    /// the request does even though the upstream refused it as documented.
    pub fn breaks_contract(&self, strict_requests: bool) -> bool {
        !self.response.is_empty() || (strict_requests && !self.request.is_empty())
    }

    /// Whether the answer keeps the contract (its invitations may be recorded).
    pub fn answer_is_valid(&self) -> bool {
        self.response.is_empty()
    }

    /// Every finding, answer first, as `at: message` joined by `; `: one log line's worth.
    pub fn summary(&self) -> String {
        self.findings()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// Every finding, answer first.
    pub fn findings(&self) -> impl Iterator<Item = &Finding> {
        self.response.iter().chain(&self.request)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn authorization(values: &[&[u8]]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(
                http::header::AUTHORIZATION,
                http::HeaderValue::from_bytes(value).unwrap(),
            );
        }
        headers
    }

    #[test]
    fn the_bearer_key_or_what_is_wrong_with_it() {
        assert_eq!(bearer_key(&authorization(&[b"Bearer k-1"])), Ok("k-1"));
        assert_eq!(bearer_key(&authorization(&[b"bEARER   k-1  "])), Ok("k-1"));
        let missing = "missing; the spec requires `Authorization: Bearer <api key>`";
        assert_eq!(bearer_key(&authorization(&[])), Err(missing));
        assert_eq!(
            bearer_key(&authorization(&[b"Bearer a", b"Bearer b"])),
            Err("sent more than once")
        );
        for wrong in [
            &b"Basic a2V5"[..],
            b"Bearer",
            b"Bearer  ",
            b"Bearerk",
            b"Token k",
            "Bearer k\u{e9}".as_bytes(),
        ] {
            assert_eq!(
                bearer_key(&authorization(&[wrong])),
                Err("not a `Bearer <api key>` credential"),
                "{}",
                String::from_utf8_lossy(wrong)
            );
        }
    }

    #[test]
    fn only_the_plain_decimal_spelling_names_an_invitation() {
        assert_eq!(invitation_number("9001"), Some(9001));
        assert_eq!(invitation_number("0"), Some(0));
        for other in [
            "09001",
            "+9001",
            "-1",
            "",
            "9001 ",
            "inv_9001",
            "99999999999999999999",
        ] {
            assert_eq!(invitation_number(other), None, "{other}");
        }
    }
}
