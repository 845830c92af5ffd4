//! `cargo xtask ci`: everything CI runs, in order.

use std::path::Path;
use std::time::Instant;

use anyhow::Result;

pub fn run(root: &Path) -> Result<()> {
    let started = Instant::now();
    crate::tasks::lint(root)?;
    println!("==> cargo xtask codegen --check");
    crate::codegen::run(root, true)?;
    crate::tasks::validate_spec(root)?;
    let mut test = crate::tasks::cargo();
    test.arg("test").args(crate::tasks::TEST_PACKAGES);
    crate::tasks::run_step(root, "cargo test --workspace --exclude xtask", test)?;
    let mut test_xtask = crate::tasks::cargo();
    test_xtask.args(["test", "-p", "xtask"]);
    crate::tasks::run_step(root, "cargo test -p xtask", test_xtask)?;
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
