//! `cargo xtask dependent`: the SDK as a new user's project gets it. A crate in a temporary
//! directory outside the workspace depends on `sdk/` by path; its `cargo tree` must hold no
//! crate of this workspace but the SDK (a dependent resolves the SDK's own dependencies,
//! not the workspace's build-only ones), and the README's SDK snippet, as its `main`, must
//! build and run against the mock binary.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{bail, Context, Result};

use crate::mock::{spawn, MockBuild};
use crate::process::{cargo, output, run_step};

/// The README section whose first `rust` block is the snippet.
const README_SECTION: &str = "## The SDK and the CLI";
/// The default fixture's manager key (`invitations_mock::fixture::ACME_MANAGER_KEY`).
const MANAGER_KEY: &str = "acme-manager-key";
/// What the dependent prints when the snippet ran to its end.
const DONE: &str = "the README snippet ran";

pub fn run(root: &Path) -> Result<()> {
    let started = Instant::now();
    let project = Scratch::new(
        std::env::temp_dir().join(format!("invitations-dependent-{}", std::process::id())),
    )?;
    let target = crate::artifacts::target_dir(root)?.join("dependent");
    let readme = std::fs::read_to_string(root.join("README.md")).context("reading README.md")?;
    write_project(root, &project.0, readme_snippet(&readme)?)?;

    let mut tree = dependent_cargo(&project.0, &target, "tree");
    tree.args(["--prefix", "none", "-e", "normal,build"]);
    let tree = output("cargo tree (the dependent)", tree)?;
    let packages = packages(&String::from_utf8_lossy(&tree.stdout));
    let foreign = workspace_crates(&packages, &[&project.0, &root.join("sdk")]);
    if !foreign.is_empty() {
        bail!(
            "a crate that depends on the SDK resolves crates of this workspace besides the SDK: {}",
            foreign.join(", ")
        );
    }
    let own = packages_of_sdk(root)?;
    let extra: Vec<&String> = packages.iter().filter(|p| !own.contains(*p)).collect();
    println!(
        "dependent: {} packages in its cargo tree, none from this workspace but the SDK ({} in the SDK's own tree; beside them: {})",
        packages.len(),
        own.len(),
        extra.iter().map(|p| p.as_str()).collect::<Vec<_>>().join(", ")
    );

    let build = dependent_cargo(&project.0, &target, "build");
    run_step(
        root,
        "cargo build (a crate outside the workspace on sdk/)",
        build,
    )?;
    let mock = spawn(root, MockBuild::Test, &[])?;
    let mut snippet = Command::new(target.join("debug/invitations-dependent"));
    snippet
        .env("INVITATIONS_BASE_URL", mock.url())
        .env("INVITATIONS_API_KEY", MANAGER_KEY);
    let ran = output("the README snippet against the mock", snippet)?;
    let printed = String::from_utf8_lossy(&ran.stdout);
    if !printed.contains(DONE) {
        bail!("the README snippet ended without reaching its end: {printed}");
    }
    println!(
        "dependent: the README snippet built and ran against the mock ({:.1?})",
        started.elapsed()
    );
    Ok(())
}

/// The first `rust` code block of the README's SDK section.
fn readme_snippet(readme: &str) -> Result<&str> {
    let section = readme
        .split_once(README_SECTION)
        .with_context(|| format!("README.md has no `{README_SECTION}` section"))?
        .1;
    let start = section
        .find("```rust\n")
        .with_context(|| format!("README.md's `{README_SECTION}` has no rust block"))?
        + "```rust\n".len();
    let len = section[start..]
        .find("```")
        .context("README.md's rust block does not end")?;
    Ok(&section[start..start + len])
}

/// The dependent: a binary whose `main` is the snippet, with the workspace's lock file (the
/// versions CI tested; cargo drops what the dependent does not use).
fn write_project(root: &Path, dir: &Path, snippet: &str) -> Result<()> {
    std::fs::create_dir_all(dir.join("src"))?;
    let manifest = format!(
        r#"[package]
name = "invitations-dependent"
version = "0.1.0"
edition = "2024"
publish = false

[dependencies]
invitations-sdk = {{ path = {sdk:?} }}
tokio = {{ version = "1", features = ["rt-multi-thread", "macros"] }}

# Its own workspace, outside the SDK's.
[workspace]
"#,
        sdk = root.join("sdk").display().to_string()
    );
    std::fs::write(dir.join("Cargo.toml"), manifest)?;
    let body: String = snippet
        .lines()
        .map(|line| format!("    {line}\n"))
        .collect();
    std::fs::write(
        dir.join("src/main.rs"),
        format!(
            "#[tokio::main]\nasync fn main() -> Result<(), Box<dyn std::error::Error>> {{\n{body}    println!(\"{DONE}\");\n    Ok(())\n}}\n"
        ),
    )?;
    std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock")).context("copying Cargo.lock")?;
    Ok(())
}

/// The packages of a `cargo tree --prefix none` listing, as `name vX.Y.Z [(path)]`.
fn packages(tree: &str) -> BTreeSet<String> {
    tree.lines()
        .map(|line| line.trim_end_matches(" (*)").replace(" (proc-macro)", ""))
        .filter(|line| !line.trim().is_empty())
        .collect()
}

/// The packages that come from a local path other than `allowed` (the dependent itself and
/// the SDK): crates of this workspace that a dependent should never resolve.
fn workspace_crates<'p>(packages: &'p BTreeSet<String>, allowed: &[&Path]) -> Vec<&'p str> {
    packages
        .iter()
        .filter(|p| p.contains(" (/"))
        .filter(|p| {
            !allowed
                .iter()
                .any(|dir| p.ends_with(&format!("({})", dir.display())))
        })
        .map(String::as_str)
        .collect()
}

/// The SDK's own tree in the workspace (normal and build dependencies).
fn packages_of_sdk(root: &Path) -> Result<BTreeSet<String>> {
    let mut tree = cargo();
    tree.current_dir(root).args([
        "tree",
        "-p",
        "invitations-sdk",
        "--prefix",
        "none",
        "-e",
        "normal,build",
    ]);
    let out = output("cargo tree -p invitations-sdk", tree)?;
    Ok(packages(&String::from_utf8_lossy(&out.stdout)))
}

/// A cargo command for the dependent in `dir`, as a user runs it: none of the settings
/// `ci` gives the workspace (clippy as rustc wrapper), and a target directory of its own
/// (under the workspace's, kept between runs: the project's directory is new each time).
/// The manifest is named as well as the directory, because `run_step` runs its command in
/// the workspace's root.
fn dependent_cargo(dir: &Path, target: &Path, subcommand: &str) -> Command {
    let mut cmd = cargo();
    cmd.current_dir(dir)
        .arg(subcommand)
        .arg("--manifest-path")
        .arg(dir.join("Cargo.toml"))
        .env_remove("RUSTC_WORKSPACE_WRAPPER")
        .env_remove("CLIPPY_ARGS")
        .env("CARGO_TARGET_DIR", target);
    cmd
}

/// The temporary project directory, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(dir: PathBuf) -> Result<Scratch> {
        if dir.exists() {
            std::fs::remove_dir_all(&dir)?;
        }
        std::fs::create_dir_all(&dir)?;
        Ok(Scratch(dir))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The crates meant for crates.io.
    const PUBLISHED: [&str; 5] = [
        "invitations-spec",
        "invitations-sdk",
        "invitations-mock",
        "invitations-contract-tests",
        "invitations-cli",
    ];

    /// Only the installed toolchain is at hand, so a crate's `rust-version` is checked
    /// against what it can be: no lower than any of its normal and build dependencies
    /// declares (clippy's `incompatible_msrv` checks the standard library calls).
    #[test]
    fn each_published_crate_declares_a_rust_version_its_dependencies_allow() {
        use serde_json::Value;
        let root = crate::artifacts::workspace_root();
        let mut metadata = cargo();
        metadata
            .current_dir(&root)
            .args(["metadata", "--format-version", "1"]);
        let out = output("cargo metadata", metadata).unwrap();
        let m: Value = serde_json::from_slice(&out.stdout).unwrap();
        let version = |v: &Value| -> Option<(u64, u64)> {
            let mut parts = v
                .as_str()?
                .split('.')
                .map(|p| p.parse::<u64>().unwrap_or(0));
            Some((parts.next()?, parts.next().unwrap_or(0)))
        };
        let packages: std::collections::HashMap<&str, &Value> = m["packages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (p["id"].as_str().unwrap(), p))
            .collect();
        let nodes: std::collections::HashMap<&str, &Value> = m["resolve"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| (n["id"].as_str().unwrap(), n))
            .collect();
        for name in PUBLISHED {
            let (id, package) = packages.iter().find(|(_, p)| p["name"] == name).unwrap();
            let declared = version(&package["rust_version"])
                .unwrap_or_else(|| panic!("{name} declares no rust-version"));
            let mut stack = vec![*id];
            let mut seen = BTreeSet::new();
            while let Some(id) = stack.pop() {
                if !seen.insert(id) {
                    continue;
                }
                for dep in nodes[id]["deps"].as_array().unwrap() {
                    let kinds = dep["dep_kinds"].as_array().unwrap();
                    if kinds
                        .iter()
                        .any(|k| k["kind"].is_null() || k["kind"] == "build")
                    {
                        stack.push(dep["pkg"].as_str().unwrap());
                    }
                }
            }
            for dep in seen.iter().filter(|d| *d != id) {
                if let Some(needed) = version(&packages[dep]["rust_version"]) {
                    assert!(
                        needed <= declared,
                        "{name} says rust-version {declared:?}, but its dependency {} needs {needed:?}",
                        packages[dep]["name"]
                    );
                }
            }
        }
    }

    #[test]
    fn the_snippet_is_the_first_rust_block_of_the_sdk_section() {
        let readme = "# X\n```rust\nnot this\n```\n## The SDK and the CLI\n\n```sh\nnor this\n```\n```rust\nlet a = 1;\nlet b = a;\n```\n";
        assert_eq!(readme_snippet(readme).unwrap(), "let a = 1;\nlet b = a;\n");
        assert!(readme_snippet("# no such section\n").is_err());
        // The real README has one, and it calls the SDK.
        let root = crate::artifacts::workspace_root();
        let real = std::fs::read_to_string(root.join("README.md")).unwrap();
        assert!(readme_snippet(&real)
            .unwrap()
            .contains("invitations_sdk::Client::builder()"));
    }

    #[test]
    fn path_packages_are_told_from_registry_ones() {
        let tree = "invitations-dependent v0.1.0 (/tmp/d)\ninvitations-sdk v0.1.0 (/w/sdk)\nserde v1.0.1\nserde_derive v1.0.1 (proc-macro)\nserde v1.0.1 (*)\ninvitations-workspace-hack v0.1.0 (/w/workspace-hack) (*)\n";
        let found = packages(tree);
        assert_eq!(found.len(), 5, "{found:?}");
        assert!(found.contains("serde_derive v1.0.1"));
        let allowed = [Path::new("/tmp/d"), Path::new("/w/sdk")];
        assert_eq!(
            workspace_crates(&found, &allowed),
            ["invitations-workspace-hack v0.1.0 (/w/workspace-hack)"]
        );
    }
}
