//! The IAM surface: `POST /iam/v1/users/{id}/actions/resend`.

use invitations_sdk::types::ResendInviteRequest;

use super::auth::authorize;
use super::http::{truncate, Answer, Query, QueryError, Request};
use super::idempotency::Lookup;
use super::validate::char_len;
use super::{plain_error, Core, Prechecked};

/// The spec's `maxLength` of the path id.
const MAX_INVITE_ID_CHARS: usize = 128;
/// The spec's `maxLength` of `Idempotency-Key`.
const MAX_IDEMPOTENCY_KEY_CHARS: usize = 255;

/// A resend's stateless checks, made before the core is locked; the key borrows the
/// request's header.
pub(super) struct ResendChecks<'r> {
    dry_run: bool,
    idempotency_key: Option<&'r str>,
}

/// Checks what a resend's answer does not depend on the state for: the path's invite id,
/// the query (`dryRun`), the `Idempotency-Key` and the body, in that order. `Err` is the
/// 400's message, answered only once the key is authorized and the body within its limit.
pub(super) fn check_resend<'r>(
    request: &'r Request,
    param: &[u8],
    query: &Result<Query<'_>, QueryError>,
) -> Result<ResendChecks<'r>, String> {
    let invite_id = std::str::from_utf8(param)
        .map_err(|_| "The invite id in the path is not valid UTF-8.".to_owned())?;
    if invite_id.is_empty() {
        return Err("The invite id in the path must not be empty.".to_owned());
    }
    let chars = char_len(invite_id);
    if chars > MAX_INVITE_ID_CHARS {
        return Err(format!(
            "The invite id in the path must be at most {MAX_INVITE_ID_CHARS} characters (got {chars})."
        ));
    }
    let query = query.as_ref().map_err(QueryError::message)?;
    let dry_run = match query.get("dryRun") {
        None => false,
        Some("true") => true,
        Some("false") => false,
        Some(other) => {
            return Err(format!(
                "dryRun must be true or false (got {:?}).",
                truncate(other, 32)
            ))
        }
    };
    let idempotency_key = idempotency_key(request)?;
    parse_body(&request.body)?;
    Ok(ResendChecks {
        dry_run,
        idempotency_key,
    })
}

/// The header's name, parsed once rather than on every resend.
static IDEMPOTENCY_KEY: http::HeaderName = http::HeaderName::from_static("idempotency-key");

fn idempotency_key(request: &Request) -> Result<Option<&str>, String> {
    let mut values = request.header_values(&IDEMPOTENCY_KEY);
    let Some(raw) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() {
        return Err("Send the Idempotency-Key header once.".to_owned());
    }
    let key = std::str::from_utf8(raw)
        .map_err(|_| "The Idempotency-Key header is not valid UTF-8.".to_owned())?;
    let chars = char_len(key);
    if chars == 0 {
        return Err(
            "The Idempotency-Key header must not be empty; leave it out or send 1 to 255 characters."
                .to_owned(),
        );
    }
    if chars > MAX_IDEMPOTENCY_KEY_CHARS {
        return Err(format!(
            "The Idempotency-Key header must be at most {MAX_IDEMPOTENCY_KEY_CHARS} characters (got {chars})."
        ));
    }
    Ok(Some(key))
}

/// The body is optional; when present it must be a JSON object (the spec's
/// `ResendInviteRequest`), whatever the Content-Type says.
fn parse_body(body: &[u8]) -> Result<Option<ResendInviteRequest>, String> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    if body == b"{}" {
        // What clients send; the general path below builds a `Value` first.
        return Ok(Some(ResendInviteRequest(serde_json::Map::new())));
    }
    let text = std::str::from_utf8(body).map_err(|_| {
        "The request body is not valid UTF-8; send a JSON object such as {}.".to_owned()
    })?;
    let value: serde_json::Value = serde_json::from_str(text).map_err(|err| {
        format!(
            "The request body must be a JSON object such as {{}}; it is not valid JSON ({err})."
        )
    })?;
    if !value.is_object() {
        return Err(
            "The request body must be a JSON object such as {}; send {} or no body.".to_owned(),
        );
    }
    serde_json::from_value(value)
        .map(Some)
        .map_err(|err| format!("The request body must be a JSON object ({err})."))
}

/// The decimal invitation id an opaque invite id names, if it names one: canonical form
/// only (no sign, no leading zeros), because clients must send ids back exactly as received.
fn invitation_id(invite_id: &str) -> Option<u64> {
    if invite_id.starts_with('0') || !invite_id.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Digits without a leading zero: the value, if it fits, is at least 1.
    invite_id.parse().ok()
}

impl Core {
    /// `param` is the decoded invite id from the path; it becomes the answer's `inviteId`.
    /// `token` is the invitation's new token, if it is resent; `now` the mock clock when the
    /// request came in.
    /// `delay` is an injected delay the transport will wait before this answer goes out:
    /// while it runs, the request is in flight for its `Idempotency-Key`.
    pub(super) fn resend_invite(
        &mut self,
        param: Vec<u8>,
        request: &Request,
        delay: Option<std::time::Duration>,
        prechecked: Prechecked<'_>,
        token: String,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Answer {
        let key = match authorize(&self.store, prechecked.bearer) {
            Ok(key) => key,
            Err(failure) => {
                let response = plain_error(failure.status(), failure.message());
                return if failure.status() == 401 {
                    response.with_header("www-authenticate", "Bearer").into()
                } else {
                    response.into()
                };
            }
        };
        if request.body.len() > self.config.max_body_bytes {
            return plain_error(
                413,
                format!(
                    "The request body exceeds the {}-byte limit; send {{}} or no body.",
                    self.config.max_body_bytes
                ),
            )
            .into();
        }
        let checks = prechecked
            .resend
            .unwrap_or_else(|| check_resend(request, &param, &prechecked.query));
        let (dry_run, idempotency_key) = match checks {
            Ok(checks) => (checks.dry_run, checks.idempotency_key),
            Err(message) => return plain_error(400, message).into(),
        };
        // `check_resend` refused an id that is not UTF-8: the bytes move, uncopied.
        let invite_id = String::from_utf8(param).unwrap_or_default();
        let instant = std::time::Instant::now();
        let mut replayed = false;
        if let Some(idem) = idempotency_key {
            match self
                .idempotency
                .lookup(&key.key, idem, &invite_id, dry_run, now, instant)
            {
                Lookup::Miss => {}
                // The same request (same invite id, dryRun false): the same answer.
                Lookup::Replay(()) => replayed = true,
                Lookup::Mismatch {
                    first_invite_id,
                    first_dry_run,
                } => {
                    return plain_error(
                        422,
                        format!(
                            "This Idempotency-Key was already used for a different request \
                             (invite {}, dryRun={first_dry_run}); use a new key for a new request.",
                            truncate(&first_invite_id, 32)
                        ),
                    )
                    .into()
                }
                Lookup::InFlight => {
                    return plain_error(
                        409,
                        "A request with this Idempotency-Key is still being processed; \
                         retry with the same key once it has been answered.",
                    )
                    .into()
                }
            }
        }
        if !replayed {
            let visible = invitation_id(&invite_id).filter(|id| {
                self.store
                    .invitation(*id)
                    .is_some_and(|inv| key.tenants.contains(&inv.tenant_id))
            });
            let Some(id) = visible else {
                return plain_error(
                    404,
                    format!("No invite exists with id {}.", truncate(&invite_id, 32)),
                )
                .into();
            };
            if !dry_run {
                self.store.resend_with(id, now, token);
                if let Some(idem) = idempotency_key {
                    self.idempotency.record(
                        &key.key,
                        idem,
                        &invite_id,
                        false,
                        (),
                        now,
                        delay.map(|d| instant + d),
                    );
                }
            }
        }
        Answer::resent(invite_id, dry_run, replayed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invite_ids_are_canonical_decimal() {
        assert_eq!(invitation_id("9001"), Some(9001));
        for other in [
            "09001",
            "+9001",
            "-9001",
            "0",
            "9001 ",
            "abc",
            "99999999999999999999",
            "",
        ] {
            assert_eq!(invitation_id(other), None, "{other:?}");
        }
    }

    #[test]
    fn bodies() {
        for ok in [&b""[..], b"  \n", b"{}", br#"{"note": [1, 2]}"#] {
            assert!(parse_body(ok).is_ok(), "{ok:?}");
        }
        for bad in [&b"[]"[..], b"null", b"1", b"\"x\"", b"{", b"\xff", b"{}{}"] {
            assert!(parse_body(bad).is_err(), "{bad:?}");
        }
    }
}
