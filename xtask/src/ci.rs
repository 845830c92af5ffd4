//! `cargo xtask ci`: everything CI runs, in order.

use std::path::Path;
use std::time::Instant;

use anyhow::Result;

use crate::process::{cargo, run_step, TEST_PACKAGES};
use crate::tasks::{lint, validate_spec};

/// Runs every CI step in order and stops at the first that fails.
pub fn run(root: &Path) -> Result<()> {
    let started = Instant::now();
    lint(root)?;
    println!("==> cargo xtask codegen --check");
    crate::codegen::run(root, true)?;
    validate_spec(root)?;
    let mut test = cargo();
    test.arg("test").args(TEST_PACKAGES);
    run_step(root, "cargo test --workspace --exclude xtask", test)?;
    let mut test_xtask = cargo();
    test_xtask.args(["test", "-p", "xtask"]);
    run_step(root, "cargo test -p xtask", test_xtask)?;
    // `cargo test` ran the suite on the embedded mock; these are the other targets. The
    // binary ones start the mock binary `cargo test` just built: no second (release) build.
    for (label, binary, conforming) in [
        ("--conforming", false, true),
        ("--binary", true, false),
        ("--binary --conforming", true, true),
        ("--maildev", true, false),
    ] {
        println!("==> cargo xtask contract {label}");
        crate::contract::run(
            root,
            crate::contract::ContractArgs {
                target: None,
                junit: None,
                binary,
                release: false,
                conforming,
                update_snapshots: false,
                maildev: label == "--maildev",
            },
        )?;
    }
    println!("==> cargo xtask contract-through-proxy");
    crate::proxy::contract_through_proxy(root)?;
    println!("ci: all steps passed in {:.1?}", started.elapsed());
    Ok(())
}
