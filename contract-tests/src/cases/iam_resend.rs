//! `POST /iam/v1/users/{id}/actions/resend` (resendInvite).

use super::case::{case, Case, Needs};
use super::steps::{iam_resend, inject_fault, outbox};
use crate::context::{
    ensure, fail, generated_outcome, sdk_agrees, sdk_outcome, Auth, Call, CaseResult, Ctx,
    Exchange, Op, SdkOutcome,
};
use crate::decision::Decision;

const OP: Op = Op::ResendInvite;

pub(super) fn cases() -> Vec<Case> {
    vec![
        case!(iam_resend_pending_confirms_it, OP, 200, Needs::Mutations),
        case!(
            iam_resend_dry_run_answers_like_a_resend,
            OP,
            200,
            Needs::DryRun
        ),
        case!(
            iam_resend_long_idempotency_key_is_400,
            OP,
            400,
            Needs::Nothing
        ),
        case!(
            iam_resend_bodies_that_are_not_objects_are_400,
            OP,
            400,
            Needs::Nothing
        ),
        case!(iam_resend_bad_dry_run_is_400, OP, 400, Needs::Nothing),
        case!(iam_resend_without_key_is_401, OP, 401, Needs::Nothing => resend_unknown(Auth::None)),
        case!(iam_resend_unknown_key_is_401, OP, 401, Needs::Nothing
            => resend_unknown(Auth::Unknown)),
        case!(iam_resend_key_without_permission_is_403, OP, 403, Needs::Nothing
            => resend_unknown(Auth::Viewer)),
        case!(iam_resend_unknown_id_is_404, OP, 404, Needs::Nothing),
        case!(
            iam_resend_other_tenants_invite_is_404,
            OP,
            404,
            Needs::Mutations
        ),
        case!(
            iam_resend_body_over_limit_is_413,
            OP,
            413,
            Needs::BodyLimit,
            [Decision::BodyLimit]
        ),
        case!(iam_resend_fault_is_500, OP, 500, Needs::Admin),
        // A dry run validates exactly like a real resend.
        case!(iam_resend_dry_run_without_key_is_401, OP, 401, Needs::Nothing
            => dry_run_pending(Auth::None)),
        case!(iam_resend_dry_run_unknown_key_is_401, OP, 401, Needs::Nothing
            => dry_run_pending(Auth::Unknown)),
        case!(iam_resend_dry_run_key_without_permission_is_403, OP, 403, Needs::Nothing
            => dry_run_pending(Auth::Viewer)),
        case!(
            iam_resend_dry_run_unknown_id_is_404,
            OP,
            404,
            Needs::Nothing
        ),
        // Idempotency-Key misuse, as in the IETF httpapi draft (DECISIONS row 12).
        case!(
            iam_resend_same_key_for_another_request_is_422,
            OP,
            422,
            Needs::Mutations,
            [Decision::IdempotencyKey]
        ),
        case!(
            iam_resend_same_key_while_in_flight_is_409,
            OP,
            409,
            Needs::Admin,
            [Decision::IdempotencyKey]
        ),
    ]
}

/// A fresh idempotency key, so that runs against a deployment never replay each other.
pub(crate) fn fresh_key() -> String {
    format!("contract-{}", uuid_like())
}

fn uuid_like() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("{nanos:x}-{n:x}")
}

/// The IAM resend of `id` through the SDK with `auth`'s key, without an idempotency key.
async fn sdk_call(ctx: &Ctx, auth: Auth, id: &str, dry_run: bool) -> SdkOutcome {
    sdk_outcome(
        ctx.sdk(auth)
            .resend_invite(id)
            .dry_run(dry_run)
            .send()
            .await,
    )
}

/// Invite `id` resent with the manager's key, raw and through the SDK: 404 from both.
async fn not_found(ctx: &mut Ctx, label: &str, id: &str) -> CaseResult {
    raw_and_sdk(ctx, label, Auth::Manager, id, 404).await
}

async fn raw_and_sdk(ctx: &mut Ctx, label: &str, auth: Auth, id: &str, status: u16) -> CaseResult {
    raw_and_sdk_with(ctx, label, auth, id, false, status).await
}

/// The unknown invite resent with `auth`, raw and through the SDK: `status` from both.
async fn resend_unknown(ctx: &mut Ctx, auth: Auth, status: u16) -> CaseResult {
    let id = ctx.data.invitations.unknown_id.to_string();
    raw_and_sdk(ctx, "resend an unknown invite", auth, &id, status).await
}

/// A dry run of the pending invite with `auth`, raw and through the SDK: `status` from both.
async fn dry_run_pending(ctx: &mut Ctx, auth: Auth, status: u16) -> CaseResult {
    let id = ctx.data.invitations.pending_id.to_string();
    let label = "dry-run resend of the pending invite";
    raw_and_sdk_with(ctx, label, auth, &id, true, status).await
}

async fn raw_and_sdk_with(
    ctx: &mut Ctx,
    label: &str,
    auth: Auth,
    id: &str,
    dry_run: bool,
    status: u16,
) -> CaseResult {
    let mut call = iam_resend(label, auth, id).body(b"{}");
    if dry_run {
        call = call.dry_run();
    }
    let exchange = ctx.expect(call, status).await?;
    let outcome = sdk_call(ctx, auth, id, dry_run).await;
    ctx.record_sdk(&outcome);
    sdk_agrees(&exchange, &outcome)
}

async fn iam_resend_pending_confirms_it(ctx: &mut Ctx) -> CaseResult {
    let id = ctx.data.invitations.pending_id.to_string();
    let email = ctx.data.invitations.pending_email.clone();
    let key = fresh_key();
    let call = iam_resend(
        "resend the pending invite with an idempotency key",
        Auth::Manager,
        &id,
    )
    .idempotency_key(&key)
    .body(b"{}");
    let mail = ctx.watch_mail(&email).await?;
    let exchange = ctx.expect(call, 200).await?;
    ensure!(
        exchange.body["inviteId"] == id.as_str(),
        "inviteId is {}, expected {id}",
        exchange.body["inviteId"]
    );
    // The SDK repeats the request with the same key: a replay, not a second email.
    let typed = ctx
        .sdk(Auth::Manager)
        .resend_invite(id.as_str())
        .idempotency_key(key.as_str())
        .send()
        .await;
    match typed {
        Ok(response) => {
            ensure!(
                response.invite_id == id,
                "the SDK read inviteId {}",
                response.invite_id
            );
            ensure!(
                serde_json::to_value(&response).ok() == Some(exchange.body.clone()),
                "the replay differs from the first response: {response:?} vs {}",
                exchange.body
            );
            ctx.record_sdk(&SdkOutcome::Ok);
        }
        Err(err) => fail!("the SDK failed on a 200: {err}"),
    }
    // The resend and its replay: one email.
    ctx.check_mail(mail, 1).await
}

async fn iam_resend_dry_run_answers_like_a_resend(ctx: &mut Ctx) -> CaseResult {
    let id = ctx.data.invitations.cancelled_id.to_string();
    let before = if ctx.has_admin() {
        Some(
            ctx.admin_ok(
                reqwest::Method::GET,
                &format!("/__admin/invitations/{id}"),
                None,
            )
            .await?,
        )
    } else {
        None
    };
    let call = iam_resend("dry-run resend of the cancelled invite", Auth::Manager, &id).dry_run();
    let exchange = ctx.expect(call, 200).await?;
    ensure!(
        exchange.body["inviteId"] == id.as_str(),
        "inviteId is {}",
        exchange.body["inviteId"]
    );
    let outcome = sdk_call(ctx, Auth::Manager, &id, true).await;
    ctx.record_sdk(&outcome);
    sdk_agrees(&exchange, &outcome)?;
    if let Some(before) = before {
        let after = ctx
            .admin_ok(
                reqwest::Method::GET,
                &format!("/__admin/invitations/{id}"),
                None,
            )
            .await?;
        ensure!(
            after == before,
            "a dry run changed the invitation: {before} -> {after}"
        );
        let outbox = outbox(ctx).await?;
        ensure!(outbox.is_empty(), "a dry run sent email: {outbox:?}");
    }
    Ok(())
}

async fn iam_resend_long_idempotency_key_is_400(ctx: &mut Ctx) -> CaseResult {
    let id = ctx.data.invitations.unknown_id.to_string();
    let long = "k".repeat(256);
    let call = iam_resend(
        "resend with a 256-character idempotency key",
        Auth::Manager,
        &id,
    )
    .idempotency_key(&long);
    ctx.expect(call, 400).await?;
    let client = ctx.sdk(Auth::Manager);
    let sent = client
        .resend_invite(id.as_str())
        .idempotency_key(long.as_str());
    let outcome = sdk_outcome(sent.send().await);
    ctx.record_sdk(&outcome);
    ensure!(outcome == SdkOutcome::InvalidRequest, "SDK: {outcome}");
    Ok(())
}

async fn iam_resend_bodies_that_are_not_objects_are_400(ctx: &mut Ctx) -> CaseResult {
    let id = ctx.data.invitations.unknown_id.to_string();
    for (label, body) in [
        ("resend with a JSON array body", &b"[]"[..]),
        ("resend with a JSON string body", &b"\"resend\""[..]),
        ("resend with malformed JSON", &b"{\"a\":"[..]),
    ] {
        ctx.expect(iam_resend(label, Auth::Manager, &id).body(body), 400)
            .await?;
    }
    // The SDK's body type is an object: these bodies cannot be built with it.
    ctx.note("sdk", "bodies that are not objects cannot be expressed");
    Ok(())
}

async fn iam_resend_bad_dry_run_is_400(ctx: &mut Ctx) -> CaseResult {
    let id = ctx.data.invitations.unknown_id.to_string();
    let call = iam_resend("resend with dryRun=maybe", Auth::Manager, &id).query("dryRun", "maybe");
    ctx.expect(call, 400).await?;
    ctx.note("sdk", "dryRun is a bool in the SDK");
    Ok(())
}

async fn iam_resend_unknown_id_is_404(ctx: &mut Ctx) -> CaseResult {
    let id = ctx.data.invitations.unknown_id.to_string();
    not_found(ctx, "resend an unknown invite", &id).await?;
    // Ids are opaque: one that could never be an id is simply not found.
    let never_an_id = "no-such-invite";
    not_found(ctx, "resend an invite with a non-numeric id", never_an_id).await
}

async fn iam_resend_other_tenants_invite_is_404(ctx: &mut Ctx) -> CaseResult {
    let id = ctx.data.invitations.other_tenant_pending_id.to_string();
    not_found(ctx, "resend another tenant's invite", &id).await
}

/// A JSON object body of exactly `len` bytes (`len` ≥ 16).
fn object_of_len(len: usize) -> Vec<u8> {
    let padding = "x".repeat(len - r#"{"padding":""}"#.len());
    let body = serde_json::to_vec(&serde_json::json!({ "padding": padding })).expect("serializes");
    debug_assert_eq!(body.len(), len);
    body
}

async fn iam_resend_body_over_limit_is_413(ctx: &mut Ctx) -> CaseResult {
    // The documents fix no limit: the profile names the deployment's own (the mock's is
    // 64 KiB), and the case checks both sides of it. Answering 413 above it is our decision.
    let Some(limit) = ctx.data.max_body_bytes else {
        fail!("max_body_bytes is not set; the runner should have skipped this case");
    };
    let limit =
        usize::try_from(limit).map_err(|_| format!("max_body_bytes {limit} is too large"))?;
    ensure!(
        limit >= 16,
        "max_body_bytes {limit} is below the smallest test body (16 bytes)"
    );
    let id = ctx.data.invitations.unknown_id.to_string();
    ctx.expect(
        iam_resend(
            "resend an unknown invite with a body of exactly max_body_bytes",
            Auth::Manager,
            &id,
        )
        .body(object_of_len(limit)),
        404,
    )
    .await?;
    let over = object_of_len(limit + 1);
    let call = iam_resend(
        "resend with a body one byte over max_body_bytes",
        Auth::Manager,
        &id,
    )
    .body(over.clone());
    let exchange = ctx
        .expect_decided(call, Decision::BodyLimit, 413, &[400])
        .await?;
    let map: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(&over).expect("an object");
    // The SDK layer always sends `{}`; the generated builder takes any object.
    let outcome = generated_outcome(
        ctx.sdk(Auth::Manager)
            .generated()
            .resend_invite()
            .id(id.as_str())
            .body(invitations_sdk::types::ResendInviteRequest(map))
            .send()
            .await,
    );
    ctx.record_sdk_agreement(&exchange, &outcome)
}

async fn iam_resend_fault_is_500(ctx: &mut Ctx) -> CaseResult {
    inject_fault(ctx, OP, 500).await?;
    let id = ctx.data.invitations.pending_id.to_string();
    let exchange = ctx
        .expect(
            iam_resend(
                "resend the pending invite (fault injected)",
                Auth::Manager,
                &id,
            ),
            500,
        )
        .await?;
    inject_fault(ctx, OP, 500).await?;
    let outcome = sdk_call(ctx, Auth::Manager, &id, false).await;
    ctx.record_sdk(&outcome);
    sdk_agrees(&exchange, &outcome)?;
    let outbox = outbox(ctx).await?;
    ensure!(outbox.is_empty(), "a failed resend sent email: {outbox:?}");
    Ok(())
}

async fn iam_resend_dry_run_unknown_id_is_404(ctx: &mut Ctx) -> CaseResult {
    let id = ctx.data.invitations.unknown_id.to_string();
    let label = "dry-run resend of an unknown invite";
    raw_and_sdk_with(ctx, label, Auth::Manager, &id, true, 404).await
}

async fn iam_resend_same_key_for_another_request_is_422(ctx: &mut Ctx) -> CaseResult {
    let id = ctx.data.invitations.pending_id.to_string();
    let email = ctx.data.invitations.pending_email.clone();
    let other_id = ctx.data.invitations.cancelled_id.to_string();
    let key = fresh_key();
    let mail = ctx.watch_mail(&email).await?;
    ctx.expect(
        iam_resend(
            "resend the pending invite with a new idempotency key",
            Auth::Manager,
            &id,
        )
        .idempotency_key(&key),
        200,
    )
    .await?;
    ctx.check_mail(mail, 1).await?;
    // Neither is the request the key was used for. The documents say nothing of reuse: 422 is
    // our decision (row 12). A server that neither records nor replays keys on dry runs
    // answers the dry run as any dry run (200); another may refuse either with 400.
    let reuse = Decision::IdempotencyKey;
    let dry = ctx
        .expect_decided(
            iam_resend(
                "the same key for a dry run of that invite",
                Auth::Manager,
                &id,
            )
            .dry_run()
            .idempotency_key(&key),
            reuse,
            422,
            &[200, 400],
        )
        .await?;
    ensure!(
        dry.status != 200 || dry.body["inviteId"] == id.as_str(),
        "a dry run answered for another invite: {}",
        dry.body
    );
    let other = ctx
        .expect_decided(
            iam_resend("the same key for another invite", Auth::Manager, &other_id)
                .idempotency_key(&key),
            reuse,
            422,
            &[400],
        )
        .await?;
    let reused: Recognises = (
        invitations_sdk::Error::is_idempotency_key_reused,
        "a reused key",
    );
    let reports = (other.status == 422).then_some(reused);
    sdk_resend_reports(ctx, (&other_id, &key), &other, reports).await?;
    if ctx.has_admin() {
        let sent = outbox(ctx).await?.len();
        ensure!(sent == 1, "{sent} emails; a 422 must send none");
    }
    Ok(())
}

/// An SDK error predicate (`Error::is_idempotency_key_reused`, ...) and what it recognises.
type Recognises = (fn(&invitations_sdk::Error) -> bool, &'static str);

/// Sends the IAM resend of `(invite id, Idempotency-Key)` through the SDK as the manager and
/// checks that it agrees with the raw `exchange` of the same request (recording only that,
/// as the status may be decided), and where `reports` names one, that its error is the one
/// the SDK recognises (`what` names it in the failure).
async fn sdk_resend_reports(
    ctx: &mut Ctx,
    (id, key): (&str, &str),
    exchange: &Exchange,
    reports: Option<Recognises>,
) -> CaseResult {
    let result = ctx
        .sdk(Auth::Manager)
        .resend_invite(id)
        .idempotency_key(key)
        .send()
        .await;
    let reported =
        reports.map(|(reports, what)| (result.as_ref().err().is_some_and(reports), what));
    let outcome = sdk_outcome(result);
    ctx.record_sdk_agreement(exchange, &outcome)?;
    if let Some((reported, what)) = reported {
        ensure!(reported, "the SDK did not report {what}: {outcome}");
    }
    Ok(())
}

/// How long the mock holds the first answer back: long enough for two more requests even on
/// a loaded machine (CI runs six suites at once on 2 cores; 2 s was once too short there).
/// The case waits for the delayed answer, but it runs beside the others, so the suite's wall
/// time hardly moves.
const IN_FLIGHT_DELAY_MS: u64 = 5_000;

async fn iam_resend_same_key_while_in_flight_is_409(ctx: &mut Ctx) -> CaseResult {
    let id = ctx.data.invitations.cancelled_id.to_string();
    let key = fresh_key();
    ctx.admin_ok(
        reqwest::Method::POST,
        "/__admin/faults",
        Some(serde_json::json!({
            "operation": OP.id(), "status": 200, "delayMs": IN_FLIGHT_DELAY_MS, "times": 1,
        })),
    )
    .await?;
    let client = ctx.sdk(Auth::Manager);
    let (first_id, first_key) = (id.clone(), key.clone());
    let first = tokio::spawn(async move {
        client
            .resend_invite(first_id.as_str())
            .idempotency_key(first_key.as_str())
            .send()
            .await
    });
    // The fault is used up once the mock has taken the first request: from then on that
    // request is in flight until its delayed answer goes out.
    let mut waited = 0;
    loop {
        let faults = ctx
            .admin_ok(reqwest::Method::GET, "/__admin/faults", None)
            .await?;
        if faults.as_array().is_some_and(Vec::is_empty) {
            break;
        }
        ensure!(waited < 200, "the first request never reached the mock");
        waited += 1;
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let during = ctx
        .expect_decided(
            same_request(
                &id,
                &key,
                "the same request again while the first is delayed",
            ),
            Decision::IdempotencyKey,
            409,
            &[],
        )
        .await?;
    sdk_resend_reports(
        ctx,
        (&id, &key),
        &during,
        Some((
            invitations_sdk::Error::is_idempotency_key_in_flight,
            "a request in flight",
        )),
    )
    .await?;
    match first.await {
        Ok(Ok(response)) => ensure!(response.invite_id == id, "first answer: {response:?}"),
        Ok(Err(err)) => fail!("the delayed first request failed: {err}"),
        Err(err) => fail!("the delayed first request panicked: {err}"),
    }
    ctx.note("first request", "200 after the delay");
    // Answered now: the same request replays the first answer.
    ctx.expect(
        same_request(&id, &key, "the same request after the first was answered"),
        200,
    )
    .await?;
    let sent = outbox(ctx).await?.len();
    ensure!(sent == 1, "{sent} emails for one idempotency key");
    Ok(())
}

fn same_request(id: &str, key: &str, label: &str) -> Call {
    iam_resend(label, Auth::Manager, id).idempotency_key(key)
}
