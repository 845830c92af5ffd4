//! `cargo xtask contract-through-proxy`: the contract suite sent through
//! `invitations-mock proxy` in front of the standalone mock, which must count 0 violations.
//!
//! The suite runs unchanged against a deployment profile whose base URL is the proxy's; the
//! proxy forwards to the mock binary and checks every exchange against the spec. Afterwards
//! its `/__admin/health` must show the suite's exchanges and no violation, or the step fails
//! and prints `/__admin/violations`. Mock-only cases (clock, faults) are skipped on a
//! deployment profile, as with `cargo xtask contract --binary`.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::Duration;

use anyhow::{bail, Context, Result};

use crate::contract::MockBuild;

/// Starts the mock binary and a proxy in front of it (both `--port 0`); runs the suite
/// through the proxy and checks the proxy's counts.
pub fn contract_through_proxy(root: &Path) -> Result<()> {
    let fixture = crate::contract::contract_fixture_flags(root)?;
    let fixture: Vec<&str> = fixture.iter().map(String::as_str).collect();
    let (_mock, mock_url) = crate::contract::spawn_mock(root, MockBuild::Test, &fixture)?;
    let (_proxy, proxy_url) = crate::contract::spawn_mock(
        root,
        MockBuild::Test,
        &["proxy", "--port", "0", "--upstream", &mock_url],
    )?;
    println!("proxy {proxy_url} in front of the mock binary {mock_url}");
    let path = crate::contract::write_local_profile(
        root,
        &proxy_url,
        false,
        None,
        "contract-through-proxy.toml",
    )?;
    // Through `contract::run`, so the suite is the one `cargo xtask ci` already built.
    crate::contract::run(
        root,
        crate::contract::ContractArgs {
            target: Some(path),
            junit: None,
            binary: false,
            release: false,
            conforming: false,
            update_snapshots: false,
            maildev: false,
        },
    )
    .context("the contract suite failed through the proxy")?;
    let health = get(&proxy_url, "/__admin/health")?;
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
        "proxy: {exchanges} exchanges checked, {violations} violations, {refused} requests \
         outside the contract refused as documented"
    );
    if exchanges == 0 {
        bail!("the proxy checked no exchange: the suite did not go through it");
    }
    if violations > 0 {
        let listed = get(&proxy_url, "/__admin/violations")?;
        bail!(
            "the proxy found {violations} contract violation(s) in the mock's answers:\n{}",
            serde_yaml::to_string(&listed).unwrap_or_default()
        );
    }
    Ok(())
}

/// `GET base_url + path` over plain HTTP/1.1 and its JSON body (JSON is YAML).
fn get(base_url: &str, path: &str) -> Result<serde_yaml::Value> {
    let authority = base_url
        .strip_prefix("http://")
        .context("the proxy URL is not http://")?;
    let mut stream = TcpStream::connect(authority)
        .with_context(|| format!("connecting to the proxy at {authority}"))?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\r\n"
    )?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer)?;
    let (head, body) = answer
        .split_once("\r\n\r\n")
        .with_context(|| format!("GET {path}: not an HTTP answer: {answer:?}"))?;
    if !head.starts_with("HTTP/1.1 200") {
        bail!(
            "GET {path} answered {}",
            head.lines().next().unwrap_or(head)
        );
    }
    serde_yaml::from_str(body).with_context(|| format!("GET {path}: not JSON: {body}"))
}
