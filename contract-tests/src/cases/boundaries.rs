//! What a deployment can get wrong at the edges (issue 14, item 3): the Bearer scheme and its
//! challenge, the limits the spec fixes (tested on both sides), opaque ids, and idempotency
//! keys reused for another invite. Limits that are a deployment's own choice come from the
//! profile (see `iam_resend_body_over_limit_is_413`).

use super::iam_resend::fresh_key;
use super::{by_email, case, expect_addresses_refused, iam_resend, tenant_resend, Case, Needs};
use crate::context::{Auth, CaseResult, Ctx, Op};
use crate::ensure;

pub(super) fn cases() -> Vec<Case> {
    vec![
        case!(
            a_valid_key_under_another_scheme_is_401,
            Op::GetUserInvitationByEmail,
            401,
            Needs::Nothing
        ),
        case!(
            by_email_length_and_label_limits_hold_on_both_sides,
            Op::GetUserInvitationByEmail,
            400,
            Needs::Nothing
        ),
        case!(
            by_email_addresses_no_reading_of_the_rfcs_allows_are_400,
            Op::GetUserInvitationByEmail,
            400,
            Needs::Nothing
        ),
        case!(
            iam_resend_idempotency_key_of_255_is_accepted,
            Op::ResendInvite,
            404,
            Needs::Nothing
        ),
        case!(
            tenant_resend_tenant_id_1_is_valid,
            Op::ResendInvitation,
            403,
            Needs::Nothing
        ),
        case!(
            iam_resend_invite_id_length_limit_holds_on_both_sides,
            Op::ResendInvite,
            400,
            Needs::Nothing
        ),
        case!(
            iam_resend_idempotency_key_of_1_is_accepted_and_empty_is_400,
            Op::ResendInvite,
            400,
            Needs::Nothing
        ),
        case!(
            iam_resend_dry_run_false_is_an_ordinary_resend,
            Op::ResendInvite,
            404,
            Needs::Nothing
        ),
        case!(
            tenant_error_codes_name_their_status,
            Op::ResendInvitation,
            401,
            Needs::Nothing
        ),
        case!(
            auth_errors_carry_a_message,
            Op::ResendInvite,
            401,
            Needs::Nothing
        ),
        case!(
            iam_resend_non_canonical_id_is_another_invite,
            Op::ResendInvite,
            404,
            Needs::DryRun
        ),
        case!(
            iam_resend_reused_key_never_answers_for_another_invite,
            Op::ResendInvite,
            404,
            Needs::Mutations
        ),
    ]
}

async fn a_valid_key_under_another_scheme_is_401(ctx: &mut Ctx) -> CaseResult {
    // Each request would succeed or be refused otherwise with the key sent as Bearer; sent
    // as Basic it must be refused as unauthenticated (and, like every 401, challenge Bearer).
    let email = ctx.data.invitations.pending_email.clone();
    ctx.expect(
        by_email(
            "look up the pending invitation's address",
            Auth::ManagerAsBasic,
            Some(&email),
        ),
        401,
    )
    .await?;
    let (tenant, unknown) = (
        ctx.data.tenant_id.to_string(),
        ctx.data.invitations.unknown_id.to_string(),
    );
    ctx.expect(
        tenant_resend(
            "resend an unknown id",
            Auth::ManagerAsBasic,
            &tenant,
            Some(&unknown),
        ),
        401,
    )
    .await?;
    ctx.expect(
        iam_resend(
            "resend an unknown invite",
            Auth::ManagerAsBasic,
            &unknown,
            None,
            None,
            None,
        ),
        401,
    )
    .await?;
    Ok(())
}

/// `local@domain` with a local part of `local` characters and a total of `total` characters,
/// made of dot-separated labels of at most `label` characters.
fn address(local: usize, total: usize, label: usize) -> String {
    let tld = ".com";
    let mut domain_len = total - local - 1 - tld.len();
    let mut labels = Vec::new();
    while domain_len > 0 {
        // Each further label costs one more for its dot.
        let take = domain_len.min(label);
        labels.push("d".repeat(take));
        domain_len -= take;
        domain_len = domain_len.saturating_sub(1);
    }
    let address = format!("{}@{}{tld}", "a".repeat(local), labels.join("."));
    debug_assert_eq!(address.len(), total);
    address
}

async fn by_email_length_and_label_limits_hold_on_both_sides(ctx: &mut Ctx) -> CaseResult {
    let label_64 = format!("ada@{}.example.com", "d".repeat(64));
    let label_63 = format!("ada@{}.example.com", "d".repeat(63));
    let local_65 = format!("{}@example.com", "a".repeat(65));
    let local_64 = format!("{}@example.com", "a".repeat(64));
    // Valid addresses nobody was invited with are 404; one character more is 400.
    for (label, email, status) in [
        (
            "look up an address of exactly 254 characters",
            address(64, 254, 63),
            404,
        ),
        (
            "look up an address of 255 characters",
            address(64, 255, 63),
            400,
        ),
        (
            "look up an address with a 64-character local part",
            local_64,
            404,
        ),
        (
            "look up an address with a 65-character local part",
            local_65,
            400,
        ),
        (
            "look up an address with a 63-character domain label",
            label_63,
            404,
        ),
        (
            "look up an address with a 64-character domain label",
            label_64,
            400,
        ),
        (
            "look up an address with a label starting with a hyphen",
            "ada@-example.com".into(),
            400,
        ),
        (
            "look up an address with a label ending with a hyphen",
            "ada@example-.com".into(),
            400,
        ),
    ] {
        let exchange = ctx
            .expect(by_email(label, Auth::Manager, Some(&email)), status)
            .await?;
        ensure!(
            status != 400
                || exchange.body.pointer("/error/code") == Some(&"ValidationError".into()),
            "{label}: {}",
            exchange.body
        );
    }
    Ok(())
}

async fn by_email_addresses_no_reading_of_the_rfcs_allows_are_400(ctx: &mut Ctx) -> CaseResult {
    // Only addresses that neither RFC 5321's `Mailbox` (the spec's `format: email`) nor RFC
    // 5322's dot-atom allows: empty dot-separated parts and unquoted spaces. Rules on which
    // the RFCs differ (a one-label domain such as `localhost`, `_` in a domain) are left to
    // the deployment.
    expect_addresses_refused(
        ctx,
        &[
            (
                "look up an address with an empty domain label",
                "ada@example..com",
            ),
            (
                "look up an address with a space in the domain",
                "ada@exa mple.com",
            ),
            (
                "look up an address with an empty local-part atom",
                "a..b@example.com",
            ),
            (
                "look up an address whose local part starts with a dot",
                ".ada@example.com",
            ),
            (
                "look up an address whose local part ends with a dot",
                "ada.@example.com",
            ),
        ],
    )
    .await
}

async fn iam_resend_idempotency_key_of_255_is_accepted(ctx: &mut Ctx) -> CaseResult {
    // 256 is refused (`iam_resend_long_idempotency_key_is_400`); 255 is the spec's maxLength.
    let id = ctx.data.invitations.unknown_id.to_string();
    let key = "k".repeat(255);
    ctx.expect(
        iam_resend(
            "resend an unknown invite with a 255-character idempotency key",
            Auth::Manager,
            &id,
            None,
            Some(&key),
            None,
        ),
        404,
    )
    .await?;
    Ok(())
}

async fn tenant_resend_tenant_id_1_is_valid(ctx: &mut Ctx) -> CaseResult {
    // The spec's minimum is 1: tenant 1 is a valid id, so the answer is about the key (403, or
    // 404 where the key does manage tenant 1), never a 400.
    let unknown = ctx.data.invitations.unknown_id.to_string();
    ctx.expect_any(
        tenant_resend("resend in tenant 1", Auth::Manager, "1", Some(&unknown)),
        &[403, 404],
    )
    .await?;
    Ok(())
}

async fn iam_resend_non_canonical_id_is_another_invite(ctx: &mut Ctx) -> CaseResult {
    // IAM ids are opaque strings: `09001` is not `9001`. Sent as a dry run, so that a server
    // that reads it as a number still changes nothing.
    let id = format!("0{}", ctx.data.invitations.pending_id);
    ctx.expect(
        iam_resend(
            "dry-run resend of the pending invite's id with a leading zero",
            Auth::Manager,
            &id,
            Some("true"),
            None,
            None,
        ),
        404,
    )
    .await?;
    Ok(())
}

async fn iam_resend_reused_key_never_answers_for_another_invite(ctx: &mut Ctx) -> CaseResult {
    let key = fresh_key();
    let pending = ctx.data.invitations.pending_id.to_string();
    ctx.expect(
        iam_resend(
            "resend the pending invite with a fresh key",
            Auth::Manager,
            &pending,
            None,
            Some(&key),
            None,
        ),
        200,
    )
    .await?;
    // The same key for an invite that does not exist: whatever the deployment answers (404,
    // or a key-misuse error), it must not be the first invite's answer.
    let unknown = ctx.data.invitations.unknown_id.to_string();
    let exchange = ctx
        .expect_error(iam_resend(
            "reuse the key for an unknown invite",
            Auth::Manager,
            &unknown,
            None,
            Some(&key),
            None,
        ))
        .await?;
    ensure!(
        exchange.body.get("inviteId").is_none(),
        "the reused key answered for another invite: {}",
        exchange.body
    );
    Ok(())
}

async fn iam_resend_invite_id_length_limit_holds_on_both_sides(ctx: &mut Ctx) -> CaseResult {
    // The spec's maxLength of the path id is 128 characters: an id of 128 is a valid id that
    // names no invite (404), one of 129 is invalid (400).
    for (label, chars, status) in [
        (
            "resend an unknown invite whose id has 128 characters",
            128,
            404,
        ),
        ("resend an invite id of 129 characters", 129, 400),
    ] {
        let id = "x".repeat(chars);
        ctx.expect(
            iam_resend(label, Auth::Manager, &id, None, None, None),
            status,
        )
        .await?;
    }
    Ok(())
}

async fn iam_resend_idempotency_key_of_1_is_accepted_and_empty_is_400(ctx: &mut Ctx) -> CaseResult {
    // The spec's minLength of Idempotency-Key is 1; 255 and 256 are checked by
    // `iam_resend_idempotency_key_of_255_is_accepted` and `iam_resend_long_idempotency_key_is_400`.
    let id = ctx.data.invitations.unknown_id.to_string();
    for (label, key, status) in [
        (
            "resend an unknown invite with a 1-character idempotency key",
            "k",
            404,
        ),
        (
            "resend an unknown invite with an empty idempotency key",
            "",
            400,
        ),
    ] {
        ctx.expect(
            iam_resend(label, Auth::Manager, &id, None, Some(key), None),
            status,
        )
        .await?;
    }
    Ok(())
}

async fn iam_resend_dry_run_false_is_an_ordinary_resend(ctx: &mut Ctx) -> CaseResult {
    // `false` is one of the two values of the boolean `dryRun` (and its default): sent
    // explicitly it is valid, so an unknown invite is 404, not a validation error.
    let id = ctx.data.invitations.unknown_id.to_string();
    ctx.expect(
        iam_resend(
            "resend an unknown invite with dryRun=false",
            Auth::Manager,
            &id,
            Some("false"),
            None,
            None,
        ),
        404,
    )
    .await?;
    Ok(())
}

/// The documented tenant error codes and the statuses they describe (the spec's `ApiError`
/// and its response examples).
const TENANT_CODES: &[(&str, u16)] = &[
    ("ValidationError", 400),
    ("InvitationNotPending", 400),
    ("Unauthorized", 401),
    ("Forbidden", 403),
    ("NotFound", 404),
    ("InternalError", 500),
];

async fn tenant_error_codes_name_their_status(ctx: &mut Ctx) -> CaseResult {
    // Clients branch on `code`. The spec allows codes added later, so a code it does not list
    // is accepted; a listed code must be the one for the status that came with it (a 401
    // coded `Forbidden` sends a client to ask for a permission instead of a key).
    let (tenant, unknown) = (
        ctx.data.tenant_id.to_string(),
        ctx.data.invitations.unknown_id.to_string(),
    );
    let email = ctx.data.invitations.pending_email.clone();
    let calls = [
        (
            tenant_resend("resend without a key", Auth::None, &tenant, Some(&unknown)),
            401,
        ),
        (
            tenant_resend(
                "resend with an unknown key",
                Auth::Unknown,
                &tenant,
                Some(&unknown),
            ),
            401,
        ),
        (
            tenant_resend(
                "resend with a key without usersManager",
                Auth::Viewer,
                &tenant,
                Some(&unknown),
            ),
            403,
        ),
        (
            tenant_resend(
                "resend an unknown id",
                Auth::Manager,
                &tenant,
                Some(&unknown),
            ),
            404,
        ),
        (
            tenant_resend("resend id 0", Auth::Manager, &tenant, Some("0")),
            400,
        ),
        (
            by_email("look up without a key", Auth::None, Some(&email)),
            401,
        ),
        (
            by_email(
                "look up with a key without usersManager",
                Auth::Viewer,
                Some(&email),
            ),
            403,
        ),
    ];
    for (call, status) in calls {
        let label = call.label.clone();
        let exchange = ctx.expect(call, status).await?;
        let code = exchange
            .body
            .pointer("/error/code")
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default();
        let documented_for = TENANT_CODES
            .iter()
            .filter(|(name, _)| *name == code)
            .map(|(_, status)| *status)
            .next();
        ensure!(
            documented_for.is_none_or(|documented| documented == status),
            "{label}: a {status} coded `{code}`, which the spec documents for {}",
            documented_for.unwrap_or_default()
        );
    }
    Ok(())
}

async fn auth_errors_carry_a_message(ctx: &mut Ctx) -> CaseResult {
    // The spec's error bodies carry a "human-readable" message (`error` on the IAM surface,
    // `error.message` on the tenant surface); an empty one leaves the caller nothing to act
    // on. The wording is the deployment's.
    let (tenant, unknown) = (
        ctx.data.tenant_id.to_string(),
        ctx.data.invitations.unknown_id.to_string(),
    );
    for auth in [Auth::None, Auth::Unknown, Auth::Viewer] {
        let status = if auth == Auth::Viewer { 403 } else { 401 };
        for (call, pointer) in [
            (
                iam_resend("resend an unknown invite", auth, &unknown, None, None, None),
                "/error",
            ),
            (
                tenant_resend("resend an unknown id", auth, &tenant, Some(&unknown)),
                "/error/message",
            ),
        ] {
            let label = call.label.clone();
            let exchange = ctx.expect(call, status).await?;
            let message = exchange
                .body
                .pointer(pointer)
                .and_then(serde_json::Value::as_str)
                .unwrap_or_default();
            ensure!(
                !message.trim().is_empty(),
                "{label}: a {status} with an empty message: {}",
                exchange.body
            );
        }
    }
    Ok(())
}
