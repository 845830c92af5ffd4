//! [`Call`]: an API request as its operation reads it before the core is locked, and the
//! core's state that the operation's answer reads and changes.
//!
//! Shared by the core (`mod.rs`, which routes and locks) and the conforming variant (which
//! reads an adapted request again), so it imports neither.

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::http::{Answer, Request};
use super::iam;
use super::idempotency::IdempotencyStore;
use super::router::{ApiPath, Operation};
use super::store::Store;
use super::tenant;

/// What an operation reads from its request before the core is locked: one value per
/// operation, each defined beside the checks that consume it.
pub(crate) enum Call<'r> {
    ResendInvitation(tenant::ResendInvitation<'r>),
    GetUserInvitationByEmail(tenant::GetUserInvitationByEmail<'r>),
    ResendInvite(iam::ResendInvite<'r>),
}

/// What an operation's answer reads and changes besides its request: the core's state and
/// limits.
pub(crate) struct State<'c> {
    pub(crate) store: &'c mut Store,
    pub(crate) idempotency: &'c mut IdempotencyStore,
    /// The largest IAM body accepted; larger is 413.
    pub(crate) max_body_bytes: usize,
}

impl<'r> Call<'r> {
    /// Reads `request` for the operation its path matched (`param`: the decoded path
    /// parameter).
    pub(crate) fn read(ApiPath { operation, param }: ApiPath, request: &'r Request) -> Call<'r> {
        match operation {
            Operation::ResendInvitation => {
                Call::ResendInvitation(tenant::ResendInvitation::read(request, &param))
            }
            Operation::GetUserInvitationByEmail => {
                Call::GetUserInvitationByEmail(tenant::GetUserInvitationByEmail::read(request))
            }
            Operation::ResendInvite => Call::ResendInvite(iam::ResendInvite::read(request, param)),
        }
    }

    pub(crate) fn operation(&self) -> Operation {
        match self {
            Call::ResendInvitation(_) => Operation::ResendInvitation,
            Call::GetUserInvitationByEmail(_) => Operation::GetUserInvitationByEmail,
            Call::ResendInvite(_) => Operation::ResendInvite,
        }
    }

    /// The operation's answer, its checks in the documented order. `delay`: a fault's
    /// injected delay, during which an IAM resend counts as in flight; `now`: the mock clock
    /// when the request came in.
    pub(crate) fn answer(
        self,
        state: State<'_>,
        delay: Option<Duration>,
        now: DateTime<Utc>,
    ) -> Answer {
        match self {
            Call::ResendInvitation(call) => call.answer(state.store, now),
            Call::GetUserInvitationByEmail(call) => call.answer(state.store, now),
            Call::ResendInvite(call) => call.answer(
                state.store,
                state.idempotency,
                state.max_body_bytes,
                delay,
                now,
            ),
        }
    }
}
