//! `cargo xtask contract-through-proxy`: the contract suite sent through
//! `invitations-mock proxy` in front of the standalone mock, which must count 0 violations,
//! and a recording of that traffic served back.
//!
//! Twice: in front of the mock as it ships, then in front of its conforming variant
//! (`--alternative`: only required fields, another check order, other wording), a second
//! implementation the proxy must not flag either. The suite runs unchanged against a
//! deployment profile whose base URL is the proxy's; afterwards the proxy's
//! `/__admin/health` must show the suite's exchanges and no violation, or the step fails and
//! prints `/__admin/violations`. Mock-only cases (clock, faults) are skipped on a deployment
//! profile, as with `cargo xtask contract --binary`.
//!
//! The second proxy records (`--record`): the variant omits `tenantId` and `expiresAt`, what
//! a recording must make up for. The recording is then served by the mock binary
//! (`--fixture`), as a user would: every recorded invitation must be filed under the tenant
//! the deployment has it in, a pending one must be found by the by-email lookup with a
//! recorded key, and the start banner's curl line must answer 200 (run with `curl` when it
//! is installed).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{bail, ensure, Context, Result};
use serde_json::Value;

use crate::contract::Target;
use crate::mock::MockBuild;

/// Runs the suite through a proxy in front of each variant of the mock binary, then serves
/// the recording made in front of the conforming one.
pub fn contract_through_proxy(root: &Path) -> Result<()> {
    through_proxy(root, false, None)?;
    let recording = crate::artifacts::target_dir(root)?.join("contract-through-proxy-seen.json");
    let truth = through_proxy(root, true, Some(&recording))?;
    serve_recording(root, &recording, &truth)
}

/// Starts the mock binary (`alternative`: its conforming variant) and a proxy in front of it
/// (both `--port 0`, the proxy recording to `record`); runs the suite through the proxy,
/// checks the proxy's counts, and returns the mock's invitations as its admin API lists
/// them at the end.
fn through_proxy(root: &Path, alternative: bool, record: Option<&Path>) -> Result<Vec<Value>> {
    let mut flags = crate::mock::contract_fixture_flags(root)?.to_vec();
    if alternative {
        flags.push("--alternative".to_owned());
    }
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    let mock = crate::mock::spawn(root, MockBuild::Test, &flags)?;
    let mut proxy_args = vec!["proxy", "--port", "0", "--upstream", mock.url()];
    let record_text = record.map(|path| path.to_string_lossy().into_owned());
    if let Some(path) = &record_text {
        let _ = std::fs::remove_file(path);
        proxy_args.extend(["--record", path]);
    }
    let proxy = crate::mock::spawn(root, MockBuild::Test, &proxy_args)?;
    let proxy_url = proxy.url();
    let variant = if alternative {
        "its conforming variant (--alternative)"
    } else {
        "the mock binary"
    };
    println!("proxy {proxy_url} in front of {variant} {}", mock.url());
    // The suite `cargo xtask ci` already built, on the standalone mock's profile (the
    // variant's, for the variant) pointed at the proxy.
    let target = Target::Profile {
        path: crate::contract::binary_profile(root, alternative)?,
        base_url: Some(proxy_url.to_owned()),
    };
    crate::contract::run_suite(root, &target, Default::default(), false, false)
        .with_context(|| format!("the contract suite failed through the proxy ({variant})"))?;
    let health = get(proxy_url, "/__admin/health")?;
    let count = |name: &str| -> Result<u64> {
        health[name]
            .as_u64()
            .with_context(|| format!("/__admin/health has no {name}: {health:?}"))
    };
    let (exchanges, violations, refused) = (
        count("exchanges")?,
        count("violations")?,
        count("refusedInvalidRequests")?,
    );
    println!(
        "proxy ({variant}): {exchanges} exchanges checked, {violations} violations, {refused} \
         requests outside the contract refused as documented"
    );
    if exchanges == 0 {
        bail!("the proxy checked no exchange: the suite did not go through it");
    }
    if violations > 0 {
        let listed = get(proxy_url, "/__admin/violations")?;
        bail!(
            "the proxy found {violations} contract violation(s) in the answers of {variant}:\n{}",
            serde_json::to_string_pretty(&listed).unwrap_or_default()
        );
    }
    let invitations = get(mock.url(), "/__admin/invitations")?;
    invitations
        .as_array()
        .cloned()
        .context("/__admin/invitations is not a list")
}

/// Serves `recording` with the mock binary and checks it against `truth`, the recorded
/// deployment's invitations.
fn serve_recording(root: &Path, recording: &Path, truth: &[Value]) -> Result<()> {
    let text = std::fs::read_to_string(recording)
        .with_context(|| format!("the proxy wrote no recording at {}", recording.display()))?;
    let fixture: Value = serde_json::from_str(&text).context("the recording is not JSON")?;
    let invitations = fixture["invitations"]
        .as_array()
        .context("the recording has no invitations list")?;
    ensure!(!invitations.is_empty(), "the recording holds no invitation");
    let mut pending = Vec::new();
    for invitation in invitations {
        let (id, tenant, email) = (
            &invitation["id"],
            &invitation["tenantId"],
            invitation["email"].as_str().unwrap_or_default(),
        );
        let Some(seen) = truth.iter().find(|t| t["id"] == *id) else {
            bail!("invitation {id} is recorded but the deployment no longer has it: {invitation}");
        };
        // A tenant the traffic never showed is made up for the key that saw the invitation.
        let made_up = fixture["tenants"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|t| {
                t["id"] == *tenant && t["name"].as_str().is_some_and(|n| n.contains("made up"))
            });
        ensure!(
            made_up || seen["tenantId"] == *tenant,
            "invitation {id} is recorded in tenant {tenant}; the deployment has it in {}",
            seen["tenantId"]
        );
        if !email.ends_with("@recorded.invalid") {
            ensure!(
                seen["email"] == email,
                "invitation {id} is recorded for {email}; the deployment has {}",
                seen["email"]
            );
        }
        if invitation["status"] == "Pending" && seen["status"] == "Pending" {
            pending.push((email.to_owned(), tenant.clone(), id.clone()));
        }
    }
    // As a user starts it; ready once its banner printed the curl line.
    let mut cmd = Command::new(crate::mock::executable(root, MockBuild::Test)?);
    cmd.args(["--port", "0", "--fixture"])
        .arg(recording)
        .stderr(std::process::Stdio::null());
    let (mut base, mut curl_line) = (None, None);
    let replay = crate::process::Server::start_when("invitations-mock --fixture", cmd, |line| {
        let line = line.trim();
        if let Some(url) = line.strip_prefix("Base URL: ") {
            base = Some(url.to_owned());
        }
        if line.starts_with("curl ") {
            curl_line = Some(line.to_owned());
            return base.clone();
        }
        None
    })?;
    println!(
        "recording {} ({} invitations) served by {}",
        recording.display(),
        invitations.len(),
        replay.url()
    );
    // Each pending invitation, looked up with a recorded key that manages its tenant.
    for (email, tenant, id) in pending.iter().filter(|(e, ..)| !e.ends_with(".invalid")) {
        let key = fixture["apiKeys"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|k| {
                k["tenants"].as_array().is_some_and(|t| t.contains(tenant))
                    && k["permissions"].as_array().is_some_and(|p| !p.is_empty())
            })
            .and_then(|k| k["key"].as_str())
            .with_context(|| format!("no recorded key manages tenant {tenant}"))?;
        let answer = get_with_key(
            replay.url(),
            &format!("/tenant/admin/user/invitations_by_email?email={email}"),
            key,
        )?;
        ensure!(
            answer["value"]["id"] == *id,
            "the replay does not find pending invitation {id} ({email}): {answer}"
        );
    }
    let curl_line = curl_line.context("the mock printed no curl line")?;
    let status = run_curl_line(&curl_line)?;
    ensure!(
        status == 200,
        "the banner's `{curl_line}` answered {status}, not 200"
    );
    println!(
        "replay: {} pending invitations found as the deployment has them; the banner's curl \
         line answers 200",
        pending.len()
    );
    Ok(())
}

/// Runs the banner's `curl -H 'Authorization: Bearer KEY' 'URL'` and returns the status:
/// with curl itself when it is installed, else the same request over a socket.
fn run_curl_line(line: &str) -> Result<u16> {
    let quoted: Vec<&str> = line.split('\'').skip(1).step_by(2).collect();
    let [header, url] = quoted[..] else {
        bail!("the banner's curl line is not `curl -H '...' '...'`: {line}");
    };
    let mut curl = Command::new("curl");
    curl.args([
        "-s",
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        "-H",
        header,
        url,
    ]);
    match crate::process::output("curl (the banner's line)", curl) {
        Ok(out) => Ok(String::from_utf8_lossy(&out.stdout).trim().parse()?),
        Err(err) if which_curl().is_none() => {
            println!("curl is not installed ({err:#}); sending the banner's request directly");
            let key = header
                .strip_prefix("Authorization: Bearer ")
                .context("the curl line's header is not a bearer key")?;
            let (base, path) = split_url(url)?;
            let answer = request(base, path, Some(key))?;
            Ok(answer.0)
        }
        Err(err) => Err(err),
    }
}

fn which_curl() -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("curl"))
            .find(|path| path.is_file())
    })
}

/// `http://HOST:PORT/path?query` as its base and its path with the query.
fn split_url(url: &str) -> Result<(&str, &str)> {
    let rest = url.strip_prefix("http://").context("not an http:// URL")?;
    let at = rest.find('/').unwrap_or(rest.len());
    Ok((&url[..7 + at], &rest[at..]))
}

/// `GET base_url + path` over plain HTTP/1.1 and its JSON body (a 200 is required).
pub(crate) fn get(base_url: &str, path: &str) -> Result<Value> {
    let (status, body) = request(base_url, path, None)?;
    ensure!(status == 200, "GET {path} answered {status}: {body}");
    serde_json::from_str(&body).with_context(|| format!("GET {path}: not JSON: {body}"))
}

/// `GET base_url + path` with a bearer key; the JSON body, whatever the status.
fn get_with_key(base_url: &str, path: &str, key: &str) -> Result<Value> {
    let (_, body) = request(base_url, path, Some(key))?;
    serde_json::from_str(&body).with_context(|| format!("GET {path}: not JSON: {body}"))
}

/// `GET base_url + path` over plain HTTP/1.1: the status and the body.
fn request(base_url: &str, path: &str, key: Option<&str>) -> Result<(u16, String)> {
    let authority = base_url
        .strip_prefix("http://")
        .with_context(|| format!("{base_url} is not http://"))?;
    let mut stream =
        TcpStream::connect(authority).with_context(|| format!("connecting to {authority}"))?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let auth = key
        .map(|key| format!("Authorization: Bearer {key}\r\n"))
        .unwrap_or_default();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {authority}\r\n{auth}Connection: close\r\n\r\n"
    )?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer)?;
    let (head, body) = answer
        .split_once("\r\n\r\n")
        .with_context(|| format!("GET {path}: not an HTTP answer: {answer:?}"))?;
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .with_context(|| format!("GET {path}: no status in {head:?}"))?;
    Ok((status, body.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_split_into_base_and_path() {
        assert_eq!(
            split_url("http://127.0.0.1:80/a/b?c=d").unwrap(),
            ("http://127.0.0.1:80", "/a/b?c=d")
        );
        assert_eq!(
            split_url("http://127.0.0.1:80").unwrap(),
            ("http://127.0.0.1:80", "")
        );
        assert!(split_url("https://x").is_err());
    }
}
