//! `invitations-contract`: the contract suite as an installed program, carrying its
//! snapshots, for QA pipelines that run it outside the source tree.
//!
//! ```text
//! cargo install --path contract-tests
//! invitations-contract --target staging.toml --junit report.xml
//! ```
//!
//! It only reads its snapshots: recording them is done in the source tree with
//! `cargo xtask contract --update-snapshots` and `cargo insta review`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use invitations_contract_tests::cli::{list, run_suite, Options};
use invitations_contract_tests::target::{Profile, TargetSpec};

/// Checks that a deployment of the Invitations API keeps its contract.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// The deployment's profile (TOML; see contract-tests/targets/example.toml). Keys may come
    /// from CONTRACT_MANAGER_KEY, CONTRACT_VIEWER_KEY and CONTRACT_OTHER_TENANT_KEY. Without
    /// it, the suite runs against an embedded reference mock.
    #[arg(long, value_name = "FILE")]
    target: Option<PathBuf>,
    /// Without --target: run against the embedded mock's conforming variant.
    #[arg(long, conflicts_with = "target")]
    conforming: bool,
    /// Also write a JUnit XML report here.
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    /// Run only the cases whose name contains this.
    #[arg(long)]
    filter: Option<String>,
    /// List the cases and exit.
    #[arg(long)]
    list: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    if args.list {
        list();
        return ExitCode::SUCCESS;
    }
    let target = match (&args.target, args.conforming) {
        (Some(path), _) => match Profile::load(path) {
            Ok(profile) => TargetSpec::Profile(path.clone(), Box::new(profile)),
            Err(err) => {
                eprintln!("invitations-contract: {err}");
                return ExitCode::from(2);
            }
        },
        (None, true) => TargetSpec::EmbeddedAlternative,
        (None, false) => TargetSpec::Embedded,
    };
    run_suite(Options {
        target,
        junit: args.junit,
        filter: args.filter,
    })
}
