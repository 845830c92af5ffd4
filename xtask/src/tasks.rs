//! The commands that drive other tools: lint and spec validation.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result};

use crate::process::{cargo, run_step};

/// Pinned so that CI results do not move under us.
const SPEC_VALIDATOR: &str = "openapi-spec-validator==0.9.0";
/// The stricter second linter (its `recommended` rules, see redocly.yaml); 2.x runs on
/// Node.js 20.19 or later.
const REDOCLY_CLI: &str = "@redocly/cli@2.77.0";

/// `cargo xtask lint`: rustfmt and clippy, warnings denied.
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

/// `cargo xtask workspace-hack [--check]`: `cargo hakari generate` and `manage-deps` (every
/// member depends on the hack), or their dry runs.
pub fn workspace_hack(root: &Path, check: bool) -> Result<()> {
    let hakari = crate::tools::CARGO_HAKARI.ensure_installed(root)?;
    let steps: [&[&str]; 2] = if check {
        [
            &["hakari", "generate", "--diff"],
            &["hakari", "manage-deps", "--dry-run"],
        ]
    } else {
        [&["hakari", "generate"], &["hakari", "manage-deps", "--yes"]]
    };
    for args in steps {
        let mut step = Command::new(&hakari);
        step.args(args);
        run_step(root, &format!("cargo {}", args.join(" ")), step)?;
    }
    Ok(())
}

/// Validates the spec with the Python reference validator and with Redocly CLI's
/// `recommended` rules, each installed under the target directory so that nothing is
/// installed on the machine itself.
pub fn validate_spec(root: &Path) -> Result<()> {
    openapi_spec_validator(root)?;
    redocly_lint(root)
}

/// Installs the two spec linters unless they are installed (what [`validate_spec`] does
/// first), without running them: `cargo xtask ci` does it while cargo builds.
pub fn install_spec_linters(root: &Path) -> Result<()> {
    install_openapi_spec_validator(root)?;
    install_redocly(root).map(drop)
}

fn install_openapi_spec_validator(root: &Path) -> Result<PathBuf> {
    let venv = crate::artifacts::target_dir(root)?.join("xtask-venv");
    let python = venv.join("bin/python");
    let marker = venv.join(".installed");
    let installed = std::fs::read_to_string(&marker).unwrap_or_default();
    if installed.trim() != SPEC_VALIDATOR {
        let mut mk = Command::new("python3");
        mk.args(["-m", "venv"]).arg(&venv);
        run_step(root, "python3 -m venv <target>/xtask-venv", mk).context(
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
    Ok(python)
}

fn openapi_spec_validator(root: &Path) -> Result<()> {
    let python = install_openapi_spec_validator(root)?;
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

/// Redocly CLI from npm, in `<target>/xtask-node`; fails on any error of its `recommended`
/// rules (warnings are printed, not fatal).
fn redocly_lint(root: &Path) -> Result<()> {
    let redocly = install_redocly(root)?;
    let mut lint = Command::new(&redocly);
    lint.args(["lint", "--config"])
        .arg(root.join("redocly.yaml"))
        .arg(root.join(crate::codegen::SPEC_PATH))
        // No network from CI: no usage telemetry, no update check.
        .env("REDOCLY_TELEMETRY", "off")
        .env("REDOCLY_SUPPRESS_UPDATE_NOTICE", "true");
    run_step(
        root,
        "redocly lint (recommended) openapi/invitations.yaml",
        lint,
    )
}

fn install_redocly(root: &Path) -> Result<PathBuf> {
    let prefix = crate::artifacts::target_dir(root)?.join("xtask-node");
    let marker = prefix.join(".installed");
    let redocly = prefix.join("node_modules/.bin/redocly");
    let installed = std::fs::read_to_string(&marker).unwrap_or_default();
    if installed.trim() != REDOCLY_CLI || !redocly.is_file() {
        std::fs::create_dir_all(&prefix)?;
        let mut npm = Command::new("npm");
        npm.args([
            "install",
            "--no-audit",
            "--no-fund",
            "--no-save",
            "--loglevel=error",
            "--prefix",
        ])
        .arg(&prefix)
        .arg(REDOCLY_CLI);
        run_step(root, &format!("npm install {REDOCLY_CLI}"), npm)
            .context("the second spec linter needs Node.js 20.19 or later with npm")?;
        std::fs::write(&marker, REDOCLY_CLI)?;
    }
    Ok(redocly)
}
