//! `invitations_sdk::Operation` is the spec's list of operations: the same ids, methods and
//! path templates, none missing and none extra. The mock's router and the contract suite use
//! this type, so a new or renamed operation in the spec fails here first.

use std::collections::BTreeSet;

use invitations_sdk::Operation;
use invitations_spec::Spec;

#[test]
fn operation_is_exactly_the_spec_operations() {
    let from_spec: BTreeSet<(String, &str, String)> = Spec::get()
        .operations()
        .into_iter()
        .map(|op| (op.id, op.method, op.path))
        .collect();
    let from_sdk: BTreeSet<(String, &str, String)> = Operation::ALL
        .into_iter()
        .map(|op| (op.id().to_owned(), op.method(), op.path().to_owned()))
        .collect();
    assert_eq!(from_sdk, from_spec);
    assert_eq!(
        from_sdk.len(),
        Operation::ALL.len(),
        "an operation listed twice"
    );
}

#[test]
fn every_spec_operation_id_maps_to_its_operation() {
    for op in Spec::get().operations() {
        let found =
            Operation::from_id(&op.id).unwrap_or_else(|| panic!("{} is not an Operation", op.id));
        assert_eq!(
            (found.method(), found.path()),
            (op.method, op.path.as_str())
        );
    }
}
