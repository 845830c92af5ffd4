//! The suite's front end, shared by the test harness (`cargo xtask contract`, `cargo test`,
//! `cargo nextest run`) and the installable `invitations-contract` binary.
//!
//! Each case is a [`libtest_mimic::Trial`], so the suite takes libtest's command line: a name
//! filter, `--exact`, `--skip`, `--list`, `--format pretty|terse|json`, `--test-threads`.
//! A trial's kind (in brackets before its name) is the operation and documented status it
//! covers, so `resendInvite 413` selects by cell. Whether a case can run on the target is
//! decided before anything runs; one that cannot is an ignored trial whose kind says what it
//! needs (`resendInvite 500; needs the admin API`), and the report after the run gives each
//! skipped case's whole reason. Asked to run anyway (`--ignored`, `--include-ignored`,
//! `cargo nextest run --run-ignored`), such a case still does not run, since running it could
//! change a deployment that did not allow it: it fails with its reason, as passing would claim
//! a check that was never made.
//!
//! Against a deployment, a preflight runs first ([`crate::preflight`]): the base URL must
//! answer and each key be accepted, or the run stops with one message and exit code 2.
//!
//! After the trials: a summary line (target, mode, counts, wall time), what the target chose
//! where our decisions or the documents allow several answers, the extra checks, the skipped
//! cases and why, the operation × status table (for a run of the whole suite), the coverage
//! gate, and JUnit and HTML on request. That report goes to stdout, or to stderr with
//! `--format json` so that stdout stays JSON.
//!
//! Exit codes: [`EXIT_PASSED`] (0) every case that ran passed, [`EXIT_FAILED`] (1) a case
//! failed or an operation × status has no case, [`EXIT_CANNOT_START`] (2) the run could not
//! start (profile, target, keys, mailbox) or its report could not be written.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use libtest_mimic::{Arguments, FormatSetting, Trial};

use crate::report::{self, RunSummary};
use crate::runner::{execute, skip_reason, skipped, CaseReport, PARALLEL_CASES};
use crate::target::TargetSpec;
use crate::{all_cases, coverage_gaps, Target, Verdict};

/// What one run does, beyond libtest's command line.
#[derive(Debug)]
pub struct Options {
    /// Where to run.
    pub target: TargetSpec,
    /// Write a JUnit report here.
    pub junit: Option<PathBuf>,
    /// Write a self-contained HTML report here.
    pub html: Option<PathBuf>,
    /// Check the target and its keys before any case (deployments only).
    pub preflight: bool,
    /// Hold the target to the mock's own choices whatever its profile says.
    pub strict: bool,
}

/// Every case that ran passed.
pub const EXIT_PASSED: u8 = 0;
/// A case failed, or an operation × documented status has no case.
pub const EXIT_FAILED: u8 = 1;
/// The run could not start (profile, target, keys, mailbox), or its report could not be
/// written.
pub const EXIT_CANNOT_START: u8 = 2;

/// Reports collected from the trials, with each case's place in the suite.
type Collected = Arc<Mutex<Vec<(usize, CaseReport)>>>;

fn push(collected: &Collected, index: usize, report: CaseReport) {
    collected
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push((index, report));
}

/// Builds the trials for `target`; the reports of selected cases that cannot run there are
/// in `collected` already, those of the others arrive as they run.
fn trials(
    target: &Target,
    args: &Arguments,
    runtime: &tokio::runtime::Handle,
    collected: &Collected,
) -> Vec<Trial> {
    all_cases()
        .into_iter()
        .enumerate()
        .map(|(index, case)| {
            let cell = format!("{} {}", case.op.id(), case.status);
            match skip_reason(&case, target) {
                Some(skip) => {
                    let kind = format!("{cell}; {}", skip.label);
                    let refusal = format!("not run, even when asked to: {}", skip.reason);
                    let report = skipped(&case, skip);
                    // What the trial reports if it is asked to run (`--include-ignored`).
                    let refused = CaseReport {
                        verdict: Verdict::Failed(refusal.clone()),
                        ..report.clone()
                    };
                    let collected_if_run = collected.clone();
                    let trial = Trial::test(case.name, move || {
                        push(&collected_if_run, index, refused);
                        Err(refusal.into())
                    })
                    .with_kind(kind)
                    .with_ignored_flag(true);
                    if !args.is_filtered_out(&trial) && args.is_ignored(&trial) {
                        push(collected, index, report);
                    }
                    trial
                }
                None => {
                    let (target, runtime, collected) =
                        (target.clone(), runtime.clone(), collected.clone());
                    Trial::test(case.name, move || {
                        let report = runtime.block_on(execute(case, &target));
                        let outcome = match &report.verdict {
                            Verdict::Failed(why) => Err(why.into()),
                            Verdict::Passed | Verdict::Skipped(_) => Ok(()),
                        };
                        push(&collected, index, report);
                        outcome
                    })
                    .with_kind(cell)
                }
            }
        })
        .collect()
}

/// The multi-threaded runtime the cases run on; without one, the error is printed and the
/// exit code says the run could not start.
pub fn runtime() -> Result<tokio::runtime::Runtime, ExitCode> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|err| {
            eprintln!("contract: cannot start: no async runtime: {err}");
            ExitCode::from(EXIT_CANNOT_START)
        })
}

/// Runs the suite on `options.target` as libtest-mimic trials and reports; see the module
/// documentation for the exit codes.
pub fn run_suite(options: Options, mut args: Arguments) -> ExitCode {
    // Cases run under catch_unwind and report a panic as their failure; the default hook
    // would also print a `thread panicked` line (and a backtrace) per case.
    std::panic::set_hook(Box::new(|_| {}));
    let started = Instant::now();
    let mut target = Target::from_spec(&options.target);
    if options.strict {
        target = target.strict(true);
    }
    args.test_threads = args.test_threads.or(Some(PARALLEL_CASES));
    let runtime = match runtime() {
        Ok(runtime) => runtime,
        Err(code) => return code,
    };
    let json = args.format == Some(FormatSetting::Json);
    let say = |text: &str| {
        if json {
            eprint!("{text}");
        } else {
            print!("{text}");
        }
    };
    // Not with --list: its stdout is a list that tools (nextest) parse.
    if !args.list {
        say(&format!(
            "contract: against {} (mode: {})\n",
            target.name,
            target.data.mode()
        ));
        if let (TargetSpec::Profile(path, profile), true) = (&options.target, options.preflight) {
            match runtime.block_on(crate::preflight::check(&target.data, &profile.base_url)) {
                Ok(warnings) => {
                    for warning in warnings {
                        eprintln!("warning: {} ({})", warning, path.display());
                    }
                }
                Err(cannot) => {
                    eprintln!("contract: cannot start: {cannot}");
                    eprintln!(
                        "  (no case ran; exit code {EXIT_CANNOT_START}. --no-preflight, or \
                         CONTRACT_NO_PREFLIGHT=1 under cargo test, skips these checks)"
                    );
                    return ExitCode::from(EXIT_CANNOT_START);
                }
            }
        }
    }
    let collected = Collected::default();
    let trials = trials(&target, &args, runtime.handle(), &collected);
    let conclusion = libtest_mimic::run(&args, trials);
    if args.list {
        return ExitCode::SUCCESS;
    }
    let mut reports =
        std::mem::take(&mut *collected.lock().unwrap_or_else(PoisonError::into_inner));
    reports.sort_by_key(|(index, _)| *index);
    let reports: Vec<CaseReport> = reports.into_iter().map(|(_, report)| report).collect();

    let gaps = coverage_gaps(&all_cases());
    let (passed, failed, skipped) = report::totals(&reports);
    let summary = RunSummary {
        target: target.name.clone(),
        mode: target.data.mode(),
        counts: (passed, failed + usize::from(!gaps.is_empty()), skipped),
        wall: started.elapsed(),
    };
    let whole_suite = conclusion.num_filtered_out == 0;
    let mut out = report::text(&reports, &summary, whole_suite);
    if !whole_suite {
        out.push_str(&format!(
            "{} of the suite's cases were filtered out: no operation × status table\n",
            conclusion.num_filtered_out
        ));
    }
    let mut failed_to_report = false;
    let mut write = |what: &str, path: &PathBuf, written: Result<String, String>| match written
        .and_then(|text| std::fs::write(path, text).map_err(|err| err.to_string()))
    {
        Ok(()) => out.push_str(&format!("{what} report written to {}\n", path.display())),
        Err(err) => {
            out.push_str(&format!(
                "error: cannot write the {what} report {}: {err}\n",
                path.display()
            ));
            failed_to_report = true;
        }
    };
    if let Some(path) = &options.junit {
        write(
            "JUnit",
            path,
            report::junit(&reports, &target.name).map_err(|e| e.to_string()),
        );
    }
    if let Some(path) = &options.html {
        write("HTML", path, Ok(report::html(&reports, &summary)));
    }
    if !gaps.is_empty() {
        out.push_str(&format!("coverage gate: no case for {gaps:?}\n"));
    }
    out.push_str(&format!("{summary}\n"));
    say(&out);
    if failed_to_report {
        ExitCode::from(EXIT_CANNOT_START)
    } else if summary.counts.1 == 0 && !conclusion.has_failed() {
        ExitCode::from(EXIT_PASSED)
    } else {
        ExitCode::from(EXIT_FAILED)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collected_verdicts(collected: &Collected) -> Vec<(&'static str, Verdict)> {
        let mut reports = collected.lock().unwrap().clone();
        reports.sort_by_key(|(index, _)| *index);
        reports
            .into_iter()
            .map(|(_, r)| (r.name, r.verdict))
            .collect()
    }

    #[test]
    fn cases_a_target_cannot_run_are_ignored_before_running_with_what_they_need() {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let target = Target::embedded_alternative();
        let collected = Collected::default();
        let trials = trials(&target, &Arguments::default(), runtime.handle(), &collected);
        assert_eq!(trials.len(), all_cases().len());
        let ignored: Vec<_> = trials.iter().filter(|t| t.has_ignored_flag()).collect();
        assert!(!ignored.is_empty());
        for trial in &ignored {
            let case = all_cases()
                .into_iter()
                .find(|c| c.name == trial.name())
                .unwrap();
            let skip = skip_reason(&case, &target).expect("an ignored trial has a reason");
            assert_eq!(
                trial.kind(),
                format!("{} {}; {}", case.op.id(), case.status, skip.label)
            );
        }
        // Every ignored case is reported skipped, with its whole reason, before anything runs.
        let verdicts = collected_verdicts(&collected);
        assert_eq!(verdicts.len(), ignored.len());
        assert!(verdicts
            .iter()
            .all(|(_, v)| matches!(v, Verdict::Skipped(why) if !why.is_empty())));
        for trial in trials.iter().filter(|t| !t.has_ignored_flag()) {
            assert!(!trial.kind().contains(';'), "{}", trial.kind());
        }
    }

    #[test]
    fn a_filter_limits_the_skips_reported() {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let collected = Collected::default();
        let args = Arguments {
            filter: Some("fault_is_500".into()),
            ..Arguments::default()
        };
        trials(
            &Target::embedded_alternative(),
            &args,
            runtime.handle(),
            &collected,
        );
        let names: Vec<_> = collected_verdicts(&collected)
            .into_iter()
            .map(|(name, _)| name)
            .collect();
        assert_eq!(
            names,
            [
                "tenant_resend_fault_is_500",
                "by_email_fault_is_500",
                "iam_resend_fault_is_500"
            ]
        );
    }

    #[test]
    fn a_case_asked_to_run_where_it_cannot_fails_without_running() {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let collected = Collected::default();
        // libtest-mimic prints straight to stdout, past the test's capture: into a file.
        let log =
            std::env::temp_dir().join(format!("contract-cli-test-{}.log", std::process::id()));
        let args = Arguments {
            include_ignored: true,
            filter: Some("fault_is_500".into()),
            logfile: Some(log.display().to_string()),
            ..Arguments::default()
        };
        let trials = trials(
            &Target::embedded_alternative(),
            &args,
            runtime.handle(),
            &collected,
        );
        let conclusion = libtest_mimic::run(&args, trials);
        let _ = std::fs::remove_file(&log);
        assert_eq!((conclusion.num_passed, conclusion.num_failed), (0, 3));
        for (name, verdict) in collected_verdicts(&collected) {
            match verdict {
                Verdict::Failed(why) => {
                    assert!(
                        why.starts_with("not run, even when asked to: needs the mock's admin API"),
                        "{name}: {why}"
                    )
                }
                other => panic!("{name}: {other:?}"),
            }
        }
    }
}
