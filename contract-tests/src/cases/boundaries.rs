//! What a deployment can get wrong at the edges: the Bearer scheme and its challenge, the
//! limits (tested on both sides), opaque ids, and idempotency keys reused for another invite.
//! Most limits are our decisions (DECISIONS rows 12, 14, 16): a target that is not strict may
//! draw them elsewhere, and the report says where it did. Limits that are a deployment's own
//! choice come from the profile (see `iam_resend_body_over_limit_is_413`).

use super::iam_resend::fresh_key;
use super::{by_email, case, expect_addresses_refused, iam_resend, tenant_resend, Case, Needs};
use crate::context::{Auth, CaseResult, Ctx, Op};
use crate::decision::Decision;
use crate::ensure;

pub(super) fn cases() -> Vec<Case> {
    const CODES: Decision = Decision::ErrorCodes;
    const EMAIL: Decision = Decision::EmailRules;
    vec![
        case!(
            a_valid_key_under_another_scheme_is_401,
            Op::GetUserInvitationByEmail,
            401,
            Needs::Nothing,
            [CODES]
        ),
        case!(
            by_email_length_and_label_limits_hold_on_both_sides,
            Op::GetUserInvitationByEmail,
            400,
            Needs::Nothing,
            [EMAIL, CODES]
        ),
        case!(
            by_email_addresses_no_reading_of_the_rfcs_allows_are_400,
            Op::GetUserInvitationByEmail,
            400,
            Needs::Nothing
        ),
        case!(
            by_email_numeric_top_level_label_is_refused,
            Op::GetUserInvitationByEmail,
            400,
            Needs::Nothing,
            [EMAIL, CODES]
        ),
        case!(
            by_email_shortest_addresses,
            Op::GetUserInvitationByEmail,
            404,
            Needs::Nothing,
            [EMAIL, CODES]
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
            Needs::Nothing,
            [CODES]
        ),
        case!(
            iam_resend_invite_id_length_limit_holds_on_both_sides,
            Op::ResendInvite,
            400,
            Needs::Nothing,
            [Decision::InviteIdLength]
        ),
        case!(
            iam_resend_idempotency_key_of_1_is_accepted_and_empty_is_400,
            Op::ResendInvite,
            400,
            Needs::Nothing,
            [Decision::IdempotencyKey]
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
            Needs::Nothing,
            [CODES]
        ),
        case!(
            auth_errors_carry_a_message,
            Op::ResendInvite,
            401,
            Needs::Nothing,
            [CODES]
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
    let (tenant, unknown) = (
        ctx.data.tenant_id.to_string(),
        ctx.data.invitations.unknown_id.to_string(),
    );
    let basic = Auth::ManagerAsBasic;
    for call in [
        by_email("look up the pending invitation's address", basic).email(&email),
        tenant_resend("resend an unknown id", basic, &tenant).id(&unknown),
        iam_resend("resend an unknown invite", basic, &unknown),
    ] {
        ctx.expect(call, 401).await?;
    }
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

/// Looks up each `(label, address, the mock's status)` where only [`Decision::EmailRules`]
/// refuses the addresses answered 400: the other side of each limit is 404 (valid, nobody
/// invited), and a target that is not strict may answer either.
async fn expect_email_rules(ctx: &mut Ctx, addresses: &[(&str, String, u16)]) -> CaseResult {
    for (label, email, ours) in addresses {
        let other = if *ours == 400 { 404 } else { 400 };
        let exchange = ctx
            .expect_decided(
                by_email(label, Auth::Manager).email(email),
                Decision::EmailRules,
                *ours,
                &[other],
            )
            .await?;
        ensure!(
            exchange.status != 400
                || exchange.body.pointer("/error/code") == Some(&"ValidationError".into()),
            "{label}: {}",
            exchange.body
        );
    }
    Ok(())
}

async fn by_email_length_and_label_limits_hold_on_both_sides(ctx: &mut Ctx) -> CaseResult {
    // RFC 5321's limits, which the documents do not name: valid addresses nobody was invited
    // with are 404, one character more is 400 on the mock.
    expect_email_rules(
        ctx,
        &[
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
                format!("{}@example.com", "a".repeat(64)),
                404,
            ),
            (
                "look up an address with a 65-character local part",
                format!("{}@example.com", "a".repeat(65)),
                400,
            ),
            (
                "look up an address with a 63-character domain label",
                format!("ada@{}.example.com", "d".repeat(63)),
                404,
            ),
            (
                "look up an address with a 64-character domain label",
                format!("ada@{}.example.com", "d".repeat(64)),
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
        ],
    )
    .await
}

async fn by_email_numeric_top_level_label_is_refused(ctx: &mut Ctx) -> CaseResult {
    // RFC 5321's grammar allows a top-level label of digits; RFC 3696 says none exists, and
    // the mock refuses one (so that `1.2.3.4` is no domain). A letter anywhere in it is
    // enough, on every reading.
    ctx.expect(
        by_email(
            "look up an address whose top-level label mixes digits and a letter",
            Auth::Manager,
        )
        .email("ada@example.a1"),
        404,
    )
    .await?;
    expect_email_rules(
        ctx,
        &[
            (
                "look up an address whose top-level label is all digits",
                "ada@example.123".into(),
                400,
            ),
            (
                "look up an address whose domain is four numbers",
                "ada@192.0.2.1".into(),
                400,
            ),
        ],
    )
    .await
}

async fn by_email_shortest_addresses(ctx: &mut Ctx) -> CaseResult {
    // Seed 002 refuses what is not an address; any reading needs a local part, `@` and a
    // domain. `a@b.c` is an address on every reading, so it is looked up (404). Shorter, the
    // spec's 3-character minimum: `a@b`, whose one-label domain RFC 5321 allows and the mock
    // refuses (DECISIONS row 16). Two characters can be no address.
    ctx.expect(
        by_email("look up a 5-character address", Auth::Manager).email("a@b.c"),
        404,
    )
    .await?;
    expect_email_rules(
        ctx,
        &[(
            "look up a 3-character address with a one-label domain",
            "a@b".into(),
            400,
        )],
    )
    .await?;
    expect_addresses_refused(ctx, &[("look up a 2-character address", "a@")]).await
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
        )
        .idempotency_key(&key),
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
        tenant_resend("resend in tenant 1", Auth::Manager, "1").id(&unknown),
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
        )
        .dry_run(),
        404,
    )
    .await?;
    Ok(())
}

async fn iam_resend_reused_key_never_answers_for_another_invite(ctx: &mut Ctx) -> CaseResult {
    let key = fresh_key();
    let pending = ctx.data.invitations.pending_id.to_string();
    let email = ctx.data.invitations.pending_email.clone();
    let mail = ctx.watch_mail(&email).await?;
    ctx.expect(
        iam_resend(
            "resend the pending invite with a fresh key",
            Auth::Manager,
            &pending,
        )
        .idempotency_key(&key),
        200,
    )
    .await?;
    ctx.check_mail(mail, 1).await?;
    // The same key for an invite that does not exist: whatever the deployment answers (404,
    // or a key-misuse error), it must not be the first invite's answer.
    let unknown = ctx.data.invitations.unknown_id.to_string();
    let exchange = ctx
        .expect_error(
            iam_resend(
                "reuse the key for an unknown invite",
                Auth::Manager,
                &unknown,
            )
            .idempotency_key(&key),
        )
        .await?;
    ensure!(
        exchange.body.get("inviteId").is_none(),
        "the reused key answered for another invite: {}",
        exchange.body
    );
    Ok(())
}

async fn iam_resend_invite_id_length_limit_holds_on_both_sides(ctx: &mut Ctx) -> CaseResult {
    // DESIGN.md: IAM ids are opaque strings, of no documented length. Ours are 1 to 128
    // characters (DECISIONS row 14): 128 is a valid id that names no invite (404), 129 is
    // invalid (400). A deployment that reads ids as opaque at any length answers 404 to both.
    for (label, chars, ours, other) in [
        (
            "resend an unknown invite whose id has 128 characters",
            128,
            404,
            400,
        ),
        ("resend an invite id of 129 characters", 129, 400, 404),
    ] {
        let id = "x".repeat(chars);
        ctx.expect_decided(
            iam_resend(label, Auth::Manager, &id),
            Decision::InviteIdLength,
            ours,
            &[other],
        )
        .await?;
    }
    Ok(())
}

async fn iam_resend_idempotency_key_of_1_is_accepted_and_empty_is_400(ctx: &mut Ctx) -> CaseResult {
    // DESIGN.md: the key is optional and at most 255 characters, so one character is a key.
    // An empty one is 400 by our decision (row 12: 1 to 255 characters); a deployment may read
    // it as no key (then the unknown invite is 404).
    let id = ctx.data.invitations.unknown_id.to_string();
    let call = |label: &str, key: &str| iam_resend(label, Auth::Manager, &id).idempotency_key(key);
    ctx.expect(
        call(
            "resend an unknown invite with a 1-character idempotency key",
            "k",
        ),
        404,
    )
    .await?;
    ctx.expect_decided(
        call("resend an unknown invite with an empty idempotency key", ""),
        Decision::IdempotencyKey,
        400,
        &[404],
    )
    .await?;
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
        )
        .query("dryRun", "false"),
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
    let resend = |label: &str, auth: Auth, id: &str| tenant_resend(label, auth, &tenant).id(id);
    let lookup = |label: &str, auth: Auth| by_email(label, auth).email(&email);
    let calls = [
        (resend("resend without a key", Auth::None, &unknown), 401),
        (
            resend("resend with an unknown key", Auth::Unknown, &unknown),
            401,
        ),
        (
            resend(
                "resend with a key without usersManager",
                Auth::Viewer,
                &unknown,
            ),
            403,
        ),
        (resend("resend an unknown id", Auth::Manager, &unknown), 404),
        (resend("resend id 0", Auth::Manager, "0"), 400),
        (lookup("look up without a key", Auth::None), 401),
        (
            lookup("look up with a key without usersManager", Auth::Viewer),
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
                iam_resend("resend an unknown invite", auth, &unknown),
                "/error",
            ),
            (
                tenant_resend("resend an unknown id", auth, &tenant).id(&unknown),
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
