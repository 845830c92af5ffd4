//! The Rust half of `api-diff`: the SDK regenerated from the spec at REV and from the
//! working tree's, and compared by cargo-semver-checks.
//!
//! Each side is a copy of its whole tree (the SDK inherits the workspace's settings) under
//! `<target>/api-diff/`, with `sdk/src/generated.rs` written by xtask's codegen from that
//! side's spec, so that the comparison sees what the spec change does to the generated API
//! whether or not `cargo xtask codegen` was run. Both copies get version 1.0.0 and the check
//! runs as for a patch release: cargo-semver-checks then reports every change that needs a
//! major or a minor release, whatever the real version, and `api-diff` applies cargo's rules
//! for the real version itself.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result};

use super::change::{Change, Level};
use crate::codegen::{generate, OUTPUT_PATH, SPEC_PATH};
use crate::process::{git, output};

/// The SDK's Rust API changes from `rev` to the working tree.
pub fn compare(root: &Path, rev: &str) -> Result<Vec<Change>> {
    let tool = crate::tools::CARGO_SEMVER_CHECKS.ensure_installed(root)?;
    let work = crate::artifacts::target_dir(root)?.join("api-diff");
    let baseline = work.join("baseline");
    let current = work.join("current");
    for dir in [&baseline, &current] {
        if dir.exists() {
            std::fs::remove_dir_all(dir).with_context(|| format!("clearing {}", dir.display()))?;
        }
        std::fs::create_dir_all(dir)?;
    }
    export_revision(root, rev, &work, &baseline)?;
    copy_working_tree(root, &current)?;
    for side in [&baseline, &current] {
        regenerate(side)?;
    }
    let mut check = Command::new(&tool);
    check
        .args([
            "semver-checks",
            "check-release",
            "--package",
            "invitations-sdk",
        ])
        .arg("--manifest-path")
        .arg(current.join("Cargo.toml"))
        .arg("--baseline-root")
        .arg(&baseline)
        .args(["--release-type", "patch", "--color", "never", "--verbose"])
        // Both sides share one build of the dependencies, kept between runs.
        .env("CARGO_TARGET_DIR", work.join("target"));
    // cargo-semver-checks exits 1 when it finds something: read its report either way.
    let out = check
        .output()
        .context("could not start cargo-semver-checks")?;
    // The checks' PASS/FAIL lines go to stderr, the failures' descriptions to stdout.
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let text = format!("{stdout}{stderr}");
    let findings = parse_report(&stderr, &stdout);
    if !out.status.success() && findings.is_empty() {
        anyhow::bail!("cargo-semver-checks failed ({}):\n{text}", out.status);
    }
    Ok(findings)
}

/// The tree at `rev`, as `git archive` gives it, into `dir`.
fn export_revision(root: &Path, rev: &str, work: &Path, dir: &Path) -> Result<()> {
    let tar = work.join("baseline.tar");
    let mut archive = Command::new("git");
    archive
        .arg("-C")
        .arg(root)
        .args(["archive", "--format=tar", "-o"])
        .arg(&tar)
        .arg(rev);
    output(&format!("git archive {rev}"), archive)?;
    let mut untar = Command::new("tar");
    untar.arg("-xf").arg(&tar).arg("-C").arg(dir);
    output("tar -xf baseline.tar", untar)?;
    Ok(())
}

/// The working tree's files that git would see (tracked, and new ones not ignored) into
/// `dir`: uncommitted edits count, build output does not.
fn copy_working_tree(root: &Path, dir: &Path) -> Result<()> {
    let listed = git(
        root,
        &[
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
        ],
    )?;
    for file in listed.split('\0').filter(|f| !f.is_empty()) {
        let from = root.join(file);
        // Deleted but not yet committed; links are copied as what they point to.
        if !from.exists() {
            continue;
        }
        let to: PathBuf = dir.join(file);
        std::fs::create_dir_all(to.parent().expect("a file in a directory"))?;
        std::fs::copy(&from, &to).with_context(|| format!("copying {file}"))?;
    }
    Ok(())
}

/// Regenerates the SDK of the tree at `dir` from its own spec and sets its version to 1.0.0
/// (in the workspace's dependency on it too, where that names a version).
fn regenerate(dir: &Path) -> Result<()> {
    let spec = std::fs::read_to_string(dir.join(SPEC_PATH))
        .with_context(|| format!("reading {}", dir.join(SPEC_PATH).display()))?;
    std::fs::write(dir.join(OUTPUT_PATH), generate(&spec)?)?;
    for (manifest, table) in [
        ("sdk/Cargo.toml", &["package"][..]),
        (
            "Cargo.toml",
            &["workspace", "dependencies", "invitations-sdk"][..],
        ),
    ] {
        let path = dir.join(manifest);
        let text = std::fs::read_to_string(&path)?;
        std::fs::write(&path, with_version(&text, table, "1.0.0")?)?;
    }
    Ok(())
}

/// `manifest` with the `version` key of the table at `table` replaced, if it has one.
fn with_version(manifest: &str, table: &[&str], version: &str) -> Result<String> {
    let mut doc: toml::Table = toml::from_str(manifest).context("parsing a Cargo.toml")?;
    let mut here = &mut doc;
    for key in table {
        match here.get_mut(*key).and_then(|t| t.as_table_mut()) {
            Some(inner) => here = inner,
            None => return Ok(manifest.to_owned()),
        }
    }
    if here.contains_key("version") || table == ["package"] {
        here.insert("version".into(), toml::Value::String(version.into()));
    }
    Ok(toml::to_string(&doc)?)
}

/// The failed checks of a cargo-semver-checks report (`checks`: its check lines; `failures`:
/// the blocks describing each failure), each at the level of release it requires.
fn parse_report(checks: &str, failures: &str) -> Vec<Change> {
    let mut findings = Vec::new();
    for line in checks.lines() {
        // Verbose lines name every check: `FAIL [   0.001s]   major   enum_variant_added`.
        let mut words = line.split_whitespace();
        if words.next() != Some("FAIL") {
            continue;
        }
        let rest: Vec<&str> = words.skip_while(|w| !w.ends_with(']')).skip(1).collect();
        let (level, lint) = match rest.as_slice() {
            ["major", lint, ..] => (Level::Major, *lint),
            ["minor", lint, ..] => (Level::Minor, *lint),
            _ => continue,
        };
        let description = failure_description(failures, lint).unwrap_or_default();
        findings.push(Change {
            level,
            place: format!("Rust API ({lint})"),
            what: description,
        });
    }
    findings
}

/// The lines cargo-semver-checks prints after `--- failure LINT: ... ---` (its summary and
/// the items it failed in), joined.
fn failure_description(text: &str, lint: &str) -> Option<String> {
    let marker = format!("--- failure {lint}:");
    let start = text.find(&marker)?;
    let block = &text[start + marker.len()..];
    let title = block.lines().next()?.trim().trim_end_matches("---").trim();
    let mut failed_in: Vec<&str> = block
        .lines()
        .skip_while(|l| !l.trim_start().starts_with("Failed in:"))
        .skip(1)
        .take_while(|l| !l.trim().is_empty() && !l.starts_with("---"))
        .map(str::trim)
        .collect();
    failed_in.dedup();
    Some(if failed_in.is_empty() {
        title.to_owned()
    } else {
        format!("{title}; in {}", failed_in.join("; "))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The report as cargo-semver-checks 0.51 prints it with `--verbose` (its format strings:
    /// `{:>12} [{:8.3}s] {:^18} {}` per check, then a block per failure).
    const REPORT: &str = "     Parsing invitations-sdk v1.0.0 (current)
        PASS [   0.004s]       major        auto_trait_impl_removed
        FAIL [   0.010s]       major        struct_pub_field_missing
        FAIL [   0.002s]       minor        type_mismatched_generic_lifetimes
        WARN [   0.001s]       minor        function_marked_deprecated

--- failure struct_pub_field_missing: pub struct's pub field removed or renamed ---

Description:
A publicly-visible struct has at least one public field that is no longer available.
        ref: https://doc.rust-lang.org/cargo/reference/semver.html#item-remove
       impl: https://github.com/obi1kenobi/cargo-semver-checks/tree/v0.51.0/src/lints/struct_pub_field_missing.ron

Failed in:
  field expires_at of struct UserInvitationModel, previously in file /b/sdk/src/generated.rs:380

--- failure type_mismatched_generic_lifetimes: type now takes a different number of generic lifetimes ---
";

    #[test]
    fn reads_each_failed_check_at_its_level() {
        let found = parse_report(REPORT, REPORT);
        assert_eq!(found.len(), 2, "{found:#?}");
        assert_eq!(found[0].level, Level::Major);
        assert_eq!(found[0].place, "Rust API (struct_pub_field_missing)");
        assert!(
            found[0]
                .what
                .starts_with("pub struct's pub field removed or renamed; in field expires_at"),
            "{}",
            found[0].what
        );
        assert_eq!(found[1].level, Level::Minor);
        assert_eq!(
            found[1].what,
            "type now takes a different number of generic lifetimes"
        );
        assert!(parse_report("     Summary no semver update required\n", "").is_empty());
    }

    #[test]
    fn sets_the_version_where_the_manifest_names_one() {
        let sdk = "[package]\nname = \"invitations-sdk\"\nversion = \"0.1.0\"\n";
        assert!(with_version(sdk, &["package"], "1.0.0")
            .unwrap()
            .contains("version = \"1.0.0\""));
        let dependency = ["workspace", "dependencies", "invitations-sdk"];
        let root = "[workspace.dependencies]\ninvitations-sdk = { path = \"sdk\", version = \"0.1.0\" }\nserde = \"1\"\n";
        let out = with_version(root, &dependency, "1.0.0").unwrap();
        assert!(out.contains("1.0.0") && !out.contains("0.1.0"), "{out}");
        // A path dependency without a version stays without one.
        let pathless = "[workspace.dependencies]\ninvitations-sdk = { path = \"sdk\" }\n";
        let out = with_version(pathless, &dependency, "1.0.0").unwrap();
        assert!(!out.contains("1.0.0"), "{out}");
    }
}
