//! Property tests: generated good and bad input thrown at the core.
//!
//! For a request that reaches an operation, only statuses the spec documents for it may
//! come back, each with a body valid against the spec (and never 500 without a fault).
//! For anything else, only the mock's documented statuses, in the surface's error shape.

mod common;

use std::collections::HashMap;

use common::*;
use invitations_mock::core::{Core, Request, Response};
use invitations_mock::fixture;
use invitations_spec::Spec;
use percent_encoding::{percent_encode, NON_ALPHANUMERIC};
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;

fn encode(bytes: &[u8]) -> String {
    percent_encode(bytes, NON_ALPHANUMERIC).to_string()
}

fn documented(operation: &str) -> Vec<u16> {
    Spec::get()
        .operations()
        .into_iter()
        .find(|op| op.id == operation)
        .map(|op| op.statuses)
        .unwrap_or_default()
}

/// A value that is sometimes right, sometimes subtly wrong, sometimes garbage; as raw
/// (already encoded) query or path text.
fn id_text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(vec!["9001", "9002", "9003", "9004", "9005", "9101", "999999"])
            .prop_map(str::to_owned),
        1 => prop::sample::select(vec![
            "", "0", "-1", "+1", "01", "9223372036854775807", "9223372036854775808",
            "-9223372036854775809", "1.0", "1e3", "%20", "%FF", "%00", "9001%00",
        ])
        .prop_map(str::to_owned),
        1 => "[0-9]{1,25}",
        1 => ".{0,12}".prop_map(|s| encode(s.as_bytes())),
        1 => vec(any::<u8>(), 0..12).prop_map(|b| encode(&b)),
    ]
}

fn tenant_text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(vec!["1024", "2048", "5", "0", "-1024", "01024"]).prop_map(str::to_owned),
        1 => id_text(),
    ]
}

fn email_text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => (
            prop::sample::select(vec![
                "ada@example.com", "bob@example.com", "dave@example.com", "frank@example.com",
                "erin@example.com", "zed@example.com",
            ]),
            any::<u64>(),
        )
            .prop_map(|(email, casing)| {
                // Random casing: lookups are case-insensitive.
                let cased: String = email
                    .chars()
                    .enumerate()
                    .map(|(i, c)| if casing >> (i % 64) & 1 == 1 { c.to_ascii_uppercase() } else { c })
                    .collect();
                encode(cased.as_bytes())
            }),
        1 => "[a-z.+]{0,70}@[a-z0-9.-]{0,20}".prop_map(|s| encode(s.as_bytes())),
        1 => ".{0,40}".prop_map(|s| encode(s.as_bytes())),
        1 => (200usize..300).prop_map(|n| format!("{}%40example.com", "a".repeat(n))),
        1 => vec(any::<u8>(), 0..40).prop_map(|b| encode(&b)),
    ]
}

fn auth() -> impl Strategy<Value = Option<Vec<u8>>> {
    prop_oneof![
        6 => Just(Some(b"Bearer acme-manager-key".to_vec())),
        1 => Just(Some(b"Bearer globex-manager-key".to_vec())),
        1 => Just(Some(b"Bearer acme-viewer-key".to_vec())),
        1 => Just(None),
        1 => ".{0,30}".prop_map(|s| Some(header_safe(s.into_bytes()))),
        1 => vec(any::<u8>(), 0..30).prop_map(|v| Some(header_safe(v))),
    ]
}

/// Arbitrary bytes as a transport can deliver them in a header value: HTTP parsers refuse
/// control characters (but tab) and DEL, while non-UTF-8 bytes (obs-text) get through.
fn header_safe(mut value: Vec<u8>) -> Vec<u8> {
    for b in &mut value {
        if (*b < 0x20 && *b != b'\t') || *b == 0x7f {
            *b = b'~';
        }
    }
    value
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => Just(Vec::new()),
        2 => Just(b"{}".to_vec()),
        1 => prop::sample::select(vec!["[]", "null", "1", "\"x\"", "{", "{\"a\":1}", " ", "{}{}", "true"])
            .prop_map(|s| s.as_bytes().to_vec()),
        1 => vec(any::<u8>(), 0..64),
        1 => (65_530usize..65_545).prop_map(|n| {
            let mut b = vec![b' '; n];
            b[0] = b'{';
            b[n - 1] = b'}';
            b
        }),
    ]
}

/// Extra query parameters: sometimes a repeat of a real one, sometimes noise.
fn extra_query() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => Just(String::new()),
        1 => prop::sample::select(vec!["&id=1", "&email=a%40b.io", "&dryRun=true", "&x=1", "&&", "&%FF=1", "&=", "&id"])
            .prop_map(str::to_owned),
        1 => vec(any::<u8>(), 0..10).prop_map(|b| format!("&{}", encode(&b))),
    ]
}

#[derive(Debug, Clone)]
struct Case {
    operation: &'static str,
    request: Request,
}

impl Case {
    /// `request` to `operation`, with the generated `Authorization` header if any.
    fn new(operation: &'static str, request: Request, auth: Option<Vec<u8>>) -> Case {
        let request = match auth {
            Some(auth) => request.header("Authorization", auth),
            None => request,
        };
        Case { operation, request }
    }
}

fn tenant_resend_case() -> impl Strategy<Value = Case> {
    (
        tenant_text(),
        option::of(id_text()),
        extra_query(),
        auth(),
        body(),
    )
        .prop_map(|(tenant, id, extra, auth, body)| {
            let query = id.map(|id| format!("id={id}")).unwrap_or_default();
            let request = Request::new(
                "PUT",
                format!("/tenant/{tenant}/admin/user/invitation/resend?{query}{extra}"),
            )
            .body(body);
            Case::new("ResendInvitation", request, auth)
        })
}

fn by_email_case() -> impl Strategy<Value = Case> {
    (option::of(email_text()), extra_query(), auth()).prop_map(|(email, extra, auth)| {
        let query = email.map(|e| format!("email={e}")).unwrap_or_default();
        let request = Request::new(
            "GET",
            format!("/tenant/admin/user/invitations_by_email?{query}{extra}"),
        );
        Case::new("GetUserInvitationByEmail", request, auth)
    })
}

fn iam_case() -> impl Strategy<Value = Case> {
    let invite_id = prop_oneof![
        4 => id_text(),
        1 => (100usize..160).prop_map(|n| "7".repeat(n)),
        1 => (120usize..135).prop_map(|n| "é".repeat(n)).prop_map(|s| encode(s.as_bytes())),
    ];
    let dry_run = option::of(prop_oneof![
        3 => prop::sample::select(vec!["true", "false"]).prop_map(str::to_owned),
        1 => ".{0,6}".prop_map(|s| encode(s.as_bytes())),
    ]);
    let idempotency = option::of(prop_oneof![
        3 => "[a-z0-9-]{1,40}".prop_map(String::into_bytes),
        1 => (250usize..260).prop_map(|n| vec![b'k'; n]),
        1 => Just(Vec::new()),
        1 => vec(any::<u8>(), 0..20).prop_map(header_safe),
    ]);
    (
        invite_id,
        dry_run,
        idempotency,
        extra_query(),
        auth(),
        body(),
    )
        .prop_map(|(id, dry_run, idempotency, extra, auth, body)| {
            let query = dry_run.map(|d| format!("dryRun={d}")).unwrap_or_default();
            let mut request = Request::new(
                "POST",
                format!("/iam/v1/users/{id}/actions/resend?{query}{extra}"),
            )
            .body(body);
            if let Some(key) = idempotency {
                request = request.header("Idempotency-Key", key);
            }
            Case::new("resendInvite", request, auth)
        })
}

fn matched_operation(core: &Core) -> Option<String> {
    core.journal()
        .last()
        .and_then(|entry| entry.operation.clone())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn operations_answer_only_documented_statuses_with_valid_bodies(
        case in prop_oneof![tenant_resend_case(), by_email_case(), iam_case()],
        repeat in any::<bool>(),
    ) {
        let mut core = core();
        let mut responses = vec![core.handle(&case.request)];
        if repeat {
            // A second identical request exercises replays and already-resent state.
            responses.push(core.handle(&case.request));
        }
        let matched = matched_operation(&core);
        prop_assert_eq!(matched.as_deref(), Some(case.operation));
        for response in responses {
            prop_assert!(
                documented(case.operation).contains(&response.status) && response.status != 500,
                "{} answered {} to {:?}", case.operation, response.status, case.request
            );
            check(case.operation, &response);
        }
    }

    #[test]
    fn arbitrary_requests_never_panic_and_answer_in_a_documented_shape(
        method in prop_oneof![
            prop::sample::select(vec!["GET", "PUT", "POST", "DELETE", "PATCH", "HEAD", "OPTIONS", "get"]).prop_map(str::to_owned),
            "[A-Za-z]{0,10}",
        ],
        path in prop_oneof![
            prop::sample::select(vec![
                "/tenant/1024/admin/user/invitation/resend",
                "/tenant/admin/user/invitations_by_email",
                "/iam/v1/users/9001/actions/resend",
                "/__admin/invitations",
                "/__admin/clock",
                "/__admin/faults",
                "/__admin/accept",
                "/__admin/invitations/9001",
            ]).prop_map(|p| p.as_bytes().to_vec()),
            vec(prop_oneof![
                Just(b"tenant".to_vec()), Just(b"iam".to_vec()), Just(b"__admin".to_vec()),
                Just(b"admin".to_vec()), Just(b"v1".to_vec()), Just(b"%FF".to_vec()),
                vec(any::<u8>(), 0..6),
            ], 0..8).prop_map(|segments| {
                let mut path = Vec::new();
                for segment in segments {
                    path.push(b'/');
                    path.extend(segment);
                }
                path
            }),
            vec(any::<u8>(), 0..40),
        ],
        query in option::of(vec(any::<u8>(), 0..40)),
        auth in auth(),
        body in prop_oneof![vec(any::<u8>(), 0..80), Just(b"{\"token\":\"x\"}".to_vec()), Just(b"{\"status\":500}".to_vec())],
    ) {
        let mut core = core();
        let mut request = Request {
            method: method.into(),
            path: path.into(),
            query: query.map(Into::into),
            headers: Default::default(),
            body: body.into(),
            peer_is_loopback: true,
        };
        // Bytes HTTP forbids in a header value (CR, LF, NUL, ...) never reach the core: the
        // transport's parser refuses them. Everything else, non-UTF-8 included, does.
        if let Some(Ok(auth)) = auth.map(|a| http::HeaderValue::from_bytes(&a)) {
            request.headers.append(http::header::AUTHORIZATION, auth);
        }
        let response = core.handle(&request);
        let allowed = [200, 201, 204, 400, 401, 403, 404, 405, 409, 413];
        prop_assert!(allowed.contains(&response.status), "{:?} -> {:?}", request, response);
        match matched_operation(&core) {
            Some(op) => {
                prop_assert!(documented(&op).contains(&response.status));
                check(&op, &response);
            }
            None if request.path.starts_with(b"/__admin") => {
                if response.status == 204 {
                    prop_assert!(response.body.is_empty());
                } else {
                    let body = response.json_body();
                    prop_assert!(body.is_some(), "admin answered non-JSON: {:?}", response);
                    if response.status >= 400 {
                        check_unrouted(b"/__admin", &response);
                    }
                }
            }
            None => {
                prop_assert!(matches!(response.status, 404 | 405), "{:?}", response);
                check_unrouted(&request.path, &response);
                if response.status == 405 {
                    prop_assert!(response.header("allow").is_some());
                }
            }
        }
    }
}

/// One step of a random session against the mock.
#[derive(Debug, Clone)]
enum Step {
    TenantResend(u64),
    IamResend {
        id: u64,
        dry_run: bool,
        key: Option<u8>,
    },
    AcceptLatest(u64),
    AcceptStale(u64),
    AdvanceHours(i64),
}

fn step() -> impl Strategy<Value = Step> {
    let id = prop::sample::select(vec![
        fixture::PENDING_ID,
        fixture::DECLINED_ID,
        fixture::CANCELLED_ID,
        fixture::EXPIRED_ID,
    ]);
    prop_oneof![
        3 => id.clone().prop_map(Step::TenantResend),
        4 => (id.clone(), any::<bool>(), option::of(0u8..3))
            .prop_map(|(id, dry_run, key)| Step::IamResend { id, dry_run, key }),
        1 => id.clone().prop_map(Step::AcceptLatest),
        1 => id.prop_map(Step::AcceptStale),
        1 => (0i64..60).prop_map(Step::AdvanceHours),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(150))]

    /// Whatever happens, each invitation has exactly one working link, the one in its most
    /// recent email, and the outbox grows by exactly one per real resend.
    #[test]
    fn sessions_keep_one_valid_link_per_invitation(steps in vec(step(), 1..30)) {
        let mut core = core();
        let mut expected_emails = 0u64;
        let mut stale: HashMap<u64, Vec<String>> = HashMap::new();
        let mut replies: HashMap<u8, (u64, Response, chrono::DateTime<chrono::Utc>)> = HashMap::new();
        for step in steps {
            let before: HashMap<u64, String> =
                core.invitations().into_iter().map(|inv| (inv.id, inv.token)).collect();
            match step {
                Step::TenantResend(id) => {
                    let expected = match core.invitation(id) {
                        None => 404,
                        Some(inv) if inv.effective_status(core.now())
                            == invitations_sdk::InvitationStatus::Pending => 200,
                        Some(_) => 400,
                    };
                    let response = core.handle(&manager(tenant_resend(1024, id)));
                    check("ResendInvitation", &response);
                    prop_assert_eq!(response.status, expected);
                    if response.status == 200 { expected_emails += 1; }
                }
                Step::IamResend { id, dry_run, key } => {
                    let now = core.now();
                    replies.retain(|_, (_, _, at)| now - *at < chrono::Duration::hours(24));
                    let first = key.and_then(|k| replies.get(&k));
                    let expected = match first {
                        Some((first_id, _, _)) if *first_id == id && !dry_run => 200,
                        Some(_) => 422,
                        None if core.invitation(id).is_some() => 200,
                        None => 404,
                    };
                    let target = format!("/iam/v1/users/{id}/actions/resend?dryRun={dry_run}");
                    let mut request = manager(Request::new("POST", target));
                    if let Some(key) = key {
                        request = request.header("Idempotency-Key", format!("key-{key}"));
                    }
                    let response = core.handle(&request);
                    check("resendInvite", &response);
                    prop_assert_eq!(response.status, expected);
                    let replayed = response.header("idempotent-replayed").is_some();
                    prop_assert_eq!(replayed, first.is_some() && expected == 200);
                    if let Some((_, first, _)) = first.filter(|_| replayed) {
                        prop_assert_eq!(&first.body, &response.body);
                    } else if response.status == 200 && !dry_run {
                        expected_emails += 1;
                        if let Some(key) = key {
                            replies.insert(key, (id, response.clone(), now));
                        }
                    }
                }
                Step::AcceptLatest(id) => {
                    if let Some(inv) = core.invitation(id) {
                        let pending = inv.effective_status(core.now())
                            == invitations_sdk::InvitationStatus::Pending;
                        prop_assert_eq!(core.accept(&inv.token).is_ok(), pending);
                    }
                }
                Step::AcceptStale(id) => {
                    for token in stale.get(&id).into_iter().flatten() {
                        prop_assert_eq!(core.accept(token), Err(invitations_mock::AcceptError::UnknownToken));
                    }
                }
                Step::AdvanceHours(hours) => core.advance(chrono::Duration::hours(hours)).unwrap(),
            }
            for (id, token) in before {
                match core.invitation(id) {
                    Some(inv) if inv.token != token => stale.entry(id).or_default().push(token),
                    _ => {}
                }
            }
            prop_assert_eq!(core.outbox_total(), expected_emails);
            for inv in core.invitations() {
                if let Some(email) = core.outbox().iter().rev().find(|e| e.invitation_id == inv.id) {
                    prop_assert_eq!(&email.token, &inv.token, "the latest email holds the only valid link");
                }
            }
        }
    }
}

/// The spec's schema of `UserInvitationModel.email`, the field every stored address ends up in.
fn spec_email_schema() -> serde_json::Value {
    let components = Spec::get()
        .openapi()
        .components
        .as_ref()
        .expect("components");
    let model = serde_json::to_value(&components.schemas["UserInvitationModel"]).unwrap();
    let email = model["properties"]["email"].clone();
    assert_eq!(email["format"], "email", "{email}");
    email
}

/// Addresses of the shape the mock accepts: dot-atom local part (every atext special
/// included), dotted letter-digit-hyphen domain.
fn well_formed_address() -> impl Strategy<Value = String> {
    let atom = "[a-zA-Z0-9!#$%&'*+/=?^_`{|}~-]{1,12}";
    // Not `ab--`: hyphens in third and fourth place make an IDNA label, which the mock
    // refuses (validate.rs).
    let label = "[a-zA-Z0-9]([a-zA-Z0-9-]{0,10}[a-zA-Z0-9])?"
        .prop_filter("IDNA-style label", |l| l.get(2..4) != Some("--"));
    (
        vec(atom, 1..4),
        vec(label, 1..4),
        "[a-zA-Z][a-zA-Z0-9]{1,6}",
    )
        .prop_map(|(atoms, labels, tld)| format!("{}@{}.{tld}", atoms.join("."), labels.join(".")))
}

/// Near misses and noise: the mock may refuse these, but whatever it accepts must be valid.
fn any_address() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~\"(),:;<>@\\[\\] -]{0,20}@[a-zA-Z0-9.\\[\\]:_-]{0,20}",
        ".{0,30}",
        well_formed_address().prop_map(|a| a.replace('.', "..")),
        (well_formed_address(), "[a-z]{60,70}").prop_map(|(a, long)| format!("{long}{a}")),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn addresses_the_mock_accepts_pass_the_specs_email_format(
        good in well_formed_address(),
        other in any_address(),
    ) {
        use invitations_mock::core::validate::validate_email;
        let schema = spec_email_schema();
        let spec = Spec::get();
        // The generator is meant to make addresses the mock accepts; if it stopped, this test
        // would check nothing.
        prop_assert!(validate_email(&good).is_ok(), "the mock refused {good:?}");
        for address in [good, other] {
            if validate_email(&address).is_ok() {
                let checked = spec.validate_inline(&schema, &serde_json::json!(address), "email");
                prop_assert!(checked.is_ok(), "{}", checked.unwrap_err());
            }
        }
    }
}
