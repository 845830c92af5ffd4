//! The IAM surface: `POST /iam/v1/users/{id}/actions/resend`.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use invitations_sdk::types::ResendInviteRequest;

use super::auth::{authorize, bearer, AuthFailure};
use super::errors::{body_too_large, plain_error};
use super::http::{truncate, Answer, Query, Request};
use super::idempotency::{Attempt, IdempotencyStore, Lookup};
use super::router::Surface;
use super::store::Store;
use super::token::new_token;
use super::validate::char_len;

/// The spec's `maxLength` of the path id.
pub(crate) const MAX_INVITE_ID_CHARS: usize = 128;
/// The spec's `maxLength` of `Idempotency-Key`.
const MAX_IDEMPOTENCY_KEY_CHARS: usize = 255;

/// `POST /iam/v1/users/{id}/actions/resend`: what the request says, read before the core is
/// locked.
pub(crate) struct ResendInvite<'r> {
    bearer: Result<&'r str, AuthFailure>,
    body_len: usize,
    /// The checks of the path id, query (`dryRun`), `Idempotency-Key` and body, or the
    /// 400's message.
    checks: Result<ResendChecks<'r>, String>,
    /// The invitation's new token, used if it is resent.
    token: String,
}

/// What the stateless checks let through; the key borrows the request's header.
struct ResendChecks<'r> {
    /// The path's invite id; it becomes the answer's `inviteId`.
    invite_id: String,
    dry_run: bool,
    idempotency_key: Option<&'r str>,
}

impl<'r> ResendInvite<'r> {
    /// `invite_id`: the path's invite id, as decoded.
    pub(crate) fn read(request: &'r Request, invite_id: Vec<u8>) -> ResendInvite<'r> {
        ResendInvite {
            bearer: bearer(request),
            body_len: request.body.len(),
            checks: check_resend(request, invite_id),
            token: new_token(),
        }
    }

    /// The answer, checks in the documented order: 401/403, 413, 400, 422/409, 404. `now`:
    /// the mock clock when the request came in; `delay`: an injected delay the transport will
    /// wait before this answer goes out, during which the request is in flight for its
    /// `Idempotency-Key`.
    pub(crate) fn answer(
        self,
        store: &mut Store,
        idempotency: &mut IdempotencyStore,
        max_body_bytes: usize,
        delay: Option<Duration>,
        now: DateTime<Utc>,
    ) -> Answer {
        let key = match authorize(store, self.bearer) {
            Ok(key) => key,
            Err(failure) => return failure.answer(Surface::Iam).into(),
        };
        if let Some(too_large) =
            body_too_large(self.body_len, max_body_bytes, "; send {} or no body")
        {
            return too_large.into();
        }
        let ResendChecks {
            invite_id,
            dry_run,
            idempotency_key,
        } = match self.checks {
            Ok(checks) => checks,
            Err(message) => return plain_error(400, message).into(),
        };
        let attempt = idempotency_key.map(|idempotency_key| Attempt {
            api_key: &key.key,
            idempotency_key,
            invite_id: &invite_id,
            dry_run,
        });
        let instant = Instant::now();
        let mut replayed = false;
        if let Some(attempt) = &attempt {
            match idempotency.lookup(attempt, now, instant) {
                Lookup::Miss => {}
                // The same request (same invite id, dryRun false): the same answer.
                Lookup::Replay => replayed = true,
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
                store
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
                store.resend_with(id, now, self.token);
                if let Some(attempt) = &attempt {
                    idempotency.record(attempt, now, delay.map(|d| instant + d));
                }
            }
        }
        Answer::resent(invite_id, dry_run, replayed)
    }
}

/// Checks what a resend's answer does not depend on the state for: the path's invite id,
/// the query (`dryRun`), the `Idempotency-Key` and the body, in that order. `Err` is the
/// 400's message, answered only once the key is authorized and the body within its limit.
fn check_resend(request: &Request, invite_id: Vec<u8>) -> Result<ResendChecks<'_>, String> {
    let invite_id = String::from_utf8(invite_id)
        .map_err(|_| "The invite id in the path is not valid UTF-8.".to_owned())?;
    if invite_id.is_empty() {
        return Err("The invite id in the path must not be empty.".to_owned());
    }
    let chars = char_len(&invite_id);
    if chars > MAX_INVITE_ID_CHARS {
        return Err(format!(
            "The invite id in the path must be at most {MAX_INVITE_ID_CHARS} characters (got {chars})."
        ));
    }
    let query = Query::parse(request.query.as_deref()).map_err(|err| err.message())?;
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
        invite_id,
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
