//! The suite's front end, shared by the test harness (`cargo xtask contract`) and the
//! installable `invitations-contract` binary: runs the cases, prints one line per case (with
//! expected vs got for failures and which allowed answer a target gave), the operation × status
//! table and the totals, and writes JUnit on request.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use crate::runner::junit;
use crate::target::TargetSpec;
use crate::{all_cases, coverage_gaps, run, table, totals, Target, Verdict};

/// What one run does.
#[derive(Debug)]
pub struct Options {
    /// Where to run.
    pub target: TargetSpec,
    /// Write a JUnit report here.
    pub junit: Option<PathBuf>,
    /// Run only cases whose name contains this.
    pub filter: Option<String>,
}

/// Prints every case name, one per line, in libtest's `--list` format.
pub fn list() {
    for case in all_cases() {
        println!("{}: test", case.name);
    }
}

/// Runs the suite and reports; the exit code is success only if nothing failed.
pub fn run_suite(options: Options) -> ExitCode {
    // Cases run under catch_unwind and report a panic as their failure; the default hook
    // would also print a `thread panicked` line (and a backtrace) per case.
    std::panic::set_hook(Box::new(|_| {}));
    let started = Instant::now();
    let target = match &options.target {
        TargetSpec::Embedded => Target::embedded(),
        TargetSpec::EmbeddedAlternative => Target::embedded_alternative(),
        TargetSpec::Profile(_, profile) => Target::profile(profile),
    };
    let gaps = coverage_gaps(&all_cases());
    let mut cases = all_cases();
    if let Some(filter) = &options.filter {
        cases.retain(|c| c.name.contains(filter.as_str()));
    }
    println!("contract: {} cases against {}", cases.len(), target.name);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    let reports = runtime.block_on(run(cases, &target));
    for report in &reports {
        let (mark, detail) = match &report.verdict {
            Verdict::Passed => ("ok", String::new()),
            Verdict::Failed(why) => (
                "FAILED",
                format!("\n      {}", why.replace('\n', "\n      ")),
            ),
            Verdict::Skipped(why) => ("skipped", format!(" ({why})")),
        };
        println!("  {} {:<58} {mark}{detail}", report.status, report.name);
        for seen in &report.observations {
            println!("      note: {seen}");
        }
    }
    println!("\n{}", table(&reports));
    if let Some(path) = &options.junit {
        if let Err(err) = std::fs::write(path, junit(&reports, &target.name)) {
            eprintln!("error: cannot write JUnit report {}: {err}", path.display());
            return ExitCode::FAILURE;
        }
        println!("JUnit report written to {}", path.display());
    }
    let (passed, mut failed, skipped) = totals(&reports);
    if !gaps.is_empty() {
        println!("coverage gate: no case for {gaps:?}");
        failed += 1;
    }
    println!("wall time {:.2?}", started.elapsed());
    println!("contract: {passed} passed, {failed} failed, {skipped} skipped");
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
