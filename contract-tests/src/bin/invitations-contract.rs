//! `invitations-contract`: the contract suite as an installed program, carrying its
//! snapshots, for QA pipelines that run it outside the source tree.
//!
//! ```text
//! cargo install --locked --path contract-tests
//! invitations-contract --target staging.toml --junit report.xml --html report.html
//! ```
//!
//! Exit codes: 0 every case that ran passed; 1 a contract failure; 2 the run could not start
//! (profile, target, keys, mailbox) or its report could not be written.
//!
//! It only reads its snapshots: recording them is done in the source tree with
//! `cargo xtask contract --update-snapshots` and `cargo insta review`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};
use invitations_contract_tests::cli::{run_suite, Options, EXIT_CANNOT_START};
use invitations_contract_tests::target::{Profile, TargetSpec};

/// Checks that a deployment of the Invitations API keeps its contract.
///
/// Besides its own options it takes libtest's: a FILTER on case names (the operation and
/// status in brackets count too), --exact, --skip, --list, --format (terse by default:
/// one character per case; pretty: a line each; json), --test-threads.
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
    /// Hold the target to the mock's own choices where openapi/DECISIONS.md settles what the
    /// documents leave open, as `strict = true` in a profile does.
    #[arg(long)]
    strict: bool,
    /// Also write a JUnit XML report here.
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    /// Also write one self-contained HTML page here (the table coloured by result, each
    /// failure with its request and expected vs got): a CI artifact.
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
    /// Skip the checks made before any case: that the base URL answers, that each key is
    /// accepted and that the mailbox can be read.
    #[arg(long)]
    no_preflight: bool,
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
                eprintln!("contract: cannot start: {err}");
                return ExitCode::from(EXIT_CANNOT_START);
            }
        },
        (None, true) => TargetSpec::EmbeddedAlternative,
        (None, false) => TargetSpec::Embedded,
    };
    let mut harness = args.harness;
    // One character per case, so that the failures and the report are on the first screen;
    // `--format pretty` lists every case on its own line.
    harness.format = harness.format.or(Some(libtest_mimic::FormatSetting::Terse));
    run_suite(
        Options {
            target,
            junit: args.junit,
            html: args.html,
            preflight: !args.no_preflight,
            strict: args.strict,
        },
        harness,
    )
}
