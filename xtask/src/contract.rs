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
    pub conforming: bool,
    pub update_snapshots: bool,
}

pub fn run(root: &Path, args: ContractArgs) -> Result<()> {
    let started = Instant::now();
    let mut _server = None;
    let target = match (&args.target, args.binary) {
        (Some(_), true) => {
            bail!("--target and --binary are exclusive: --binary makes its own profile")
        }
        (Some(_), false) if args.conforming => {
            bail!("--conforming selects the mock's variant; it does not apply to --target")
        }
        (Some(path), false) => Some(absolute(path)?),
        (None, true) => {
            let (server, profile) = start_binary(root, args.conforming)?;
            _server = Some(server);
            Some(profile)
        }
        (None, false) => None,
    };
    let mut cmd = crate::tasks::cargo();
    cmd.args([
        "test",
        "--quiet",
        "-p",
        "invitations-contract-tests",
        "--test",
        "contract",
    ]);
    cmd.env_remove("CONTRACT_TARGET");
    cmd.env_remove("CONTRACT_EMBEDDED");
    cmd.env_remove("CONTRACT_UPDATE_SNAPSHOTS");
    if args.conforming && target.is_none() {
        cmd.env("CONTRACT_EMBEDDED", "alternative");
    }
    if args.update_snapshots {
        cmd.env("CONTRACT_UPDATE_SNAPSHOTS", "1");
    }
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

/// Builds and starts `invitations-mock --port 0` with the contract fixture and writes a
/// profile for it (as contract-tests/targets/local-mock.toml) under target/.
pub fn start_binary(root: &Path, alternative: bool) -> Result<(Server, PathBuf)> {
    let fixture = root.join("contract-tests/targets/local-mock-fixture.json");
    let fixture = fixture
        .to_str()
        .context("the checkout's path is not UTF-8")?;
    let mut flags = vec!["--fixture", fixture];
    if alternative {
        flags.push("--alternative");
    }
    let (server, base_url) = spawn_mock(root, &flags)?;
    let template = std::fs::read_to_string(root.join("contract-tests/targets/local-mock.toml"))
        .context("reading contract-tests/targets/local-mock.toml")?;
    let mut profile = template.replace("http://127.0.0.1:8080", &base_url);
    if alternative {
        // The variant's body limit is its own; its profile names none, as a deployment's
        // profile may not.
        profile = profile.replace("max_body_bytes = 65536\n", "").replace(
            "name = \"local invitations-mock\"",
            "name = \"local invitations-mock --alternative\"",
        );
    }
    if profile == template {
        bail!(
            "local-mock.toml no longer names http://127.0.0.1:8080; update xtask/src/contract.rs"
        );
    }
    let path = root.join("target/contract-local-mock.toml");
    std::fs::write(&path, profile)?;
    println!("mock binary serving {base_url}; profile {}", path.display());
    Ok((server, path))
}

/// Builds the mock binary (release) and starts it on a free port; returns it and its base URL.
pub fn spawn_mock(root: &Path, extra: &[&str]) -> Result<(Server, String)> {
    let mut build = crate::tasks::cargo();
    build.args([
        "build",
        "--quiet",
        "--release",
        "-p",
        "invitations-mock",
        "--bin",
        "invitations-mock",
    ]);
    if !build.current_dir(root).status()?.success() {
        bail!("building invitations-mock failed");
    }
    let mut child = Command::new(root.join("target/release/invitations-mock"))
        .args(["--port", "0"])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .context("starting target/release/invitations-mock")?;
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
