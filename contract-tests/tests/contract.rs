//! The contract suite's entry point (a libtest-mimic harness): `cargo xtask contract`,
//! `cargo test -p invitations-contract-tests --test contract [-- FILTER | --exact NAME |
//! --list | --format json]`, or `cargo nextest run -p invitations-contract-tests`.
//!
//! Environment, since cargo's command line belongs to libtest: `CONTRACT_TARGET` (a profile;
//! default the embedded mock), `CONTRACT_EMBEDDED` (`alternative`: the mock's conforming
//! variant), `CONTRACT_STRICT=1` (hold the target to the mock's choices), `CONTRACT_JUNIT` and
//! `CONTRACT_HTML` (write those reports there), `CONTRACT_NO_PREFLIGHT=1` (skip the checks
//! before any case), `CONTRACT_UPDATE_SNAPSHOTS=1` (record through insta).

use std::process::ExitCode;

use invitations_contract_tests::cli::{run_suite, Options, EXIT_CANNOT_START};
use invitations_contract_tests::target::TargetSpec;
use libtest_mimic::Arguments;

fn main() -> ExitCode {
    let args = Arguments::from_args();
    let target = match TargetSpec::from_env() {
        Ok(target) => target,
        Err(err) => {
            eprintln!("contract: cannot start: {err}");
            return ExitCode::from(EXIT_CANNOT_START);
        }
    };
    let set = |name: &str| std::env::var(name).is_ok_and(|v| v == "1");
    run_suite(
        Options {
            target,
            junit: std::env::var_os("CONTRACT_JUNIT").map(Into::into),
            html: std::env::var_os("CONTRACT_HTML").map(Into::into),
            preflight: !set("CONTRACT_NO_PREFLIGHT"),
            strict: set("CONTRACT_STRICT"),
        },
        args,
    )
}
