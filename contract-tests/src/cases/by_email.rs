//! `GET /tenant/admin/user/invitations_by_email` (GetUserInvitationByEmail).

use super::case::{case, Case, Needs};
use super::steps::{by_email, expect_addresses_refused, inject_fault};
use crate::context::{
    ensure, fail, generated_outcome, sdk_agrees, sdk_outcome, Auth, CaseResult, Ctx, Op, SdkOutcome,
};
use crate::decision::Decision;

const OP: Op = Op::GetUserInvitationByEmail;

pub(super) fn cases() -> Vec<Case> {
    // Their 401/403/404/500 carry a code only our decisions name.
    const CODES: Decision = Decision::ErrorCodes;
    vec![
        case!(
            by_email_finds_the_pending_invitation,
            OP,
            200,
            Needs::Nothing
        ),
        case!(by_email_ignores_case, OP, 200, Needs::Nothing),
        case!(
            by_email_malformed_addresses_are_400,
            OP,
            400,
            Needs::Nothing
        ),
        case!(by_email_without_address_is_400, OP, 400, Needs::Nothing),
        case!(by_email_without_key_is_401, OP, 401, Needs::Nothing, [CODES]
            => look_up_pending(Auth::None)),
        case!(by_email_unknown_key_is_401, OP, 401, Needs::Nothing, [CODES]
            => look_up_pending(Auth::Unknown)),
        case!(by_email_key_without_permission_is_403, OP, 403, Needs::Nothing, [CODES]
            => look_up_pending(Auth::Viewer)),
        case!(
            by_email_unknown_address_is_404,
            OP,
            404,
            Needs::Nothing,
            [CODES]
        ),
        case!(
            by_email_never_reveals_another_tenant,
            OP,
            404,
            Needs::Nothing,
            [CODES]
        ),
        case!(
            by_email_skips_declined_invitations,
            OP,
            404,
            Needs::Nothing,
            [CODES]
        ),
        case!(by_email_fault_is_500, OP, 500, Needs::Admin, [CODES]),
    ]
}

async fn sdk_call(ctx: &Ctx, auth: Auth, email: &str) -> SdkOutcome {
    sdk_outcome(ctx.sdk(auth).invitation_by_email(email).await)
}

/// `email` looked up with the manager's key, raw and through the SDK: 404 from both.
async fn not_found(ctx: &mut Ctx, label: &str, email: &str) -> CaseResult {
    raw_and_sdk(ctx, label, Auth::Manager, email, 404).await
}

async fn raw_and_sdk(
    ctx: &mut Ctx,
    label: &str,
    auth: Auth,
    email: &str,
    status: u16,
) -> CaseResult {
    let exchange = ctx
        .expect(by_email(label, auth).email(email), status)
        .await?;
    let outcome = sdk_call(ctx, auth, email).await;
    ctx.record_sdk(&outcome);
    sdk_agrees(&exchange, &outcome)
}

/// Looks `email` up with `auth`, expects the invitation `id`, and checks the SDK reads it.
async fn expect_found(ctx: &mut Ctx, label: &str, auth: Auth, email: &str, id: u64) -> CaseResult {
    let exchange = ctx.expect(by_email(label, auth).email(email), 200).await?;
    let value = &exchange.body["value"];
    ensure!(
        value["id"] == id,
        "{label}: found id {}, expected {id}",
        value["id"]
    );
    ensure!(
        value["status"] == "Pending",
        "{label}: found status {}",
        value["status"]
    );
    match ctx.sdk(auth).invitation_by_email(email).await {
        Ok(invitation) => {
            ensure!(
                invitation.id.get() == id,
                "the SDK read id {}",
                invitation.id
            );
            ensure!(
                invitation.status == invitations_sdk::InvitationStatus::Pending,
                "the SDK read status {}",
                invitation.status
            );
            ctx.record_sdk(&SdkOutcome::Ok);
            Ok(())
        }
        Err(err) => fail!("{label}: the SDK failed on a 200: {err}"),
    }
}

async fn by_email_finds_the_pending_invitation(ctx: &mut Ctx) -> CaseResult {
    let email = ctx.data.invitations.pending_email.clone();
    let id = ctx.data.invitations.pending_id;
    let label = "look up the pending invitation's address";
    expect_found(ctx, label, Auth::Manager, &email, id).await
}

async fn by_email_ignores_case(ctx: &mut Ctx) -> CaseResult {
    let email = ctx.data.invitations.pending_email.to_uppercase();
    let id = ctx.data.invitations.pending_id;
    let label = "look up the pending invitation's address in upper case";
    expect_found(ctx, label, Auth::Manager, &email, id).await
}

async fn by_email_malformed_addresses_are_400(ctx: &mut Ctx) -> CaseResult {
    // Malformed under any reading of "email address format" (seed 002's 400). How long an
    // address may be is our decision (`by_email_length_and_label_limits_hold_on_both_sides`).
    expect_addresses_refused(
        ctx,
        &[
            ("look up an address without @", "not-an-address"),
            ("look up an address without a domain", "ada@"),
            ("look up an address with spaces", "ada lovelace@example.com"),
            ("look up an empty address", ""),
        ],
    )
    .await?;
    // The SDK enforces the spec's length before sending, and sends what only the server can
    // judge.
    let too_long = format!("{}@example.com", "a".repeat(250));
    let too_long_outcome = sdk_call(ctx, Auth::Manager, &too_long).await;
    ctx.record_sdk(&too_long_outcome);
    ensure!(
        too_long_outcome == SdkOutcome::InvalidRequest,
        "SDK, long address: {too_long_outcome}"
    );
    let malformed = sdk_call(ctx, Auth::Manager, "not-an-address").await;
    ctx.record_sdk(&malformed);
    ensure!(
        malformed
            == SdkOutcome::ApiError {
                status: 400,
                code: Some("ValidationError".into())
            }
            || malformed == SdkOutcome::InvalidRequest,
        "SDK, malformed address: {malformed}"
    );
    Ok(())
}

async fn by_email_without_address_is_400(ctx: &mut Ctx) -> CaseResult {
    let exchange = ctx
        .expect(
            by_email("look up without an email parameter", Auth::Manager),
            400,
        )
        .await?;
    ensure!(
        exchange.body.pointer("/error/code") == Some(&"ValidationError".into()),
        "{}",
        exchange.body
    );
    // The SDK cannot omit the address; even the generated builder refuses to.
    let outcome = generated_outcome(
        ctx.sdk(Auth::Manager)
            .generated()
            .get_user_invitation_by_email()
            .send()
            .await,
    );
    ctx.record_sdk(&outcome);
    ensure!(outcome == SdkOutcome::InvalidRequest, "SDK: {outcome}");
    Ok(())
}

/// The pending invitation's address looked up with `auth`, raw and through the SDK, and
/// answered `status` by both.
async fn look_up_pending(ctx: &mut Ctx, auth: Auth, status: u16) -> CaseResult {
    let email = ctx.data.invitations.pending_email.clone();
    let label = "look up the pending invitation's address";
    raw_and_sdk(ctx, label, auth, &email, status).await
}

async fn by_email_unknown_address_is_404(ctx: &mut Ctx) -> CaseResult {
    let nobody = "nobody@contract-tests.example.org";
    not_found(ctx, "look up an address nobody was invited with", nobody).await
}

async fn by_email_never_reveals_another_tenant(ctx: &mut Ctx) -> CaseResult {
    let email = ctx.data.invitations.other_tenant_email.clone();
    not_found(ctx, "look up another tenant's pending address", &email).await?;
    // The invitation does exist: its own tenant's manager finds it.
    let id = ctx.data.invitations.other_tenant_pending_id;
    expect_found(
        ctx,
        "look up the same address with its tenant's key",
        Auth::OtherTenant,
        &email,
        id,
    )
    .await
}

async fn by_email_skips_declined_invitations(ctx: &mut Ctx) -> CaseResult {
    let email = ctx.data.invitations.declined_email.clone();
    not_found(ctx, "look up the declined invitation's address", &email).await
}

async fn by_email_fault_is_500(ctx: &mut Ctx) -> CaseResult {
    inject_fault(ctx, OP, 500).await?;
    let email = ctx.data.invitations.pending_email.clone();
    let exchange = ctx
        .expect(
            by_email("look up an address (fault injected)", Auth::Manager).email(&email),
            500,
        )
        .await?;
    inject_fault(ctx, OP, 500).await?;
    let outcome = sdk_call(ctx, Auth::Manager, &email).await;
    ctx.record_sdk(&outcome);
    sdk_agrees(&exchange, &outcome)
}
