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
            let (server, profile) = start_binary(root, args.conforming, mailbox.as_ref())?;
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
pub fn start_binary(
    root: &Path,
    alternative: bool,
    mailbox: Option<&(u16, String)>,
) -> Result<(Server, PathBuf)> {
    let fixture = root.join("contract-tests/targets/local-mock-fixture.json");
    let fixture = fixture
        .to_str()
        .context("the checkout's path is not UTF-8")?;
    let mut flags = vec!["--fixture".to_owned(), fixture.to_owned()];
    if alternative {
        flags.push("--alternative".into());
    }
    if let Some((smtp_port, _)) = mailbox {
        flags.extend(["--smtp".to_owned(), format!("127.0.0.1:{smtp_port}")]);
    }
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
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
    if let Some((_, web_url)) = mailbox {
        profile.push_str(&format!(
            "\n[mailbox]\nkind = \"maildev\"\nurl = \"{web_url}\"\n"
        ));
    }
    if !profile.contains(&base_url) {
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

/// The MailDev release xtask installs (npm) into target/maildev.
const MAILDEV_VERSION: &str = "3.0.0";

/// Installs MailDev into target/maildev once (a marker file names the version), like the
/// Python validator's venv; returns its executable.
fn ensure_maildev(root: &Path) -> Result<PathBuf> {
    let dir = root.join("target/maildev");
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
