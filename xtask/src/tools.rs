//! Cargo subcommands xtask installs itself, pinned, into `<target>/xtask-tools` on first use
//! (cargo-mutants, cargo-hakari, cargo-semver-checks): nothing is installed on the machine, and every run of a
//! command uses the version this repository was checked with.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::Result;

use crate::process::{cargo, run_step};

/// Where the tools go, under the target directory.
const TOOLS_DIR: &str = "xtask-tools";

/// A pinned cargo subcommand from crates.io.
pub struct Tool {
    /// The crate, such as `cargo-mutants`.
    pub krate: &'static str,
    /// The exact version.
    pub version: &'static str,
    /// The subcommand, such as `mutants`: `<bin> <subcommand> --version` prints
    /// `<krate> <version>`.
    pub subcommand: &'static str,
}

/// cargo-mutants, for `cargo xtask mutants`.
pub const CARGO_MUTANTS: Tool = Tool {
    krate: "cargo-mutants",
    version: "27.1.0",
    subcommand: "mutants",
};

/// cargo-hakari, for `cargo xtask workspace-hack`.
pub const CARGO_HAKARI: Tool = Tool {
    krate: "cargo-hakari",
    version: "0.9.39",
    subcommand: "hakari",
};

/// cargo-semver-checks, for the Rust half of `cargo xtask api-diff`. 0.51 reads the rustdoc
/// JSON of Rust 1.93 and later.
pub const CARGO_SEMVER_CHECKS: Tool = Tool {
    krate: "cargo-semver-checks",
    version: "0.51.0",
    subcommand: "semver-checks",
};

impl Tool {
    /// The tool's executable, installed first unless this exact version is there.
    pub fn ensure_installed(&self, root: &Path) -> Result<PathBuf> {
        let tools = crate::artifacts::target_dir(root)?.join(TOOLS_DIR);
        let bin = tools.join("bin").join(self.krate);
        let wanted = format!("{} {}", self.krate, self.version);
        let installed = Command::new(&bin)
            .args([self.subcommand, "--version"])
            .output()
            .ok()
            .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_owned());
        if installed.as_deref() != Some(wanted.as_str()) {
            println!("installing {wanted} into the target directory (a few minutes, once)");
            let mut install = cargo();
            install
                .args(["install", "--locked", "--quiet"])
                .arg(format!("{}@{}", self.krate, self.version))
                .arg("--root")
                .arg(&tools);
            run_step(
                root,
                &format!("cargo install --locked {}@{}", self.krate, self.version),
                install,
            )?;
        }
        Ok(bin)
    }
}
