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
    /// Start MailDev too, have the mock binary deliver to it, and check emails through it.
    pub maildev: bool,
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
    let mut _maildev = None;
    let mut mailbox = None;
    if args.maildev {
        if args.target.is_some() {
            bail!("--maildev starts its own mock binary; it does not apply to --target");
        }
        let (server, smtp_port, web_url) = start_maildev(root)?;
        _maildev = Some(server);
        mailbox = Some((smtp_port, web_url));
    }
    let binary = args.binary || args.maildev;
    let target = match (&args.target, binary) {
        (Some(_), true) => {
            bail!("--target and --binary are exclusive: --binary makes its own profile")
        }
        (Some(_), false) if args.conforming => {
            bail!("--conforming selects the mock's variant; it does not apply to --target")
        }
        (Some(path), false) => Some(absolute(path)?),
        (None, true) => {
            let build = if args.release {
                MockBuild::Release
            } else {
                MockBuild::Test
            };
            let (server, profile) = start_binary(root, build, args.conforming, mailbox.as_ref())?;
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
/// profile for it (as contract-tests/targets/local-mock.toml) under the target directory.
pub fn start_binary(
    root: &Path,
    build: MockBuild,
    alternative: bool,
    mailbox: Option<&(u16, String)>,
) -> Result<(Server, PathBuf)> {
    let mut flags = contract_fixture_flags(root)?;
    if alternative {
        flags.push("--alternative".into());
    }
    if let Some((smtp_port, _)) = mailbox {
        flags.extend(["--smtp".to_owned(), format!("127.0.0.1:{smtp_port}")]);
    }
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    let (server, base_url) = spawn_mock(root, build, &flags)?;
    let path = write_local_profile(
        root,
        &base_url,
        alternative,
        mailbox,
        "contract-local-mock.toml",
    )?;
    println!("mock binary serving {base_url}; profile {}", path.display());
    Ok((server, path))
}

/// `--fixture FILE` for the mock binary: the fixture local-mock.toml describes (the default
/// one plus the invitations the reactivation cases resend).
pub fn contract_fixture_flags(root: &Path) -> Result<Vec<String>> {
    let fixture = root.join("contract-tests/targets/local-mock-fixture.json");
    let fixture = fixture
        .to_str()
        .context("the checkout's path is not UTF-8")?;
    Ok(vec!["--fixture".to_owned(), fixture.to_owned()])
}

/// Writes contract-tests/targets/local-mock.toml with its base URL replaced by `base_url`
/// (and, for the conforming variant or a mailbox, adapted) into the target directory as
/// `file_name`, and returns its path.
pub fn write_local_profile(
    root: &Path,
    base_url: &str,
    alternative: bool,
    mailbox: Option<&(u16, String)>,
    file_name: &str,
) -> Result<PathBuf> {
    let template = std::fs::read_to_string(root.join("contract-tests/targets/local-mock.toml"))
        .context("reading contract-tests/targets/local-mock.toml")?;
    let mut profile = template.replace("http://127.0.0.1:8080", base_url);
    if alternative {
        // The variant's body limit is its own; its profile names none, as a deployment's
        // profile may not.
        profile = profile.replace("max_body_bytes = 65536\n", "").replace(
            "name = \"local invitations-mock\"",
            "name = \"local invitations-mock --alternative\"",
        );
    }
    if let Some((_, web_url)) = mailbox {
        profile.push_str(&format!(
            "\n[mailbox]\nkind = \"maildev\"\nurl = \"{web_url}\"\n"
        ));
    }
    if !profile.contains(base_url) {
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

/// The MailDev release xtask installs (npm) into target/maildev.
const MAILDEV_VERSION: &str = "3.0.0";

/// Installs MailDev into target/maildev once (a marker file names the version), like the
/// Python validator's venv; returns its executable.
pub fn ensure_maildev(root: &Path) -> Result<PathBuf> {
    let dir = crate::artifacts::target_dir(root)?.join("maildev");
    let marker = dir.join(format!(".installed-{MAILDEV_VERSION}"));
    let exe = dir.join("node_modules/.bin/maildev");
    if marker.exists() && exe.exists() {
        return Ok(exe);
    }
    std::fs::create_dir_all(&dir)?;
    println!(
        "installing maildev@{MAILDEV_VERSION} into {}",
        dir.display()
    );
    let status = Command::new("npm")
        .args(["install", "--no-audit", "--no-fund", "--prefix"])
        .arg(&dir)
        .arg(format!("maildev@{MAILDEV_VERSION}"))
        .stdout(Stdio::null())
        .status()
        .context("running npm (Node.js and npm are needed for --maildev)")?;
    if !status.success() || !exe.exists() {
        bail!("npm install maildev@{MAILDEV_VERSION} failed ({status})");
    }
    std::fs::write(&marker, MAILDEV_VERSION)?;
    Ok(exe)
}

fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// Starts MailDev on free loopback ports; returns it, its SMTP port and its API's URL.
fn start_maildev(root: &Path) -> Result<(Server, u16, String)> {
    let exe = ensure_maildev(root)?;
    let (smtp, web) = (free_port()?, free_port()?);
    let mut child = Command::new(&exe)
        .args(["--ip", "127.0.0.1", "--web-ip", "127.0.0.1"])
        .args(["--smtp", &smtp.to_string(), "--web", &web.to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .with_context(|| format!("starting {}", exe.display()))?;
    let stdout = child.stdout.take().context("maildev stdout")?;
    let server = Server(child);
    let mut lines = BufReader::new(stdout).lines();
    loop {
        let Some(line) = lines.next() else {
            bail!("maildev exited before it was ready");
        };
        if line?.contains("Press Ctrl+C") {
            break;
        }
    }
    std::thread::spawn(move || for _ in lines {});
    let url = format!("http://127.0.0.1:{web}");
    println!("maildev: SMTP 127.0.0.1:{smtp}, API {url}");
    Ok((server, smtp, url))
}
