//! The contract suite's entry point (custom harness): `cargo xtask contract`, or
//! `cargo test -p invitations-contract-tests --test contract`.
//!
//! Environment: `CONTRACT_TARGET` (a profile; default the embedded mock), `CONTRACT_JUNIT`
//! (write a JUnit report there), `CONTRACT_FILTER` (run only cases whose name contains it).

use std::process::ExitCode;
use std::time::Instant;

use invitations_contract_tests::target::TargetSpec;
use invitations_contract_tests::{all_cases, coverage_gaps, run, table, totals, Target, Verdict};

fn main() -> ExitCode {
    // `cargo test -- --list` and friends: the suite has no libtest interface.
    if std::env::args().any(|a| a == "--list") {
        for case in all_cases() {
            println!("{}: test", case.name);
        }
        return ExitCode::SUCCESS;
    }
    // Cases run under catch_unwind and report a panic as their failure; the default hook
    // would also print a `thread panicked` line (and a backtrace) per case.
    std::panic::set_hook(Box::new(|_| {}));
    let started = Instant::now();
    let target = match TargetSpec::from_env() {
        Ok(TargetSpec::Embedded) => Target::embedded(),
        Ok(TargetSpec::EmbeddedAlternative) => Target::embedded_alternative(),
        Ok(TargetSpec::Profile(_, profile)) => Target::profile(&profile),
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::from(2);
        }
    };
    let gaps = coverage_gaps(&all_cases());
    let mut cases = all_cases();
    if let Ok(filter) = std::env::var("CONTRACT_FILTER") {
        cases.retain(|c| c.name.contains(&filter));
    }
    println!("contract: {} cases against {}", cases.len(), target.name);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
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
    if let Ok(path) = std::env::var("CONTRACT_JUNIT") {
        if let Err(err) = std::fs::write(
            &path,
            invitations_contract_tests::runner::junit(&reports, &target.name),
        ) {
            eprintln!("error: cannot write JUnit report {path}: {err}");
            return ExitCode::FAILURE;
        }
        println!("JUnit report written to {path}");
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
