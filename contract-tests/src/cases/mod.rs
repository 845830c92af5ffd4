//! The cases: every operation × documented status, the auth and validation cases, and the
//! behaviour DESIGN.md describes.

use std::future::Future;
use std::pin::Pin;

use reqwest::Method;

use crate::context::{Auth, Call, CaseResult, Ctx, Op};
use crate::decision::Decision;

mod behaviour;
mod boundaries;
mod by_email;
mod iam_resend;
mod tenant_resend;

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
macro_rules! case {
    ($name:ident, $op:expr, $status:expr, $needs:expr) => {
        $crate::cases::case!($name, $op, $status, $needs, [])
    };
    ($name:ident, $op:expr, $status:expr, $needs:expr, [$($decision:expr),* $(,)?]) => {
        $crate::cases::Case {
            name: stringify!($name),
            op: $op,
            status: $status,
            needs: $needs,
            decisions: &[$($decision),*],
            run: |ctx| Box::pin($name(ctx)),
        }
    };
}
pub(crate) use case;

/// Every case of the suite.
pub fn all() -> Vec<Case> {
    let mut cases = Vec::new();
    cases.extend(tenant_resend::cases());
    cases.extend(by_email::cases());
    cases.extend(iam_resend::cases());
    cases.extend(behaviour::cases());
    cases.extend(boundaries::cases());
    cases
}

/// `PUT /tenant/{tenantId}/admin/user/invitation/resend` with a raw tenant id, so that
/// invalid ones can be sent; [`Call::id`] adds the invitation.
pub(crate) fn tenant_resend(label: &str, auth: Auth, tenant: &str) -> Call {
    Call::new(Op::ResendInvitation, label, auth, &[("tenantId", tenant)])
}

/// `GET /tenant/admin/user/invitations_by_email`; [`Call::email`] adds the address.
pub(crate) fn by_email(label: &str, auth: Auth) -> Call {
    Call::new(Op::GetUserInvitationByEmail, label, auth, &[])
}

/// `POST /iam/v1/users/{id}/actions/resend` with a raw id; [`Call::dry_run`],
/// [`Call::idempotency_key`] and [`Call::body`] add the rest.
pub(crate) fn iam_resend(label: &str, auth: Auth, id: &str) -> Call {
    Call::new(Op::ResendInvite, label, auth, &[("id", id)])
}

/// The parameters of the three operations, by name.
impl Call {
    /// The tenant resend's `id` query parameter.
    pub(crate) fn id(self, id: &str) -> Call {
        self.query("id", id)
    }

    /// The by-email lookup's `email` query parameter.
    pub(crate) fn email(self, email: &str) -> Call {
        self.query("email", email)
    }

    /// `dryRun=true` on the IAM resend.
    pub(crate) fn dry_run(self) -> Call {
        self.query("dryRun", "true")
    }

    /// The IAM resend's `Idempotency-Key` header.
    pub(crate) fn idempotency_key(self, key: &str) -> Call {
        self.header("Idempotency-Key", key)
    }
}

/// Looks up each `(label, address)` with the manager's key and expects the tenant surface's
/// 400 `ValidationError` for every one: the shared check of the cases on addresses a server
/// must refuse.
pub(crate) async fn expect_addresses_refused(
    ctx: &mut Ctx,
    addresses: &[(&str, &str)],
) -> CaseResult {
    for &(label, email) in addresses {
        let exchange = ctx
            .expect(by_email(label, Auth::Manager).email(email), 400)
            .await?;
        crate::ensure!(
            exchange.body.pointer("/error/code") == Some(&"ValidationError".into()),
            "{label}: {}",
            exchange.body
        );
    }
    Ok(())
}

/// Injects a one-shot fault on the mock for `op`.
pub(crate) async fn inject_fault(ctx: &Ctx, op: Op, status: u16) -> CaseResult {
    ctx.admin_ok(
        Method::POST,
        "/__admin/faults",
        Some(serde_json::json!({"operation": op.id(), "status": status, "times": 1})),
    )
    .await
    .map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_names_are_unique() {
        let mut names: Vec<_> = all().iter().map(|c| c.name).collect();
        let before = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), before, "two cases share a snapshot name");
    }

    #[test]
    fn builders_fill_the_operations_path_templates() {
        assert_eq!(
            tenant_resend("x", Auth::Manager, "1024")
                .id("9001")
                .path_and_query,
            "/tenant/1024/admin/user/invitation/resend?id=9001"
        );
        assert_eq!(
            by_email("x", Auth::Manager).email("a+b@c.d").path_and_query,
            "/tenant/admin/user/invitations_by_email?email=a%2Bb%40c.d"
        );
        let call = iam_resend("x", Auth::Manager, "9001")
            .dry_run()
            .idempotency_key("k");
        assert_eq!(
            call.path_and_query,
            "/iam/v1/users/9001/actions/resend?dryRun=true"
        );
        assert_eq!(
            call.headers,
            [("Idempotency-Key".to_owned(), "k".to_owned())]
        );
        assert_eq!(call.method, Method::POST);
    }

    #[test]
    fn every_case_covers_a_documented_status() {
        let spec = invitations_spec::Spec::get();
        for case in all() {
            spec.response(case.op.id(), case.status)
                .unwrap_or_else(|err| panic!("{}: {err}", case.name));
        }
    }
}
