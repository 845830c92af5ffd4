//! The contract suite's entry point (a libtest-mimic harness): `cargo xtask contract`,
//! `cargo test -p invitations-contract-tests --test contract [-- FILTER | --exact NAME |
//! --list | --format json]`, or `cargo nextest run -p invitations-contract-tests`.
//!
//! Environment, since cargo's command line belongs to libtest: `CONTRACT_TARGET` (a profile;
//! default the embedded mock), `CONTRACT_EMBEDDED` (`alternative`: the mock's conforming
//! variant), `CONTRACT_JUNIT` (write a JUnit report there), `CONTRACT_UPDATE_SNAPSHOTS=1`
//! (record through insta).

use std::process::ExitCode;

use invitations_contract_tests::cli::{run_suite, Options};
use invitations_contract_tests::target::TargetSpec;
use libtest_mimic::Arguments;

fn main() -> ExitCode {
    let args = Arguments::from_args();
    let target = match TargetSpec::from_env() {
        Ok(target) => target,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::from(2);
        }
    };
    run_suite(
        Options {
            target,
            junit: std::env::var_os("CONTRACT_JUNIT").map(Into::into),
        },
        args,
    )
}
