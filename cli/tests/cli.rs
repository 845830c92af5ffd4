//! The `invitations` binary against the embedded mock: stdout, stderr and exit code of each
//! run are snapshotted (YAML, timestamps and ports filtered).

use std::process::Command;

use invitations_mock::{fixture, InvitationsMock};
use serde::Serialize;

/// One run of the binary, as snapshotted: stdout and stderr as lists of lines, so that the
/// YAML shows tables as they look.
#[derive(Debug, Serialize)]
struct Run {
    command: String,
    exit_code: Option<i32>,
    stdout: Vec<String>,
    stderr: Vec<String>,
    #[serde(skip)]
    raw_stdout: String,
    #[serde(skip)]
    raw_stderr: String,
}

fn lines(text: &str) -> Vec<String> {
    text.lines().map(str::to_owned).collect()
}

/// Runs `invitations ARGS` with the base URL and key in the environment (when given) and
/// nothing else of the caller's `INVITATIONS_*` variables.
fn invitations(base_url: Option<&str>, key: Option<&str>, args: &[&str]) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_invitations"));
    command
        .env_remove("INVITATIONS_BASE_URL")
        .env_remove("INVITATIONS_API_KEY")
        .env_remove("RUST_LOG")
        .env("NO_COLOR", "1")
        .args(args);
    if let Some(url) = base_url {
        command.env("INVITATIONS_BASE_URL", url);
    }
    if let Some(key) = key {
        command.env("INVITATIONS_API_KEY", key);
    }
    let output = command.output().expect("the binary runs");
    let stdout = String::from_utf8(output.stdout).expect("utf-8 stdout");
    let stderr = String::from_utf8(output.stderr).expect("utf-8 stderr");
    Run {
        command: format!("invitations {}", args.join(" ")),
        exit_code: output.status.code(),
        stdout: lines(&stdout),
        stderr: lines(&stderr),
        raw_stdout: stdout,
        raw_stderr: stderr,
    }
}

/// A run with one of the fixture's keys: [`manager`] or [`viewer`].
type RunAs = fn(&InvitationsMock, &[&str]) -> Run;

/// As the fixture's manager of tenant 1024.
fn manager(mock: &InvitationsMock, args: &[&str]) -> Run {
    invitations(Some(&mock.uri()), Some(fixture::ACME_MANAGER_KEY), args)
}

/// As a key of tenant 1024 without the `usersManager` permission.
fn viewer(mock: &InvitationsMock, args: &[&str]) -> Run {
    invitations(Some(&mock.uri()), Some(fixture::ACME_VIEWER_KEY), args)
}

/// What a successful run printed, as JSON.
#[track_caller]
fn printed_json(run: &Run) -> serde_json::Value {
    assert_eq!(run.exit_code, Some(0), "{run:?}");
    serde_json::from_str(&run.raw_stdout).expect("stdout is JSON")
}

macro_rules! snapshot {
    ($name:expr, $run:expr) => {
        insta::with_settings!({
            filters => vec![
                // As wide as the value it replaces, so that tables stay aligned.
                (r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})", "YYYY-MM-DDTHH:MM:SSZ"),
                (r"127\.0\.0\.1:\d+", "127.0.0.1:[PORT]"),
            ],
            omit_expression => true,
        }, {
            insta::assert_yaml_snapshot!($name, $run);
        });
    };
}

// ---- resend-invite (IAM surface) ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resend_invite_table() {
    let mock = InvitationsMock::start().await;
    let before = mock.outbox().len();
    let run = manager(&mock, &["resend-invite", "9003"]);
    assert_eq!(run.exit_code, Some(0), "{run:?}");
    assert_eq!(mock.outbox().len(), before + 1, "one email");
    snapshot!("resend_invite_table", run);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resend_invite_json_with_the_alias() {
    let mock = InvitationsMock::start().await;
    let run = manager(&mock, &["resendinvite", "9002", "--output", "json"]);
    assert_eq!(printed_json(&run)["inviteId"], "9002");
    snapshot!("resend_invite_json", run);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resend_invite_dry_run_sends_nothing() {
    let mock = InvitationsMock::start().await;
    let before = mock.outbox().len();
    let token = mock.invitation(fixture::CANCELLED_ID).unwrap().token;
    let run = manager(&mock, &["resend-invite", "9003", "--dry-run"]);
    assert_eq!(run.exit_code, Some(0), "{run:?}");
    assert_eq!(mock.outbox().len(), before, "no email");
    assert_eq!(mock.invitation(fixture::CANCELLED_ID).unwrap().token, token);
    snapshot!("resend_invite_dry_run", run);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resend_invite_idempotency_key_makes_a_repeat_safe() {
    let mock = InvitationsMock::start().await;
    let before = mock.outbox().len();
    let args = ["resend-invite", "9003", "--idempotency-key", "ticket-42"];
    let first = manager(&mock, &args);
    let second = manager(&mock, &args);
    assert_eq!(first.exit_code, Some(0), "{first:?}");
    assert_eq!(second.exit_code, Some(0), "{second:?}");
    assert_eq!(first.raw_stdout, second.raw_stdout);
    assert_eq!(mock.outbox().len(), before + 1, "one email for two runs");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resend_invite_not_found() {
    let mock = InvitationsMock::start().await;
    let run = manager(&mock, &["resend-invite", "7"]);
    assert_eq!(run.exit_code, Some(1), "{run:?}");
    assert_eq!(
        run.raw_stderr,
        "error: 404 Not Found: No invite exists with id 7.\n"
    );
    snapshot!("resend_invite_not_found", run);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resend_invite_unknown_key_with_base_url_flag() {
    let mock = InvitationsMock::start().await;
    let uri = mock.uri();
    let run = invitations(
        None,
        None,
        &[
            "--base-url",
            &uri,
            "--api-key",
            "wrong-key",
            "resend-invite",
            "9003",
        ],
    );
    assert_eq!(run.exit_code, Some(1), "{run:?}");
    assert!(!run.raw_stderr.contains("wrong-key"), "{run:?}");
    snapshot!("resend_invite_unauthorized", run);
}

// ---- resend-invitation (tenant surface) ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resend_invitation_table() {
    let mock = InvitationsMock::start().await;
    let before = mock.outbox().len();
    let run = manager(&mock, &["resend-invitation", "--tenant", "1024", "9001"]);
    assert_eq!(run.exit_code, Some(0), "{run:?}");
    assert_eq!(mock.outbox().len(), before + 1);
    snapshot!("resend_invitation_table", run);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resend_invitation_json() {
    let mock = InvitationsMock::start().await;
    let args = [
        "resend-invitation",
        "--tenant",
        "1024",
        "9005",
        "--output",
        "json",
    ];
    let run = manager(&mock, &args);
    assert_eq!(printed_json(&run)[0]["id"], 9005);
    snapshot!("resend_invitation_json", run);
}

// ---- invitation-by-email (tenant surface) ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invitation_by_email_json() {
    let mock = InvitationsMock::start().await;
    let args = ["invitation-by-email", "ADA@example.com", "--output", "json"];
    let run = manager(&mock, &args);
    assert_eq!(printed_json(&run)["email"], "ada@example.com");
    snapshot!("invitation_by_email_json", run);
}

// ---- usage errors, help, transport failures ----

/// Runs that need no check beyond their exit code and snapshot, each against a fresh mock:
/// (snapshot, key, arguments, exit code).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_exit_with_their_code_and_say_why() {
    let rows: [(&str, RunAs, &[&str], i32); 7] = [
        (
            "resend_invite_forbidden",
            viewer,
            &["resend-invite", "9003"],
            1,
        ),
        (
            "resend_invitation_not_found",
            manager,
            &["resend-invitation", "--tenant", "1024", "999999"],
            1,
        ),
        (
            "resend_invitation_not_pending",
            manager,
            &["resend-invitation", "--tenant", "1024", "9003"],
            1,
        ),
        (
            "resend_invitation_forbidden",
            viewer,
            &["resend-invitation", "--tenant", "1024", "9001"],
            1,
        ),
        (
            "invitation_by_email_table",
            manager,
            &["invitation-by-email", "ada@example.com"],
            0,
        ),
        (
            "invitation_by_email_not_found",
            manager,
            &["invitation-by-email", "nobody@example.com"],
            1,
        ),
        (
            "invitation_by_email_forbidden",
            viewer,
            &["invitation-by-email", "ada@example.com"],
            1,
        ),
    ];
    for (name, key, args, exit_code) in rows {
        let mock = InvitationsMock::start().await;
        let run = key(&mock, args);
        assert_eq!(run.exit_code, Some(exit_code), "{run:?}");
        snapshot!(name, run);
    }
}

/// Usage errors: exit code 2 before any request (snapshot, base URL, arguments).
#[test]
fn usage_errors_exit_2() {
    let rows: [(&str, Option<&str>, &[&str]); 5] = [
        (
            "usage_missing_tenant",
            Some("http://127.0.0.1:1"),
            &["resend-invitation", "9001"],
        ),
        (
            "usage_zero_tenant",
            Some("http://127.0.0.1:1"),
            &["resend-invitation", "--tenant", "0", "9001"],
        ),
        (
            "usage_unknown_output",
            Some("http://127.0.0.1:1"),
            &["invitation-by-email", "a@b.c", "--output", "yaml"],
        ),
        ("usage_no_base_url", None, &["resend-invite", "9003"]),
        (
            "usage_bad_base_url",
            Some("localhost:8080"),
            &["resend-invite", "9003"],
        ),
    ];
    for (name, base_url, args) in rows {
        let run = invitations(base_url, None, args);
        assert_eq!(run.exit_code, Some(2), "{run:?}");
        snapshot!(name, run);
    }
}

#[test]
fn help_of_each_command_shows_an_example() {
    for command in ["resend-invite", "resend-invitation", "invitation-by-email"] {
        let run = invitations(None, Some("secret-in-env"), &[command, "--help"]);
        assert_eq!(run.exit_code, Some(0), "{run:?}");
        assert!(run.raw_stdout.contains("Example"), "{run:?}");
        assert!(
            run.raw_stdout.contains(&format!("invitations {command} ")),
            "{run:?}"
        );
        assert!(
            !run.raw_stdout.contains("secret-in-env"),
            "key shown in help: {run:?}"
        );
        snapshot!(format!("help_{command}"), run);
    }
}

#[test]
fn unreachable_server_fails_with_exit_1() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let run = invitations(Some(&url), Some("k"), &["invitation-by-email", "a@b.c"]);
    assert_eq!(run.exit_code, Some(1), "{run:?}");
    assert!(
        run.raw_stderr
            .starts_with("error: could not connect to the server"),
        "{run:?}"
    );
}
