//! The bench's output: one table of figures (measured, target, verdict), the units they are
//! shown in, and the paragraph that says how they were measured.

use std::fmt::Write as _;
use std::time::Duration;

use super::measure::{Load, Params, CONNECTIONS};

/// One row of the table.
struct Row {
    figure: String,
    measured: String,
    target: String,
    verdict: String,
}

/// The figures of one run, in the order they were measured.
#[derive(Default)]
pub(super) struct Table {
    rows: Vec<Row>,
    failures: Vec<String>,
}

impl Table {
    /// A figure shown for information, with no target.
    pub(super) fn info(&mut self, figure: impl Into<String>, measured: impl Into<String>) {
        self.push(figure, measured, "-", "-");
    }

    fn push(
        &mut self,
        figure: impl Into<String>,
        measured: impl Into<String>,
        target: impl Into<String>,
        verdict: impl Into<String>,
    ) {
        self.rows.push(Row {
            figure: figure.into(),
            measured: measured.into(),
            target: target.into(),
            verdict: verdict.into(),
        });
    }

    /// A figure with a target: `pass` or `MISS`.
    pub(super) fn checked(
        &mut self,
        figure: impl Into<String>,
        measured: String,
        target: &str,
        pass: bool,
    ) {
        self.push(figure, measured, target, if pass { "pass" } else { "MISS" });
    }

    /// A figure that could not be measured: shown as such, and the command fails at the end.
    pub(super) fn failed(&mut self, figure: impl Into<String>, target: &str, err: &anyhow::Error) {
        let figure = figure.into();
        self.failures.push(format!("{figure}: {err:#}"));
        self.push(figure, "not measured (error below)", target, "ERROR");
    }

    /// `over`'s req/s against `under`'s (see [`ratio`]), checked to be at least `floor`.
    pub(super) fn ratio_at_least(
        &mut self,
        figure: impl Into<String>,
        over: &Load,
        under: &Load,
        floor: f64,
    ) {
        let pass = over.ratio_to(under) >= floor;
        self.checked(figure, ratio(over, under), &format!(">= {floor:.2}"), pass);
    }

    /// Why each figure that could not be measured was not.
    pub(super) fn failures(&self) -> &[String] {
        &self.failures
    }

    /// The table as Markdown, columns padded to their widest cell.
    pub(super) fn render(&self) -> String {
        let header = Row {
            figure: "figure".into(),
            measured: "measured".into(),
            target: "target".into(),
            verdict: "verdict".into(),
        };
        let all: Vec<&Row> = std::iter::once(&header).chain(&self.rows).collect();
        let width = |f: fn(&Row) -> &str| all.iter().map(|r| f(r).chars().count()).max().unwrap();
        let w = [
            width(|r| &r.figure),
            width(|r| &r.measured),
            width(|r| &r.target),
            width(|r| &r.verdict),
        ];
        let mut out = String::new();
        let line = |out: &mut String, r: &Row| {
            let _ = writeln!(
                out,
                "| {:<a$} | {:<b$} | {:<c$} | {:<d$} |",
                r.figure,
                r.measured,
                r.target,
                r.verdict,
                a = w[0],
                b = w[1],
                c = w[2],
                d = w[3]
            );
        };
        line(&mut out, &header);
        let _ = writeln!(
            out,
            "|{}|{}|{}|{}|",
            "-".repeat(w[0] + 2),
            "-".repeat(w[1] + 2),
            "-".repeat(w[2] + 2),
            "-".repeat(w[3] + 2)
        );
        for r in &self.rows {
            line(&mut out, r);
        }
        out
    }
}

/// How the figures were measured, printed under the table.
pub(super) fn parameters(params: &Params, cores: usize, total: Duration) -> String {
    format!(
        "Parameters: {} mode; machine with {cores} cores, shared by the servers under test and \
         the load generator (nothing pinned); the mock runs as users run it: release binary, \
         default log level (one line per request), stderr to a file (target/bench/mock-stderr.log); \
         the --quiet mock is the same binary without the request log; loadgen = {CONNECTIONS} \
         keep-alive HTTP/1.1 connections, requests back to back; mock, bare hyper and quiet mock \
         measured {:.0} s each per operation, alternating in {} phases of {:.1} s warm-up + \
         {:.1} s (mock bare quiet, quiet bare mock, ...); a ratio of req/s is the median over \
         the rounds of each round's own ratio (the whole-run ratio beside it); every request \
         answered 2xx (loadgen fails otherwise); latencies per request, p50/p99 nearest rank \
         over the whole run. Allocations = alloc + \
         realloc calls per request on the server's threads (hyper, core, log line) or in \
         Core::handle alone, over {} requests after as many warm-up ones.\n\
         RSS = VmRSS of the mock process from /proc/PID/status. SDK figures = the fastest \
         sample per call (criterion's median beside it), one client reused, against a bare \
         hyper server serving the mock's by-email body in-process, on the client's own thread \
         (no cross-thread wake-ups), measured in {} \
         rounds of alternating order, the SDK beside its reference; the figures are medians \
         over the rounds, the ratio the median of the rounds' own ratios. Proxy rows: \
         `invitations-mock proxy`, `bare-proxy` (hyper pass-through, no checks, no log) and the \
         mock alone, each release, stderr to /dev/null, alternating like the rows above. Wall \
         times include cargo's start-up but no build. Total {:.0} s; \
         logs in target/bench/.",
        if params.quick { "--quick" } else { "full" },
        params.duration,
        3 * params.rounds,
        params.warmup,
        params.duration / f64::from(params.rounds),
        params.alloc_requests,
        super::measure::SDK_ROUNDS,
        total.as_secs_f64()
    )
}

/// `over`'s req/s as a share of `under`'s: paired round by round (the figure checked), then
/// over the whole run.
pub(super) fn ratio(over: &Load, under: &Load) -> String {
    format!(
        "{:.3} (whole run {:.3})",
        over.ratio_to(under),
        over.rps / under.rps
    )
}

/// One load run: req/s, p50, p99 and the number of requests.
pub(super) fn load(load: &Load) -> String {
    format!(
        "{} req/s, p50 {:.2} ms, p99 {:.2} ms ({} req)",
        thousands(load.rps.round() as u64),
        load.p50_us / 1000.0,
        load.p99_us / 1000.0,
        thousands(load.requests)
    )
}

/// KiB as MiB, one decimal.
pub(super) fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

/// Nanoseconds as microseconds, one decimal.
pub(super) fn micros(ns: f64) -> String {
    format!("{:.1} µs", ns / 1000.0)
}

/// `n` with its digits grouped by three: `1,000,100`.
pub(super) fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_digits() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000_100), "1,000,100");
    }

    #[test]
    fn columns_are_as_wide_as_their_widest_cell_and_failures_are_kept() {
        let mut table = Table::default();
        table.info("a figure", "1.0 MiB");
        table.checked("ratio", "0.912".into(), ">= 0.85", true);
        table.failed("lost", "< 1 s", &anyhow::anyhow!("no server"));
        let text = table.render();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 5, "{text}");
        assert!(
            lines
                .iter()
                .all(|l| l.chars().count() == lines[0].chars().count()),
            "{text}"
        );
        assert!(lines[2].starts_with("| a figure | 1.0 MiB "), "{text}");
        assert!(lines[3].contains("| pass    |"), "{text}");
        assert!(lines[4].contains("| ERROR   |"), "{text}");
        assert_eq!(table.failures(), ["lost: no server"]);
    }
}
