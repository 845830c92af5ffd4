//! `PUT /tenant/{tenantId}/admin/user/invitation/resend` (ResendInvitation).

use super::case::{case, Case, Needs};
use super::steps::{inject_fault, outbox, resend_pending, tenant_resend};
use crate::context::{
    ensure, fail, generated_outcome, sdk_agrees, sdk_outcome, Auth, CaseResult, Ctx, Op, SdkOutcome,
};
use crate::decision::{Decision, DOCUMENTED_CODE};

const OP: Op = Op::ResendInvitation;

pub(super) fn cases() -> Vec<Case> {
    // Every tenant error but a 400 `ValidationError` carries a code only our decisions name.
    const CODES: Decision = Decision::ErrorCodes;
    vec![
        case!(tenant_resend_pending_returns_it, OP, 200, Needs::Mutations),
        case!(tenant_resend_without_id_is_400, OP, 400, Needs::Nothing),
        // A tenant id that is no id may also be answered 403 (coded).
        case!(
            tenant_resend_malformed_ids_are_400,
            OP,
            400,
            Needs::Nothing,
            [CODES]
        ),
        case!(
            tenant_resend_id_beyond_int64_is_400,
            OP,
            400,
            Needs::Nothing
        ),
        case!(
            tenant_resend_non_pending_is_400,
            OP,
            400,
            Needs::Mutations,
            [CODES]
        ),
        case!(
            tenant_resend_without_key_is_401,
            OP,
            401,
            Needs::Nothing,
            [CODES]
        ),
        case!(
            tenant_resend_unknown_key_is_401,
            OP,
            401,
            Needs::Nothing,
            [CODES]
        ),
        case!(
            tenant_resend_key_without_permission_is_403,
            OP,
            403,
            Needs::Nothing,
            [CODES]
        ),
        case!(
            tenant_resend_other_tenants_key_is_403,
            OP,
            403,
            Needs::Nothing,
            [CODES]
        ),
        case!(
            tenant_resend_unmanaged_tenant_is_403,
            OP,
            403,
            Needs::Nothing,
            [CODES]
        ),
        case!(
            tenant_resend_unknown_id_is_404,
            OP,
            404,
            Needs::Nothing,
            [CODES]
        ),
        case!(
            tenant_resend_other_tenants_invitation_is_404,
            OP,
            404,
            Needs::Mutations,
            [CODES]
        ),
        case!(tenant_resend_fault_is_500, OP, 500, Needs::Admin, [CODES]),
    ]
}

async fn sdk_call(ctx: &Ctx, auth: Auth, tenant: u64, id: u64) -> SdkOutcome {
    sdk_outcome(ctx.sdk(auth).resend_invitation(tenant, id).await)
}

/// One raw request with `auth` on the target's tenant and `id`, the same through the SDK, and
/// agreement between the two.
async fn raw_and_sdk(
    ctx: &mut Ctx,
    label: &str,
    auth: Auth,
    tenant: u64,
    id: u64,
    status: u16,
) -> CaseResult {
    let call = tenant_resend(label, auth, &tenant.to_string()).id(&id.to_string());
    let exchange = ctx.expect(call, status).await?;
    let outcome = sdk_call(ctx, auth, tenant, id).await;
    ctx.record_sdk(&outcome);
    sdk_agrees(&exchange, &outcome)
}

fn error_code(body: &serde_json::Value) -> &str {
    body.pointer("/error/code")
        .and_then(serde_json::Value::as_str)
        .unwrap_or("")
}

async fn tenant_resend_pending_returns_it(ctx: &mut Ctx) -> CaseResult {
    let (tenant, id) = (ctx.data.tenant_id, ctx.data.invitations.pending_id);
    let email = ctx.data.invitations.pending_email.clone();
    let call = resend_pending(ctx, "resend the pending invitation");
    let mail = ctx.watch_mail(&email).await?;
    let exchange = ctx.expect(call, 200).await?;
    ctx.check_mail(mail, 1).await?;
    let value = &exchange.body["value"];
    ensure!(
        value.as_array().map(Vec::len) == Some(1),
        "value should hold the one resent invitation: {value}"
    );
    ensure!(
        value[0]["id"] == id,
        "value[0].id is {}, expected {id}",
        value[0]["id"]
    );
    ensure!(
        value[0]["status"] == "Pending",
        "resent invitation reads {}",
        value[0]["status"]
    );
    ensure!(
        value[0]["email"].as_str().map(str::to_lowercase)
            == Some(ctx.data.invitations.pending_email.to_lowercase()),
        "resent invitation has email {}",
        value[0]["email"]
    );
    match ctx.sdk(Auth::Manager).resend_invitation(tenant, id).await {
        Ok(invitations) => {
            ensure!(
                invitations.len() == 1 && invitations[0].id.get() == id,
                "the SDK read {invitations:?}"
            );
            ctx.record_sdk(&SdkOutcome::Ok);
        }
        Err(err) => fail!("the SDK failed on a 200: {err}"),
    }
    Ok(())
}

async fn tenant_resend_without_id_is_400(ctx: &mut Ctx) -> CaseResult {
    let tenant = ctx.data.tenant_id.to_string();
    let exchange = ctx
        .expect(
            tenant_resend("resend without an id", Auth::Manager, &tenant),
            400,
        )
        .await?;
    ensure!(
        error_code(&exchange.body) == "ValidationError",
        "code {}",
        error_code(&exchange.body)
    );
    // The SDK cannot omit the id; even the generated builder refuses to send without it.
    let outcome = generated_outcome(
        ctx.sdk(Auth::Manager)
            .generated()
            .resend_invitation()
            .tenant_id(ctx.data.tenant_id)
            .send()
            .await,
    );
    ctx.record_sdk(&outcome);
    ensure!(outcome == SdkOutcome::InvalidRequest, "SDK: {outcome}");
    Ok(())
}

async fn tenant_resend_malformed_ids_are_400(ctx: &mut Ctx) -> CaseResult {
    let tenant = ctx.data.tenant_id.to_string();
    for (label, id) in [
        ("resend with an empty id", ""),
        ("resend with a non-numeric id", "abc"),
        ("resend with id zero", "0"),
        ("resend with a negative id", "-5"),
        ("resend with a fractional id", "1.5"),
    ] {
        let exchange = ctx
            .expect(tenant_resend(label, Auth::Manager, &tenant).id(id), 400)
            .await?;
        ensure!(
            error_code(&exchange.body) == "ValidationError",
            "{label}: code {}",
            error_code(&exchange.body)
        );
    }
    // An invalid tenant is also one the key does not manage: both 400 and 403 are true of
    // these requests, and the documents do not order the checks.
    for (label, tenant) in [
        ("resend in tenant zero", "0"),
        ("resend in a non-numeric tenant", "acme"),
    ] {
        let unknown = ctx.data.invitations.unknown_id.to_string();
        let exchange = ctx
            .expect_any(
                tenant_resend(label, Auth::Manager, tenant).id(&unknown),
                &[400, 403],
            )
            .await?;
        ensure!(
            exchange.status != 400 || error_code(&exchange.body) == "ValidationError",
            "{label}: code {}",
            error_code(&exchange.body)
        );
    }
    // The SDK's ids are non-zero by type: id 0 never leaves the client.
    let outcome = sdk_call(ctx, Auth::Manager, ctx.data.tenant_id, 0).await;
    ctx.record_sdk(&outcome);
    ensure!(outcome == SdkOutcome::InvalidRequest, "SDK: {outcome}");
    Ok(())
}

async fn tenant_resend_id_beyond_int64_is_400(ctx: &mut Ctx) -> CaseResult {
    // 2^63 fits the SDK's u64 but not the spec's int64: the server must refuse it.
    let beyond = 1u64 << 63;
    raw_and_sdk(
        ctx,
        "resend with id 2^63",
        Auth::Manager,
        ctx.data.tenant_id,
        beyond,
        400,
    )
    .await
}

async fn tenant_resend_non_pending_is_400(ctx: &mut Ctx) -> CaseResult {
    let tenant = ctx.data.tenant_id;
    let inv = ctx.data.invitations.clone();
    let mut cancelled = None;
    for (label, id) in [
        ("resend the cancelled invitation", inv.cancelled_id),
        ("resend the declined invitation", inv.declined_id),
        ("resend the expired invitation", inv.expired_id),
    ] {
        let call = tenant_resend(label, Auth::Manager, &tenant.to_string()).id(&id.to_string());
        let exchange = ctx.expect(call, 400).await?;
        expect_not_pending_code(label, &exchange.body)?;
        cancelled.get_or_insert(exchange);
    }
    let outcome = sdk_call(ctx, Auth::Manager, tenant, inv.cancelled_id).await;
    ctx.record_sdk(&outcome);
    sdk_agrees(&cancelled.expect("three resends were answered"), &outcome)?;
    if ctx.has_admin() {
        let outbox = outbox(ctx).await?;
        ensure!(outbox.is_empty(), "a refused resend sent email: {outbox:?}");
    }
    Ok(())
}

/// DESIGN.md: a resend of an invitation that is not pending is "400 with an error code that
/// says so": not the general `ValidationError`. Which code is our decision (the mock's is
/// `InvitationNotPending`), held under `strict` by every exchange's code check.
pub(super) fn expect_not_pending_code(label: &str, body: &serde_json::Value) -> CaseResult {
    let code = error_code(body);
    ensure!(
        !code.is_empty() && code != DOCUMENTED_CODE,
        "{label}: a 400 coded `{code}`; DESIGN.md asks for an error code that says the \
         invitation is not pending (the mock's is `InvitationNotPending`)"
    );
    Ok(())
}

async fn tenant_resend_without_key_is_401(ctx: &mut Ctx) -> CaseResult {
    let (tenant, id) = (ctx.data.tenant_id, ctx.data.invitations.unknown_id);
    raw_and_sdk(ctx, "resend an unknown id", Auth::None, tenant, id, 401).await
}

async fn tenant_resend_unknown_key_is_401(ctx: &mut Ctx) -> CaseResult {
    let (tenant, id) = (ctx.data.tenant_id, ctx.data.invitations.unknown_id);
    raw_and_sdk(ctx, "resend an unknown id", Auth::Unknown, tenant, id, 401).await
}

async fn tenant_resend_key_without_permission_is_403(ctx: &mut Ctx) -> CaseResult {
    let (tenant, id) = (ctx.data.tenant_id, ctx.data.invitations.unknown_id);
    raw_and_sdk(ctx, "resend an unknown id", Auth::Viewer, tenant, id, 403).await
}

async fn tenant_resend_other_tenants_key_is_403(ctx: &mut Ctx) -> CaseResult {
    let (tenant, id) = (ctx.data.tenant_id, ctx.data.invitations.unknown_id);
    let label = "resend an unknown id in the key's non-managed tenant";
    raw_and_sdk(ctx, label, Auth::OtherTenant, tenant, id, 403).await
}

async fn tenant_resend_unmanaged_tenant_is_403(ctx: &mut Ctx) -> CaseResult {
    let (other, id) = (ctx.data.other_tenant_id, ctx.data.invitations.unknown_id);
    let label = "resend in a tenant the key does not manage";
    raw_and_sdk(ctx, label, Auth::Manager, other, id, 403).await?;
    // A tenant that does not exist is not managed either, and must not be told apart.
    let label = "resend in a tenant that does not exist";
    raw_and_sdk(ctx, label, Auth::Manager, 987_654_321, id, 403).await
}

async fn tenant_resend_unknown_id_is_404(ctx: &mut Ctx) -> CaseResult {
    let (tenant, id) = (ctx.data.tenant_id, ctx.data.invitations.unknown_id);
    raw_and_sdk(ctx, "resend an unknown id", Auth::Manager, tenant, id, 404).await
}

async fn tenant_resend_other_tenants_invitation_is_404(ctx: &mut Ctx) -> CaseResult {
    let (tenant, id) = (
        ctx.data.tenant_id,
        ctx.data.invitations.other_tenant_pending_id,
    );
    let label = "resend another tenant's invitation through this tenant";
    raw_and_sdk(ctx, label, Auth::Manager, tenant, id, 404).await
}

async fn tenant_resend_fault_is_500(ctx: &mut Ctx) -> CaseResult {
    inject_fault(ctx, OP, 500).await?;
    let (tenant, id) = (ctx.data.tenant_id, ctx.data.invitations.pending_id);
    let call = resend_pending(ctx, "resend the pending invitation (fault injected)");
    let exchange = ctx.expect(call, 500).await?;
    inject_fault(ctx, OP, 500).await?;
    let outcome = sdk_call(ctx, Auth::Manager, tenant, id).await;
    ctx.record_sdk(&outcome);
    sdk_agrees(&exchange, &outcome)
}
