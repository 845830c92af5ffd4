//! What a case is: its name, the operation and documented status it covers, what it needs
//! from the target, the decisions it relies on and its body; and `case!`, which declares one.

use std::future::Future;
use std::pin::Pin;

use crate::context::{CaseResult, Ctx, Op};
use crate::decision::Decision;

/// What a case needs from the target beyond plain requests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Needs {
    /// Nothing: safe on any deployment.
    Nothing,
    /// It sends a request to a resend endpoint naming an existing invitation, which on a
    /// deployment may send a real email. Runs only with `allow_mutations`.
    Mutations,
    /// It sends dry-run resends naming existing invitations, and nothing else that could
    /// change the target. Runs with `allow_dry_run` (or `allow_mutations`).
    DryRun,
    /// The target's own body limit (`max_body_bytes`); it changes nothing.
    BodyLimit,
    /// `allow_mutations` and the profile's `[invitations.reactivate]` invitations.
    Reactivation,
    /// An invitation the profile names as accepted, or the admin API to accept one.
    Accepted,
    /// The mock's admin API (tokens, clock, faults, outbox). Runs on the embedded mock only.
    Admin,
}

/// A case body.
pub type CaseFn = for<'a> fn(&'a mut Ctx) -> Pin<Box<dyn Future<Output = CaseResult> + Send + 'a>>;

/// One contract case.
#[derive(Clone, Copy)]
pub struct Case {
    /// Unique; also the snapshot's name.
    pub name: &'static str,
    /// The operation it covers.
    pub op: Op,
    /// The documented status it covers.
    pub status: u16,
    /// What it needs.
    pub needs: Needs,
    /// The decisions of ours (DECISIONS rows) some of its expectations rely on; empty when
    /// the documents fix everything it checks. Only these expectations accept another
    /// allowed answer on a target that is not strict.
    pub decisions: &'static [Decision],
    /// The body.
    pub run: CaseFn,
}

impl std::fmt::Debug for Case {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Case")
            .field("name", &self.name)
            .field("op", &self.op)
            .field("status", &self.status)
            .field("needs", &self.needs)
            .field("decisions", &self.decisions)
            .finish()
    }
}

/// Declares a [`Case`] from an `async fn(&mut Ctx) -> CaseResult`, with the decisions it
/// relies on, if any, last: `case!(name, op, status, needs, [Decision::BodyLimit])`.
///
/// A case that is one shared step needs no function of its own: `=> step(args)` runs
/// `step(ctx, args…, status)`, the case's status last, as in
/// `case!(name, op, 401, needs => look_up_pending(Auth::None))`.
macro_rules! case {
    ($name:ident, $op:expr, $status:expr, $needs:expr) => {
        $crate::cases::case::case!($name, $op, $status, $needs, [])
    };
    ($name:ident, $op:expr, $status:expr, $needs:expr, [$($decision:expr),* $(,)?]) => {
        $crate::cases::case::case!(@case $name, $op, $status, $needs, [$($decision),*], |ctx| {
            Box::pin($name(ctx))
        })
    };
    ($name:ident, $op:expr, $status:expr, $needs:expr => $step:ident($($arg:expr),*)) => {
        $crate::cases::case::case!($name, $op, $status, $needs, [] => $step($($arg),*))
    };
    (
        $name:ident, $op:expr, $status:expr, $needs:expr, [$($decision:expr),* $(,)?]
        => $step:ident($($arg:expr),*)
    ) => {
        $crate::cases::case::case!(@case $name, $op, $status, $needs, [$($decision),*], |ctx| {
            Box::pin($step(ctx, $($arg,)* $status))
        })
    };
    (@case $name:ident, $op:expr, $status:expr, $needs:expr, [$($decision:expr),*], $run:expr) => {
        $crate::cases::Case {
            name: stringify!($name),
            op: $op,
            status: $status,
            needs: $needs,
            decisions: &[$($decision),*],
            run: $run,
        }
    };
}
pub(crate) use case;
