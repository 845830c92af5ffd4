//! Every response example in the spec deserializes into the SDK type generated for that
//! response, and serializes back to the same JSON: the generated client reads what the spec
//! says the server sends.

use invitations_sdk::types;
use invitations_sdk::InvitationStatus;
use invitations_spec::Spec;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

fn round_trip<T: DeserializeOwned + Serialize>(example: &Value) -> Result<Value, String> {
    let typed: T = serde_json::from_value(example.clone()).map_err(|e| e.to_string())?;
    serde_json::to_value(&typed).map_err(|e| e.to_string())
}

/// The generated type for each response schema. A schema added to the spec without a line
/// here fails the test, so the mapping cannot silently fall behind.
fn decode(schema: &str, example: &Value) -> Result<Value, String> {
    match schema {
        "UserInvitationListResult" => round_trip::<types::UserInvitationListResult>(example),
        "UserInvitationResult" => round_trip::<types::UserInvitationResult>(example),
        "FailureResult" => round_trip::<types::FailureResult>(example),
        "ResendInviteResponse" => round_trip::<types::ResendInviteResponse>(example),
        "IamError" => round_trip::<types::IamError>(example),
        other => panic!("no SDK type mapped for response schema `{other}`: add it to decode()"),
    }
}

#[test]
fn every_response_example_decodes_into_its_generated_type() {
    let spec = Spec::get();
    let mut checked = 0;
    for op in spec.operations() {
        for status in &op.statuses {
            let schema = spec.response_schema_name(&op.id, *status).unwrap();
            let example = spec
                .response(&op.id, *status)
                .unwrap()
                .content
                .get("application/json")
                .and_then(|m| m.example.clone())
                .unwrap_or_else(|| panic!("{} {status} has no example", op.id));
            let back = decode(&schema, &example).unwrap_or_else(|e| {
                panic!(
                    "{} {status}: example does not decode as {schema}: {e}",
                    op.id
                )
            });
            assert_eq!(
                back, example,
                "{} {status}: round trip changed the body",
                op.id
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 21, "three operations with 6, 6 and 9 statuses");
}

#[test]
fn example_statuses_are_known_variants() {
    let example = Spec::get()
        .response("GetUserInvitationByEmail", 200)
        .unwrap()
        .content["application/json"]
        .example
        .clone()
        .unwrap();
    let result: types::UserInvitationResult = serde_json::from_value(example).unwrap();
    let invitation = result.value.expect("success carries a value");
    assert_eq!(invitation.status, InvitationStatus::Pending);
    assert_eq!(invitation.id.get(), 9001);
}

#[test]
fn a_renamed_envelope_field_does_not_decode() {
    // The documents' examples use `data`; the generated type must refuse it, not default it.
    let wrong = serde_json::json!({"isSuccess": true, "isFailure": false, "error": null,
                                   "data": null});
    let err = decode("UserInvitationResult", &wrong).unwrap_err();
    assert!(err.contains("value"), "{err}");
}
