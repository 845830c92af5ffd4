//! JSON bodies: the per-thread buffer every body is serialised into, and the success bodies
//! written by hand.
//!
//! The hand writers exist for speed (each says what it saved) and are bound by a
//! byte-for-byte rule: each writes exactly what serde writes for the SDK type it stands for,
//! and the test beside it compares the two. A new success body can simply use
//! [`Response::json`](super::Response::json) with the SDK type; a hand writer is only worth
//! it where a measurement says so.

use bytes::Bytes;
use invitations_sdk::types::UserInvitationModel;
use serde::Serialize;

use super::timestamp::write_timestamp;

/// Most answers fit in the per-thread buffer without regrowing it.
const JSON_CAPACITY: usize = 512;

thread_local! {
    /// Where JSON answers are serialised, reused: the answer's `Bytes` is then one exact-size
    /// allocation (a `Bytes` made from a `Vec` with spare capacity allocates a second time).
    static JSON_BUFFER: std::cell::RefCell<Vec<u8>> =
        std::cell::RefCell::new(Vec::with_capacity(JSON_CAPACITY));
}

/// `body` as JSON.
pub(super) fn to_json<T: Serialize>(body: &T) -> Bytes {
    to_json_with(|out| serde_json::to_writer(out, body))
}

/// The JSON `write` puts in a buffer.
pub(super) fn to_json_with(write: impl Fn(&mut Vec<u8>) -> serde_json::Result<()>) -> Bytes {
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

/// The messages of the IAM resend confirmation.
pub(super) const RESENT: &str = "Invite resent; it expires in 48 hours.";
pub(super) const DRY_RUN: &str =
    "Dry run: the invite would be resent and would expire in 48 hours; nothing was changed.";

/// The spec's `ResendInviteResponse`, byte for byte as the SDK's type serialises it,
/// written directly (the derived `Serialize` escaped the two keys too, on every resend).
pub(super) fn write_resent(
    out: &mut Vec<u8>,
    invite_id: &str,
    message: &str,
) -> serde_json::Result<()> {
    out.extend_from_slice(br#"{"inviteId":"#);
    serde_json::to_writer(&mut *out, invite_id)?;
    out.extend_from_slice(br#","message":"#);
    serde_json::to_writer(&mut *out, message)?;
    out.push(b'}');
    Ok(())
}

/// A success envelope holding `model`, byte for byte as the SDK's `UserInvitationResult`
/// (or, with `list`, `UserInvitationListResult` holding `[model]`) serialises.
///
/// Written piece by piece rather than through the derived `Serialize`: that, and chrono's
/// timestamps written through `fmt` one character at a time, were a fifth of the by-email
/// request's instructions. Tests compare the bytes with the SDK types'.
pub(super) fn write_success(
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

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};
    use invitations_sdk::types::{
        ResendInviteResponse, UserInvitationListResult, UserInvitationModelEmail,
        UserInvitationResult,
    };
    use std::num::NonZeroU64;

    fn buffer() -> (*const u8, usize) {
        JSON_BUFFER.with(|buffer| {
            let buffer = buffer.borrow();
            (buffer.as_ptr(), buffer.capacity())
        })
    }

    fn bytes(n: usize) -> impl Fn(&mut Vec<u8>) -> serde_json::Result<()> {
        move |out| {
            out.resize(n, b' ');
            Ok(())
        }
    }

    /// The buffer is kept between answers up to 16 times its starting size, and given back
    /// beyond that.
    #[test]
    fn the_buffer_is_reused_until_a_large_answer_grows_it() {
        assert_eq!(to_json_with(bytes(10)).len(), 10);
        let small = buffer();
        assert_eq!(to_json_with(bytes(100)).len(), 100);
        assert_eq!(buffer(), small, "reused as it is");
        // Grown to exactly 16 times its start: kept.
        assert_eq!(
            to_json_with(bytes(16 * JSON_CAPACITY)).len(),
            16 * JSON_CAPACITY
        );
        assert_eq!(buffer().1, 16 * JSON_CAPACITY);
        // Beyond: a fresh buffer of the starting size.
        assert_eq!(to_json_with(bytes(40_000)).len(), 40_000);
        assert_eq!(buffer().1, JSON_CAPACITY);
    }

    #[test]
    fn a_nested_or_failed_write_still_answers() {
        // Writing inside a write finds the buffer borrowed: the inner one does without it.
        let outer = to_json_with(|out| {
            let inner = to_json_with(|inner| {
                inner.extend_from_slice(b"[1]");
                Ok(())
            });
            out.extend_from_slice(&inner);
            Ok(())
        });
        assert_eq!(outer, &b"[1]"[..]);
        let failed = to_json_with(|_| Err(serde::ser::Error::custom("no")));
        assert_eq!(
            failed,
            &br#"{"error":"the mock could not serialize its answer"}"#[..]
        );
    }

    #[test]
    fn the_resend_body_serialises_as_the_sdk_type() {
        for message in [RESENT, DRY_RUN] {
            for invite_id in ["9001", "a\"b\\c\u{1}é/"] {
                let ours = to_json_with(|out| write_resent(out, invite_id, message));
                let sdk = to_json(&ResendInviteResponse {
                    invite_id: invite_id.to_owned(),
                    message: message.to_owned(),
                });
                assert_eq!(ours, sdk);
            }
        }
    }

    #[test]
    fn success_envelopes_serialise_as_the_sdk_types() {
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
            let one = to_json_with(|out| write_success(out, &model, false));
            let sdk = to_json(&UserInvitationResult {
                error: None,
                is_failure: false,
                is_success: true,
                value: Some(model.clone()),
            });
            assert_eq!(one, sdk);
            let list = to_json_with(|out| write_success(out, &model, true));
            let sdk = to_json(&UserInvitationListResult {
                error: None,
                is_failure: false,
                is_success: true,
                value: Some(vec![model]),
            });
            assert_eq!(list, sdk);
        }
    }
}
