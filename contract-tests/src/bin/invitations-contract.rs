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

use clap::{CommandFactory, FromArgMatches};
use invitations_contract_tests::cli::{run_suite, Options};
use invitations_contract_tests::target::{Profile, TargetSpec};

/// Checks that a deployment of the Invitations API keeps its contract.
///
/// Besides its own options it takes libtest's: a FILTER on case names (the operation and
/// status in brackets count too), --exact, --skip, --list, --format json, --test-threads.
#[derive(Debug, clap::Parser)]
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
    /// libtest's options, as `cargo test` takes them after `--`.
    #[command(flatten)]
    harness: libtest_mimic::Arguments,
}

/// clap's default help layout: the flattened libtest arguments bring their own, which has no
/// room for the description.
const HELP: &str = "\
{before-help}{about-with-newline}
{usage-heading} {usage}

{all-args}{after-help}";

fn main() -> ExitCode {
    // libtest's arguments turn the version flag off and replace the help layout; this
    // program has a version and a description to show.
    let command = Args::command()
        .help_template(HELP)
        .disable_version_flag(false);
    let args = match Args::from_arg_matches(&command.get_matches()) {
        Ok(args) => args,
        Err(err) => err.exit(),
    };
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
    run_suite(
        Options {
            target,
            junit: args.junit,
        },
        args.harness,
    )
}
