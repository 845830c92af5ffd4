//! The contract suite's entry point (custom harness): `cargo xtask contract`, or
//! `cargo test -p invitations-contract-tests --test contract`.
//!
//! Environment: `CONTRACT_TARGET` (a profile; default the embedded mock), `CONTRACT_EMBEDDED`
//! (`alternative`: the mock's conforming variant), `CONTRACT_JUNIT` (write a JUnit report
//! there), `CONTRACT_FILTER` (run only cases whose name contains it),
//! `CONTRACT_UPDATE_SNAPSHOTS=1` (record through insta).

use std::process::ExitCode;

use invitations_contract_tests::cli::{list, run_suite, Options};
use invitations_contract_tests::target::TargetSpec;

fn main() -> ExitCode {
    // `cargo test -- --list` and friends: the suite has no libtest interface.
    if std::env::args().any(|a| a == "--list") {
        list();
        return ExitCode::SUCCESS;
    }
    let target = match TargetSpec::from_env() {
        Ok(target) => target,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::from(2);
        }
    };
    run_suite(Options {
        target,
        junit: std::env::var_os("CONTRACT_JUNIT").map(Into::into),
        filter: std::env::var("CONTRACT_FILTER").ok(),
    })
}
