//! `cargo xtask invariants`: runs the check of every invariant ARCHITECTURE.md states, and
//! fails when one prints anything.
//!
//! The commands are read from ARCHITECTURE.md itself, so that the map and its checks cannot
//! drift apart: under the `## Invariants` heading, each `- **Name**` item may carry a fenced
//! `sh` block, one command a line, each of which must print nothing (an empty result means
//! the invariant holds). `cargo xtask <task>` in such a line runs this very executable.

use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};

/// One command of an invariant.
#[derive(Debug, PartialEq, Eq)]
pub struct Check {
    /// The invariant's bold title.
    pub invariant: String,
    pub command: String,
}

/// Runs every check and fails naming each invariant whose check printed something.
pub fn run(root: &Path) -> Result<()> {
    let map = root.join("ARCHITECTURE.md");
    let text =
        std::fs::read_to_string(&map).with_context(|| format!("reading {}", map.display()))?;
    let checks = checks_in(&text)?;
    let xtask = std::env::current_exe().context("finding xtask's own executable")?;
    let mut broken = Vec::new();
    for check in &checks {
        let printed = run_check(root, &xtask, &check.command)?;
        if printed.is_empty() {
            println!("ok    {}", check.invariant);
        } else {
            println!(
                "FAIL  {}\n  $ {}\n{}",
                check.invariant,
                check.command,
                indent(&printed)
            );
            broken.push(check.invariant.as_str());
        }
    }
    if !broken.is_empty() {
        bail!(
            "{} of {} invariant checks printed something (ARCHITECTURE.md): {}",
            broken.len(),
            checks.len(),
            broken.join("; ")
        );
    }
    println!("invariants: {} checks, all empty", checks.len());
    Ok(())
}

fn indent(text: &str) -> String {
    text.lines().map(|line| format!("  | {line}\n")).collect()
}

/// What one command printed (stdout and stderr), run by `sh` in `root`. A non-zero exit
/// counts as printing only when it is not grep's "nothing selected" (1).
fn run_check(root: &Path, xtask: &Path, command: &str) -> Result<String> {
    let script = match command.strip_prefix("cargo xtask ") {
        Some(rest) => format!("'{}' {rest}", xtask.display()),
        None => command.to_owned(),
    };
    let output = Command::new("sh")
        .args(["-c", &script])
        .current_dir(root)
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("could not start `sh -c {command}`"))?;
    let mut printed = String::from_utf8_lossy(&output.stdout).into_owned();
    printed.push_str(&String::from_utf8_lossy(&output.stderr));
    if output.status.code().is_none_or(|code| code > 1) {
        printed.push_str(&format!("(exited with {})\n", output.status));
    }
    Ok(printed.trim_end().to_owned())
}

/// The checks of ARCHITECTURE.md's `## Invariants` section, in order. Fails when the section
/// is missing or holds no check, so that a renamed heading cannot turn the step into a no-op.
pub fn checks_in(markdown: &str) -> Result<Vec<Check>> {
    let mut checks = Vec::new();
    let mut in_section = false;
    let mut invariant: Option<String> = None;
    let mut in_block = false;
    for line in markdown.lines() {
        if !in_block && line.starts_with("## ") {
            in_section = line.trim_end() == "## Invariants";
            continue;
        }
        if !in_section {
            continue;
        }
        let trimmed = line.trim();
        if in_block {
            if trimmed.starts_with("```") {
                in_block = false;
            } else if !trimmed.is_empty() && !trimmed.starts_with('#') {
                let Some(name) = &invariant else {
                    bail!("ARCHITECTURE.md: a check before any `- **invariant**` item: {trimmed}");
                };
                checks.push(Check {
                    invariant: name.clone(),
                    command: trimmed.to_owned(),
                });
            }
        } else if trimmed == "```sh" {
            in_block = true;
        } else if let Some(rest) = line.strip_prefix("- **") {
            let title = rest.split("**").next().unwrap_or(rest);
            invariant = Some(title.trim_end_matches(['.', ':']).to_owned());
        }
    }
    if checks.is_empty() {
        bail!("ARCHITECTURE.md has no `## Invariants` section with `sh` checks");
    }
    Ok(checks)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAP: &str = "# Architecture\n\n## Invariants\n\nIntro.\n\n\
        - **The core has no transport**: why.\n  ```sh\n  grep -rn tokio core\n  # a comment\n\n  grep -rn hyper core\n  ```\n\
        - **Prose only.** No check here.\n\
        - **No cycles**:\n  ```sh\n  cargo xtask import-cycles\n  ```\n\n\
        ## Deliberately absent\n\n```sh\nnot a check\n```\n";

    #[test]
    fn reads_each_command_with_its_invariant_and_nothing_outside_the_section() {
        let checks = checks_in(MAP).unwrap();
        let pairs: Vec<(&str, &str)> = checks
            .iter()
            .map(|check| (check.invariant.as_str(), check.command.as_str()))
            .collect();
        assert_eq!(
            pairs,
            [
                ("The core has no transport", "grep -rn tokio core"),
                ("The core has no transport", "grep -rn hyper core"),
                ("No cycles", "cargo xtask import-cycles"),
            ]
        );
    }

    #[test]
    fn a_map_without_checks_is_an_error_not_a_pass() {
        let err = checks_in("# Architecture\n\n## Invariant\n\n```sh\ntrue\n```\n").unwrap_err();
        assert!(
            err.to_string().contains("no `## Invariants` section"),
            "{err}"
        );
    }

    #[test]
    fn a_check_passes_only_when_it_prints_nothing_and_did_not_fail() {
        let root = std::env::temp_dir();
        let xtask = Path::new("/nonexistent-xtask");
        // grep's "no line selected" exit is an empty result.
        assert_eq!(run_check(&root, xtask, "echo x | grep y").unwrap(), "");
        assert_eq!(run_check(&root, xtask, "echo found").unwrap(), "found");
        assert_eq!(run_check(&root, xtask, "echo oops >&2").unwrap(), "oops");
        let failed = run_check(&root, xtask, "exit 2").unwrap();
        assert!(failed.contains("exited with"), "{failed}");
        // `cargo xtask` runs the given executable, here one that does not exist.
        let missing = run_check(&root, xtask, "cargo xtask import-cycles").unwrap();
        assert!(missing.contains("nonexistent-xtask"), "{missing}");
    }
}
