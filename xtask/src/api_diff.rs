//! `cargo xtask api-diff [REV]`: what a change of `openapi/invitations.yaml` means for the
//! SDK's users, as one verdict (major, minor or patch) checked against the version bump of
//! `sdk/Cargo.toml`.
//!
//! Two halves, each giving classified changes:
//! - the spec half ([`spec`]): the document at REV and in the working tree, both parsed with
//!   openapiv3, each difference classified for an HTTP client;
//! - the Rust half ([`rust`]): the SDK regenerated from each spec (xtask's codegen) and
//!   compared by cargo-semver-checks, for what Rust callers of the generated API see.
//!
//! The verdict is the highest level found. It needs a version bump by cargo's semver rules:
//! from 1.0 on, major bumps the major number and minor the minor one; before 1.0 the minor
//! number is the breaking one (0.1 to 0.2) and the patch number takes everything else
//! (additions included); a patch verdict needs no bump at all.

mod rust;
mod spec;

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use anyhow::{bail, Context, Result};

use crate::codegen::SPEC_PATH;
use crate::process::output;

const SDK_MANIFEST: &str = "sdk/Cargo.toml";

/// How much a change matters to a client of the API.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Nothing a client sends or receives changes (documentation, examples).
    Patch,
    /// A compatible change: what worked before still works.
    Minor,
    /// A breaking change: some client that followed the old contract may now fail.
    Major,
}

impl Level {
    fn name(self) -> &'static str {
        match self {
            Level::Patch => "patch",
            Level::Minor => "minor",
            Level::Major => "major",
        }
    }
}

/// One classified change: where, and what it is with why it has its level.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    pub level: Level,
    /// The operation and the part of it (`resendInvite 200 body .inviteId`), or the Rust
    /// item for the Rust half.
    pub place: String,
    pub what: String,
}

/// `cargo xtask api-diff`'s arguments.
#[derive(clap::Args)]
pub struct ApiDiffArgs {
    /// The revision to compare the working tree with (default: the merge base with main).
    #[arg(value_name = "REV")]
    pub rev: Option<String>,
    /// Only the spec half (no SDK regeneration, no cargo-semver-checks): what CI runs.
    #[arg(long)]
    pub spec_only: bool,
    /// Also print the changes as CHANGELOG.md entries, to start the next release's section.
    #[arg(long)]
    pub changelog: bool,
}

pub fn run(root: &Path, args: ApiDiffArgs) -> Result<()> {
    let started = Instant::now();
    let rev = match args.rev {
        Some(rev) => rev,
        None => merge_base(root)?,
    };
    let short = git(
        root,
        &["rev-parse", "--short", &format!("{rev}^{{commit}}")],
    )
    .with_context(|| format!("`{rev}` names no commit here"))?;
    let old_spec = git(root, &["show", &format!("{rev}:{SPEC_PATH}")])?;
    let new_spec = std::fs::read_to_string(root.join(SPEC_PATH))
        .with_context(|| format!("reading {SPEC_PATH}"))?;
    println!(
        "api-diff: {SPEC_PATH} at {rev} ({}) -> the working tree",
        short.trim()
    );
    let mut changes = spec::compare(&old_spec, &new_spec)?;
    println!(
        "spec half: {} change(s) ({:.1?})",
        changes.len(),
        started.elapsed()
    );
    if args.spec_only {
        println!("Rust half skipped (--spec-only)");
    } else {
        let rust_started = Instant::now();
        let found = rust::compare(root, &rev)?;
        println!(
            "Rust half (cargo-semver-checks on the regenerated SDK): {} finding(s) ({:.1?})",
            found.len(),
            rust_started.elapsed()
        );
        changes.extend(found);
    }
    changes.sort_by(|a, b| b.level.cmp(&a.level).then_with(|| a.place.cmp(&b.place)));
    let verdict = verdict(&changes);
    for change in &changes {
        println!(
            "  {:<5}  {}: {}",
            change.level.name(),
            change.place,
            change.what
        );
    }
    println!("verdict: {}", verdict.name());

    let old_version = sdk_version(&git(root, &["show", &format!("{rev}:{SDK_MANIFEST}")])?)?;
    let new_version = sdk_version(
        &std::fs::read_to_string(root.join(SDK_MANIFEST))
            .with_context(|| format!("reading {SDK_MANIFEST}"))?,
    )?;
    if args.changelog {
        print!("{}", changelog(&changes, &new_version));
    }
    check_bump(&old_version, &new_version, verdict)?;
    println!(
        "invitations-sdk {old_version} -> {new_version}: enough for a {} change ({:.1?})",
        verdict.name(),
        started.elapsed()
    );
    Ok(())
}

/// The highest level among `changes`; patch when there are none.
pub fn verdict(changes: &[Change]) -> Level {
    changes
        .iter()
        .map(|c| c.level)
        .max()
        .unwrap_or(Level::Patch)
}

/// The lowest version after `old` that a change of `level` may be released as.
pub fn needed_version(old: &semver::Version, level: Level) -> semver::Version {
    let (major, minor, patch) = (old.major, old.minor, old.patch);
    let (major, minor, patch) = match (level, major, minor) {
        (Level::Patch, ..) => (major, minor, patch),
        // cargo: the left-most non-zero number is the breaking one.
        (Level::Major, 0, 0) => (0, 0, patch + 1),
        (Level::Major, 0, _) => (0, minor + 1, 0),
        (Level::Major, ..) => (major + 1, 0, 0),
        // Before 1.0 there is no number for additions: the patch number takes them.
        (Level::Minor, 0, _) => (0, minor, patch + 1),
        (Level::Minor, ..) => (major, minor + 1, 0),
    };
    semver::Version::new(major, minor, patch)
}

/// Fails when going from `old` to `new` is too small a bump for a change of `level`.
pub fn check_bump(old: &semver::Version, new: &semver::Version, level: Level) -> Result<()> {
    let number = |v: &semver::Version| (v.major, v.minor, v.patch);
    if number(new) < number(old) {
        bail!("{SDK_MANIFEST}'s version went down: {old} -> {new}");
    }
    let needed = needed_version(old, level);
    if number(new) < number(&needed) {
        let rule = if old.major == 0 && level != Level::Patch {
            " (cargo's rule before 1.0: the minor number is the breaking one, the patch number takes additions)"
        } else {
            ""
        };
        bail!(
            "{SDK_MANIFEST} says {new}, too small a bump from {old} for a {} change: set it to {needed} or later{rule}",
            level.name()
        );
    }
    Ok(())
}

/// The `[package] version` of a Cargo.toml's text.
fn sdk_version(manifest: &str) -> Result<semver::Version> {
    let doc: toml::Table = toml::from_str(manifest).context("parsing sdk/Cargo.toml")?;
    let version = doc
        .get("package")
        .and_then(|p| p.get("version"))
        .and_then(|v| v.as_str())
        .context("sdk/Cargo.toml has no [package] version")?;
    semver::Version::parse(version).with_context(|| format!("sdk/Cargo.toml's version `{version}`"))
}

/// CHANGELOG.md entries for `changes`, under a heading for `version`.
pub fn changelog(changes: &[Change], version: &semver::Version) -> String {
    let mut out = format!("\n## [{version}] (draft from cargo xtask api-diff)\n");
    for (level, heading) in [
        (Level::Major, "Breaking"),
        (Level::Minor, "Changed (compatible)"),
        (Level::Patch, "Documentation"),
    ] {
        let entries: Vec<&Change> = changes.iter().filter(|c| c.level == level).collect();
        if entries.is_empty() {
            continue;
        }
        out.push_str(&format!("\n### {heading}\n\n"));
        for change in entries {
            out.push_str(&format!("- `{}`: {}\n", change.place, change.what));
        }
    }
    if changes.is_empty() {
        out.push_str("\nNo change to the API.\n");
    }
    out
}

/// `git <args>` in `root`, its stdout as text.
fn git(root: &Path, args: &[&str]) -> Result<String> {
    let mut cmd = Command::new("git");
    cmd.arg("-C").arg(root).args(args);
    let out = output(&format!("git {}", args.join(" ")), cmd)?;
    String::from_utf8(out.stdout).context("git printed something that is not UTF-8")
}

/// The merge base of HEAD with `main` (or `origin/main` where there is no local `main`).
fn merge_base(root: &Path) -> Result<String> {
    for base in ["main", "origin/main"] {
        if let Ok(commit) = git(root, &["merge-base", "HEAD", base]) {
            return Ok(commit.trim().to_owned());
        }
    }
    bail!("no merge base with `main` or `origin/main`: name the revision, such as `cargo xtask api-diff HEAD~1`")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> semver::Version {
        semver::Version::parse(text).unwrap()
    }

    #[test]
    fn before_one_point_oh_the_minor_number_is_the_breaking_one() {
        assert_eq!(needed_version(&v("0.1.0"), Level::Major), v("0.2.0"));
        assert_eq!(needed_version(&v("0.1.3"), Level::Minor), v("0.1.4"));
        assert_eq!(needed_version(&v("0.1.3"), Level::Patch), v("0.1.3"));
        assert_eq!(needed_version(&v("0.0.3"), Level::Major), v("0.0.4"));
        assert_eq!(needed_version(&v("1.2.3"), Level::Major), v("2.0.0"));
        assert_eq!(needed_version(&v("1.2.3"), Level::Minor), v("1.3.0"));

        assert!(check_bump(&v("0.1.0"), &v("0.2.0"), Level::Major).is_ok());
        assert!(check_bump(&v("0.1.0"), &v("1.0.0"), Level::Major).is_ok());
        let err = check_bump(&v("0.1.0"), &v("0.1.1"), Level::Major)
            .unwrap_err()
            .to_string();
        assert!(err.contains("set it to 0.2.0"), "{err}");
        assert!(check_bump(&v("0.1.0"), &v("0.1.1"), Level::Minor).is_ok());
        assert!(check_bump(&v("0.1.0"), &v("0.1.0"), Level::Minor).is_err());
        assert!(check_bump(&v("1.4.0"), &v("1.4.1"), Level::Minor).is_err());
        assert!(check_bump(&v("1.4.0"), &v("1.5.0"), Level::Minor).is_ok());
        // A patch verdict needs no release at all.
        assert!(check_bump(&v("0.1.0"), &v("0.1.0"), Level::Patch).is_ok());
        assert!(check_bump(&v("0.2.0"), &v("0.1.9"), Level::Patch).is_err());
    }

    #[test]
    fn the_verdict_is_the_highest_level() {
        let change = |level| Change {
            level,
            place: "x".into(),
            what: "y".into(),
        };
        assert_eq!(verdict(&[]), Level::Patch);
        assert_eq!(
            verdict(&[change(Level::Minor), change(Level::Patch)]),
            Level::Minor
        );
        assert_eq!(
            verdict(&[
                change(Level::Minor),
                change(Level::Major),
                change(Level::Patch)
            ]),
            Level::Major
        );
    }

    #[test]
    fn reads_the_version_and_drafts_a_changelog() {
        let manifest = "[package]\nname = \"invitations-sdk\"\nversion = \"0.3.1\"\n";
        assert_eq!(sdk_version(manifest).unwrap(), v("0.3.1"));
        assert!(sdk_version("[package]\nname = \"x\"\n").is_err());
        let changes = [Change {
            level: Level::Major,
            place: "resendInvite".into(),
            what: "operation removed".into(),
        }];
        let text = changelog(&changes, &v("0.2.0"));
        assert!(text.contains("## [0.2.0]"), "{text}");
        assert!(
            text.contains("### Breaking\n\n- `resendInvite`: operation removed"),
            "{text}"
        );
        assert!(!text.contains("### Documentation"), "{text}");
    }

    /// Today's tree against its own HEAD: nothing changed, so patch, and the current version
    /// is enough.
    #[test]
    fn the_spec_against_itself_is_patch() {
        let root = crate::artifacts::workspace_root();
        let spec = std::fs::read_to_string(root.join(SPEC_PATH)).unwrap();
        let changes = spec::compare(&spec, &spec).unwrap();
        assert_eq!(changes, []);
        assert_eq!(verdict(&changes), Level::Patch);
        let version =
            sdk_version(&std::fs::read_to_string(root.join(SDK_MANIFEST)).unwrap()).unwrap();
        assert!(check_bump(&version, &version, verdict(&changes)).is_ok());
    }
}
