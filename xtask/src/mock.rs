//! The standalone mock binary: which build of it, started on a free port, and
//! `cargo xtask mock`.

use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{Context, Result};

use crate::process::{self, Server};

/// Which build of `invitations-mock` to start.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MockBuild {
    /// The dev-profile binary `cargo test` builds for the mock's own tests: after the test
    /// step of `cargo xtask ci` it costs no build at all.
    Test,
    /// `cargo build --release`: what benchmarks measure.
    Release,
}

/// Builds the mock binary and starts it on a free port with `extra` arguments, its stderr
/// discarded.
pub fn spawn(root: &Path, build: MockBuild, extra: &[&str]) -> Result<Server> {
    spawn_logging_to(root, build, extra, Stdio::null())
}

/// [`spawn`] with the mock's stderr (its request log) sent to `stderr`.
pub fn spawn_logging_to(
    root: &Path,
    build: MockBuild,
    extra: &[&str],
    stderr: Stdio,
) -> Result<Server> {
    let test_build = test_build_args();
    let args: &[&str] = match build {
        MockBuild::Test => &test_build,
        MockBuild::Release => &RELEASE_BUILD,
    };
    let executable = crate::artifacts::build_bin(root, args, "invitations-mock")?;
    let mut cmd = Command::new(&executable);
    cmd.args(["--port", "0"]).args(extra).stderr(stderr);
    let name = format!("invitations-mock {}", extra.join(" "));
    Server::start(name.trim_end(), cmd)
}

/// The cargo arguments that build the mock binary for release (what benchmarks measure and
/// its container image carries).
pub const RELEASE_BUILD: [&str; 7] = [
    "build",
    "--quiet",
    "--release",
    "-p",
    "invitations-mock",
    "--bin",
    "invitations-mock",
];

/// The cargo arguments that build the workspace's dev binaries as `cargo xtask ci` does
/// (the packages it tests, so features unify alike): after its build they cost nothing.
pub fn test_build_args() -> Vec<&'static str> {
    ["test", "--quiet", "--no-run"]
        .into_iter()
        .chain(process::TEST_PACKAGES)
        .collect()
}

/// `--fixture FILE` for the mock binary: the fixture contract-tests/targets/local-mock.toml
/// describes (the default one plus the invitations the reactivation cases resend).
pub fn contract_fixture_flags(root: &Path) -> Result<[String; 2]> {
    let fixture = root.join("contract-tests/targets/local-mock-fixture.json");
    let fixture = fixture
        .to_str()
        .context("the checkout's path is not UTF-8")?;
    Ok(["--fixture".to_owned(), fixture.to_owned()])
}

/// `cargo xtask mock -- ARGS`: the release build of the mock, in the foreground.
pub fn run(root: &Path, args: &[String]) -> Result<()> {
    let mut cmd = process::cargo();
    cmd.args(["run", "--release", "-p", "invitations-mock", "--"])
        .args(args);
    process::run_step(root, "cargo run --release -p invitations-mock", cmd)
}
