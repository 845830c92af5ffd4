//! The conforming variant (`Variant::Alternative`) on the core: each choice it makes
//! otherwise, beside the reference's answer to the same requests. The contract suite checks
//! that both pass (`cargo xtask contract --conforming`); these pin what differs.

use invitations_mock::core::variant::ALTERNATIVE_MAX_BODY_BYTES;
use invitations_mock::core::{Clock, Core, CoreConfig, Request, Variant};
use invitations_mock::fixture::{self as f, Fixture};

fn core(variant: Variant) -> Core {
    Core::with_config(
        Fixture::default(),
        CoreConfig::for_variant(variant),
        Clock::system(),
    )
}

fn resend(id: &str) -> Request {
    Request::new("POST", format!("/iam/v1/users/{id}/actions/resend")).bearer(f::ACME_MANAGER_KEY)
}

/// `(reference, variant)` statuses of the same requests, each on a fresh core.
fn both(requests: &[Request]) -> (Vec<u16>, Vec<u16>) {
    let run = |variant| {
        let mut core = core(variant);
        requests.iter().map(|r| core.handle(r).status).collect()
    };
    (run(Variant::Reference), run(Variant::Alternative))
}

#[test]
fn a_key_reused_on_a_dry_run_is_ignored_and_for_another_invite_is_400() {
    let first = resend("9001").header("Idempotency-Key", "k1");
    let dry = Request::new("POST", "/iam/v1/users/9001/actions/resend?dryRun=true")
        .bearer(f::ACME_MANAGER_KEY)
        .header("Idempotency-Key", "k1");
    let other = resend("9003").header("Idempotency-Key", "k1");
    let (reference, variant) = both(&[first, dry, other]);
    assert_eq!(reference, [200, 422, 422]);
    assert_eq!(variant, [200, 200, 400]);
}

#[test]
fn a_repeated_key_still_replays_without_a_second_email() {
    let mut core = core(Variant::Alternative);
    for _ in 0..2 {
        let answer = core.handle(&resend("9001").header("Idempotency-Key", "k2"));
        assert_eq!(answer.status, 200);
    }
    assert_eq!(core.outbox().len(), 1);
}

#[test]
fn an_empty_key_counts_as_none() {
    let (reference, variant) = both(&[resend("999999").header("Idempotency-Key", "")]);
    assert_eq!((reference[0], variant[0]), (400, 404));
    let mut core = core(Variant::Alternative);
    let answer = core.handle(&resend("9003").header("Idempotency-Key", ""));
    assert_eq!(answer.status, 200, "an empty key does not stop a resend");
    assert_eq!(core.outbox().len(), 1);
}

#[test]
fn ids_are_opaque_at_any_length_and_still_checked_otherwise() {
    let long = "x".repeat(129);
    let (reference, variant) = both(&[
        resend(&long),
        Request::new(
            "POST",
            format!("/iam/v1/users/{long}/actions/resend?dryRun=maybe"),
        )
        .bearer(f::ACME_MANAGER_KEY),
        Request::new("POST", format!("/iam/v1/users/{long}/actions/resend")),
    ]);
    assert_eq!(reference, [400, 400, 401]);
    assert_eq!(variant, [404, 400, 401]);
}

#[test]
fn an_oversize_body_is_400_above_the_variants_own_limit() {
    let at_limit = format!(
        r#"{{"p":"{}"}}"#,
        "x".repeat(ALTERNATIVE_MAX_BODY_BYTES - 8)
    );
    assert_eq!(at_limit.len(), ALTERNATIVE_MAX_BODY_BYTES);
    let over = format!("{at_limit} ");
    let mut core = core(Variant::Alternative);
    assert_eq!(core.handle(&resend("999999").body(at_limit)).status, 404);
    assert_eq!(core.handle(&resend("999999").body(over)).status, 400);
}

#[test]
fn addresses_the_reference_refuses_by_its_own_rules_are_looked_up() {
    let lookup = |email: &str| {
        Request::new(
            "GET",
            format!("/tenant/admin/user/invitations_by_email?email={email}"),
        )
        .bearer(f::ACME_MANAGER_KEY)
    };
    let ours = [
        format!("{}@example.com", "a".repeat(65)),
        format!("ada@{}.com", "d".repeat(64)),
        "ada@-example.com".to_owned(),
        "ada@example.123".to_owned(),
        "a@b".to_owned(),
    ];
    let requests: Vec<_> = ours.iter().map(|e| lookup(e)).collect();
    let (reference, variant) = both(&requests);
    assert!(reference.iter().all(|s| *s == 400), "{reference:?}");
    assert!(variant.iter().all(|s| *s == 404), "{variant:?}");
}

#[test]
fn an_unmanaged_tenant_is_403_before_validation() {
    let request = Request::new("PUT", "/tenant/2048/admin/user/invitation/resend?id=abc")
        .bearer(f::ACME_MANAGER_KEY);
    let (reference, variant) = both(&[request]);
    assert_eq!((reference[0], variant[0]), (400, 403));
}
