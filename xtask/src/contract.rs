//! `cargo xtask contract [--target FILE] [--junit FILE] [--binary]`: the contract suite.
//!
//! Against the mock binary (`--binary`, `--maildev`) the suite reads
//! contract-tests/targets/local-mock.toml with its base URL replaced by the binary's through
//! the profile loader's `CONTRACT_BASE_URL`; only the variants that change other keys
//! (`--conforming`, a mailbox) get a profile derived from it under the target directory.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{bail, Context, Result};

use crate::mock::MockBuild;
use crate::process::{self, Server};

/// Options of the command (its command line: the doc comments are its help).
#[derive(clap::Args)]
pub struct ContractArgs {
    /// A TOML target profile (see contract-tests/targets/example.toml).
    #[arg(long, value_name = "FILE")]
    pub target: Option<PathBuf>,
    /// Also write a JUnit XML report here.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Start `invitations-mock` (on a free port) and run against it as a deployment: the
    /// dev build that `cargo test --workspace` makes, or a release build with `--release`.
    #[arg(long)]
    pub binary: bool,
    /// With `--binary`: start a release build of the mock.
    #[arg(long, requires = "binary")]
    pub release: bool,
    /// Run against the embedded mock's conforming variant (`--alternative`: other allowed
    /// choices), used like a deployment; with `--binary`, start the binary in that variant.
    #[arg(long)]
    pub conforming: bool,
    /// Record: mismatching snapshots go through insta (`.snap.new`, then `cargo insta
    /// review`). Without it a run never writes into the checkout.
    #[arg(long)]
    pub update_snapshots: bool,
    /// Install (npm, into target/) and start MailDev, start the mock binary delivering its
    /// emails to it (`--smtp`), and check emails through MailDev's API; then run
    /// `tests/mail_format.rs` against the same MailDev (a deployment whose emails read
    /// otherwise). Implies --binary.
    #[arg(long)]
    pub maildev: bool,
    /// Hold the target to the mock's own choices (`CONTRACT_STRICT=1`), whatever its profile
    /// says. With --conforming the run must fail exactly the cases that name a decision.
    #[arg(long)]
    pub strict: bool,
    /// Also write the self-contained HTML report here.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
}

/// What the suite runs against.
pub enum Target {
    /// The embedded mock, or with `alternative` its conforming variant.
    Embedded {
        /// The conforming variant.
        alternative: bool,
    },
    /// A deployment profile, its base URL optionally overridden (`CONTRACT_BASE_URL`).
    Profile {
        /// The profile file.
        path: PathBuf,
        /// Replaces the profile's `base_url`.
        base_url: Option<String>,
    },
}

/// The profile of the standalone mock seen as a deployment (its base URL is overridden).
pub const LOCAL_MOCK_PROFILE: &str = "contract-tests/targets/local-mock.toml";

/// `cargo xtask contract`: starts what the options ask for, then runs the suite.
pub fn run(root: &Path, args: ContractArgs) -> Result<()> {
    let started = Instant::now();
    if args.maildev && args.target.is_some() {
        bail!("--maildev starts its own mock binary; it does not apply to --target");
    }
    let binary = args.binary || args.maildev;
    // What this run starts, killed when it ends (in this order, the mock first).
    let mut servers = Vec::new();
    let mut maildev = None;
    let target = match (&args.target, binary) {
        (Some(_), true) => {
            bail!("--target and --binary are exclusive: --binary makes its own profile")
        }
        (Some(_), false) if args.conforming => {
            bail!("--conforming selects the mock's variant; it does not apply to --target")
        }
        (Some(path), false) => Target::Profile {
            path: absolute(path)?,
            base_url: None,
        },
        (None, false) => Target::Embedded {
            alternative: args.conforming,
        },
        (None, true) => {
            let build = if args.release {
                MockBuild::Release
            } else {
                MockBuild::Test
            };
            if args.maildev {
                maildev = Some(start_maildev(root)?);
            }
            let mock = start_binary(root, build, args.conforming, maildev.as_ref())?;
            let target = Target::Profile {
                path: local_profile(root, args.conforming, maildev.as_ref())?,
                base_url: Some(mock.url().to_owned()),
            };
            servers.push(mock);
            target
        }
    };
    let reports = Reports {
        junit: args.junit.as_deref(),
        html: args.html.as_deref(),
    };
    let mut result = run_suite(root, &target, reports, args.update_snapshots, args.strict);
    if let Some(maildev) = &maildev {
        let formats = mail_formats(root, maildev);
        result = result.and(formats);
    }
    drop(servers);
    drop(maildev);
    println!(
        "cargo xtask contract: {:.1?} including the build",
        started.elapsed()
    );
    result
}

/// `tests/mail_format.rs` against `maildev`: emails worded otherwise, read by a profile's
/// patterns, and a 24-hour expiry that must fail.
fn mail_formats(root: &Path, maildev: &MailDev) -> Result<()> {
    let mut cmd = process::cargo();
    cmd.args(["test", "--quiet"])
        .args(process::TEST_PACKAGES)
        .args(["--test", "mail_format"])
        .env(
            "CONTRACT_MAILDEV_SMTP",
            format!("127.0.0.1:{}", maildev.smtp_port),
        )
        .env("CONTRACT_MAILDEV_URL", maildev.server.url());
    process::run_step(
        root,
        "cargo test --quiet --workspace --exclude xtask --test mail_format",
        cmd,
    )
    .context("the mail format check failed")
}

/// Where a run writes its reports.
#[derive(Clone, Copy, Default)]
pub struct Reports<'a> {
    /// JUnit XML.
    pub junit: Option<&'a Path>,
    /// The HTML page.
    pub html: Option<&'a Path>,
}

/// Runs the contract suite (`cargo test --test contract`) against `target`.
pub fn run_suite(
    root: &Path,
    target: &Target,
    reports: Reports,
    update_snapshots: bool,
    strict: bool,
) -> Result<()> {
    let mut cmd = process::cargo();
    // The packages `cargo xtask ci` tests, so that features unify exactly as there: the
    // contract binary that run built is reused instead of rebuilt with other features.
    cmd.args(["test", "--quiet"])
        .args(process::TEST_PACKAGES)
        .args(["--test", "contract"]);
    cmd.env_remove("CONTRACT_TARGET");
    cmd.env_remove("CONTRACT_EMBEDDED");
    cmd.env_remove("CONTRACT_UPDATE_SNAPSHOTS");
    cmd.env_remove("CONTRACT_STRICT");
    match target {
        Target::Embedded { alternative: true } => {
            cmd.env("CONTRACT_EMBEDDED", "alternative");
        }
        Target::Embedded { alternative: false } => {}
        Target::Profile { path, base_url } => {
            cmd.env("CONTRACT_TARGET", path);
            // Unset, a CONTRACT_BASE_URL of the caller's environment applies, as the key
            // variables do.
            if let Some(url) = base_url {
                cmd.env("CONTRACT_BASE_URL", url);
            }
        }
    }
    if update_snapshots {
        cmd.env("CONTRACT_UPDATE_SNAPSHOTS", "1");
    }
    if strict {
        cmd.env("CONTRACT_STRICT", "1");
    }
    if let Some(junit) = reports.junit {
        cmd.env("CONTRACT_JUNIT", absolute(junit)?);
    }
    if let Some(html) = reports.html {
        cmd.env("CONTRACT_HTML", absolute(html)?);
    }
    process::run_step(
        root,
        "cargo test --quiet --workspace --exclude xtask --test contract",
        cmd,
    )
    .context("the contract suite failed")
}

fn absolute(path: &Path) -> Result<PathBuf> {
    std::path::absolute(path).with_context(|| format!("resolving {}", path.display()))
}

/// Builds and starts `invitations-mock --port 0` with the contract fixture (in its
/// `--alternative` variant, delivering email to `maildev`, when asked).
fn start_binary(
    root: &Path,
    build: MockBuild,
    alternative: bool,
    maildev: Option<&MailDev>,
) -> Result<Server> {
    let mut flags = crate::mock::contract_fixture_flags(root)?.to_vec();
    if alternative {
        flags.push("--alternative".into());
    }
    if let Some(maildev) = maildev {
        flags.extend([
            "--smtp".to_owned(),
            format!("127.0.0.1:{}", maildev.smtp_port),
        ]);
    }
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    let server = crate::mock::spawn(root, build, &flags)?;
    println!("mock binary serving {}", server.url());
    Ok(server)
}

/// The profile for the mock binary: local-mock.toml itself, or for the conforming variant or
/// a mailbox a copy with those keys changed, written into the target directory.
fn local_profile(root: &Path, alternative: bool, maildev: Option<&MailDev>) -> Result<PathBuf> {
    let template = root.join(LOCAL_MOCK_PROFILE);
    if !alternative && maildev.is_none() {
        return Ok(template);
    }
    let text = std::fs::read_to_string(&template)
        .with_context(|| format!("reading {LOCAL_MOCK_PROFILE}"))?;
    let profile = derive_profile(&text, alternative, maildev.map(|m| m.server.url()))?;
    // One file per kind of derived profile: `cargo xtask ci` runs these targets at once.
    let name = match (alternative, maildev.is_some()) {
        (true, true) => "contract-local-mock-alternative-maildev.toml",
        (true, false) => "contract-local-mock-alternative.toml",
        _ => "contract-local-mock-maildev.toml",
    };
    let path = crate::artifacts::target_dir(root)?.join(name);
    std::fs::create_dir_all(path.parent().context("a file in the target directory")?)?;
    std::fs::write(&path, profile).with_context(|| format!("writing {}", path.display()))?;
    println!("profile {}", path.display());
    Ok(path)
}

/// `local-mock.toml`'s text adapted to the conforming variant and/or a MailDev mailbox.
fn derive_profile(template: &str, alternative: bool, mailbox_url: Option<&str>) -> Result<String> {
    let mut profile: toml::Table = template
        .parse()
        .with_context(|| format!("parsing {LOCAL_MOCK_PROFILE}"))?;
    if alternative {
        // The variant's body limit is its own; its profile names none, as a deployment's
        // profile may not (the embedded variant's names it). It makes the other choices
        // the documents allow, so it is not held to the mock's.
        profile.remove("max_body_bytes");
        profile.remove("strict");
        profile.insert("name".into(), "local invitations-mock --alternative".into());
    }
    if let Some(url) = mailbox_url {
        let mut mailbox = toml::Table::new();
        mailbox.insert("kind".into(), "maildev".into());
        mailbox.insert("url".into(), url.into());
        profile.insert("mailbox".into(), mailbox.into());
    }
    Ok(format!(
        "# Written by `cargo xtask contract` from {LOCAL_MOCK_PROFILE}; the suite reads the\n\
         # mock binary's base URL from CONTRACT_BASE_URL, not from this file.\n{}",
        toml::to_string(&profile)?
    ))
}

/// The MailDev release xtask installs (npm) into target/maildev.
const MAILDEV_VERSION: &str = "3.0.0";

/// A running MailDev: its API at `server.url()`, SMTP on `smtp_port`.
struct MailDev {
    server: Server,
    smtp_port: u16,
}

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
    let mut npm = Command::new("npm");
    npm.args(["install", "--no-audit", "--no-fund", "--prefix"])
        .arg(&dir)
        .arg(format!("maildev@{MAILDEV_VERSION}"))
        .stdout(Stdio::null());
    process::run_step(root, &format!("npm install maildev@{MAILDEV_VERSION}"), npm)
        .context("--maildev needs Node.js and npm")?;
    if !exe.exists() {
        bail!(
            "npm install maildev@{MAILDEV_VERSION} left no {}",
            exe.display()
        );
    }
    std::fs::write(&marker, MAILDEV_VERSION)?;
    Ok(exe)
}

/// Starts MailDev on free loopback ports.
fn start_maildev(root: &Path) -> Result<MailDev> {
    let exe = ensure_maildev(root)?;
    let (smtp_port, web) = (process::free_port()?, process::free_port()?);
    let mut cmd = Command::new(&exe);
    cmd.args(["--ip", "127.0.0.1", "--web-ip", "127.0.0.1"])
        .args(["--smtp", &smtp_port.to_string(), "--web", &web.to_string()])
        .stderr(Stdio::null());
    let url = format!("http://127.0.0.1:{web}");
    // MailDev prints its URLs before it listens; this line comes once it does.
    let server = Server::start_when("maildev", cmd, |line| {
        line.contains("Press Ctrl+C").then(|| url.clone())
    })?;
    println!("maildev: SMTP 127.0.0.1:{smtp_port}, API {}", server.url());
    Ok(MailDev { server, smtp_port })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn template() -> String {
        std::fs::read_to_string(crate::artifacts::workspace_root().join(LOCAL_MOCK_PROFILE))
            .unwrap()
    }

    #[test]
    fn the_conforming_variants_profile_names_no_body_limit() {
        let text = derive_profile(&template(), true, None).unwrap();
        let profile: toml::Table = text.parse().unwrap();
        assert!(template().contains("max_body_bytes"));
        assert!(!profile.contains_key("max_body_bytes"), "{text}");
        assert!(template().contains("strict = true"));
        assert!(
            !profile.contains_key("strict"),
            "the variant is not strict: {text}"
        );
        assert_eq!(
            profile["name"].as_str(),
            Some("local invitations-mock --alternative")
        );
        assert!(!profile.contains_key("mailbox"));
        // Everything else is the template's.
        let original: toml::Table = template().parse().unwrap();
        assert_eq!(profile["invitations"], original["invitations"]);
        assert_eq!(profile["base_url"], original["base_url"]);
    }

    #[test]
    fn a_mailbox_is_added_as_its_own_table() {
        let text = derive_profile(&template(), false, Some("http://127.0.0.1:1080")).unwrap();
        let profile: toml::Table = text.parse().unwrap();
        assert_eq!(profile["mailbox"]["kind"].as_str(), Some("maildev"));
        assert_eq!(
            profile["mailbox"]["url"].as_str(),
            Some("http://127.0.0.1:1080")
        );
        assert_eq!(profile["max_body_bytes"].as_integer(), Some(65536));
    }
}
