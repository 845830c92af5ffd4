//! The one way xtask runs other programs: a step that must succeed ([`run_step`],
//! [`cargo_step`]), a command whose output is read ([`output`], [`git`]) or kept in a log
//! ([`run_logged`]), and a server started on a free port ([`Server`]).
//!
//! Every failure names the command that failed, so that `cargo xtask ci` says which step broke.
//! Where cargo put the executables is the business of the `artifacts` module, which uses this
//! one (and not the other way round).

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

/// The packages `cargo xtask ci` tests in one build, and that `contract` builds with: every
/// member but xtask. xtask's own dependencies (progenitor, typify, ...) are then built once,
/// with the features `cargo run -p xtask` resolved, and `cargo test -p xtask` reuses them; in
/// a whole-workspace build they would be built a second time with the workspace's features.
pub const TEST_PACKAGES: [&str; 3] = ["--workspace", "--exclude", "xtask"];

/// A `cargo` command: the cargo that runs xtask (`CARGO`), so that its toolchain is used.
pub fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

/// Runs `cmd` to completion and returns its exit status, whatever it is; fails only when it
/// cannot start. For tools whose non-zero exits carry meaning (cargo-mutants).
pub fn status(name: &str, mut cmd: Command) -> Result<ExitStatus> {
    cmd.status()
        .with_context(|| format!("could not start `{name}`"))
}

/// Runs `cmd` in `root`, echoing `name` first and its duration after, and fails with `name`
/// when it fails.
pub fn run_step(root: &Path, name: &str, mut cmd: Command) -> Result<()> {
    println!("==> {name}");
    let started = Instant::now();
    cmd.current_dir(root);
    let status = status(name, cmd)?;
    if !status.success() {
        bail!("`{name}` failed ({status})");
    }
    println!("<== {name} ok ({:.1?})", started.elapsed());
    Ok(())
}

/// [`run_step`] for `cargo <args>`, named after its arguments.
pub fn cargo_step(root: &Path, args: &[&str]) -> Result<()> {
    let mut cmd = cargo();
    cmd.args(args);
    run_step(root, &format!("cargo {}", args.join(" ")), cmd)
}

/// Runs `cmd` with its stdout captured (stdin closed) and returns its output; fails with
/// `name`, its status and what it printed when it fails.
pub fn output(name: &str, mut cmd: Command) -> Result<Output> {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("could not start `{name}`"))?;
    if !out.status.success() {
        let printed = [&out.stdout, &out.stderr]
            .map(|text| String::from_utf8_lossy(text).trim().to_owned())
            .join("\n");
        bail!("`{name}` failed ({}): {}", out.status, printed.trim());
    }
    Ok(out)
}

/// `git <args>` in `root`, its stdout as text.
pub fn git(root: &Path, args: &[&str]) -> Result<String> {
    let mut cmd = Command::new("git");
    cmd.arg("-C").arg(root).args(args);
    let out = output(&format!("git {}", args.join(" ")), cmd)?;
    String::from_utf8(out.stdout).context("git printed something that is not UTF-8")
}

/// Runs `cmd` with its stdout and stderr in the file `log` and returns its wall time; fails
/// with `name` and the log's path when it fails.
pub fn run_logged(name: &str, mut cmd: Command, log: &Path) -> Result<Duration> {
    let file = std::fs::File::create(log).with_context(|| format!("creating {}", log.display()))?;
    cmd.stdin(Stdio::null())
        .stdout(file.try_clone()?)
        .stderr(file);
    let started = Instant::now();
    let status = status(name, cmd)?;
    let elapsed = started.elapsed();
    if !status.success() {
        bail!("`{name}` failed ({status}); see {}", log.display());
    }
    Ok(elapsed)
}

/// A server process, killed (and reaped) when dropped, so that a failing run leaves no server
/// behind.
pub struct Server {
    child: Child,
    url: String,
}

impl Server {
    /// Starts `cmd` (a server told to listen on port 0) and waits until it prints the URL it
    /// serves (the first word of its stdout that starts with `http://`, without a trailing
    /// `/`). Its stderr is what `cmd` says (inherited unless set).
    pub fn start(name: &str, cmd: Command) -> Result<Server> {
        Self::start_when(name, cmd, |line| url_in(line).map(str::to_owned))
    }

    /// Starts `cmd` and waits for a line of its stdout from which `ready` makes the server's
    /// URL (for a server that prints something else when it is ready, such as MailDev).
    pub fn start_when(
        name: &str,
        mut cmd: Command,
        mut ready: impl FnMut(&str) -> Option<String>,
    ) -> Result<Server> {
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .with_context(|| format!("could not start `{name}`"))?;
        let stdout = child.stdout.take().context("the child's stdout is piped")?;
        // Built before waiting, so that the server is killed if it never gets ready.
        let mut server = Server {
            child,
            url: String::new(),
        };
        let mut lines = BufReader::new(stdout).lines();
        server.url = loop {
            let Some(line) = lines.next() else {
                bail!("`{name}` exited before it was ready");
            };
            if let Some(url) = ready(&line.with_context(|| format!("reading `{name}`"))?) {
                break url;
            }
        };
        // Keep draining stdout so that the server never blocks on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        Ok(server)
    }

    /// Its base URL, such as `http://127.0.0.1:40123`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Its process id (the benchmark reads its memory from /proc).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The first word of `line` that is an `http://` URL, without a trailing `/`.
fn url_in(line: &str) -> Option<&str> {
    line.split_whitespace()
        .find(|word| word.starts_with("http://"))
        .map(|url| url.trim_end_matches('/'))
}

/// A port free on loopback when asked (for servers that cannot be told port 0).
pub fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(script: &str) -> Command {
        let mut cmd = Command::new("sh");
        cmd.args(["-c", script]);
        cmd
    }

    #[test]
    fn finds_the_url_a_server_prints() {
        assert_eq!(
            url_in("invitations-mock listening on http://127.0.0.1:4123/ (Ctrl-C stops)"),
            Some("http://127.0.0.1:4123")
        );
        assert_eq!(url_in("Admin API: loopback only"), None);
    }

    #[test]
    fn a_server_is_ready_at_its_url_and_gone_after_drop() {
        let server = Server::start(
            "sh server",
            sh("echo starting; echo 'serving http://127.0.0.1:9/'; echo more; exec sleep 60"),
        )
        .unwrap();
        assert_eq!(server.url(), "http://127.0.0.1:9");
        let proc_dir = format!("/proc/{}", server.pid());
        assert!(Path::new(&proc_dir).exists());
        drop(server);
        // Killed and reaped: the process no longer exists, not even as a zombie.
        assert!(!Path::new(&proc_dir).exists(), "{proc_dir} still exists");
    }

    #[test]
    fn a_server_that_exits_before_its_url_is_an_error_naming_it() {
        let err = Server::start("quitter", sh("echo no url here"))
            .err()
            .unwrap()
            .to_string();
        assert!(
            err.contains("`quitter` exited before it was ready"),
            "{err}"
        );
    }

    #[test]
    fn a_failing_step_names_itself_and_a_missing_program_too() {
        let root = std::env::temp_dir();
        let err = run_step(&root, "exit 3", sh("exit 3"))
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("`exit 3` failed"), "{err}");
        assert!(run_step(&root, "exit 0", sh("exit 0")).is_ok());
        let missing = Command::new("/nonexistent/xtask-no-such-tool");
        let err = run_step(&root, "no such tool", missing)
            .unwrap_err()
            .to_string();
        assert_eq!(err, "could not start `no such tool`");
    }

    #[test]
    fn output_of_a_failed_command_carries_what_it_printed() {
        let out = output("greeter", sh("echo hello")).unwrap();
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "hello");
        let err = output("complainer", sh("echo out; echo why >&2; exit 1"))
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("`complainer` failed"), "{err}");
        assert!(err.contains("out\nwhy"), "{err}");
    }

    #[test]
    fn a_logged_command_writes_its_log_and_names_it_on_failure() {
        let log = std::env::temp_dir().join(format!("xtask-process-{}.log", std::process::id()));
        run_logged("printer", sh("echo to-out; echo to-err >&2"), &log).unwrap();
        let text = std::fs::read_to_string(&log).unwrap();
        assert!(text.contains("to-out") && text.contains("to-err"), "{text}");
        let err = run_logged("failer", sh("exit 2"), &log)
            .unwrap_err()
            .to_string();
        assert!(err.contains(&log.display().to_string()), "{err}");
        let _ = std::fs::remove_file(&log);
    }
}
