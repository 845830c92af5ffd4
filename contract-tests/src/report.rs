//! What a run reports: one summary line first, then what the target chose where the
//! documents allow several answers, what it did where our decisions pick one, the extra
//! checks, the skips, and the operation × status table; the same as JUnit XML and as one
//! self-contained HTML page.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

use invitations_spec::Spec;

use crate::context::{Note, Op};
use crate::decision::Decision;
use crate::runner::{CaseReport, Verdict};

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

/// What a run was, for its first line.
#[derive(Clone, Debug)]
pub struct RunSummary {
    /// The target's name.
    pub target: String,
    /// What the run may do to it (`safe`, `dry-run`, `mutations`; `, strict`).
    pub mode: String,
    /// Passed, failed (coverage gaps included), skipped.
    pub counts: (usize, usize, usize),
    /// From start to report.
    pub wall: Duration,
}

impl std::fmt::Display for RunSummary {
    /// `contract: 55 passed, 1 failed, 6 skipped in 6.5 s against staging (mode: mutations, strict)`
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (passed, failed, skipped) = self.counts;
        write!(
            f,
            "contract: {passed} passed, {failed} failed, {skipped} skipped in {:.1} s against {} (mode: {})",
            self.wall.as_secs_f64(),
            self.target,
            self.mode
        )
    }
}

/// One cell of the operation × status table.
#[derive(Default)]
struct Cell<'r> {
    reports: Vec<&'r CaseReport>,
}

impl Cell<'_> {
    fn count(&self, wanted: fn(&Verdict) -> bool) -> usize {
        self.reports.iter().filter(|r| wanted(&r.verdict)).count()
    }

    fn passed(&self) -> usize {
        self.count(|v| *v == Verdict::Passed)
    }

    fn failed(&self) -> usize {
        self.count(|v| matches!(v, Verdict::Failed(_)))
    }

    fn skipped(&self) -> usize {
        self.count(|v| matches!(v, Verdict::Skipped(_)))
    }

    /// `MISSING`, `failed`, `passed` or `skipped`: a cell fails if any of its cases failed,
    /// passes if one passed, and is skipped only if all of its cases were.
    fn result(&self) -> &'static str {
        if self.reports.is_empty() {
            "MISSING"
        } else if self.failed() > 0 {
            "failed"
        } else if self.passed() > 0 {
            "passed"
        } else {
            "skipped"
        }
    }

    fn note(&self) -> String {
        match self.result() {
            "MISSING" => "no case covers this documented status".to_owned(),
            "failed" => self
                .reports
                .iter()
                .filter(|r| matches!(r.verdict, Verdict::Failed(_)))
                .map(|r| r.name)
                .collect::<Vec<_>>()
                .join(", "),
            "skipped" => {
                let mut reasons: Vec<_> = self
                    .reports
                    .iter()
                    .filter_map(|r| match &r.verdict {
                        Verdict::Skipped(why) => Some(why.as_str()),
                        _ => None,
                    })
                    .collect();
                reasons.dedup();
                reasons.join("; ")
            }
            _ => String::new(),
        }
    }
}

/// Every documented operation × status, with the reports of the cases covering it.
fn cells(reports: &[CaseReport]) -> BTreeMap<(&'static str, u16), Cell<'_>> {
    let mut cells: BTreeMap<(&str, u16), Cell> = BTreeMap::new();
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
            .reports
            .push(report);
    }
    cells
}

/// The operation × status table: per cell its result and how many of its cases passed,
/// failed and were skipped, with the failed cases or the skip reasons.
pub fn table(reports: &[CaseReport]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<26} {:>6}  {:<8} {:>6} {:>6} {:>7}  notes",
        "operation", "status", "result", "passed", "failed", "skipped"
    );
    let _ = writeln!(out, "{}", "-".repeat(100));
    for ((op, status), cell) in &cells(reports) {
        let _ = writeln!(
            out,
            "{op:<26} {status:>6}  {:<8} {:>6} {:>6} {:>7}  {}",
            cell.result(),
            cell.passed(),
            cell.failed(),
            cell.skipped(),
            cell.note()
        );
    }
    out
}

/// The decided answers of a run, per decision: how many were the mock's, and the others
/// grouped by what came (`a 404 coded X (the mock's Y)`), each with the requests that got it.
struct Decided<'r> {
    decision: Decision,
    as_ours: usize,
    otherwise: BTreeMap<&'r str, Vec<String>>,
}

fn decided(reports: &[CaseReport]) -> Vec<Decided<'_>> {
    let mut by_decision: BTreeMap<Decision, Decided> = BTreeMap::new();
    for report in reports {
        for note in &report.notes {
            let Note::Decided {
                decision,
                ours,
                label,
                what,
            } = note
            else {
                continue;
            };
            let entry = by_decision.entry(*decision).or_insert_with(|| Decided {
                decision: *decision,
                as_ours: 0,
                otherwise: BTreeMap::new(),
            });
            if *ours {
                entry.as_ours += 1;
            } else {
                entry
                    .otherwise
                    .entry(what.as_str())
                    .or_default()
                    .push(format!("{}: {label}", report.name));
            }
        }
    }
    by_decision.into_values().collect()
}

/// At most three items, then how many more.
fn some_of(items: &[String]) -> String {
    let shown = items.iter().take(3).cloned().collect::<Vec<_>>().join("; ");
    match items.len() {
        0..=3 => shown,
        n => format!("{shown}; and {} more", n - 3),
    }
}

/// The report printed after the trials: `summary` first, then the sections that have
/// something to say, then the table (when `whole_suite`: a filtered run has no table).
pub fn text(reports: &[CaseReport], summary: &RunSummary, whole_suite: bool) -> String {
    let mut out = format!("\n{summary}\n");
    let mut section = |title: &str, lines: Vec<String>| {
        if !lines.is_empty() {
            let _ = writeln!(out, "{title}");
            for line in lines {
                let _ = writeln!(out, "  {line}");
            }
        }
    };
    let mut decisions = Vec::new();
    for group in decided(reports) {
        decisions.push(format!(
            "{}: {} answer(s) as the mock's{}",
            group.decision,
            group.as_ours,
            if group.otherwise.is_empty() {
                ""
            } else {
                "; otherwise:"
            }
        ));
        for (what, requests) in &group.otherwise {
            decisions.push(format!(
                "  {what}, {} time(s): {}",
                requests.len(),
                some_of(requests)
            ));
        }
    }
    section(
        "where a decision of ours (openapi/DECISIONS.md) picks one of the answers the documents allow:",
        decisions,
    );
    let notes = |pick: fn(&Note) -> Option<&String>| -> Vec<String> {
        reports
            .iter()
            .flat_map(|r| {
                r.notes
                    .iter()
                    .filter_map(pick)
                    .map(move |n| format!("{}: {n}", r.name))
            })
            .collect()
    };
    section(
        "where the documents allow several answers, it gave:",
        notes(|n| match n {
            Note::Allowed(text) => Some(text),
            _ => None,
        }),
    );
    section(
        "also checked (the mock's admin API, the mailbox):",
        notes(|n| match n {
            Note::Checked(text) => Some(text),
            _ => None,
        }),
    );
    section(
        "skipped, as this target does not offer what they need:",
        reports
            .iter()
            .filter_map(|r| match &r.verdict {
                Verdict::Skipped(why) => Some(format!("{}: {why}", r.name)),
                _ => None,
            })
            .collect(),
    );
    if whole_suite {
        let _ = write!(out, "\n{}", table(reports));
    }
    out
}

/// The first line of a failure for JUnit's `message`, with the next when the first only
/// announces it (`... does not match schema `X`:`).
fn headline(why: &str) -> String {
    let mut lines = why.lines();
    let first = lines.next().unwrap_or_default();
    match lines.next() {
        Some(next) if first.ends_with(':') => format!("{first} {}", next.trim()),
        _ => first.to_owned(),
    }
}

/// The reports as a JUnit XML document (one test suite, one test case per case, its class
/// the operation and status it covers).
pub fn junit(reports: &[CaseReport], target: &str) -> Result<String, quick_junit::SerializeError> {
    use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
    let mut suite = TestSuite::new(format!("contract ({target})"));
    for r in reports {
        let status = match &r.verdict {
            Verdict::Passed => TestCaseStatus::success(),
            Verdict::Failed(why) => {
                let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
                status.set_message(headline(why));
                status.set_description(why.as_str());
                status
            }
            Verdict::Skipped(why) => {
                let mut status = TestCaseStatus::skipped();
                status.set_message(why.as_str());
                status
            }
        };
        let mut case = TestCase::new(r.name, status);
        case.set_classname(format!("{} {}", r.op.id(), r.status))
            .set_time(r.elapsed);
        suite.add_test_case(case);
    }
    suite.set_time(reports.iter().map(|r| r.elapsed).sum());
    let mut report = Report::new("contract");
    report.add_test_suite(suite);
    report.to_string()
}

/// `text` with XML's special characters escaped (the page is also well-formed XML).
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }
h1 { font-size: 1.3em; } h2 { font-size: 1.1em; margin-top: 1.5em; }
.summary { font-weight: 600; padding: .5em .8em; border-radius: 4px; }
.summary.ok { background: #dcf5dc; } .summary.bad { background: #fadbd8; }
table { border-collapse: collapse; } th, td { border: 1px solid #ccc; padding: .25em .6em; text-align: left; vertical-align: top; }
td.n { text-align: right; }
tr.passed td.result { background: #c8efc8; } tr.failed td.result { background: #f5b7b1; }
tr.skipped td.result { background: #e5e5e5; } tr.MISSING td.result { background: #ffd59e; }
section.failure { border-left: 4px solid #c0392b; padding: .2em .8em; margin: 1em 0; }
pre { background: #f6f6f6; padding: .6em; overflow-x: auto; white-space: pre-wrap; }
code { background: #f0f0f0; padding: 0 .2em; }
";

/// One self-contained HTML page (no script, no outside resource; also well-formed XML):
/// the summary, the operation × status table coloured by result, each failure with its
/// request and expected vs got, the decided and allowed answers, and every case.
pub fn html(reports: &[CaseReport], summary: &RunSummary) -> String {
    let mut out = String::new();
    let ok = summary.counts.1 == 0;
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/>\
         <title>{title}</title><style>{STYLE}</style></head><body>\n\
         <h1>Contract run against {target}</h1>\n<p class=\"summary {class}\">{line}</p>\n",
        title = escape(&format!("contract: {}", summary.target)),
        target = escape(&summary.target),
        class = if ok { "ok" } else { "bad" },
        line = escape(&summary.to_string()),
    );
    out.push_str(
        "<h2>Operation × status</h2>\n<table class=\"cells\"><thead><tr><th>operation</th>\
         <th>status</th><th>result</th><th>passed</th><th>failed</th><th>skipped</th>\
         <th>notes</th></tr></thead><tbody>\n",
    );
    for ((op, status), cell) in &cells(reports) {
        let _ = writeln!(
            out,
            "<tr class=\"{result}\"><td>{op}</td><td class=\"n\">{status}</td>\
             <td class=\"result\">{result}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
             <td class=\"n\">{}</td><td>{}</td></tr>",
            cell.passed(),
            cell.failed(),
            cell.skipped(),
            escape(&cell.note()),
            result = cell.result(),
        );
    }
    out.push_str("</tbody></table>\n");
    let failures: Vec<_> = reports
        .iter()
        .filter_map(|r| match &r.verdict {
            Verdict::Failed(why) => Some((r, why)),
            _ => None,
        })
        .collect();
    if !failures.is_empty() {
        out.push_str("<h2>Failures</h2>\n");
        for (report, why) in failures {
            let request = report
                .last_request
                .as_deref()
                .map(|r| format!("<p>request: <code>{}</code></p>", escape(r)))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "<section class=\"failure\" id=\"failure-{name}\"><h3>{name} \
                 <small>[{op} {status}]</small></h3>{request}<pre>{why}</pre></section>",
                name = escape(report.name),
                op = report.op.id(),
                status = report.status,
                why = escape(why),
            );
        }
    }
    let groups = decided(reports);
    let allowed: Vec<String> = reports
        .iter()
        .flat_map(|r| {
            r.notes.iter().filter_map(move |note| match note {
                Note::Allowed(text) => Some(format!("{}: {text}", r.name)),
                _ => None,
            })
        })
        .collect();
    if !groups.is_empty() || !allowed.is_empty() {
        out.push_str("<h2>Answers the documents leave open</h2>\n<ul>\n");
        for group in groups {
            let _ = write!(
                out,
                "<li>{}: {} answer(s) as the mock's",
                escape(&group.decision.to_string()),
                group.as_ours
            );
            if !group.otherwise.is_empty() {
                out.push_str("; otherwise:<ul>");
                for (what, requests) in &group.otherwise {
                    let _ = write!(
                        out,
                        "<li>{}: {}</li>",
                        escape(what),
                        escape(&requests.join("; "))
                    );
                }
                out.push_str("</ul>");
            }
            out.push_str("</li>\n");
        }
        for line in allowed {
            let _ = writeln!(out, "<li>documents allow several: {}</li>", escape(&line));
        }
        out.push_str("</ul>\n");
    }
    out.push_str(
        "<h2>Every case</h2>\n<table class=\"cases\"><thead><tr><th>case</th><th>covers</th>\
         <th>result</th><th>decisions</th><th>time</th></tr></thead><tbody>\n",
    );
    for report in reports {
        let (result, detail) = match &report.verdict {
            Verdict::Passed => ("passed", String::new()),
            Verdict::Failed(_) => ("failed", String::new()),
            Verdict::Skipped(why) => ("skipped", format!(": {why}")),
        };
        let decisions: Vec<String> = report.decisions.iter().map(|d| d.rows_text()).collect();
        let _ = writeln!(
            out,
            "<tr class=\"{result}\"><td>{name}</td><td>{op} {status}</td>\
             <td class=\"result\">{result}{detail}</td><td>{decisions}</td>\
             <td class=\"n\">{ms} ms</td></tr>",
            name = escape(report.name),
            op = report.op.id(),
            status = report.status,
            detail = escape(&detail),
            decisions = escape(&decisions.join("; ")),
            ms = report.elapsed.as_millis(),
        );
    }
    out.push_str("</tbody></table>\n</body></html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(name: &'static str, op: Op, status: u16, verdict: Verdict) -> CaseReport {
        CaseReport {
            name,
            op,
            status,
            verdict,
            decisions: &[],
            notes: Vec::new(),
            last_request: Some("POST /iam/v1/users/1/actions/resend".into()),
            elapsed: Duration::from_millis(5),
        }
    }

    fn sample() -> Vec<CaseReport> {
        let mut decided = report("d", Op::ResendInvite, 413, Verdict::Passed);
        decided.decisions = &[Decision::BodyLimit];
        decided.notes = vec![
            Note::Decided {
                decision: Decision::BodyLimit,
                ours: false,
                label: "over the limit".into(),
                what: "answered 400 (the mock 413)".into(),
            },
            Note::Decided {
                decision: Decision::BodyLimit,
                ours: true,
                label: "at the limit".into(),
                what: "answered 413 (the mock 413)".into(),
            },
            Note::Checked("mailbox: 1 email(s) to a@b.c".into()),
        ];
        vec![
            report("a", Op::ResendInvite, 200, Verdict::Passed),
            report(
                "b",
                Op::ResendInvite,
                200,
                Verdict::Failed(
                    "x: does not match schema `Y`:\n  at /value: <bad> & \"worse\"".into(),
                ),
            ),
            report(
                "c",
                Op::ResendInvite,
                500,
                Verdict::Skipped("needs admin".into()),
            ),
            decided,
        ]
    }

    fn summary(reports: &[CaseReport]) -> RunSummary {
        RunSummary {
            target: "t & u".into(),
            mode: "mutations".into(),
            counts: totals(reports),
            wall: Duration::from_millis(1234),
        }
    }

    #[test]
    fn table_counts_each_cell_and_marks_failures_skips_and_missing_cells() {
        let table = table(&sample());
        let line = |needle: &str| {
            table
                .lines()
                .find(|l| l.starts_with("resendInvite") && l.contains(needle))
                .unwrap_or_else(|| panic!("no line with {needle} in\n{table}"))
                .split_whitespace()
                .take(6)
                .collect::<Vec<_>>()
                .join(" ")
        };
        assert_eq!(line(" 200 "), "resendInvite 200 failed 1 1 0", "{table}");
        assert_eq!(line(" 500 "), "resendInvite 500 skipped 0 0 1", "{table}");
        assert_eq!(line(" 404 "), "resendInvite 404 MISSING 0 0 0", "{table}");
        assert!(table
            .lines()
            .any(|l| l.contains(" 500 ") && l.ends_with("needs admin")));
    }

    #[test]
    fn the_text_report_opens_with_the_summary_and_keeps_kinds_of_notes_apart() {
        let reports = sample();
        let text = text(&reports, &summary(&reports), true);
        let first = text.lines().find(|l| !l.is_empty()).unwrap();
        assert_eq!(
            first,
            "contract: 2 passed, 1 failed, 1 skipped in 1.2 s against t & u (mode: mutations)"
        );
        let decided = text
            .find("DECISIONS row 13 (IAM body over the limit): 1 answer(s) as the mock's; otherwise:\n    answered 400 (the mock 413), 1 time(s): d: over the limit")
            .unwrap_or_else(|| panic!("{text}"));
        let checked = text.find("mailbox: 1 email").unwrap();
        let heading = text.find("also checked").unwrap();
        assert!(decided < heading && heading < checked, "{text}");
        assert!(
            !text.contains("several answers, it gave"),
            "nothing was allowed: {text}"
        );
        assert!(text.contains("passed failed skipped"), "{text}");
    }

    #[test]
    fn junit_escapes_and_counts_and_its_message_says_what_a_schema_failure_found() {
        let xml = junit(&sample(), "t & u").unwrap();
        assert!(xml.contains("&lt;bad&gt; &amp;"), "{xml}");
        // Read back with a JUnit parser: the counts and messages survive the escaping.
        let parsed = quick_junit::Report::deserialize_from_str(&xml).unwrap();
        let suite = &parsed.test_suites[0];
        assert_eq!(suite.name.as_str(), "contract (t & u)");
        assert_eq!((suite.tests, suite.failures, suite.errors), (4, 1, 0));
        let case = suite
            .test_cases
            .iter()
            .find(|c| c.name.as_str() == "b")
            .unwrap();
        match &case.status {
            quick_junit::TestCaseStatus::NonSuccess { message, .. } => assert_eq!(
                message.as_deref(),
                Some("x: does not match schema `Y`: at /value: <bad> & \"worse\"")
            ),
            other => panic!("b: {other:?}"),
        }
        assert_eq!(
            suite.test_cases[0].classname.as_deref(),
            Some("resendInvite 200")
        );
    }

    /// The page is well-formed XML (so any HTML parser reads it) and names every case.
    #[test]
    fn the_html_page_parses_and_names_every_case() {
        let reports = crate::cases::all()
            .into_iter()
            .enumerate()
            .map(|(i, case)| CaseReport {
                name: case.name,
                op: case.op,
                status: case.status,
                verdict: match i % 3 {
                    0 => Verdict::Passed,
                    1 => Verdict::Failed(
                        "expected status 404, got 200 with body {\"a\":\"<b>\"}".into(),
                    ),
                    _ => Verdict::Skipped("needs the admin API".into()),
                },
                decisions: case.decisions,
                notes: Vec::new(),
                last_request: Some(format!("GET /x?email=a&b={i}")),
                elapsed: Duration::from_millis(3),
            })
            .collect::<Vec<_>>();
        let page = html(&reports, &summary(&reports));
        let mut reader = quick_xml::Reader::from_str(&page);
        let mut cells_text = Vec::new();
        let mut in_td = false;
        loop {
            match reader.read_event() {
                Ok(quick_xml::events::Event::Eof) => break,
                Ok(quick_xml::events::Event::Start(e)) if e.name().as_ref() == b"td" => {
                    in_td = true
                }
                Ok(quick_xml::events::Event::End(e)) if e.name().as_ref() == b"td" => in_td = false,
                Ok(quick_xml::events::Event::Text(t)) if in_td => {
                    cells_text.push(t.xml10_content().unwrap().into_owned());
                }
                Ok(_) => {}
                Err(err) => panic!(
                    "the page is not well-formed at {}: {err}",
                    reader.buffer_position()
                ),
            }
        }
        for report in &reports {
            assert!(
                cells_text.iter().any(|t| t == report.name),
                "{} is not in the page",
                report.name
            );
        }
        let failed = reports
            .iter()
            .filter(|r| matches!(r.verdict, Verdict::Failed(_)))
            .count();
        assert_eq!(page.matches("<section class=\"failure\"").count(), failed);
        assert!(page.contains("request: <code>GET /x?email=a&amp;b=1</code>"));
        assert!(
            !page.contains("<script") && !page.contains("http://") && !page.contains("https://")
        );
    }
}
