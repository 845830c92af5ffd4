//! Runs cases against a target, checks their snapshots, and reports.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::FutureExt;
use invitations_spec::Spec;
use tokio::sync::Semaphore;

use crate::cases::{Case, Needs};
use crate::context::{Ctx, Op};
use crate::target::{embedded_data, Profile, TargetData};

/// How many cases run at once.
const PARALLEL_CASES: usize = 8;

/// One running target for one case. Dropping it stops an embedded mock.
pub struct TargetInstance {
    /// The API's base URL.
    pub base_url: String,
    /// The mock's admin API base URL, when the target has one.
    pub admin_url: Option<String>,
    /// What the target holds.
    pub data: TargetData,
    /// Keeps the target alive (an embedded mock) for the case's duration.
    pub guard: Box<dyn std::any::Any + Send>,
}

/// Makes a fresh [`TargetInstance`] per case.
pub type TargetFactory =
    Arc<dyn Fn() -> Pin<Box<dyn Future<Output = TargetInstance> + Send>> + Send + Sync>;

/// A target: a name, whether it has the admin API, its data and a factory.
#[derive(Clone)]
pub struct Target {
    /// For reports.
    pub name: String,
    /// Whether cases needing the admin API can run.
    pub has_admin: bool,
    /// Whether resends may happen.
    pub allow_mutations: bool,
    /// Makes an instance per case.
    pub factory: TargetFactory,
}

impl Target {
    /// A fresh embedded mock (default fixture) per case.
    pub fn embedded() -> Target {
        Target {
            name: "embedded mock".into(),
            has_admin: true,
            allow_mutations: true,
            factory: Arc::new(|| {
                Box::pin(async {
                    let mock = invitations_mock::InvitationsMock::start().await;
                    TargetInstance {
                        base_url: mock.uri(),
                        admin_url: Some(mock.uri()),
                        data: embedded_data(),
                        guard: Box::new(mock),
                    }
                })
            }),
        }
    }

    /// A deployment from a profile. The admin API is never used on one.
    pub fn profile(profile: &Profile) -> Target {
        let data = profile.data();
        let base_url = profile.base_url.clone();
        Target {
            name: data.name.clone(),
            has_admin: false,
            allow_mutations: data.allow_mutations,
            factory: Arc::new(move || {
                let (data, base_url) = (data.clone(), base_url.clone());
                Box::pin(async move {
                    TargetInstance {
                        base_url,
                        admin_url: None,
                        data,
                        guard: Box::new(()),
                    }
                })
            }),
        }
    }
}

/// How a case ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Its checks and its snapshot passed.
    Passed,
    /// Why it failed.
    Failed(String),
    /// Why it did not run on this target.
    Skipped(String),
}

/// One case's result.
#[derive(Clone, Debug)]
pub struct CaseReport {
    /// The case's name.
    pub name: &'static str,
    /// The operation it covers.
    pub op: Op,
    /// The documented status it covers.
    pub status: u16,
    /// How it ended.
    pub verdict: Verdict,
    /// How long it took.
    pub elapsed: Duration,
}

/// Whether the case can run on `target`, or why not.
pub fn skip_reason(case: &Case, target: &Target) -> Option<String> {
    match case.needs {
        Needs::Admin if !target.has_admin => Some(
            "needs the mock's admin API (tokens, clock, faults, outbox): runs on the embedded mock only"
                .into(),
        ),
        Needs::Mutations if !target.allow_mutations => Some(
            "allow_mutations is false: it sends a resend naming an existing invitation".into(),
        ),
        _ => None,
    }
}

/// Compares the case's record with its snapshot. insta prints a readable diff on mismatch.
fn check_snapshot(name: &str, snapshot: &serde_json::Value) -> Result<(), String> {
    let assertion = std::panic::catch_unwind(AssertUnwindSafe(|| {
        insta::with_settings!({
            snapshot_path => concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots"),
            prepend_module_to_snapshot => false,
            omit_expression => true,
        }, {
            insta::assert_yaml_snapshot!(name, snapshot);
        });
    }));
    assertion.map_err(|panic| {
        format!(
            "snapshot `{name}` does not match (diff above): {}",
            panic_message(&*panic)
        )
    })
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_else(|| "panic".into())
}

async fn run_case(case: Case, target: Target) -> CaseReport {
    let started = Instant::now();
    let verdict = match skip_reason(&case, &target) {
        Some(reason) => Verdict::Skipped(reason),
        None => {
            let instance = (target.factory)().await;
            let mut ctx = Ctx::new(instance.data.clone(), instance.base_url, instance.admin_url);
            let outcome = AssertUnwindSafe((case.run)(&mut ctx)).catch_unwind().await;
            drop(instance.guard);
            match outcome {
                Ok(Ok(())) => match check_snapshot(case.name, &ctx.snapshot()) {
                    Ok(()) => Verdict::Passed,
                    Err(why) => Verdict::Failed(why),
                },
                Ok(Err(why)) => Verdict::Failed(why),
                Err(panic) => Verdict::Failed(format!("panicked: {}", panic_message(&*panic))),
            }
        }
    };
    CaseReport {
        name: case.name,
        op: case.op,
        status: case.status,
        verdict,
        elapsed: started.elapsed(),
    }
}

/// Runs `cases` against `target`, several at once, in the order given.
pub async fn run(cases: Vec<Case>, target: &Target) -> Vec<CaseReport> {
    let permits = Arc::new(Semaphore::new(PARALLEL_CASES));
    let handles: Vec<_> = cases
        .into_iter()
        .map(|case| {
            let (permits, target) = (permits.clone(), target.clone());
            tokio::spawn(async move {
                let _permit = permits
                    .acquire_owned()
                    .await
                    .expect("semaphore is never closed");
                run_case(case, target).await
            })
        })
        .collect();
    let mut reports = Vec::with_capacity(handles.len());
    for handle in handles {
        reports.push(handle.await.expect("run_case catches panics"));
    }
    reports
}

/// Operation × documented status pairs of the spec that no case covers.
pub fn coverage_gaps(cases: &[Case]) -> Vec<(String, u16)> {
    let covered: std::collections::BTreeSet<(&str, u16)> =
        cases.iter().map(|c| (c.op.id(), c.status)).collect();
    Spec::get()
        .operations()
        .into_iter()
        .flat_map(|op| {
            op.statuses
                .into_iter()
                .map(move |status| (op.id.clone(), status))
        })
        .filter(|(op, status)| !covered.contains(&(op.as_str(), *status)))
        .collect()
}

/// The operation × status table: a cell fails if any of its cases failed, passes if one
/// passed, and is skipped (with the reasons) only if all of its cases were skipped.
pub fn table(reports: &[CaseReport]) -> String {
    let mut cells: BTreeMap<(&str, u16), Vec<&CaseReport>> = BTreeMap::new();
    let documented = Spec::get().operations();
    for op in Op::ALL {
        let statuses = documented.iter().filter(|o| o.id == op.id());
        for status in statuses.flat_map(|o| o.statuses.iter().copied()) {
            cells.entry((op.id(), status)).or_default();
        }
    }
    for report in reports {
        cells
            .entry((report.op.id(), report.status))
            .or_default()
            .push(report);
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<26} {:>6}  {:<8} {:>5}  notes",
        "operation", "status", "result", "cases"
    );
    let _ = writeln!(out, "{}", "-".repeat(90));
    for ((op, status), reports) in &cells {
        let failed = reports
            .iter()
            .filter(|r| matches!(r.verdict, Verdict::Failed(_)))
            .count();
        let passed = reports
            .iter()
            .filter(|r| r.verdict == Verdict::Passed)
            .count();
        let (result, note) = if reports.is_empty() {
            (
                "MISSING",
                "no case covers this documented status".to_owned(),
            )
        } else if failed > 0 {
            let names: Vec<_> = reports
                .iter()
                .filter(|r| matches!(r.verdict, Verdict::Failed(_)))
                .map(|r| r.name)
                .collect();
            ("failed", names.join(", "))
        } else if passed > 0 {
            let skipped = reports.len() - passed;
            let note = if skipped > 0 {
                format!("{skipped} case(s) skipped")
            } else {
                String::new()
            };
            ("passed", note)
        } else {
            let mut reasons: Vec<_> = reports
                .iter()
                .filter_map(|r| match &r.verdict {
                    Verdict::Skipped(why) => Some(why.as_str()),
                    _ => None,
                })
                .collect();
            reasons.dedup();
            ("skipped", reasons.join("; "))
        };
        let _ = writeln!(
            out,
            "{op:<26} {status:>6}  {result:<8} {:>5}  {note}",
            reports.len()
        );
    }
    out
}

/// Counts of passed, failed and skipped cases.
pub fn totals(reports: &[CaseReport]) -> (usize, usize, usize) {
    reports
        .iter()
        .fold((0, 0, 0), |(p, f, s), r| match r.verdict {
            Verdict::Passed => (p + 1, f, s),
            Verdict::Failed(_) => (p, f + 1, s),
            Verdict::Skipped(_) => (p, f, s + 1),
        })
}

fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The reports as a JUnit XML document (one test suite, one test case per case).
pub fn junit(reports: &[CaseReport], target: &str) -> String {
    let (passed, failed, skipped) = totals(reports);
    let total: f64 = reports.iter().map(|r| r.elapsed.as_secs_f64()).sum();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuite name=\"contract ({})\" tests=\"{}\" failures=\"{failed}\" skipped=\"{skipped}\" time=\"{total:.3}\">",
        xml_escape(target),
        passed + failed + skipped
    );
    for r in reports {
        let _ = write!(
            out,
            "  <testcase classname=\"{} {}\" name=\"{}\" time=\"{:.3}\"",
            r.op.id(),
            r.status,
            r.name,
            r.elapsed.as_secs_f64()
        );
        match &r.verdict {
            Verdict::Passed => out.push_str("/>\n"),
            Verdict::Failed(why) => {
                let _ = writeln!(
                    out,
                    ">\n    <failure message=\"{}\"/>\n  </testcase>",
                    xml_escape(why)
                );
            }
            Verdict::Skipped(why) => {
                let _ = writeln!(
                    out,
                    ">\n    <skipped message=\"{}\"/>\n  </testcase>",
                    xml_escape(why)
                );
            }
        }
    }
    out.push_str("</testsuite>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cases::all;

    #[test]
    fn every_documented_status_has_a_case() {
        assert_eq!(coverage_gaps(&all()), Vec::<(String, u16)>::new());
    }

    #[test]
    fn the_gate_notices_a_missing_case() {
        let without_413: Vec<_> = all()
            .into_iter()
            .filter(|c| !(c.op == Op::ResendInvite && c.status == 413))
            .collect();
        assert_eq!(
            coverage_gaps(&without_413),
            vec![("resendInvite".to_owned(), 413)]
        );
    }

    fn report(name: &'static str, op: Op, status: u16, verdict: Verdict) -> CaseReport {
        CaseReport {
            name,
            op,
            status,
            verdict,
            elapsed: Duration::from_millis(5),
        }
    }

    #[test]
    fn table_marks_failures_skips_and_missing_cells() {
        let reports = vec![
            report("a", Op::ResendInvite, 200, Verdict::Passed),
            report("b", Op::ResendInvite, 200, Verdict::Failed("x".into())),
            report(
                "c",
                Op::ResendInvite,
                500,
                Verdict::Skipped("needs admin".into()),
            ),
        ];
        let table = table(&reports);
        let line = |needle: &str| {
            table
                .lines()
                .find(|l| l.starts_with("resendInvite") && l.contains(needle))
                .unwrap_or_else(|| panic!("no line with {needle} in\n{table}"))
                .to_owned()
        };
        assert!(line(" 200 ").contains("failed"), "{table}");
        assert!(line(" 500 ").contains("skipped") && line(" 500 ").contains("needs admin"));
        assert!(line(" 404 ").contains("MISSING"), "{table}");
    }

    #[test]
    fn junit_escapes_and_counts() {
        let reports = vec![
            report("a", Op::ResendInvite, 200, Verdict::Passed),
            report(
                "b",
                Op::ResendInvite,
                404,
                Verdict::Failed("<bad> & \"worse\"".into()),
            ),
        ];
        let xml = junit(&reports, "t");
        assert!(
            xml.contains("tests=\"2\" failures=\"1\" skipped=\"0\""),
            "{xml}"
        );
        assert!(xml.contains("&lt;bad&gt; &amp; &quot;worse&quot;"), "{xml}");
    }
}
