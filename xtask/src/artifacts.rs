//! Where things are: the repository root, cargo's target directory and the executables a
//! build produced. The one place xtask learns a path from.
//!
//! Nothing here assumes `<root>/target`: CI caches commonly set `CARGO_TARGET_DIR` (or
//! `build.target-dir`), and then binaries live elsewhere. The target directory comes from
//! `cargo metadata`, and built executables from the build's own artifact messages.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use anyhow::{bail, Context, Result};
use serde_json::Value;

/// The repository root: xtask lives one level below it.
///
/// Read from `CARGO_MANIFEST_DIR` as `cargo run` sets it for this run, and only failing that
/// (the executable started directly) from where xtask was compiled. Cargo keeps a build fresh
/// when the tree is copied (`cp -a`, target included: its fingerprints are relative), so the
/// compiled-in path of a copy's xtask would name the original tree, and a command run in
/// the copy would work on the original.
pub fn workspace_root() -> PathBuf {
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .filter(|dir| dir.join("Cargo.toml").is_file())
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    manifest_dir
        .parent()
        .expect("xtask is a direct child of the workspace root")
        .to_path_buf()
}

/// The workspace's target directory, as cargo resolves it (`CARGO_TARGET_DIR`, config, or
/// `<root>/target`); asked once per process.
pub fn target_dir(root: &Path) -> Result<PathBuf> {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    if let Some(dir) = DIR.get() {
        return Ok(dir.clone());
    }
    let mut metadata = crate::process::cargo();
    metadata
        .args(["metadata", "--format-version", "1", "--no-deps"])
        .current_dir(root);
    let output = crate::process::output("cargo metadata", metadata)?;
    let dir = parse_target_dir(&output.stdout)?;
    Ok(DIR.get_or_init(|| dir).clone())
}

fn parse_target_dir(metadata: &[u8]) -> Result<PathBuf> {
    let metadata: Value =
        serde_json::from_slice(metadata).context("cargo metadata printed no JSON")?;
    metadata
        .get("target_directory")
        .and_then(Value::as_str)
        .map(PathBuf::from)
        .context("cargo metadata has no target_directory")
}

/// Runs `cargo <args> --message-format=json-render-diagnostics` (a `build`, or `test
/// --no-run`) in `root` and returns the path of the executable of binary target `bin`, as
/// the build reported it. Diagnostics still reach the terminal.
pub fn build_bin(root: &Path, args: &[&str], bin: &str) -> Result<PathBuf> {
    let mut cargo = crate::process::cargo();
    cargo.args(args).current_dir(root);
    built_executable(cargo, args, bin)
}

fn built_executable(mut cargo: Command, args: &[&str], bin: &str) -> Result<PathBuf> {
    let mut child = cargo
        .arg("--message-format=json-render-diagnostics")
        .stdout(Stdio::piped())
        .spawn()
        .context("could not start cargo")?;
    let stdout = child.stdout.take().context("cargo stdout")?;
    let mut found = None;
    for line in BufReader::new(stdout).lines() {
        if let Some(path) = bin_executable(&line?, bin) {
            found = Some(path);
        }
    }
    let status = child.wait()?;
    if !status.success() {
        bail!("`cargo {}` failed ({status})", args.join(" "));
    }
    found.with_context(|| {
        format!(
            "`cargo {}` built no executable for the binary `{bin}`",
            args.join(" ")
        )
    })
}

/// The executable of a `compiler-artifact` message for binary target `bin`, if it is one.
fn bin_executable(line: &str, bin: &str) -> Option<PathBuf> {
    let message: Value = serde_json::from_str(line).ok()?;
    if message.get("reason")?.as_str()? != "compiler-artifact" {
        return None;
    }
    let target = message.get("target")?;
    let is_bin = target
        .get("kind")?
        .as_array()?
        .iter()
        .any(|k| k.as_str() == Some("bin"));
    let is_test = message
        .pointer("/profile/test")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    if !is_bin || is_test || target.get("name")?.as_str()? != bin {
        return None;
    }
    message.get("executable")?.as_str().map(PathBuf::from)
}

/// A release binary of the workspace (built by `cargo build --release`), wherever cargo's
/// target directory is.
pub fn release_bin(root: &Path, name: &str) -> Result<PathBuf> {
    Ok(target_dir(root)?.join("release").join(name))
}

/// A command for an executable, with a clear error naming the path when it is missing.
pub fn command(executable: &Path) -> Result<Command> {
    if !executable.is_file() {
        bail!(
            "{} does not exist; build it first (cargo build --release -p invitations-bench --bins)",
            executable.display()
        );
    }
    Ok(Command::new(executable))
}

/// A file of the repository as text, for tests; panics when it cannot be read.
#[cfg(test)]
pub fn read_workspace_file(path: &str) -> String {
    std::fs::read_to_string(workspace_root().join(path)).unwrap()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_target_directory_from_metadata() {
        let json = br#"{"packages": [], "target_directory": "/cache/target", "version": 1}"#;
        assert_eq!(
            parse_target_dir(json).unwrap(),
            PathBuf::from("/cache/target")
        );
        assert!(parse_target_dir(b"{}").is_err());
    }

    #[test]
    fn picks_the_named_binary_not_its_test_harness_or_libraries() {
        let bin = r#"{"reason":"compiler-artifact","target":{"kind":["bin"],"name":"invitations-mock"},
            "profile":{"test":false},"executable":"/ci/target/debug/invitations-mock"}"#;
        assert_eq!(
            bin_executable(bin, "invitations-mock"),
            Some(PathBuf::from("/ci/target/debug/invitations-mock"))
        );
        assert_eq!(bin_executable(bin, "loadgen"), None);
        let harness = bin.replace(r#""test":false"#, r#""test":true"#);
        assert_eq!(bin_executable(&harness, "invitations-mock"), None);
        let lib = r#"{"reason":"compiler-artifact","target":{"kind":["lib"],"name":"invitations-mock"},
            "profile":{"test":false},"executable":null}"#;
        assert_eq!(bin_executable(lib, "invitations-mock"), None);
        assert_eq!(
            bin_executable(r#"{"reason":"build-finished","success":true}"#, "x"),
            None
        );
        assert_eq!(bin_executable("not json", "x"), None);
    }

    /// With `CARGO_TARGET_DIR` set, cargo metadata (and so every path xtask uses) follows it.
    #[test]
    fn target_dir_follows_cargo_target_dir() {
        let root = workspace_root();
        let elsewhere = std::env::temp_dir().join("xtask-target-dir-check");
        let output = crate::process::cargo()
            .args(["metadata", "--format-version", "1", "--no-deps"])
            .env("CARGO_TARGET_DIR", &elsewhere)
            .current_dir(&root)
            .output()
            .unwrap();
        assert!(output.status.success());
        assert_eq!(parse_target_dir(&output.stdout).unwrap(), elsewhere);
    }

    /// The executable is found where the build put it, under `CARGO_TARGET_DIR`, and runs
    /// (a dependency-free crate, so the check costs about a second).
    #[test]
    fn built_executable_is_found_under_cargo_target_dir() {
        let scratch =
            std::env::temp_dir().join(format!("xtask-artifacts-check-{}", std::process::id()));
        let project = scratch.join("project");
        let elsewhere = scratch.join("elsewhere");
        let _ = std::fs::remove_dir_all(&scratch);
        std::fs::create_dir_all(project.join("src")).unwrap();
        std::fs::write(
            project.join("Cargo.toml"),
            "[package]\nname = \"tiny\"\nversion = \"0.1.0\"\nedition = \"2021\"\n[workspace]\n",
        )
        .unwrap();
        std::fs::write(
            project.join("src/main.rs"),
            "fn main() { println!(\"tiny ran\"); }\n",
        )
        .unwrap();
        let args = ["build", "--quiet", "--offline"];
        let mut cargo = crate::process::cargo();
        cargo
            .args(args)
            .current_dir(&project)
            .env("CARGO_TARGET_DIR", &elsewhere);
        let exe = built_executable(cargo, &args, "tiny").unwrap();
        assert!(exe.starts_with(&elsewhere), "{}", exe.display());
        let out = command(&exe).unwrap().output().unwrap();
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "tiny ran");
        assert!(
            !project.join("target").exists(),
            "nothing built under ./target"
        );
        let _ = std::fs::remove_dir_all(&scratch);
    }
}
