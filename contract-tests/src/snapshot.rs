//! The recorded snapshots, embedded at build time, and the comparison a run makes against
//! them. A plain run only reads: it never writes into the checkout and never panics. Recording
//! and reviewing stay insta's job (`cargo xtask contract --update-snapshots`, then
//! `cargo insta review`).

use std::panic::AssertUnwindSafe;

use serde_json::Value;

/// Set to `1` to record: mismatches then go through insta, which writes `.snap.new` files
/// (or accepts, per `INSTA_UPDATE`) in `contract-tests/snapshots/`.
pub const UPDATE_ENV: &str = "CONTRACT_UPDATE_SNAPSHOTS";

/// `(name, file contents)` of every snapshot, from `contract-tests/snapshots/`.
const EMBEDDED: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/snapshots.rs"));

/// Whether this run records snapshots.
pub fn updating() -> bool {
    std::env::var(UPDATE_ENV).is_ok_and(|v| v == "1")
}

/// The recorded snapshot `name`, parsed; `None` if none was recorded.
pub fn recorded(name: &str) -> Option<Result<Value, String>> {
    let (_, text) = EMBEDDED.iter().find(|(n, _)| *n == name)?;
    // insta's file: a `---` header block with metadata, then the YAML document.
    let body = text
        .strip_prefix("---\n")
        .and_then(|rest| rest.split_once("\n---\n"))
        .map_or(*text, |(_, body)| body);
    Some(
        serde_yaml::from_str::<Value>(body)
            .map_err(|err| format!("snapshot `{name}` is not readable YAML: {err}")),
    )
}

fn yaml(value: &Value) -> String {
    serde_yaml::to_string(value).unwrap_or_else(|err| format!("<unprintable: {err}>"))
}

/// Compares a case's record with its snapshot: `Err` holds expected vs got as a diff.
pub fn check(name: &str, got: &Value) -> Result<(), String> {
    if updating() {
        return record_with_insta(name, got);
    }
    let expected = match recorded(name) {
        Some(parsed) => parsed?,
        None => {
            return Err(format!(
                "no snapshot `{name}` is recorded: run `cargo xtask contract --update-snapshots` \
                 on the embedded mock, then `cargo insta review`"
            ))
        }
    };
    if &expected == got {
        return Ok(());
    }
    let (expected, got) = (yaml(&expected), yaml(got));
    let diff = similar::TextDiff::from_lines(&expected, &got)
        .unified_diff()
        .context_radius(3)
        .header("expected (snapshot)", "got (this target)")
        .to_string();
    Err(format!(
        "the answers differ from snapshot `{name}`:\n{diff}"
    ))
}

/// Recording mode: insta compares, and writes `.snap.new` (or the snapshot) on a mismatch.
fn record_with_insta(name: &str, got: &Value) -> Result<(), String> {
    let assertion = std::panic::catch_unwind(AssertUnwindSafe(|| {
        insta::with_settings!({
            snapshot_path => concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots"),
            prepend_module_to_snapshot => false,
            omit_expression => true,
        }, {
            insta::assert_yaml_snapshot!(name, got);
        });
    }));
    assertion.map_err(|_| {
        format!("snapshot `{name}` does not match (insta's diff above; review with `cargo insta review`)")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_case_has_a_readable_snapshot_and_every_snapshot_a_case() {
        let cases: Vec<&str> = crate::cases::all().iter().map(|c| c.name).collect();
        for name in &cases {
            match recorded(name) {
                Some(Ok(Value::Array(_))) => {}
                other => panic!("{name}: {other:?}"),
            }
        }
        for (name, _) in EMBEDDED {
            assert!(cases.contains(name), "snapshot {name} has no case");
        }
    }

    #[test]
    fn a_difference_is_shown_as_expected_vs_got() {
        let (name, _) = EMBEDDED[0];
        let err = check(name, &serde_json::json!([{"status": 999}])).unwrap_err();
        assert!(
            err.contains("expected (snapshot)") && err.contains("+- status: 999"),
            "{err}"
        );
    }
}
