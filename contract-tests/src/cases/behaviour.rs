//! Behaviour the documents describe: expiry reset, reactivation, idempotency, dry runs,
//! acceptance. Each case observes the effects through the API itself, so it runs on any
//! deployment whose profile allows it; where the target also has the mock's admin API (the
//! embedded mock) it checks what only that API can show (tokens, the outbox) as well, without
//! changing the snapshot. Only the clock case (expiry after 48 hours) needs the admin API.

use chrono::{DateTime, Duration, Utc};
use reqwest::Method;
use serde_json::{json, Value};

use super::case::{case, Case, Needs};
use super::iam_resend::fresh_key;
use super::steps::{by_email, iam_resend, outbox, resend_pending, tenant_resend};
use super::tenant_resend::expect_not_pending_code;
use crate::context::{ensure, fail, Auth, Call, CaseResult, Ctx, Op};
use crate::decision::Decision;

pub(super) fn cases() -> Vec<Case> {
    // Their lookups of addresses with no pending invitation are 404s, coded by our decision.
    const CODES: Decision = Decision::ErrorCodes;
    vec![
        case!(
            tenant_resend_rotates_token_and_resets_expiry,
            Op::ResendInvitation,
            200,
            Needs::Mutations
        ),
        case!(
            iam_resend_rotates_token_and_resets_expiry,
            Op::ResendInvite,
            200,
            Needs::Mutations
        ),
        case!(
            iam_resend_reactivates_every_state,
            Op::ResendInvite,
            200,
            Needs::Reactivation,
            [CODES]
        ),
        case!(
            iam_resend_same_idempotency_key_sends_one_email,
            Op::ResendInvite,
            200,
            Needs::Mutations
        ),
        case!(
            iam_dry_run_changes_nothing_visible,
            Op::ResendInvite,
            200,
            Needs::DryRun,
            [CODES]
        ),
        case!(
            accepted_invitation_is_gone_everywhere,
            Op::ResendInvite,
            404,
            Needs::Accepted,
            [CODES]
        ),
        case!(
            pending_invitation_expires_after_48_hours,
            Op::ResendInvitation,
            400,
            Needs::Admin,
            [CODES]
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

/// The window a resend made between `before` and `after` must put expiry in. The bounds are
/// widened to whole seconds: a server may keep timestamps to the second.
fn expires_48h_after(expires: DateTime<Utc>, before: DateTime<Utc>, after: DateTime<Utc>) -> bool {
    let ttl = Duration::hours(48);
    let floor = before - Duration::nanoseconds(i64::from(before.timestamp_subsec_nanos()));
    let ceil = after + Duration::seconds(1);
    floor + ttl <= expires && expires <= ceil + ttl
}

/// The target's time: the mock's clock where the admin API shows it, else this machine's.
async fn now(ctx: &Ctx) -> Result<DateTime<Utc>, String> {
    if ctx.has_admin() {
        mock_now(ctx).await
    } else {
        Ok(Utc::now())
    }
}

/// `expiresAt` is optional: when `invitation` carries it, it must lie 48 hours after the
/// resend made between `t0` and `t1` (or, with `at_least`, no earlier: on a shared deployment
/// another case may have resent the same invitation since).
fn check_expiry(
    ctx: &mut Ctx,
    label: &str,
    invitation: &Value,
    t0: DateTime<Utc>,
    t1: DateTime<Utc>,
    at_least: bool,
) -> CaseResult {
    if invitation.get("expiresAt").is_none_or(Value::is_null) {
        ctx.observe(format!("{label}: expiresAt not sent (optional)"));
        return Ok(());
    }
    let expires = timestamp(invitation, "expiresAt")?;
    let far_enough = if at_least {
        expires_48h_after(expires, t0, expires - Duration::hours(48))
    } else {
        expires_48h_after(expires, t0, t1)
    };
    ensure!(
        far_enough,
        "{label}: expiresAt is {expires}, expected 48 hours after the resend (between {t0} and {t1})"
    );
    ctx.checked(format!(
        "{label}: expiresAt {expires} is 48 h after the resend"
    ));
    Ok(())
}

/// Looks `email` up with the manager key and expects the `Pending` invitation `id`.
async fn find_pending(ctx: &mut Ctx, label: &str, email: &str, id: u64) -> Result<Value, String> {
    let found = ctx
        .expect(by_email(label, Auth::Manager).email(email), 200)
        .await?;
    let value = found.body["value"].clone();
    ensure!(
        value["id"] == id,
        "{label}: found {value}, expected id {id}"
    );
    ensure!(
        value["status"] == "Pending",
        "{label}: found status {}",
        value["status"]
    );
    Ok(value)
}

async fn record(ctx: &Ctx, id: u64) -> Result<Value, String> {
    ctx.admin_ok(Method::GET, &format!("/__admin/invitations/{id}"), None)
        .await
}

/// The admin record of `id`, where the target has the admin API.
async fn record_if_admin(ctx: &Ctx, id: u64) -> Result<Option<Value>, String> {
    if ctx.has_admin() {
        record(ctx, id).await.map(Some)
    } else {
        Ok(None)
    }
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

/// What only the admin API shows after one resend of `id` between `t0` and `t1`: a new token,
/// the old one refused, one email to the recipient carrying the new token, the new token
/// accepted. Reported, not snapshotted: a deployment cannot show it without a mailbox.
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
    let old = accept(ctx, &before["token"]).await?;
    ensure!(
        !(200..300).contains(&old),
        "the old token was accepted ({old})"
    );
    let new = accept(ctx, &after["token"]).await?;
    ensure!(new == 200, "the new token was refused ({new})");
    ctx.checked(format!(
        "admin API: token rotated, 1 email to the recipient with the new token, old token {old}, new token {new}"
    ));
    Ok(())
}

async fn tenant_resend_rotates_token_and_resets_expiry(ctx: &mut Ctx) -> CaseResult {
    let call = resend_pending(ctx, "resend the pending invitation");
    // The tenant surface answers with the resent invitation: its expiry is checked too.
    resend_rotates_token_and_resets_expiry(ctx, call, true).await
}

async fn iam_resend_rotates_token_and_resets_expiry(ctx: &mut Ctx) -> CaseResult {
    let id = ctx.data.invitations.pending_id.to_string();
    let call = iam_resend("resend the pending invite", Auth::Manager, &id);
    resend_rotates_token_and_resets_expiry(ctx, call, false).await
}

/// Resends the pending invitation with `call` and checks what every resend does: one email to
/// its address, an expiry 48 hours on, seen by a lookup (and in the answer, with
/// `answer_has_expiry`), and the token rotated where the admin API shows it.
async fn resend_rotates_token_and_resets_expiry(
    ctx: &mut Ctx,
    call: Call,
    answer_has_expiry: bool,
) -> CaseResult {
    let id = ctx.data.invitations.pending_id;
    let email = ctx.data.invitations.pending_email.clone();
    let before = record_if_admin(ctx, id).await?;
    let mail = ctx.watch_mail(&email).await?;
    let t0 = now(ctx).await?;
    let exchange = ctx.expect(call, 200).await?;
    let t1 = now(ctx).await?;
    ctx.check_mail(mail, 1).await?;
    if answer_has_expiry {
        let answered = exchange.body["value"][0].clone();
        check_expiry(ctx, "the resend's answer", &answered, t0, t1, false)?;
    }
    let found = find_pending(ctx, "look up its address after the resend", &email, id).await?;
    check_expiry(ctx, "the lookup after the resend", &found, t0, t1, true)?;
    ctx.note("expiresAt, when sent", "48 hours after the resend");
    match before {
        Some(before) => check_rotation(ctx, id, &before, t0, t1).await,
        None => Ok(()),
    }
}

async fn iam_resend_reactivates_every_state(ctx: &mut Ctx) -> CaseResult {
    let Some(reactivate) = ctx.data.invitations.reactivate.clone() else {
        fail!("the profile names no [invitations.reactivate]; the runner should have skipped");
    };
    let tenant = ctx.data.tenant_id.to_string();
    // A dry run must send nothing: its address is watched until the end, when all three
    // are checked at once (each check waits the mailbox's whole delay).
    let mut dry_runs = Vec::new();
    for (state, inv) in [
        ("cancelled", &reactivate.cancelled),
        ("declined", &reactivate.declined),
        ("expired", &reactivate.expired),
    ] {
        let before = record_if_admin(ctx, inv.id).await?;
        if let Some(before) = &before {
            ensure!(
                before["status"] != "Pending" || state == "expired",
                "{state}: the fixture's invitation is already Pending"
            );
        }
        // Not pending, so the tenant surface does not find it yet.
        ctx.expect(
            by_email(
                &format!("look up the {state} invitation's address"),
                Auth::Manager,
            )
            .email(&inv.email),
            404,
        )
        .await?;
        let id = inv.id.to_string();
        let mail = ctx.watch_mail(&inv.email).await?;
        let t0 = now(ctx).await?;
        let answer = ctx
            .expect(
                iam_resend(&format!("resend the {state} invite"), Auth::Manager, &id),
                200,
            )
            .await?;
        let t1 = now(ctx).await?;
        ensure!(
            answer.body["inviteId"].as_str() == Some(id.as_str()),
            "{state}: inviteId {}",
            answer.body["inviteId"]
        );
        let found = find_pending(
            ctx,
            &format!("look up the reactivated {state} invitation's address"),
            &inv.email,
            inv.id,
        )
        .await?;
        check_expiry(ctx, &format!("reactivated {state}"), &found, t0, t1, false)?;
        let again = ctx
            .expect(
                tenant_resend(
                    &format!("resend the reactivated {state} invitation on the tenant surface"),
                    Auth::Manager,
                    &tenant,
                )
                .id(&id),
                200,
            )
            .await?;
        ensure!(
            again.body["value"][0]["status"] == "Pending",
            "{state}: the tenant resend answered {}",
            again.body
        );
        ctx.note(
            &format!("{state} after an IAM resend"),
            "Pending, found by email, resendable on the tenant surface",
        );
        if let Some(mail) = mail {
            ctx.check_mail(Some(mail), 2)
                .await
                .map_err(|why| format!("{state}, after an IAM and a tenant resend: {why}"))?;
            dry_runs.push(keyed_resends_and_a_dry_run(ctx, state, &id, &inv.email).await?);
        }
        if let Some(before) = before {
            let after = record(ctx, inv.id).await?;
            ensure!(
                after["token"] != before["token"],
                "{state}: token not rotated"
            );
        }
    }
    let checks = dry_runs.into_iter().map(|(state, watch)| {
        let mailbox = ctx.mailbox().cloned();
        async move {
            match (watch, mailbox) {
                (Some(watch), Some(mailbox)) => watch
                    .check(&mailbox, 0)
                    .await
                    .map_err(|why| format!("{state}, after a dry run: {why}")),
                _ => Ok(String::new()),
            }
        }
    });
    for seen in futures::future::join_all(checks).await {
        let seen = seen?;
        if !seen.is_empty() {
            ctx.checked(seen);
        }
    }
    if ctx.has_admin() {
        let sent = outbox(ctx).await?.len();
        ensure!(sent == 6, "{sent} emails for six resends");
        ctx.checked("admin API: tokens rotated, one email per resend");
    }
    Ok(())
}

/// Through the mail catcher, for a reactivated invitation: a keyed resend and its repeat add
/// one email; then a dry run, whose address is returned watched (it must get none). Requests
/// only a target with a mailbox gets: not in the snapshot.
async fn keyed_resends_and_a_dry_run(
    ctx: &mut Ctx,
    state: &'static str,
    id: &str,
    email: &str,
) -> Result<(&'static str, Option<crate::mailbox::MailWatch>), String> {
    let key = fresh_key();
    let mail = ctx.watch_mail(email).await?;
    for label in ["resend with a fresh key", "repeat it with the same key"] {
        ctx.expect_unrecorded(
            iam_resend(&format!("{label} (reactivated {state})"), Auth::Manager, id)
                .idempotency_key(&key),
            200,
        )
        .await?;
    }
    ctx.check_mail(mail, 1)
        .await
        .map_err(|why| format!("{state}, a resend and its repeat with one key: {why}"))?;
    let watch = ctx.watch_mail(email).await?;
    ctx.expect_unrecorded(
        iam_resend(
            &format!("dry-run resend (reactivated {state})"),
            Auth::Manager,
            id,
        )
        .dry_run(),
        200,
    )
    .await?;
    Ok((state, watch))
}

async fn iam_resend_same_idempotency_key_sends_one_email(ctx: &mut Ctx) -> CaseResult {
    let id = ctx.data.invitations.pending_id.to_string();
    let email = ctx.data.invitations.pending_email.clone();
    let key = fresh_key();
    let mail = ctx.watch_mail(&email).await?;
    let first = ctx
        .expect(
            iam_resend("resend with an idempotency key", Auth::Manager, &id).idempotency_key(&key),
            200,
        )
        .await?;
    let after_first = record_if_admin(ctx, ctx.data.invitations.pending_id).await?;
    let second = ctx
        .expect(
            iam_resend("repeat it with the same key", Auth::Manager, &id).idempotency_key(&key),
            200,
        )
        .await?;
    ensure!(
        first.body == second.body,
        "the repeat answered {} after {}",
        second.body,
        first.body
    );
    ctx.check_mail(mail, 1)
        .await
        .map_err(|why| format!("a resend and its repeat with one key: {why}"))?;
    ctx.note("the repeat", "answers exactly the first answer");
    if let Some(after_first) = after_first {
        let emails = outbox(ctx).await?;
        ensure!(
            emails.len() == 1,
            "{} emails for one idempotency key",
            emails.len()
        );
        let token_now = record(ctx, ctx.data.invitations.pending_id).await?["token"].clone();
        ensure!(
            token_now == after_first["token"],
            "the repeat rotated the token again"
        );
    }
    // A new key is a new resend.
    let other = fresh_key();
    let mail = ctx.watch_mail(&email).await?;
    ctx.expect(
        iam_resend("resend with another key", Auth::Manager, &id).idempotency_key(&other),
        200,
    )
    .await?;
    ctx.check_mail(mail, 1)
        .await
        .map_err(|why| format!("a resend with another key: {why}"))?;
    if ctx.has_admin() {
        ensure!(outbox(ctx).await?.len() == 2, "a new key did not resend");
        ctx.checked("admin API: one email per key, the repeat kept the token");
    }
    Ok(())
}

async fn iam_dry_run_changes_nothing_visible(ctx: &mut Ctx) -> CaseResult {
    // The declined invitation: no other case changes it, and a committed dry run would make
    // it Pending, which the lookup shows.
    let inv = ctx.data.invitations.clone();
    let before = record_if_admin(ctx, inv.declined_id).await?;
    let mail = ctx.watch_mail(&inv.declined_email).await?;
    let key = fresh_key();
    let id = inv.declined_id.to_string();
    let dry_run = |label: &str| {
        iam_resend(label, Auth::Manager, &id)
            .dry_run()
            .idempotency_key(&key)
    };
    let lookup = |label: &str| by_email(label, Auth::Manager).email(&inv.declined_email);
    let answer = ctx
        .expect(dry_run("dry-run resend of the declined invite"), 200)
        .await?;
    ensure!(
        answer.body["inviteId"] == id.as_str(),
        "inviteId {}",
        answer.body["inviteId"]
    );
    ctx.expect(
        lookup("look up the declined invitation's address after the dry run"),
        404,
    )
    .await?;
    // The same dry run again: still nothing, and still the same answer.
    let repeat = ctx
        .expect(dry_run("repeat the dry run with the same key"), 200)
        .await?;
    ensure!(
        repeat.body["inviteId"] == id.as_str(),
        "the repeat answered {}",
        repeat.body
    );
    ctx.expect(
        lookup("look up the declined invitation's address after both"),
        404,
    )
    .await?;
    ctx.check_mail(mail, 0)
        .await
        .map_err(|why| format!("two dry runs: {why}"))?;
    if let Some(before) = before {
        let after = record(ctx, inv.declined_id).await?;
        ensure!(
            after == before,
            "a dry run changed the invitation: {before} -> {after}"
        );
        let sent = outbox(ctx).await?;
        ensure!(sent.is_empty(), "a dry run sent email: {sent:?}");
        ctx.checked("admin API: record unchanged, no email");
    }
    Ok(())
}

async fn accepted_invitation_is_gone_everywhere(ctx: &mut Ctx) -> CaseResult {
    let (id, email, token) = match ctx.data.invitations.accepted.clone() {
        Some(known) => (known.id, known.email, None),
        None => {
            // The embedded mock: accept the pending invitation through the admin API first.
            let inv = ctx.data.invitations.clone();
            let before = record(ctx, inv.pending_id).await?;
            let status = accept(ctx, &before["token"]).await?;
            ensure!(
                status == 200,
                "accepting the pending invitation answered {status}"
            );
            (
                inv.pending_id,
                inv.pending_email,
                Some(before["token"].clone()),
            )
        }
    };
    let id = id.to_string();
    let tenant = ctx.data.tenant_id.to_string();
    for call in [
        iam_resend("resend the accepted invite", Auth::Manager, &id),
        tenant_resend("resend the accepted invitation", Auth::Manager, &tenant).id(&id),
        by_email("look up the accepted invitation's address", Auth::Manager).email(&email),
    ] {
        ctx.expect(call, 404).await?;
    }
    if let Some(token) = token {
        let again = accept(ctx, &token).await?;
        ensure!(again == 404, "a used token was accepted again ({again})");
        ctx.checked("admin API: the used token is refused");
    }
    Ok(())
}

async fn pending_invitation_expires_after_48_hours(ctx: &mut Ctx) -> CaseResult {
    let inv = ctx.data.invitations.clone();
    let tenant = ctx.data.tenant_id.to_string();
    let id = inv.pending_id.to_string();
    let resend = |label: &str| tenant_resend(label, Auth::Manager, &tenant).id(&id);
    let lookup = |label: &str| by_email(label, Auth::Manager).email(&inv.pending_email);
    // Resend first, so that expiry is exactly now + 48 h.
    ctx.expect(resend("resend the pending invitation"), 200)
        .await?;
    advance_clock(ctx, Duration::hours(47)).await?;
    ctx.expect(lookup("look up its address 47 hours later"), 200)
        .await?;
    advance_clock(ctx, Duration::hours(2)).await?;
    let after = record(ctx, inv.pending_id).await?;
    ensure!(
        after["status"] == "Expired",
        "49 hours later it reads {}",
        after["status"]
    );
    ctx.expect(lookup("look up its address 49 hours later"), 404)
        .await?;
    let label = "resend it on the tenant surface";
    let refused = ctx.expect(resend(label), 400).await?;
    expect_not_pending_code(label, &refused.body)?;
    let status = accept(ctx, &after["token"]).await?;
    ensure!(
        !(200..300).contains(&status),
        "an expired token was accepted"
    );
    // The IAM surface brings it back.
    ctx.expect(
        iam_resend("resend it on the IAM surface", Auth::Manager, &id),
        200,
    )
    .await?;
    match record(ctx, inv.pending_id).await?["status"].as_str() {
        Some("Pending") => Ok(()),
        other => fail!("after the IAM resend it reads {other:?}"),
    }
}
