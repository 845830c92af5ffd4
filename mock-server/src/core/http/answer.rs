//! [`Answer`]: what the core decided for a request, its success body still to be written.

use std::time::Duration;

use ::http::{HeaderMap, HeaderName, HeaderValue};
use bytes::Bytes;
use invitations_sdk::types::UserInvitationModel;

use super::json::{to_json_with, write_resent, write_success, DRY_RUN, RESENT};
use super::wire::{json_headers, Response};

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

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};
    use invitations_sdk::types::{
        ResendInviteResponse, UserInvitationListResult, UserInvitationModelEmail,
        UserInvitationResult,
    };
    use std::num::NonZeroU64;

    /// Each pending body is rendered by its own writer (the writers' bytes are checked
    /// against serde in `json.rs`), with its status, headers and delay.
    #[test]
    fn pending_bodies_render_as_their_sdk_types() {
        let model = UserInvitationModel {
            created_at: Utc.with_ymd_and_hms(2026, 11, 21, 23, 26, 59).unwrap(),
            email: UserInvitationModelEmail::try_from("ada@example.com").unwrap(),
            expires_at: None,
            id: NonZeroU64::new(9001).unwrap(),
            status: invitations_sdk::InvitationStatus::Pending,
            tenant_id: NonZeroU64::new(1024),
        };
        let one = Answer::invitation(model.clone()).into_response();
        let sdk = UserInvitationResult {
            error: None,
            is_failure: false,
            is_success: true,
            value: Some(model.clone()),
        };
        assert_eq!(one.body, serde_json::to_vec(&sdk).unwrap());
        assert_eq!(one.status, 200);
        assert_eq!(one.header("content-type"), Some("application/json"));
        let list = Answer::invitation_list(model.clone()).into_response();
        let sdk = UserInvitationListResult {
            error: None,
            is_failure: false,
            is_success: true,
            value: Some(vec![model]),
        };
        assert_eq!(list.body, serde_json::to_vec(&sdk).unwrap());

        for (dry_run, message) in [(false, RESENT), (true, DRY_RUN)] {
            let resent = Answer::resent("9001".to_owned(), dry_run, false).into_response();
            let sdk = ResendInviteResponse {
                invite_id: "9001".to_owned(),
                message: message.to_owned(),
            };
            assert_eq!(resent.body, serde_json::to_vec(&sdk).unwrap());
            assert_eq!(resent.header("idempotent-replayed"), None);
        }
        let replayed = Answer::resent("9001".to_owned(), false, true).into_response();
        assert_eq!(replayed.header("idempotent-replayed"), Some("true"));
        assert_eq!(replayed.header("content-type"), Some("application/json"));
    }

    #[test]
    fn a_ready_response_goes_through_unchanged() {
        let ready = Response::raw_json(418, &b"{}"[..]).with_header("x-a", "b");
        let mut answer = Answer::from(ready.clone());
        assert_eq!(answer.status, 418);
        answer.delay = Some(Duration::from_millis(5));
        let out = answer.into_response();
        assert_eq!(out.delay, Some(Duration::from_millis(5)));
        assert_eq!(
            (out.status, out.headers, out.body),
            (ready.status, ready.headers, ready.body)
        );
    }
}
