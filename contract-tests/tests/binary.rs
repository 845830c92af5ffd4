//! The installed program, `invitations-contract`, as QA runs it: a run that cannot start
//! stops before any case, in a few lines that say why, with exit code 2. Each test starts the
//! binary it tests against something on loopback: a closed port, the embedded mock with a
//! wrong key in the profile, a TLS server whose certificate nobody trusts.
//!
//! The certificate in `tests/fixtures/` is self-signed for 127.0.0.1, made once with
//! `openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 36500
//! -subj /CN=localhost -addext subjectAltName=IP:127.0.0.1,DNS:localhost`; its key protects
//! nothing but this test.

use std::path::PathBuf;
use std::process::Command;

use invitations_mock::{fixture as f, InvitationsMock};

/// What a run printed and how it ended.
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Run {
    fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }

    fn lines(&self) -> usize {
        self.all().lines().count()
    }
}

/// A profile for `base_url`, the default fixture's invitations, and `manager` as the key.
fn profile(base_url: &str, manager: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "contract-binary-test-{}-{}",
        std::process::id(),
        base_url.replace(['/', ':', '.'], "_")
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("profile.toml");
    std::fs::write(
        &path,
        format!(
            r#"
name = "preflight test"
base_url = "{base_url}"
tenant_id = {tenant}
other_tenant_id = {other}

[keys]
manager = "{manager}"
viewer = "{viewer}"
other_tenant = "{other_key}"

[invitations]
pending_id = {pending}
pending_email = "{pending_email}"
declined_id = {declined}
declined_email = "bob@example.com"
cancelled_id = {cancelled}
expired_id = {expired}
unknown_id = {unknown}
other_tenant_pending_id = {globex_pending}
other_tenant_email = "{globex_email}"
"#,
            tenant = f::ACME_TENANT,
            other = f::GLOBEX_TENANT,
            viewer = f::ACME_VIEWER_KEY,
            other_key = f::GLOBEX_MANAGER_KEY,
            pending = f::PENDING_ID,
            pending_email = f::PENDING_EMAIL,
            declined = f::DECLINED_ID,
            cancelled = f::CANCELLED_ID,
            expired = f::EXPIRED_ID,
            unknown = f::UNKNOWN_ID,
            globex_pending = f::GLOBEX_PENDING_ID,
            globex_email = f::GLOBEX_EMAIL,
        ),
    )
    .unwrap();
    path
}

/// Runs the program on `profile` (the caller's CONTRACT_* variables removed), off the
/// runtime's threads so that an in-process server keeps answering.
async fn run(profile: PathBuf, extra: &'static [&'static str]) -> Run {
    tokio::task::spawn_blocking(move || {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_invitations-contract"));
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("CONTRACT_") {
                cmd.env_remove(name);
            }
        }
        let out = cmd
            .arg("--target")
            .arg(&profile)
            .args(extra)
            .output()
            .expect("the binary starts");
        Run {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    })
    .await
    .unwrap()
}

/// A loopback port nothing listens on (bound, then released).
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreachable_target_stops_the_run_in_a_few_lines() {
    let url = format!("http://127.0.0.1:{}", closed_port());
    let run = run(profile(&url, f::ACME_MANAGER_KEY), &[]).await;
    assert_eq!(run.code, Some(2), "{}", run.all());
    assert!(
        run.stderr
            .contains(&format!("contract: cannot start: {url} cannot be reached"))
            && run.stderr.contains("the connection is refused"),
        "{}",
        run.all()
    );
    assert!(run.lines() <= 6, "{} lines:\n{}", run.lines(), run.all());
    assert!(
        !run.all().contains("running"),
        "no case may run: {}",
        run.all()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_key_is_named_by_its_role_and_never_printed() {
    let mock = InvitationsMock::start().await;
    let wrong = "wrong-key-s3cret-4d1e";
    let run = run(profile(&mock.uri(), wrong), &[]).await;
    assert_eq!(run.code, Some(2), "{}", run.all());
    assert!(
        run.stderr.contains("the manager key is refused")
            && run.stderr.contains("keys.manager")
            && run.stderr.contains("CONTRACT_MANAGER_KEY"),
        "{}",
        run.all()
    );
    assert!(
        !run.all().contains(wrong),
        "the key was printed: {}",
        run.all()
    );
    assert!(run.lines() <= 6, "{} lines:\n{}", run.lines(), run.all());
    // The same profile with the right key gets past the preflight.
    let good = run_listing(profile(&mock.uri(), f::ACME_MANAGER_KEY)).await;
    assert_eq!(good.code, Some(0), "{}", good.all());
}

/// `--list` after the preflight would be a run without cases; `--exact` with a read-only
/// case shows the preflight let a good profile through.
async fn run_listing(profile: PathBuf) -> Run {
    run(
        profile,
        &["--exact", "by_email_finds_the_pending_invitation"],
    )
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_tls_error_is_named_as_such() {
    let identity = native_tls::Identity::from_pkcs8(
        include_bytes!("fixtures/self-signed-cert.pem"),
        include_bytes!("fixtures/self-signed-key.pem"),
    )
    .unwrap();
    let acceptor =
        tokio_native_tls::TlsAcceptor::from(native_tls::TlsAcceptor::new(identity).unwrap());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("https://{}", listener.local_addr().unwrap());
    let server = tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let acceptor = acceptor.clone();
            // The client refuses the certificate: the handshake ends there.
            tokio::spawn(async move { drop(acceptor.accept(stream).await) });
        }
    });
    let run = run(profile(&url, f::ACME_MANAGER_KEY), &[]).await;
    server.abort();
    assert_eq!(run.code, Some(2), "{}", run.all());
    assert!(
        run.stderr
            .contains(&format!("{url} cannot be reached: the TLS handshake fails")),
        "{}",
        run.all()
    );
    assert!(run.lines() <= 6, "{} lines:\n{}", run.lines(), run.all());
}

#[tokio::test(flavor = "multi_thread")]
async fn without_the_preflight_each_case_names_the_cause() {
    let url = format!("http://127.0.0.1:{}", closed_port());
    let run = run(
        profile(&url, f::ACME_MANAGER_KEY),
        &["--no-preflight", "--exact", "by_email_unknown_key_is_401"],
    )
    .await;
    assert_eq!(run.code, Some(1), "a contract failure: {}", run.all());
    assert!(
        run.stdout.contains("request failed")
            && run.stdout.to_lowercase().contains("connection refused"),
        "{}",
        run.all()
    );
}
