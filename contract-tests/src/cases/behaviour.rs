//! Behaviour that needs the mock's admin API to observe: token rotation, expiry, the outbox,
//! acceptance, the clock. These run on the embedded mock and report as skipped elsewhere.

use chrono::{DateTime, Duration, Utc};
use reqwest::Method;
use serde_json::{json, Value};

use super::iam_resend::fresh_key;
use super::{by_email, case, iam_resend, tenant_resend, Case, Needs};
use crate::context::{Auth, CaseResult, Ctx, Op};
use crate::{ensure, fail};

pub(super) fn cases() -> Vec<Case> {
    vec![
        case!(
            tenant_resend_rotates_token_and_resets_expiry,
            Op::ResendInvitation,
            200,
            Needs::Admin
        ),
        case!(
            iam_resend_rotates_token_and_resets_expiry,
            Op::ResendInvite,
            200,
            Needs::Admin
        ),
        case!(
            iam_resend_reactivates_every_state,
            Op::ResendInvite,
            200,
            Needs::Admin
        ),
        case!(
            iam_resend_same_idempotency_key_sends_one_email,
            Op::ResendInvite,
            200,
            Needs::Admin
        ),
        case!(
            accepted_invitation_is_gone_everywhere,
            Op::ResendInvite,
            404,
            Needs::Admin
        ),
        case!(
            pending_invitation_expires_after_48_hours,
            Op::ResendInvitation,
            400,
            Needs::Admin
        ),
    ]
}

/// The mock's clock. It keeps running after a change (an offset on system time), so expiry
/// checks bracket a resend between two readings instead of expecting one exact instant.
async fn mock_now(ctx: &Ctx) -> Result<DateTime<Utc>, String> {
    let clock = ctx.admin_ok(Method::GET, "/__admin/clock", None).await?;
    timestamp(&clock, "now")
}

async fn advance_clock(ctx: &Ctx, by: Duration) -> CaseResult {
    ctx.admin_ok(
        Method::POST,
        "/__admin/clock/advance",
        Some(json!({ "seconds": by.num_seconds() })),
    )
    .await
    .map(drop)
}

/// The window a resend made between `before` and `after` must put expiry in.
fn expires_48h_after(expires: DateTime<Utc>, before: DateTime<Utc>, after: DateTime<Utc>) -> bool {
    let ttl = Duration::hours(48);
    before + ttl <= expires && expires <= after + ttl
}

async fn record(ctx: &Ctx, id: u64) -> Result<Value, String> {
    ctx.admin_ok(Method::GET, &format!("/__admin/invitations/{id}"), None)
        .await
}

async fn outbox(ctx: &Ctx) -> Result<Vec<Value>, String> {
    let value = ctx.admin_ok(Method::GET, "/__admin/outbox", None).await?;
    value
        .as_array()
        .cloned()
        .ok_or_else(|| format!("outbox is not a list: {value}"))
}

async fn accept(ctx: &Ctx, token: &Value) -> Result<u16, String> {
    let (status, _) = ctx
        .admin(
            Method::POST,
            "/__admin/accept",
            Some(json!({ "token": token })),
        )
        .await?;
    Ok(status)
}

fn timestamp(value: &Value, field: &str) -> Result<DateTime<Utc>, String> {
    value[field]
        .as_str()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("{field} is not a timestamp in {value}"))
}

/// After one resend of `id` between the clock readings `t0` and `t1`: a new token, the old
/// one refused, expiry 48 h after the resend, one email to the recipient carrying the new
/// token, and the new token accepted.
async fn check_rotation(
    ctx: &mut Ctx,
    id: u64,
    before: &Value,
    t0: DateTime<Utc>,
    t1: DateTime<Utc>,
) -> CaseResult {
    let after = record(ctx, id).await?;
    ensure!(
        after["token"] != before["token"],
        "the token did not change"
    );
    ensure!(
        after["status"] == "Pending",
        "status after resend: {}",
        after["status"]
    );
    let expires = timestamp(&after, "expiresAt")?;
    ensure!(
        expires_48h_after(expires, t0, t1),
        "expiresAt is {expires}, expected 48 hours after the resend (between {t0} and {t1})"
    );
    ctx.note("expiresAt", "now + 48h");
    let emails = outbox(ctx).await?;
    ensure!(
        emails.len() == 1,
        "{} emails sent, expected 1: {emails:?}",
        emails.len()
    );
    ensure!(
        emails[0]["to"] == before["email"],
        "email went to {}, not the recipient",
        emails[0]["to"]
    );
    ensure!(
        emails[0]["token"] == after["token"],
        "the email does not carry the new token"
    );
    ctx.note(
        "emails sent",
        "1, to the original recipient, with the new token",
    );
    let old = accept(ctx, &before["token"]).await?;
    ensure!(
        !(200..300).contains(&old),
        "the old token was accepted ({old})"
    );
    ctx.note("accept old token", old);
    let new = accept(ctx, &after["token"]).await?;
    ensure!(new == 200, "the new token was refused ({new})");
    ctx.note("accept new token", new);
    Ok(())
}

async fn tenant_resend_rotates_token_and_resets_expiry(ctx: &mut Ctx) -> CaseResult {
    let (tenant, id) = (ctx.data.tenant_id, ctx.data.invitations.pending_id);
    let before = record(ctx, id).await?;
    let t0 = mock_now(ctx).await?;
    let call = tenant_resend(
        "resend the pending invitation",
        Auth::Manager,
        &tenant.to_string(),
        Some(&id.to_string()),
    );
    let exchange = ctx.expect(call, 200).await?;
    let t1 = mock_now(ctx).await?;
    ensure!(
        expires_48h_after(timestamp(&exchange.body["value"][0], "expiresAt")?, t0, t1),
        "the response's expiresAt is not 48 hours after the resend: {}",
        exchange.body
    );
    check_rotation(ctx, id, &before, t0, t1).await
}

async fn iam_resend_rotates_token_and_resets_expiry(ctx: &mut Ctx) -> CaseResult {
    let id = ctx.data.invitations.pending_id;
    let before = record(ctx, id).await?;
    let t0 = mock_now(ctx).await?;
    ctx.expect(
        iam_resend(
            "resend the pending invite",
            Auth::Manager,
            &id.to_string(),
            None,
            None,
            None,
        ),
        200,
    )
    .await?;
    let t1 = mock_now(ctx).await?;
    check_rotation(ctx, id, &before, t0, t1).await
}

async fn iam_resend_reactivates_every_state(ctx: &mut Ctx) -> CaseResult {
    let inv = ctx.data.invitations.clone();
    for (label, id) in [
        ("resend the cancelled invite", inv.cancelled_id),
        ("resend the declined invite", inv.declined_id),
        ("resend the expired invite", inv.expired_id),
    ] {
        let before = record(ctx, id).await?;
        ensure!(
            before["status"] != "Pending",
            "{label}: fixture is already Pending"
        );
        let t0 = mock_now(ctx).await?;
        ctx.expect(
            iam_resend(label, Auth::Manager, &id.to_string(), None, None, None),
            200,
        )
        .await?;
        let t1 = mock_now(ctx).await?;
        let after = record(ctx, id).await?;
        ensure!(
            after["status"] == "Pending",
            "{label}: now {}",
            after["status"]
        );
        ensure!(
            expires_48h_after(timestamp(&after, "expiresAt")?, t0, t1),
            "{label}: expiresAt {}",
            after["expiresAt"]
        );
        ensure!(
            after["token"] != before["token"],
            "{label}: token not rotated"
        );
        ctx.note(
            label,
            format!("{} -> Pending", before["status"].as_str().unwrap_or("?")),
        );
    }
    ensure!(
        outbox(ctx).await?.len() == 3,
        "expected one email per resend"
    );
    // Reactivated means pending everywhere: the tenant surface now finds it by email.
    let email = inv.declined_email.clone();
    let found = ctx
        .expect(
            by_email(
                "look up the reactivated invitation's address",
                Auth::Manager,
                Some(&email),
            ),
            200,
        )
        .await?;
    ensure!(
        found.body["value"]["id"] == inv.declined_id,
        "found {}",
        found.body["value"]
    );
    Ok(())
}

async fn iam_resend_same_idempotency_key_sends_one_email(ctx: &mut Ctx) -> CaseResult {
    let id = ctx.data.invitations.pending_id.to_string();
    let key = fresh_key();
    let first = ctx
        .expect(
            iam_resend(
                "resend with an idempotency key",
                Auth::Manager,
                &id,
                None,
                Some(&key),
                None,
            ),
            200,
        )
        .await?;
    let token_after_first = record(ctx, ctx.data.invitations.pending_id).await?["token"].clone();
    let second = ctx
        .expect(
            iam_resend(
                "repeat it with the same key",
                Auth::Manager,
                &id,
                None,
                Some(&key),
                None,
            ),
            200,
        )
        .await?;
    ensure!(
        first.body == second.body,
        "the repeat answered {} after {}",
        second.body,
        first.body
    );
    let emails = outbox(ctx).await?;
    ensure!(
        emails.len() == 1,
        "{} emails for one idempotency key",
        emails.len()
    );
    let token_now = record(ctx, ctx.data.invitations.pending_id).await?["token"].clone();
    ensure!(
        token_now == token_after_first,
        "the repeat rotated the token again"
    );
    ctx.note("emails sent", 1);
    // A new key is a new resend.
    let other = fresh_key();
    ctx.expect(
        iam_resend(
            "resend with another key",
            Auth::Manager,
            &id,
            None,
            Some(&other),
            None,
        ),
        200,
    )
    .await?;
    ensure!(outbox(ctx).await?.len() == 2, "a new key did not resend");
    Ok(())
}

async fn accepted_invitation_is_gone_everywhere(ctx: &mut Ctx) -> CaseResult {
    let inv = ctx.data.invitations.clone();
    let before = record(ctx, inv.pending_id).await?;
    let status = accept(ctx, &before["token"]).await?;
    ensure!(
        status == 200,
        "accepting the pending invitation answered {status}"
    );
    let (status, _) = ctx
        .admin(
            Method::GET,
            &format!("/__admin/invitations/{}", inv.pending_id),
            None,
        )
        .await?;
    ensure!(
        status == 404,
        "the accepted invitation is still stored ({status})"
    );
    let id = inv.pending_id.to_string();
    ctx.expect(
        iam_resend(
            "resend the accepted invite",
            Auth::Manager,
            &id,
            None,
            None,
            None,
        ),
        404,
    )
    .await?;
    let tenant = ctx.data.tenant_id.to_string();
    ctx.expect(
        tenant_resend(
            "resend the accepted invitation",
            Auth::Manager,
            &tenant,
            Some(&id),
        ),
        404,
    )
    .await?;
    ctx.expect(
        by_email(
            "look up the accepted invitation's address",
            Auth::Manager,
            Some(&inv.pending_email),
        ),
        404,
    )
    .await?;
    let again = accept(ctx, &before["token"]).await?;
    ensure!(again == 404, "a used token was accepted again ({again})");
    Ok(())
}

async fn pending_invitation_expires_after_48_hours(ctx: &mut Ctx) -> CaseResult {
    let inv = ctx.data.invitations.clone();
    let tenant = ctx.data.tenant_id.to_string();
    let id = inv.pending_id.to_string();
    // Resend first, so that expiry is exactly now + 48 h.
    ctx.expect(
        tenant_resend(
            "resend the pending invitation",
            Auth::Manager,
            &tenant,
            Some(&id),
        ),
        200,
    )
    .await?;
    advance_clock(ctx, Duration::hours(47)).await?;
    ctx.expect(
        by_email(
            "look up its address 47 hours later",
            Auth::Manager,
            Some(&inv.pending_email),
        ),
        200,
    )
    .await?;
    advance_clock(ctx, Duration::hours(2)).await?;
    let after = record(ctx, inv.pending_id).await?;
    ensure!(
        after["status"] == "Expired",
        "49 hours later it reads {}",
        after["status"]
    );
    ctx.expect(
        by_email(
            "look up its address 49 hours later",
            Auth::Manager,
            Some(&inv.pending_email),
        ),
        404,
    )
    .await?;
    let refused = ctx
        .expect(
            tenant_resend(
                "resend it on the tenant surface",
                Auth::Manager,
                &tenant,
                Some(&id),
            ),
            400,
        )
        .await?;
    ensure!(
        refused.body.pointer("/error/code") == Some(&"InvitationNotPending".into()),
        "{}",
        refused.body
    );
    let status = accept(ctx, &after["token"]).await?;
    ensure!(
        !(200..300).contains(&status),
        "an expired token was accepted"
    );
    // The IAM surface brings it back.
    ctx.expect(
        iam_resend(
            "resend it on the IAM surface",
            Auth::Manager,
            &id,
            None,
            None,
            None,
        ),
        200,
    )
    .await?;
    match record(ctx, inv.pending_id).await?["status"].as_str() {
        Some("Pending") => Ok(()),
        other => fail!("after the IAM resend it reads {other:?}"),
    }
}
