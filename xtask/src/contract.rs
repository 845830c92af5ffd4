//! `cargo xtask contract [--target FILE] [--junit FILE] [--binary]`: the contract suite.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Instant;

use anyhow::{bail, Context, Result};

/// Options of the command.
pub struct ContractArgs {
    pub target: Option<PathBuf>,
    pub junit: Option<PathBuf>,
    pub binary: bool,
    /// With `binary`: a release build of the mock instead of the one `cargo test` builds.
    pub release: bool,
}

/// Which build of `invitations-mock` to start.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MockBuild {
    /// The dev-profile binary `cargo test` builds for the mock's own tests: after the test
    /// step of `cargo xtask ci` it costs no build at all.
    Test,
    /// `cargo build --release`: what benchmarks measure.
    Release,
}

pub fn run(root: &Path, args: ContractArgs) -> Result<()> {
    let started = Instant::now();
    let mut _server = None;
    let target = match (&args.target, args.binary) {
        (Some(_), true) => {
            bail!("--target and --binary are exclusive: --binary makes its own profile")
        }
        (Some(path), false) => Some(absolute(path)?),
        (None, true) => {
            let build = if args.release {
                MockBuild::Release
            } else {
                MockBuild::Test
            };
            let (server, profile) = start_binary(root, build)?;
            _server = Some(server);
            Some(profile)
        }
        (None, false) => None,
    };
    let mut cmd = crate::tasks::cargo();
    // The packages `cargo xtask ci` tests, so that features unify exactly as there: the
    // contract binary that run built is reused instead of rebuilt with other features.
    cmd.args(["test", "--quiet"])
        .args(crate::tasks::TEST_PACKAGES)
        .args(["--test", "contract"]);
    cmd.env_remove("CONTRACT_TARGET");
    if let Some(target) = &target {
        cmd.env("CONTRACT_TARGET", target);
    }
    if let Some(junit) = &args.junit {
        cmd.env("CONTRACT_JUNIT", absolute(junit)?);
    }
    let status = cmd
        .current_dir(root)
        .status()
        .context("could not start cargo test")?;
    println!(
        "cargo xtask contract: {:.1?} including the build",
        started.elapsed()
    );
    if !status.success() {
        bail!("the contract suite failed ({status})");
    }
    Ok(())
}

fn absolute(path: &Path) -> Result<PathBuf> {
    std::path::absolute(path).with_context(|| format!("resolving {}", path.display()))
}

/// Kills the mock binary when dropped, so that a failing run leaves no server behind.
pub struct Server(Child);

impl Server {
    /// The server's process id (the benchmark reads its memory from /proc).
    pub fn pid(&self) -> u32 {
        self.0.id()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Builds and starts `invitations-mock --port 0` and writes a profile for it (the default
/// fixture, as in contract-tests/targets/local-mock.toml) under target/.
pub fn start_binary(root: &Path, build: MockBuild) -> Result<(Server, PathBuf)> {
    let (server, base_url) = spawn_mock(root, build, &[])?;
    let path = write_local_profile(root, &base_url, "contract-local-mock.toml")?;
    println!("mock binary serving {base_url}; profile {}", path.display());
    Ok((server, path))
}

/// Writes contract-tests/targets/local-mock.toml with its base URL replaced by `base_url`
/// into the target directory as `file_name`, and returns its path.
pub fn write_local_profile(root: &Path, base_url: &str, file_name: &str) -> Result<PathBuf> {
    let template = std::fs::read_to_string(root.join("contract-tests/targets/local-mock.toml"))
        .context("reading contract-tests/targets/local-mock.toml")?;
    let profile = template.replace("http://127.0.0.1:8080", base_url);
    if profile == template {
        bail!(
            "local-mock.toml no longer names http://127.0.0.1:8080; update xtask/src/contract.rs"
        );
    }
    let dir = crate::artifacts::target_dir(root)?;
    std::fs::create_dir_all(&dir)?;
    let path = dir.join(file_name);
    std::fs::write(&path, profile)?;
    Ok(path)
}

/// Builds the mock binary and starts it on a free port, its stderr discarded; returns it and
/// its base URL.
pub fn spawn_mock(root: &Path, build: MockBuild, extra: &[&str]) -> Result<(Server, String)> {
    spawn_mock_logging_to(root, build, extra, Stdio::null())
}

/// [`spawn_mock`] with the mock's stderr (its request log) sent to `stderr`.
pub fn spawn_mock_logging_to(
    root: &Path,
    build: MockBuild,
    extra: &[&str],
    stderr: Stdio,
) -> Result<(Server, String)> {
    let test_build: Vec<&str> = ["test", "--quiet", "--no-run"]
        .into_iter()
        .chain(crate::tasks::TEST_PACKAGES)
        .collect();
    let args: &[&str] = match build {
        MockBuild::Test => &test_build,
        MockBuild::Release => &[
            "build",
            "--quiet",
            "--release",
            "-p",
            "invitations-mock",
            "--bin",
            "invitations-mock",
        ],
    };
    let executable = crate::artifacts::build_bin(root, args, "invitations-mock")?;
    let mut child = Command::new(&executable)
        .args(["--port", "0"])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .with_context(|| format!("starting {}", executable.display()))?;
    let stdout = child.stdout.take().context("mock stdout")?;
    let server = Server(child);
    let mut lines = BufReader::new(stdout).lines();
    let base_url = loop {
        let Some(line) = lines.next() else {
            bail!("invitations-mock exited before printing its URL");
        };
        let line = line?;
        if let Some(url) = line.split_whitespace().find(|w| w.starts_with("http://")) {
            break url.trim_end_matches('/').to_owned();
        }
    };
    // Keep draining stdout so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Ok((server, base_url))
}
