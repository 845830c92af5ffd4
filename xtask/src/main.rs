//! Project automation, run as `cargo xtask <command>` (alias in `.cargo/config.toml`).
//!
//! Every command works from any directory inside the repository and needs nothing a fresh
//! machine of this project's kind lacks.

mod api_diff;
mod artifacts;
mod bench;
mod ci;
mod codegen;
mod contract;
mod dependent;
mod image;
mod imports;
mod invariants;
mod mock;
mod mutants;
mod process;
mod proxy;
mod tasks;
mod tools;

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
    /// Validate openapi/invitations.yaml with the reference Python openapi-spec-validator and
    /// with Redocly CLI's `recommended` rules (installed into the target directory's
    /// xtask-venv and xtask-node on first use; Redocly needs Node.js 20.19+ with npm).
    ValidateSpec,
    /// `cargo fmt --check` and `cargo clippy --workspace --all-targets -- -D warnings`.
    Lint,
    /// Run the contract suite: against the embedded mock by default, a deployment profile
    /// with `--target`, or the standalone mock binary with `--binary`.
    ///
    /// Example: `cargo xtask contract --target contract-tests/targets/example.toml --junit report.xml`
    Contract(contract::ContractArgs),
    /// Run the contract suite through `invitations-mock proxy` in front of the standalone mock
    /// binary; fails when the proxy finds any contract violation.
    ContractThroughProxy,
    /// Run the standalone mock server (release build); arguments after `--` go to it.
    ///
    /// Example: `cargo xtask mock -- --port 9000`
    Mock {
        /// Arguments for invitations-mock, such as `--port 0` or `--fixture FILE`.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Build the mock's and the suite's container images with podman (installed with apt-get
    /// when missing; the base image made with debootstrap when absent); print their sizes
    /// and each step's time. `--test` then runs the suite's image against the mock's.
    ///
    /// Example: `cargo xtask image --test`
    Image(image::ImageArgs),
    /// Everything CI runs: fmt and codegen --check, one build of the workspace linted by
    /// clippy (-D warnings), the tests on it (nextest when installed), validate-spec, the
    /// contract suite on six targets at once (embedded, conforming, the binary the tests
    /// built, its conforming variant, with MailDev, through the proxy), then the container
    /// images' test on the dev binaries (`image --test --dev`).
    Ci,
    /// Measure the mock binary (req/s, latency, RSS) against bare hyper, the SDK against raw
    /// reqwest, and the wall time of `contract` and `codegen --check`; prints one table.
    ///
    /// Example: `cargo xtask bench --quick` (about a minute after the builds)
    Bench {
        /// Shorter runs (5 s per load run, 200,000 requests for the RSS figure).
        #[arg(long)]
        quick: bool,
    },
    /// Mutation testing (cargo-mutants, pinned, installed into target/ on first use) of the
    /// mock core and the SDK's hand layer (`.cargo/mutants.toml`); prints caught / missed /
    /// unviable / timeout per file and the surviving mutants. A measurement, not a CI step:
    /// the full run takes hours on 2 cores.
    ///
    /// Example: `cargo xtask mutants --since origin/main` (only the lines a change touched)
    Mutants {
        /// Only mutants on lines changed since this git revision (cargo-mutants' `--in-diff`).
        #[arg(long, value_name = "REV")]
        since: Option<String>,
        /// The tests run on each mutant: the package's own and the contract suite, one of them.
        #[arg(long, value_enum, default_value = "both")]
        tests: mutants::Suite,
        /// Only this file (repeatable), such as `--file mock-server/src/core/auth.rs`.
        #[arg(long = "file", value_name = "PATH")]
        files: Vec<String>,
        /// List the mutants in scope and run nothing.
        #[arg(long)]
        list: bool,
    },
    /// Run the check of every invariant ARCHITECTURE.md states (its `## Invariants` section's
    /// `sh` blocks); fails naming each invariant whose check printed anything.
    Invariants,
    /// Print every import cycle between the modules of a workspace crate, one per line
    /// (nothing when there is none): `a.rs -> b.rs -> a.rs` where each imports the next.
    ImportCycles {
        /// Also list every import between the files of each set, one per line.
        #[arg(long)]
        every_import: bool,
    },
    /// Regenerate the workspace-hack crate (cargo-hakari, pinned, installed into target/ on
    /// first use) after a dependency or its features changed. It gives every workspace crate
    /// the same features of each dependency, so that no dependency is built twice (once for
    /// xtask, once for the rest). A stale hack costs build time, never correctness.
    ///
    /// Example: `cargo xtask workspace-hack`, or `--check` to fail when it is stale
    WorkspaceHack {
        /// Change nothing; fail with the difference when the hack is stale.
        #[arg(long)]
        check: bool,
    },
    /// What the change of openapi/invitations.yaml since REV means for SDK users: each
    /// change classified for HTTP clients (openapiv3 on both sides), the SDK regenerated at
    /// both revisions and compared by cargo-semver-checks (pinned, installed into target/ on
    /// first use), one verdict (major, minor, patch); fails when sdk/Cargo.toml's version
    /// bump is smaller than the verdict (cargo's rules: before 1.0 the minor number breaks).
    ///
    /// Example: `cargo xtask api-diff` (since the merge base with main), `--spec-only` in CI
    ApiDiff(api_diff::ApiDiffArgs),
    /// Build and run a crate outside the workspace that depends on sdk/ by path, as a new
    /// user's project: its `cargo tree` must hold no workspace crate but the SDK, and the
    /// README's SDK snippet must run against the mock binary.
    Dependent,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let root = artifacts::workspace_root();
    let result = match cli.command {
        Command::Codegen { check } => codegen::run(&root, check),
        Command::ValidateSpec => tasks::validate_spec(&root),
        Command::Lint => tasks::lint(&root),
        Command::Contract(args) => contract::run(&root, args),
        Command::ContractThroughProxy => proxy::contract_through_proxy(&root),
        Command::Mock { args } => mock::run(&root, &args),
        Command::Image(args) => image::run(&root, args),
        Command::Ci => ci::run(&root),
        Command::Bench { quick } => bench::run(&root, quick),
        Command::Invariants => invariants::run(&root),
        Command::ImportCycles { every_import } => imports::print_cycles(&root, every_import),
        Command::WorkspaceHack { check } => tasks::workspace_hack(&root, check),
        Command::ApiDiff(args) => api_diff::run(&root, args),
        Command::Dependent => dependent::run(&root),
        Command::Mutants {
            since,
            tests,
            files,
            list,
        } => mutants::run(
            &root,
            mutants::MutantsArgs {
                since,
                tests,
                files,
                list,
            },
        ),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
