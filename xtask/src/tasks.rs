//! The commands that drive other tools: lint, spec validation, the CI sequence.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use anyhow::{bail, Context, Result};

/// Pinned so that CI results do not move under us.
const SPEC_VALIDATOR: &str = "openapi-spec-validator==0.9.0";

pub fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

/// Runs `cmd` in `root`, echoing it first, and fails with its name when it fails.
fn run_step(root: &Path, name: &str, mut cmd: Command) -> Result<()> {
    println!("==> {name}");
    let started = Instant::now();
    let status = cmd
        .current_dir(root)
        .status()
        .with_context(|| format!("could not start `{name}`"))?;
    if !status.success() {
        bail!("`{name}` failed ({status})");
    }
    println!("<== {name} ok ({:.1?})", started.elapsed());
    Ok(())
}

pub fn lint(root: &Path) -> Result<()> {
    let mut fmt = cargo();
    fmt.args(["fmt", "--all", "--check"]);
    run_step(root, "cargo fmt --all --check", fmt)?;
    let mut clippy = cargo();
    clippy.args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]);
    run_step(
        root,
        "cargo clippy --workspace --all-targets -- -D warnings",
        clippy,
    )
}

/// Validates the spec with the Python reference validator, in a venv under target/ so that
/// nothing is installed on the machine itself.
pub fn validate_spec(root: &Path) -> Result<()> {
    let venv = root.join("target/xtask-venv");
    let python = venv.join("bin/python");
    let marker = venv.join(".installed");
    let installed = std::fs::read_to_string(&marker).unwrap_or_default();
    if installed.trim() != SPEC_VALIDATOR {
        let mut mk = Command::new("python3");
        mk.args(["-m", "venv"]).arg(&venv);
        run_step(root, "python3 -m venv target/xtask-venv", mk).context(
            "the spec validator needs python3 with the venv module (Debian: python3-venv)",
        )?;
        let mut pip = Command::new(&python);
        pip.args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
        ])
        .arg(SPEC_VALIDATOR);
        run_step(root, &format!("pip install {SPEC_VALIDATOR}"), pip)?;
        std::fs::write(&marker, SPEC_VALIDATOR)?;
    }
    let mut validate = Command::new(&python);
    validate
        .args(["-m", "openapi_spec_validator", "--schema", "3.0"])
        .arg(root.join(crate::codegen::SPEC_PATH));
    run_step(
        root,
        "openapi-spec-validator openapi/invitations.yaml",
        validate,
    )
}

pub fn ci(root: &Path) -> Result<()> {
    let started = Instant::now();
    lint(root)?;
    println!("==> cargo xtask codegen --check");
    crate::codegen::run(root, true)?;
    validate_spec(root)?;
    let mut test = cargo();
    test.args(["test", "--workspace"]);
    run_step(root, "cargo test --workspace", test)?;
    // `cargo test` ran the suite on the embedded mock; these are the other targets.
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
                conforming,
                update_snapshots: false,
                maildev: label == "--maildev",
            },
        )?;
    }
    println!("ci: all steps passed in {:.1?}", started.elapsed());
    Ok(())
}

pub fn mock(root: &Path, args: &[String]) -> Result<()> {
    let mut cmd = cargo();
    cmd.args(["run", "--release", "-p", "invitations-mock", "--"])
        .args(args);
    let status = cmd
        .current_dir(root)
        .status()
        .context("could not start cargo run")?;
    if !status.success() {
        bail!("invitations-mock exited with {status}");
    }
    Ok(())
}
