//! `cargo xtask image --test`: the mock's image run as a user runs it (a mounted fixture, a
//! published loopback port) until its HEALTHCHECK passes, the suite's image against it with
//! the mock's profile, exit codes and JUnit as the binary gives them, and a clean stop on
//! SIGTERM; with the figures.

use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use super::{podman, ULIMITS};
use crate::process::output;

/// What `--test` measured.
pub(super) struct TestFigures {
    answered: Duration,
    healthy: Duration,
    suite: Duration,
    counts: JunitCounts,
    /// From `podman stop` to the container's recorded end.
    exited: Duration,
    /// `podman stop`'s wall time.
    stop_returned: Duration,
    request_lines: usize,
}

impl TestFigures {
    pub(super) fn print(&self) {
        let JunitCounts {
            tests,
            failures,
            skipped,
            ..
        } = self.counts;
        println!("test:");
        println!(
            "  {:>7.2} s  podman run -> the mock answers on its published port",
            self.answered.as_secs_f64()
        );
        println!(
            "  {:>7.2} s  podman run -> healthy (the image's HEALTHCHECK, `podman healthcheck run`)",
            self.healthy.as_secs_f64()
        );
        println!(
            "  {:>7.2} s  the suite's image against it: {tests} cases, {} passed, {failures} \
             failed, {skipped} skipped (they need the embedded mock)",
            self.suite.as_secs_f64(),
            tests - failures - skipped
        );
        println!(
            "  {:>7.2} s  podman stop (SIGTERM) -> the mock exited 0, its log ended cleanly after \
             {} request lines (podman stop returned after {:.2} s)",
            self.exited.as_secs_f64(),
            self.request_lines,
            self.stop_returned.as_secs_f64()
        );
    }
}

/// A container removed (and stopped, if running) when dropped, so that a failing test
/// leaves nothing behind.
struct Container {
    name: String,
    /// Where it serves on the host, once known.
    url: String,
}

impl Drop for Container {
    fn drop(&mut self) {
        let mut rm = podman();
        rm.args(["rm", "--force", "--time", "0", &self.name]);
        let _ = output("podman rm", rm);
    }
}

impl Container {
    /// A podman command about this container: `podman <verb> <extra...> <name>`.
    fn command(&self, verb: &str, extra: &[&str]) -> Command {
        let mut cmd = podman();
        cmd.arg(verb).args(extra).arg(&self.name);
        cmd
    }

    /// `podman logs`: what it printed (stdout, then stderr: its log).
    fn logs(&self) -> String {
        match self.command("logs", &[]).output() {
            Ok(out) => format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
            Err(err) => format!("(podman logs failed: {err})"),
        }
    }
}

/// The mock's fixture for the suite's mock profile (`contract-tests/targets/local-mock.toml`).
const FIXTURE: &str = "contract-tests/targets/local-mock-fixture.json";
/// A case that needs the manager key, and changes nothing: with a wrong key it must fail.
const KEY_CASE: &str = "by_email_finds_the_pending_invitation";

/// Runs the test on the two images; `suite_bin` is the executable in the suite's image,
/// `work_root` a directory for the profile and the report.
pub(super) fn run(
    root: &Path,
    mock_tag: &str,
    suite_tag: &str,
    suite_bin: &Path,
    work_root: &Path,
) -> Result<TestFigures> {
    println!("\n==> testing {mock_tag} with {suite_tag}");
    let work = work_root.join(format!("test-{}", std::process::id()));
    let out_dir = work.join("out");
    std::fs::create_dir_all(&out_dir)?;
    // The suite's image runs as its own user, not as the caller: let it write the report.
    std::fs::set_permissions(&out_dir, std::fs::Permissions::from_mode(0o777))?;

    let (mock, answered, healthy) = start_mock(root, mock_tag)?;
    let template = std::fs::read_to_string(root.join(crate::contract::LOCAL_MOCK_PROFILE))
        .with_context(|| format!("reading {}", crate::contract::LOCAL_MOCK_PROFILE))?;
    let profile = work.join("prof.toml");
    std::fs::write(&profile, test_profile(&template, &mock.url)?)?;

    // The suite, as the README runs it: every case passes.
    let started = Instant::now();
    let code = crate::process::status(
        &format!("podman run {suite_tag}"),
        suite_run(suite_tag, &profile, &out_dir, &[], &[]),
    )?;
    let suite = started.elapsed();
    let counts = junit_counts(&read_report(&out_dir)?)?;
    if !code.success() || counts.failures > 0 || counts.errors > 0 || counts.tests == 0 {
        bail!(
            "the suite's image failed against the mock's image ({code}; JUnit: {counts:?})\n\
             mock log:\n{}",
            mock.logs()
        );
    }
    exit_codes_pass_through(suite_tag, suite_bin, &profile, &out_dir)?;
    smtp_from_the_environment(mock_tag)?;
    let (exited, stop_returned, request_lines) = stop(mock)?;
    let _ = std::fs::remove_dir_all(&work);
    println!("<== {mock_tag} and {suite_tag}: test passed");
    Ok(TestFigures {
        answered,
        healthy,
        suite,
        counts,
        exited,
        stop_returned,
        request_lines,
    })
}

/// Starts the mock's image with the suite's fixture mounted, on a loopback port podman
/// picks; returns it with the times from `podman run` until it answered on that port and
/// until its HEALTHCHECK passed.
fn start_mock(root: &Path, mock_tag: &str) -> Result<(Container, Duration, Duration)> {
    let started = Instant::now();
    let mut mock = Container {
        name: format!("invitations-mock-test-{}", std::process::id()),
        url: String::new(),
    };
    let mut run = podman();
    run.args(["run", "--detach", "--name", &mock.name])
        .args(ULIMITS)
        .args(["--publish", "127.0.0.1::8080"])
        .arg("--volume")
        .arg(format!(
            "{}:/data/fixture.json:ro",
            root.join(FIXTURE).display()
        ))
        .args([mock_tag, "--fixture", "/data/fixture.json"]);
    output(&format!("podman run {mock_tag}"), run)?;
    mock.url = format!("http://127.0.0.1:{}", published_port(&mock)?);
    let answered = wait_for(&mock, started, || {
        Ok(crate::proxy::get(&mock.url, "/__admin/health").is_ok())
    })?;
    let healthy = wait_for(&mock, started, || {
        let check = mock.command("healthcheck", &["run"]);
        Ok(crate::process::status("podman healthcheck run", check)?.success())
    })?;
    let mut id = mock.command("exec", &[]);
    id.args(["id", "-u"]);
    let uid = output("podman exec id -u", id)?;
    let uid = String::from_utf8_lossy(&uid.stdout).trim().to_owned();
    if uid == "0" {
        bail!("the mock runs as root in its image: its Containerfile must name a USER");
    }
    println!(
        "{mock_tag} serving {} as uid {uid}: answered after {answered:.2?}, healthy after \
         {healthy:.2?}",
        mock.url
    );
    Ok((mock, answered, healthy))
}

/// The suite's exit codes reach the caller as the binary gives them: 1 for a failing case
/// (a refused key with the preflight off, its JUnit saying so), 2 for a run that cannot start
/// (the same key with the preflight on; a profile that does not exist).
fn exit_codes_pass_through(
    suite_tag: &str,
    suite_bin: &Path,
    profile: &Path,
    out_dir: &Path,
) -> Result<()> {
    let wrong_key = ["--env", "CONTRACT_MANAGER_KEY=not-a-key"];
    let with_wrong_key = |args: &[&str]| {
        let mut binary = Command::new(suite_bin);
        binary
            .arg("--target")
            .arg(profile)
            .args(args)
            .env("CONTRACT_MANAGER_KEY", "not-a-key");
        binary
    };
    let failing = ["--exact", KEY_CASE, "--no-preflight"];
    let image = suite_run(suite_tag, profile, out_dir, &wrong_key, &failing);
    same_exit_code(with_wrong_key(&failing), image, 1)?;
    let failed = junit_counts(&read_report(out_dir)?)?;
    if (failed.tests, failed.failures) != (1, 1) {
        bail!("a failing run's JUnit should count 1 case, 1 failure: {failed:?}");
    }
    let refused = ["--exact", KEY_CASE];
    let image = suite_run(suite_tag, profile, out_dir, &wrong_key, &refused);
    same_exit_code(with_wrong_key(&refused), image, 2)?;
    let missing = ["--target", "/nonexistent/prof.toml"];
    let mut binary = Command::new(suite_bin);
    binary.args(missing);
    let mut image = podman();
    image
        .args(["run", "--rm"])
        .args(ULIMITS)
        .arg(suite_tag)
        .args(missing);
    same_exit_code(binary, image, 2)
}

/// `--smtp` from `INVITATIONS_MOCK_SMTP` reaches the mock in its image: a malformed relay
/// given that way is refused.
fn smtp_from_the_environment(mock_tag: &str) -> Result<()> {
    let mut smtp = podman();
    smtp.args(["run", "--rm"]).args(ULIMITS).args([
        "--env",
        "INVITATIONS_MOCK_SMTP=no-port",
        mock_tag,
    ]);
    let refused = smtp
        .output()
        .context("podman run (INVITATIONS_MOCK_SMTP)")?;
    let said = String::from_utf8_lossy(&refused.stderr);
    if refused.status.code() != Some(2) || !said.contains("--smtp takes HOST:PORT") {
        bail!(
            "INVITATIONS_MOCK_SMTP=no-port should stop the mock with exit code 2 and say why; \
             got {} and:\n{said}",
            refused.status
        );
    }
    Ok(())
}

/// `podman stop`: SIGTERM, then SIGKILL after 10 s. A clean stop exits 0 with a log that
/// ends with the server's last line. Returns the time from the command to the container's
/// end as podman recorded it (podman's own work after the exit is not counted), the
/// command's wall time, and the number of request lines logged.
fn stop(mock: Container) -> Result<(Duration, Duration, usize)> {
    let sent = std::time::SystemTime::now();
    let started = Instant::now();
    output("podman stop", mock.command("stop", &["--time", "10"]))?;
    let returned = started.elapsed();
    let format = "{{.State.ExitCode}} {{.State.FinishedAt.UnixNano}}";
    let state = output(
        "podman inspect",
        mock.command("inspect", &["--format", format]),
    )?;
    let state = String::from_utf8_lossy(&state.stdout).trim().to_owned();
    let log = mock.logs();
    let (exit, finished) = state.split_once(' ').unwrap_or((&state, ""));
    if exit != "0" {
        bail!("the mock exited with {exit} after SIGTERM, not 0; its log:\n{log}");
    }
    let finished: u64 = finished
        .parse()
        .with_context(|| format!("podman inspect gave no end time: {state:?}"))?;
    let exited =
        Duration::from_nanos(finished).saturating_sub(sent.duration_since(std::time::UNIX_EPOCH)?);
    let request_lines =
        log_ended_cleanly(&log).with_context(|| format!("the mock's log:\n{log}"))?;
    Ok((exited, returned, request_lines))
}

/// The mock profile with the image's URL: `contract-tests/targets/local-mock.toml`, the
/// profile of the standalone mock, whose fixture the image serves.
fn test_profile(template: &str, base_url: &str) -> Result<String> {
    let mut profile: toml::Table = template
        .parse()
        .with_context(|| format!("parsing {}", crate::contract::LOCAL_MOCK_PROFILE))?;
    profile.insert("name".into(), "invitations-mock image".into());
    profile.insert("base_url".into(), base_url.into());
    // The image serves the mock's own choices: the suite holds it to them, whatever the
    // template says.
    profile.insert("strict".into(), true.into());
    Ok(format!(
        "# Written by `cargo xtask image --test` from {}.\n{}",
        crate::contract::LOCAL_MOCK_PROFILE,
        toml::to_string(&profile)?
    ))
}

/// `podman run` of the suite's image as the README gives it (host network, the profile and
/// the report directory mounted), with `options` before the image and `args` after.
fn suite_run(
    suite_tag: &str,
    profile: &Path,
    out_dir: &Path,
    options: &[&str],
    args: &[&str],
) -> Command {
    let mut cmd = podman();
    cmd.args(["run", "--rm", "--network", "host"])
        .args(ULIMITS)
        .arg("--volume")
        .arg(format!("{}:/prof.toml:ro", profile.display()))
        .arg("--volume")
        .arg(format!("{}:/out", out_dir.display()))
        .args(options)
        .args([
            suite_tag,
            "--target",
            "/prof.toml",
            "--junit",
            "/out/report.xml",
        ])
        .args(args);
    cmd
}

fn read_report(out_dir: &Path) -> Result<String> {
    let path = out_dir.join("report.xml");
    std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))
}

/// Runs the binary and the image (their output discarded) and requires both to exit with
/// `expected`.
fn same_exit_code(mut binary: Command, mut image: Command, expected: i32) -> Result<()> {
    let codes = [&mut binary, &mut image].map(|cmd| {
        cmd.stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .map(|status| status.code())
    });
    let [binary_code, image_code] = codes;
    let (binary_code, image_code) = (binary_code?, image_code?);
    if binary_code != Some(expected) || image_code != Some(expected) {
        bail!(
            "exit codes differ from the expected {expected}: the binary gave {binary_code:?}, \
             its image {image_code:?}"
        );
    }
    println!("exit code {expected} from the binary and from its image alike");
    Ok(())
}

/// The host port podman published the container's 8080 on.
fn published_port(container: &Container) -> Result<u16> {
    let out = output("podman port", container.command("port", &[]))?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .find(|line| line.starts_with("8080/tcp"))
        .and_then(|line| line.rsplit(':').next())
        .and_then(|port| port.trim().parse().ok())
        .with_context(|| format!("podman port printed no port for 8080/tcp: {text:?}"))
}

/// Polls `ready` every 50 ms until it says yes; returns the time since `started`. Fails when
/// the container stops or after a minute, with its log.
fn wait_for(
    container: &Container,
    started: Instant,
    mut ready: impl FnMut() -> Result<bool>,
) -> Result<Duration> {
    loop {
        if ready()? {
            return Ok(started.elapsed());
        }
        let state = output(
            "podman inspect",
            container.command("inspect", &["--format", "{{.State.Running}}"]),
        )?;
        if String::from_utf8_lossy(&state.stdout).trim() != "true" {
            bail!("the container stopped; its log:\n{}", container.logs());
        }
        if started.elapsed() > Duration::from_secs(60) {
            bail!(
                "not ready a minute after `podman run`; its log:\n{}",
                container.logs()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The counts of a JUnit report's `<testsuites>` element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct JunitCounts {
    tests: u64,
    failures: u64,
    errors: u64,
    skipped: u64,
}

fn junit_counts(xml: &str) -> Result<JunitCounts> {
    let head = xml
        .find("<testsuites")
        .and_then(|start| xml[start..].split_once('>').map(|(head, _)| head))
        .with_context(|| format!("no <testsuites> element in the JUnit report: {xml:.200}"))?;
    let attribute = |name: &str| -> Result<u64> {
        let Some((_, rest)) = head.split_once(&format!(" {name}=\"")) else {
            return Ok(0);
        };
        rest.split('"')
            .next()
            .and_then(|value| value.parse().ok())
            .with_context(|| format!("JUnit attribute {name} is not a count: {head}"))
    };
    Ok(JunitCounts {
        tests: attribute("tests")?,
        failures: attribute("failures")?,
        errors: attribute("errors")?,
        skipped: attribute("skipped")?,
    })
}

/// The mock's last log line when it stopped cleanly (see mock-server/src/main.rs).
const STOPPED: &str = "invitations-mock stopped";

/// Checks that the mock's log shows requests, then SIGTERM, nothing worse than INFO after
/// it, and the server's last line last (so nothing was cut off at exit); returns the number
/// of request lines.
fn log_ended_cleanly(log: &str) -> Result<usize> {
    let lines: Vec<&str> = log.lines().filter(|l| !l.trim().is_empty()).collect();
    let requests = lines
        .iter()
        .filter(|l| l.contains("invitations_mock::request"))
        .count();
    if requests == 0 {
        bail!("no request line in the log");
    }
    let Some(signal) = lines.iter().position(|l| l.contains("SIGTERM received")) else {
        bail!("the log does not show the SIGTERM");
    };
    if let Some(bad) = lines[signal..]
        .iter()
        .find(|l| l.contains(" WARN ") || l.contains(" ERROR "))
    {
        bail!("after SIGTERM the log says: {bad}");
    }
    if !lines.last().is_some_and(|l| l.ends_with(STOPPED)) {
        bail!("the log does not end with `{STOPPED}`: cut off, or the server did not stop");
    }
    Ok(requests)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image::tests::read;

    #[test]
    fn junit_counts_read_the_report_element() {
        let xml = r#"<?xml version="1.0"?>
<testsuites name="contract" tests="3" skipped="1" failures="1" errors="0">
<testsuite name="x" tests="3"><testcase name="a"/><testcase name="b"><skipped message="m"/></testcase>
<testcase name="c"><failure/></testcase></testsuite></testsuites>"#;
        assert_eq!(
            junit_counts(xml).unwrap(),
            JunitCounts {
                tests: 3,
                failures: 1,
                errors: 0,
                skipped: 1
            }
        );
        assert!(junit_counts("<testsuite tests=\"1\">").is_err());
        assert!(junit_counts("<testsuites tests=\"many\">").is_err());
    }

    #[test]
    fn a_clean_log_has_requests_sigterm_and_the_last_line_last() {
        let request = "2026-01-01T00:00:00Z  INFO invitations_mock::request: request method=GET path=/x status=200";
        let sigterm = "2026-01-01T00:00:01Z  INFO invitations_mock::server: SIGTERM received";
        let draining = "2026-01-01T00:00:01Z  INFO invitations_mock::server: shutting down";
        let stopped = "2026-01-01T00:00:01Z  INFO invitations_mock: invitations-mock stopped";
        let clean = [request, sigterm, draining, stopped, ""].join("\n");
        assert_eq!(log_ended_cleanly(&clean).unwrap(), 1);
        let cut_off = [request, sigterm, draining].join("\n");
        assert!(log_ended_cleanly(&cut_off).is_err());
        let no_signal = [request, stopped].join("\n");
        assert!(log_ended_cleanly(&no_signal).is_err());
        let no_requests = [sigterm, stopped].join("\n");
        assert!(log_ended_cleanly(&no_requests).is_err());
        let warned = [
            request,
            sigterm,
            "2026-01-01T00:00:06Z  WARN invitations_mock::server: connections still open",
            stopped,
        ]
        .join("\n");
        assert!(log_ended_cleanly(&warned).is_err());
    }

    #[test]
    fn the_test_profile_is_the_mock_profile_at_the_images_url() {
        let template = read(crate::contract::LOCAL_MOCK_PROFILE);
        let text = test_profile(&template, "http://127.0.0.1:4321").unwrap();
        let profile: toml::Table = text.parse().unwrap();
        let original: toml::Table = template.parse().unwrap();
        assert_eq!(profile["base_url"].as_str(), Some("http://127.0.0.1:4321"));
        assert_eq!(profile["strict"].as_bool(), Some(true));
        for key in ["invitations", "keys", "max_body_bytes", "allow_mutations"] {
            assert_eq!(profile[key], original[key], "{key}");
        }
    }
}
