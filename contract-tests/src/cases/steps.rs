//! The steps several case files share: each operation's request by name, the check of
//! addresses a server must refuse, and a fault injected on the mock.

use reqwest::Method;

use crate::context::{ensure, Auth, Call, CaseResult, Ctx, Op};

/// `PUT /tenant/{tenantId}/admin/user/invitation/resend` with a raw tenant id, so that
/// invalid ones can be sent; [`Call::id`] adds the invitation.
pub(crate) fn tenant_resend(label: &str, auth: Auth, tenant: &str) -> Call {
    Call::new(Op::ResendInvitation, label, auth, &[("tenantId", tenant)])
}

/// The tenant resend of the profile's pending invitation, on its tenant, with the manager's
/// key.
pub(crate) fn resend_pending(ctx: &Ctx, label: &str) -> Call {
    let (tenant, id) = (ctx.data.tenant_id, ctx.data.invitations.pending_id);
    tenant_resend(label, Auth::Manager, &tenant.to_string()).id(&id.to_string())
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
        ensure!(
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

/// The emails in the mock's outbox (admin API), oldest first.
pub(crate) async fn outbox(ctx: &Ctx) -> Result<Vec<serde_json::Value>, String> {
    let value = ctx.admin_ok(Method::GET, "/__admin/outbox", None).await?;
    value
        .as_array()
        .cloned()
        .ok_or_else(|| format!("outbox is not a list: {value}"))
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
