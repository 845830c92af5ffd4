//! The real `invitations-mock` binary: start on a free port, read the banner, serve a
//! request, stop cleanly on SIGTERM.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_invitations-mock");

struct Running {
    child: Child,
    lines: mpsc::Receiver<String>,
    banner: Vec<String>,
    /// Reads stderr all along, as a terminal would: an unread pipe fills up.
    stderr: Option<std::thread::JoinHandle<String>>,
}

impl Running {
    fn start(args: &[&str]) -> Running {
        Running::start_with(args, Some("info"))
    }

    /// Starts the binary with `RUST_LOG` set to `rust_log`, or unset.
    fn start_with(args: &[&str], rust_log: Option<&str>) -> Running {
        // The mock's banner ends with the curl example.
        Running::start_until(args, rust_log, |line| {
            line.trim_start().starts_with("curl ")
        })
    }

    /// Starts the binary and reads its banner up to the line `last` accepts.
    fn start_until(args: &[&str], rust_log: Option<&str>, last: fn(&str) -> bool) -> Running {
        let mut command = Command::new(BIN);
        match rust_log {
            Some(level) => command.env("RUST_LOG", level),
            None => command.env_remove("RUST_LOG"),
        };
        let mut child = command
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the binary starts");
        let stdout = child.stdout.take().unwrap();
        let mut stderr_pipe = child.stderr.take().unwrap();
        let stderr = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = stderr_pipe.read_to_string(&mut text);
            text
        });
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut running = Running {
            child,
            lines,
            banner: Vec::new(),
            stderr: Some(stderr),
        };
        while !running.banner.iter().any(|l| last(l)) {
            match running.lines.recv_timeout(Duration::from_secs(20)) {
                Ok(line) => running.banner.push(line),
                Err(_) => panic!("no complete banner within 20 s; got {:?}", running.banner),
            }
        }
        running
    }

    fn base_url(&self) -> String {
        self.banner
            .iter()
            .find_map(|l| l.strip_prefix("Base URL: "))
            .expect("the banner prints the base URL")
            .to_owned()
    }

    /// [`Running::terminate`], which must end in a clean exit; what it wrote to stderr.
    #[track_caller]
    fn stop(self) -> String {
        let (clean, stderr) = self.terminate();
        assert!(clean, "{stderr}");
        stderr
    }

    /// Sends SIGTERM and waits for the exit; returns whether it exited successfully and
    /// what it wrote to stderr.
    fn terminate(mut self) -> (bool, String) {
        let sigterm = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let graceful = match sigterm {
            Ok(status) => {
                assert!(status.success(), "kill -TERM failed");
                true
            }
            // No `kill` program on this machine: SIGKILL still shows the process goes away.
            Err(_) => {
                self.child.kill().unwrap();
                false
            }
        };
        let deadline = Instant::now() + Duration::from_secs(15);
        let exit = loop {
            if let Some(exit) = self.child.try_wait().unwrap() {
                break exit;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("the server did not exit within 15 s of SIGTERM");
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        let stderr = self
            .stderr
            .take()
            .map(|reader| reader.join().unwrap())
            .unwrap_or_default();
        (exit.success() || !graceful, stderr)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// The lines of `text` that contain `needle`.
fn lines_with<'t>(text: &'t str, needle: &str) -> Vec<&'t str> {
    text.lines().filter(|l| l.contains(needle)).collect()
}

#[test]
fn binary_serves_the_default_fixture_and_stops_on_sigterm() {
    let running = Running::start(&["--port", "0"]);
    let base = running.base_url();
    assert!(
        base.starts_with("http://127.0.0.1:") && !base.ends_with(":0"),
        "{base}"
    );
    let banner = running.banner.join("\n");
    for key in [
        "acme-manager-key",
        "globex-manager-key",
        "acme-viewer-key",
        "no usersManager",
    ] {
        assert!(
            banner.contains(key),
            "{key} missing from the banner:\n{banner}"
        );
    }

    // The printed curl line works as printed.
    let curl = running.banner.last().unwrap().trim().to_owned();
    let key = curl
        .split("Bearer ")
        .nth(1)
        .unwrap()
        .split('\'')
        .next()
        .unwrap()
        .to_owned();
    let url = curl
        .rsplit(" '")
        .next()
        .unwrap()
        .trim_end_matches('\'')
        .to_owned();
    assert!(url.starts_with(&base), "{curl}");
    let (status, body) = runtime().block_on(async {
        let response = reqwest::Client::new()
            .get(&url)
            .bearer_auth(&key)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json::<serde_json::Value>().await.unwrap())
    });
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["value"]["email"], "ada@example.com");
    assert_eq!(body["isSuccess"], true);

    let (clean, stderr) = running.terminate();
    assert!(
        clean,
        "exit after SIGTERM should be clean; stderr:\n{stderr}"
    );
    let log = stderr
        .lines()
        .find(|l| l.contains("invitations_by_email"))
        .unwrap_or_else(|| panic!("no request log line in:\n{stderr}"));
    assert!(
        log.contains("GET") && log.contains("status=200") && log.contains("duration_ms"),
        "{log}"
    );
    assert!(
        !stderr.contains(&key),
        "the API key leaked into the log:\n{stderr}"
    );
    assert!(
        !stderr.contains("ada@example.com"),
        "the query leaked into the log:\n{stderr}"
    );
}

/// Sends `n` by-email lookups over one connection and checks each answered 200.
fn lookups(base: &str, n: usize) {
    runtime().block_on(async {
        let client = reqwest::Client::new();
        for _ in 0..n {
            let status = client
                .get(format!(
                    "{base}/tenant/admin/user/invitations_by_email?email=ada@example.com"
                ))
                .bearer_auth("acme-manager-key")
                .send()
                .await
                .unwrap()
                .status();
            assert_eq!(status, 200);
        }
    });
}

#[test]
fn every_request_line_is_written_by_exit_even_right_after_a_burst() {
    // Default level (RUST_LOG unset): one line per request.
    let running = Running::start_with(&["--port", "0"], None);
    lookups(&running.base_url(), 500);
    // SIGTERM at once: lines still in the log's buffer must be written before exit.
    let stderr = running.stop();
    let lines = lines_with(
        &stderr,
        " request method=GET path=/tenant/admin/user/invitations_by_email ",
    );
    assert_eq!(lines.len(), 500, "request lines lost:\n{stderr}");
    assert!(
        lines
            .iter()
            .all(|l| l.contains(" INFO ") && l.contains("status=200 duration_ms=")),
        "{}",
        lines[0]
    );
    assert!(!stderr.contains("ada@example.com") && !stderr.contains("acme-manager-key"));
}

#[test]
fn quiet_drops_the_request_lines_and_rust_log_overrides_it() {
    let running = Running::start_with(&["--port", "0", "--quiet"], None);
    lookups(&running.base_url(), 3);
    let stderr = running.stop();
    assert!(
        !stderr.contains("request method="),
        "--quiet still logs requests:\n{stderr}"
    );

    let running = Running::start_with(&["--port", "0", "--quiet"], Some("info"));
    lookups(&running.base_url(), 3);
    let stderr = running.stop();
    assert_eq!(
        stderr.matches("request method=GET").count(),
        3,
        "RUST_LOG=info should win over --quiet:\n{stderr}"
    );

    // The request lines alone turned off (see `log::request`): the other INFO lines stay.
    let running = Running::start_with(&["--port", "0"], Some("info,invitations_mock::request=off"));
    lookups(&running.base_url(), 3);
    let stderr = running.stop();
    assert!(
        !stderr.contains("request method=") && stderr.contains(" INFO "),
        "invitations_mock::request=off:\n{stderr}"
    );
}

#[test]
fn binary_serves_a_fixture_file_and_refuses_a_broken_one() {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let good = dir.join("invitations-mock-fixture.json");
    let fixture = serde_json::json!({
        "tenants": [{"id": 7, "name": "Seven"}],
        "apiKeys": [{"key": "seven-key", "tenants": [7], "permissions": ["usersManager"]}],
        "invitations": [{"id": 70, "tenantId": 7, "email": "zoe@example.com", "status": "Cancelled", "createdAt": "now-1h"}]
    });
    std::fs::write(&good, fixture.to_string()).unwrap();
    let running = Running::start(&["--port", "0", "--fixture", good.to_str().unwrap()]);
    let base = running.base_url();
    let status = runtime().block_on(async {
        reqwest::Client::new()
            .post(format!("{base}/iam/v1/users/70/actions/resend"))
            .bearer_auth("seven-key")
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    });
    assert_eq!(status, 200);
    let (clean, _) = running.terminate();
    assert!(clean);

    let bad = dir.join("invitations-mock-broken-fixture.json");
    std::fs::write(&bad, r#"{"tenants": [], "apiKeys": [{"key": "k", "tenants": [1], "permissions": ["admin"]}], "invitations": []}"#).unwrap();
    let output = Command::new(BIN)
        .args(["--fixture", bad.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("tenant 1") && stderr.contains("\"admin\""),
        "{stderr}"
    );
}

#[test]
fn print_fixture_prints_the_shipped_default() {
    let output = Command::new(BIN).arg("--print-fixture").output().unwrap();
    assert!(output.status.success());
    let printed: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let shipped: serde_json::Value =
        serde_json::from_str(include_str!("../fixtures/default.json")).unwrap();
    assert_eq!(printed, shipped);
}

#[test]
fn the_proxy_logs_one_line_per_exchange_without_secrets() {
    let mock = Running::start_with(&["--port", "0", "--quiet"], None);
    let proxy = Running::start_until(
        &["proxy", "--port", "0", "--upstream", &mock.base_url()],
        None,
        |line| line.starts_with("Counts:"),
    );
    lookups(&proxy.base_url(), 3);
    let stderr = proxy.stop();
    let lines = lines_with(&stderr, " exchange ");
    assert_eq!(lines.len(), 3, "{stderr}");
    for line in lines {
        // `2026-11-23T17:33:29.020971Z  INFO invitations_mock::proxy::transport: exchange
        // method=GET path=/tenant/admin/user/invitations_by_email
        // operation="GetUserInvitationByEmail" status=200 duration_ms=0.823`
        let (stamp, rest) = line
            .split_once("Z  INFO ")
            .unwrap_or_else(|| panic!("{line}"));
        assert!(
            chrono::DateTime::parse_from_rfc3339(&format!("{stamp}Z")).is_ok(),
            "{line}"
        );
        let fields = rest
            .strip_prefix(
                "invitations_mock::proxy::transport: exchange method=GET \
                 path=/tenant/admin/user/invitations_by_email \
                 operation=\"GetUserInvitationByEmail\" status=200 duration_ms=",
            )
            .unwrap_or_else(|| panic!("{line}"));
        let (whole, millis) = fields.split_once('.').unwrap_or_else(|| panic!("{line}"));
        assert!(whole.parse::<u64>().is_ok() && millis.len() == 3, "{line}");
        assert!(millis.bytes().all(|b| b.is_ascii_digit()), "{line}");
    }
    assert!(!stderr.contains("ada@example.com") && !stderr.contains("acme-manager-key"));
    drop(mock);
}
