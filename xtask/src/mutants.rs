//! `cargo xtask mutants`: mutation testing with cargo-mutants, and one table of the results.
//!
//! cargo-mutants changes the code one small way at a time (`>` for `>=`, `&&` for `||`, a
//! function that returns a default) and runs the tests on each change; a change no test
//! notices is a rule nothing checks. Which files are mutated lives in `.cargo/mutants.toml`
//! (cargo-mutants' own configuration): the mock core's behaviour and the SDK's hand layer,
//! never generated code.
//!
//! Each package's mutants run with the chosen tests ([`Suite`]): by default the package's own
//! tests and the contract suite. The run works in place (the tree is changed and restored one
//! mutant at a time, so nothing is rebuilt from scratch): do not edit the tree meanwhile;
//! Ctrl-C restores the file being mutated. It is a measurement, like `cargo xtask bench`,
//! not a CI gate: the full run takes a long time on 2 cores.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use serde_json::Value;

/// Where each package's run leaves cargo-mutants' own output (`mutants.out/`), under the target
/// directory.
const OUTPUT_DIR: &str = "mutants";
const CONTRACT_PACKAGE: &str = "invitations-contract-tests";

/// Which tests run on each mutant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Suite {
    /// The mutated package's own tests and the contract suite.
    Both,
    /// Only the mutated package's own tests.
    Own,
    /// Only the contract suite (its `contract` test target, against the embedded mock).
    Contract,
}

/// What `cargo xtask mutants` was asked to do.
pub struct MutantsArgs {
    /// Only mutants on lines changed since this git revision.
    pub since: Option<String>,
    /// The tests run on each mutant.
    pub tests: Suite,
    /// Only mutants in these files (paths from the repository root); empty: every file in scope.
    pub files: Vec<String>,
    /// Only list the mutants.
    pub list: bool,
}

/// Counts of one file (or of the total).
#[derive(Default, Clone, Copy)]
struct Counts {
    caught: usize,
    missed: usize,
    unviable: usize,
    timeout: usize,
}

impl Counts {
    fn add(&mut self, summary: &str) -> Result<()> {
        match summary {
            "CaughtMutant" => self.caught += 1,
            "MissedMutant" => self.missed += 1,
            "Unviable" => self.unviable += 1,
            "Timeout" => self.timeout += 1,
            other => bail!("unexpected cargo-mutants outcome {other:?}"),
        }
        Ok(())
    }

    fn merge(&mut self, other: Counts) {
        self.caught += other.caught;
        self.missed += other.missed;
        self.unviable += other.unviable;
        self.timeout += other.timeout;
    }

    /// Caught among the mutants that build; a timeout counts as not caught.
    fn share(&self) -> String {
        let viable = self.caught + self.missed + self.timeout;
        if viable == 0 {
            "-".to_owned()
        } else {
            format!("{:.1} %", 100.0 * self.caught as f64 / viable as f64)
        }
    }
}

pub fn run(root: &Path, args: MutantsArgs) -> Result<()> {
    let started = Instant::now();
    // Pinned (see `tools`) so that figures from different machines and days compare.
    let tool = crate::tools::CARGO_MUTANTS.ensure_installed(root)?;
    let diff = match &args.since {
        Some(rev) => Some(write_diff(root, rev)?),
        None => None,
    };
    let in_scope = list(root, &tool, diff.as_deref(), &[])?;
    let scope_files: BTreeSet<&str> = in_scope.iter().map(|m| m.file.as_str()).collect();
    if let Some(unknown) = args
        .files
        .iter()
        .find(|f| !scope_files.contains(f.as_str()))
    {
        bail!(
            "{unknown} has no mutants in scope{}; files in scope: {}",
            since_note(&args.since),
            scope_files.iter().copied().collect::<Vec<_>>().join(", ")
        );
    }
    // cargo-mutants' --file adds to the configured files instead of narrowing them, and its
    // --re lets some mutants through: the files not asked for are excluded instead.
    let excluded: Vec<String> = if args.files.is_empty() {
        Vec::new()
    } else {
        scope_files
            .iter()
            .filter(|f| !args.files.iter().any(|wanted| wanted == *f))
            .map(|f| (*f).to_owned())
            .collect()
    };
    let mutants: Vec<&Listed> = in_scope
        .iter()
        .filter(|m| args.files.is_empty() || args.files.contains(&m.file))
        .collect();
    if mutants.is_empty() {
        println!("no mutants in scope{}", since_note(&args.since));
        return Ok(());
    }
    let mut packages: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for mutant in &mutants {
        packages
            .entry(mutant.package.clone())
            .or_default()
            .push(mutant.name.clone());
    }
    if args.list {
        for mutant in &mutants {
            println!("{}", mutant.name);
        }
        println!("{} mutants in {} packages", mutants.len(), packages.len());
        return Ok(());
    }

    let mut files: BTreeMap<String, Counts> = BTreeMap::new();
    let mut survivors = Vec::new();
    let mut incomplete = Vec::new();
    for package in packages.keys() {
        let out = crate::artifacts::target_dir(root)?
            .join(OUTPUT_DIR)
            .join(package);
        std::fs::create_dir_all(&out)?;
        let mut cmd = Command::new(&tool);
        cmd.current_dir(root)
            .args(["mutants", "--in-place", "--no-shuffle", "--package"])
            .arg(package)
            .arg("--output")
            .arg(&out);
        for test_package in test_packages(package, args.tests) {
            cmd.arg("--test-package").arg(test_package);
        }
        if args.tests == Suite::Contract {
            // The suite itself, as a deployment runs it: not the package's unit tests, and not
            // the self-test (which re-runs the suite against wrong servers for minutes on each
            // mutant that survives, and measures the suite rather than the code).
            cmd.args(["--cargo-test-arg=--test", "--cargo-test-arg=contract"]);
            // cargo-mutants 27 runs the baseline on the mutated package's tests, not on the
            // `--test-package` ones, so with `--test contract` it fails (the mock has no such
            // target) and would time the wrong tests anyway. The suite passing on the
            // unmutated tree is `cargo xtask contract`'s job; the limit is a few suite runs.
            cmd.args(["--baseline=skip", "--timeout=300"]);
        }
        add_filters(&mut cmd, diff.as_deref(), &excluded);
        println!(
            "==> cargo mutants on {package} ({} mutants, tests: {}); log in {}",
            packages[package].len(),
            test_packages(package, args.tests).join(" + "),
            out.join("mutants.out").display()
        );
        let status = crate::process::status("cargo mutants", cmd)?;
        // 0: all caught, 2: some missed, 3: some timed out; anything else is a failed or
        // interrupted run, whose finished mutants are still worth a table.
        let outcomes = out.join("mutants.out/outcomes.json");
        if !matches!(status.code(), Some(0 | 2 | 3)) {
            if !outcomes.exists() {
                bail!(
                    "cargo-mutants failed on {package} ({status}); see {}",
                    out.join("mutants.out/debug.log").display()
                );
            }
            incomplete.push(format!("{package} ({status})"));
        }
        read_outcomes(&outcomes, &mut files, &mut survivors)?;
    }
    print!(
        "{}",
        table(
            &files,
            &survivors,
            args.tests,
            &args.since,
            started.elapsed()
        )
    );
    if !incomplete.is_empty() {
        bail!(
            "the run stopped early on {}: the table covers only the mutants it finished",
            incomplete.join(", ")
        );
    }
    Ok(())
}

/// `git diff REV` into a file for `--in-diff`.
fn write_diff(root: &Path, rev: &str) -> Result<PathBuf> {
    let mut diff = Command::new("git");
    diff.args(["diff", "--no-color", "--no-ext-diff", rev, "--"])
        .current_dir(root);
    let out = crate::process::output(&format!("git diff {rev}"), diff)
        .context("give a revision git knows, such as origin/main or HEAD~3")?;
    let dir = crate::artifacts::target_dir(root)?.join(OUTPUT_DIR);
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("since.diff");
    std::fs::write(&path, &out.stdout)?;
    Ok(path)
}

fn since_note(since: &Option<String>) -> String {
    since
        .as_ref()
        .map(|rev| format!(" on the lines changed since {rev}"))
        .unwrap_or_default()
}

fn test_packages(package: &str, suite: Suite) -> Vec<&str> {
    match suite {
        Suite::Both => vec![package, CONTRACT_PACKAGE],
        Suite::Own => vec![package],
        Suite::Contract => vec![CONTRACT_PACKAGE],
    }
}

/// `--in-diff`, and `--exclude` for each file in scope that was not asked for.
fn add_filters(cmd: &mut Command, diff: Option<&Path>, excluded: &[String]) {
    if let Some(diff) = diff {
        cmd.arg("--in-diff").arg(diff);
    }
    for file in excluded {
        cmd.arg("--exclude").arg(file);
    }
}

struct Listed {
    name: String,
    package: String,
    file: String,
}

/// The mutants in scope, from `cargo mutants --list --json`.
fn list(root: &Path, tool: &Path, diff: Option<&Path>, excluded: &[String]) -> Result<Vec<Listed>> {
    let mut cmd = Command::new(tool);
    cmd.current_dir(root).args(["mutants", "--list", "--json"]);
    add_filters(&mut cmd, diff, excluded);
    let out = crate::process::output("cargo mutants --list --json", cmd)?;
    // With `--in-diff` and no mutant on the changed lines, cargo-mutants 27 prints no JSON
    // at all ("No mutants to filter" on stderr), rather than an empty list.
    if diff.is_some() && out.stdout.trim_ascii().is_empty() {
        return Ok(Vec::new());
    }
    let json: Value = serde_json::from_slice(&out.stdout)
        .context("cargo mutants --list --json printed something other than JSON")?;
    let Some(items) = json.as_array() else {
        bail!("cargo mutants --list --json did not print a list");
    };
    items
        .iter()
        .map(|item| {
            Ok(Listed {
                name: mutant_name(item)?,
                package: field(item, "package")?.to_owned(),
                file: field(item, "file")?.to_owned(),
            })
        })
        .collect()
}

fn field<'a>(value: &'a Value, name: &str) -> Result<&'a str> {
    value[name]
        .as_str()
        .with_context(|| format!("cargo-mutants JSON without a `{name}` string: {value}"))
}

/// `file:line:col: description`, as cargo-mutants prints it.
fn mutant_name(mutant: &Value) -> Result<String> {
    Ok(field(mutant, "name")?.to_owned())
}

fn read_outcomes(
    path: &Path,
    files: &mut BTreeMap<String, Counts>,
    survivors: &mut Vec<String>,
) -> Result<()> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cargo-mutants left no {}", path.display()))?;
    let json: Value = serde_json::from_str(&text)?;
    let Some(outcomes) = json["outcomes"].as_array() else {
        bail!("{} has no outcomes list", path.display());
    };
    for outcome in outcomes {
        let Some(mutant) = outcome["scenario"].get("Mutant") else {
            continue; // the baseline
        };
        let summary = field(outcome, "summary")?;
        files
            .entry(field(mutant, "file")?.to_owned())
            .or_default()
            .add(summary)?;
        match summary {
            "MissedMutant" => survivors.push(format!("missed   {}", mutant_name(mutant)?)),
            "Timeout" => survivors.push(format!("timeout  {}", mutant_name(mutant)?)),
            _ => {}
        }
    }
    Ok(())
}

fn table(
    files: &BTreeMap<String, Counts>,
    survivors: &[String],
    suite: Suite,
    since: &Option<String>,
    elapsed: std::time::Duration,
) -> String {
    let mut out = String::new();
    let width = files.keys().map(String::len).max().unwrap_or(4).max(5);
    let _ = writeln!(
        out,
        "\nmutants{} (tests: {})\n",
        since_note(since),
        match suite {
            Suite::Both => "own + contract suite",
            Suite::Own => "own",
            Suite::Contract => "contract suite",
        }
    );
    let _ = writeln!(
        out,
        "{:width$}  {:>6}  {:>6}  {:>8}  {:>7}  {:>18}",
        "file", "caught", "missed", "unviable", "timeout", "caught of viable"
    );
    let mut total = Counts::default();
    let mut line = |name: &str, c: &Counts| {
        let _ = writeln!(
            out,
            "{name:width$}  {:>6}  {:>6}  {:>8}  {:>7}  {:>18}",
            c.caught,
            c.missed,
            c.unviable,
            c.timeout,
            c.share()
        );
    };
    for (file, counts) in files {
        line(file, counts);
        total.merge(*counts);
    }
    line("total", &total);
    if survivors.is_empty() {
        let _ = writeln!(out, "\nno survivors");
    } else {
        let _ = writeln!(out, "\nsurvivors ({}):", survivors.len());
        for survivor in survivors {
            let _ = writeln!(out, "  {survivor}");
        }
    }
    let _ = writeln!(out, "\nrun time: {:.0?}", elapsed);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_count_timeouts_as_not_caught_and_ignore_unviable() {
        let counts = Counts {
            caught: 19,
            missed: 0,
            unviable: 7,
            timeout: 1,
        };
        assert_eq!(counts.share(), "95.0 %");
        assert_eq!(Counts::default().share(), "-");
    }
}
