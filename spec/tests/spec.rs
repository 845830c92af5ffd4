//! The spec itself: it parses, it has exactly the operations of DESIGN.md, every response has
//! an example, and every example validates against its own schema.

use invitations_spec::{Operation, Spec, SPEC_YAML};
use serde_json::json;

#[test]
fn spec_parses_with_openapiv3_as_3_0_3() {
    let spec: openapiv3::OpenAPI = serde_yaml::from_str(SPEC_YAML).expect("spec parses");
    assert_eq!(spec.openapi, "3.0.3", "progenitor reads only OpenAPI 3.0.x");
}

#[test]
fn operations_are_exactly_those_of_the_design() {
    let mut ops = Spec::get().operations();
    ops.sort_by(|a, b| a.id.cmp(&b.id));
    let expected = vec![
        Operation {
            id: "GetUserInvitationByEmail".into(),
            method: "GET",
            path: "/tenant/admin/user/invitations_by_email".into(),
            statuses: vec![200, 400, 401, 403, 404, 500],
        },
        Operation {
            id: "ResendInvitation".into(),
            method: "PUT",
            path: "/tenant/{tenantId}/admin/user/invitation/resend".into(),
            statuses: vec![200, 400, 401, 403, 404, 500],
        },
        Operation {
            id: "resendInvite".into(),
            method: "POST",
            path: "/iam/v1/users/{id}/actions/resend".into(),
            statuses: vec![200, 400, 401, 403, 404, 409, 413, 422, 500],
        },
    ];
    assert_eq!(ops, expected);
}

#[test]
fn every_operation_has_one_success_and_one_error_schema() {
    // progenitor panics when an operation has several success or several error types.
    let spec = Spec::get();
    for op in spec.operations() {
        let mut success = std::collections::BTreeSet::new();
        let mut errors = std::collections::BTreeSet::new();
        for status in &op.statuses {
            let name = spec.response_schema_name(&op.id, *status).unwrap();
            if (200..300).contains(status) {
                success.insert(name);
            } else {
                errors.insert(name);
            }
        }
        assert_eq!(success.len(), 1, "{}: success types {success:?}", op.id);
        assert_eq!(errors.len(), 1, "{}: error types {errors:?}", op.id);
    }
}

/// Every operation of the spec with each of its documented statuses.
fn responses(spec: &Spec) -> Vec<(Operation, u16)> {
    let ops = spec.operations();
    ops.into_iter()
        .flat_map(|op| {
            op.statuses
                .clone()
                .into_iter()
                .map(move |s| (op.clone(), s))
        })
        .collect()
}

#[test]
fn every_response_has_an_example() {
    let spec = Spec::get();
    for (op, status) in responses(spec) {
        let response = spec.response(&op.id, status).unwrap();
        let media = response
            .content
            .get("application/json")
            .unwrap_or_else(|| panic!("{} {status}: no application/json body", op.id));
        assert!(
            media.example.is_some(),
            "{} {status}: response has no example",
            op.id
        );
    }
}

#[test]
fn every_example_validates_against_its_own_schema() {
    let spec = Spec::get();
    let examples = spec.examples();
    // 3 operations' responses (19) + request body + components and parameters.
    assert!(
        examples.len() >= 30,
        "only {} examples found",
        examples.len()
    );
    let failures: Vec<String> = examples
        .iter()
        .filter_map(|ex| {
            spec.validate_inline(&ex.schema, &ex.value, &ex.location)
                .err()
                .map(|e| e.to_string())
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn tenant_bodies_are_envelopes_and_iam_errors_are_error_objects() {
    let spec = Spec::get();
    for (op, status) in responses(spec) {
        let name = spec.response_schema_name(&op.id, status).unwrap();
        let expected = match (op.path.starts_with("/tenant/"), status) {
            (true, 200) if op.id == "ResendInvitation" => "UserInvitationListResult",
            (true, 200) => "UserInvitationResult",
            (true, _) => "FailureResult",
            (false, 200) => "ResendInviteResponse",
            (false, _) => "IamError",
        };
        assert_eq!(name, expected, "{} {status}", op.id);
    }
}

#[test]
fn validator_rejects_the_documents_example_shape() {
    // The seeds' examples say `data` where the schema says `value`; the validator must catch it.
    let seed_example = json!({
        "data": {"id": 9001, "email": "ada@example.com", "status": "Pending",
                 "createdAt": "2024-03-15T12:30:00Z"},
        "isSuccess": true
    });
    let err = Spec::get()
        .validate_response("GetUserInvitationByEmail", 200, &seed_example)
        .unwrap_err()
        .to_string();
    assert!(err.contains("value"), "{err}");
    assert!(err.contains("isFailure"), "{err}");
}

#[test]
fn validator_checks_formats_and_nullability() {
    let spec = Spec::get();
    let mut body = json!({
        "isSuccess": true, "isFailure": false, "error": null,
        "value": {"id": 1, "email": "ada@example.com", "status": "Pending",
                  "createdAt": "2024-03-15T12:30:00Z"}
    });
    spec.validate_response("GetUserInvitationByEmail", 200, &body)
        .unwrap();
    body["value"]["email"] = json!("not an address");
    assert!(spec
        .validate_response("GetUserInvitationByEmail", 200, &body)
        .is_err());
    body["value"]["email"] = json!("ada@example.com");
    body["value"]["createdAt"] = json!("yesterday");
    assert!(spec
        .validate_response("GetUserInvitationByEmail", 200, &body)
        .is_err());
    body["value"]["createdAt"] = json!("2024-03-15T12:30:00Z");
    body["value"]["id"] = json!(0);
    assert!(spec
        .validate_response("GetUserInvitationByEmail", 200, &body)
        .is_err());
    // A failure envelope's error may not be null.
    let failure = json!({"isSuccess": false, "isFailure": true, "error": null, "value": null});
    assert!(spec
        .validate_response("GetUserInvitationByEmail", 404, &failure)
        .is_err());
}

#[test]
fn undocumented_status_is_an_error() {
    let err = Spec::get()
        .validate_response("ResendInvitation", 413, &json!({}))
        .unwrap_err()
        .to_string();
    assert!(err.contains("documents no 413"), "{err}");
}
