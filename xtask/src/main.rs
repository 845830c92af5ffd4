//! Project automation, run as `cargo xtask <command>` (alias in `.cargo/config.toml`).
//!
//! Every command works from any directory inside the repository and needs nothing a fresh
//! machine of this project's kind lacks.

mod codegen;
mod tasks;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "cargo xtask", about = "Invitations project automation")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Regenerate sdk/src/generated.rs from openapi/invitations.yaml with progenitor.
    ///
    /// Example: `cargo xtask codegen`, then `cargo xtask codegen --check` in CI.
    Codegen {
        /// Regenerate in memory and fail with a diff when the checked-in file is stale.
        #[arg(long)]
        check: bool,
    },
    /// Validate openapi/invitations.yaml with the reference Python openapi-spec-validator
    /// (installed into target/xtask-venv on first use).
    ValidateSpec,
    /// `cargo fmt --check` and `cargo clippy --workspace --all-targets -- -D warnings`.
    Lint,
    /// Everything CI runs: lint, codegen --check, validate-spec, cargo test --workspace.
    Ci,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let root = workspace_root();
    let result = match cli.command {
        Command::Codegen { check } => codegen::run(&root, check),
        Command::ValidateSpec => tasks::validate_spec(&root),
        Command::Lint => tasks::lint(&root),
        Command::Ci => tasks::ci(&root),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// The repository root: xtask lives one level below it.
fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask is a direct child of the workspace root")
        .to_path_buf()
}
