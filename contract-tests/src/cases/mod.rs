//! The cases: every operation × documented status, the auth and validation cases, and the
//! behaviour DESIGN.md describes.

use std::future::Future;
use std::pin::Pin;

use reqwest::Method;

use crate::context::{Auth, Call, CaseResult, Ctx, Op};

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
            .finish()
    }
}

/// Declares a [`Case`] from an `async fn(&mut Ctx) -> CaseResult`.
macro_rules! case {
    ($name:ident, $op:expr, $status:expr, $needs:expr) => {
        $crate::cases::Case {
            name: stringify!($name),
            op: $op,
            status: $status,
            needs: $needs,
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

fn encode(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// `PUT /tenant/{tenant}/admin/user/invitation/resend?id={id}`, with raw path and query values
/// so that invalid ones can be sent.
pub(crate) fn tenant_resend(label: &str, auth: Auth, tenant: &str, id: Option<&str>) -> Call {
    let query = id
        .map(|id| format!("?id={}", encode(id)))
        .unwrap_or_default();
    Call {
        op: Op::ResendInvitation,
        label: label.to_owned(),
        method: Method::PUT,
        path_and_query: format!("/tenant/{tenant}/admin/user/invitation/resend{query}"),
        auth,
        headers: Vec::new(),
        body: None,
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
            .expect(by_email(label, Auth::Manager, Some(email)), 400)
            .await?;
        crate::ensure!(
            exchange.body.pointer("/error/code") == Some(&"ValidationError".into()),
            "{label}: {}",
            exchange.body
        );
    }
    Ok(())
}

/// `GET /tenant/admin/user/invitations_by_email?email={email}`.
pub(crate) fn by_email(label: &str, auth: Auth, email: Option<&str>) -> Call {
    let query = email
        .map(|email| format!("?email={}", encode(email)))
        .unwrap_or_default();
    Call {
        op: Op::GetUserInvitationByEmail,
        label: label.to_owned(),
        method: Method::GET,
        path_and_query: format!("/tenant/admin/user/invitations_by_email{query}"),
        auth,
        headers: Vec::new(),
        body: None,
    }
}

/// `POST /iam/v1/users/{id}/actions/resend` with an optional `dryRun`, `Idempotency-Key` and
/// raw body.
pub(crate) fn iam_resend(
    label: &str,
    auth: Auth,
    id: &str,
    dry_run: Option<&str>,
    idempotency_key: Option<&str>,
    body: Option<Vec<u8>>,
) -> Call {
    let query = dry_run
        .map(|d| format!("?dryRun={}", encode(d)))
        .unwrap_or_default();
    let headers = idempotency_key
        .map(|key| vec![("Idempotency-Key".to_owned(), key.to_owned())])
        .unwrap_or_default();
    Call {
        op: Op::ResendInvite,
        label: label.to_owned(),
        method: Method::POST,
        path_and_query: format!("/iam/v1/users/{}/actions/resend{query}", encode(id)),
        auth,
        headers,
        body,
    }
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
    fn every_case_covers_a_documented_status() {
        let spec = invitations_spec::Spec::get();
        for case in all() {
            spec.response(case.op.id(), case.status)
                .unwrap_or_else(|err| panic!("{}: {err}", case.name));
        }
    }
}
