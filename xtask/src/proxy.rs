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
use serde_json::Value;

use crate::contract::Target;
use crate::mock::MockBuild;

/// Starts the mock binary and a proxy in front of it (both `--port 0`); runs the suite
/// through the proxy and checks the proxy's counts.
pub fn contract_through_proxy(root: &Path) -> Result<()> {
    let fixture = crate::mock::contract_fixture_flags(root)?;
    let mock = crate::mock::spawn(
        root,
        MockBuild::Test,
        &fixture.each_ref().map(String::as_str),
    )?;
    let proxy = crate::mock::spawn(
        root,
        MockBuild::Test,
        &["proxy", "--port", "0", "--upstream", mock.url()],
    )?;
    let proxy_url = proxy.url();
    println!(
        "proxy {proxy_url} in front of the mock binary {}",
        mock.url()
    );
    // The suite `cargo xtask ci` already built, on the standalone mock's profile pointed at
    // the proxy.
    let target = Target::Profile {
        path: root.join(crate::contract::LOCAL_MOCK_PROFILE),
        base_url: Some(proxy_url.to_owned()),
    };
    crate::contract::run_suite(root, &target, Default::default(), false, false)
        .context("the contract suite failed through the proxy")?;
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
        "proxy: {exchanges} exchanges checked, {violations} violations, {refused} requests \
         outside the contract refused as documented"
    );
    if exchanges == 0 {
        bail!("the proxy checked no exchange: the suite did not go through it");
    }
    if violations > 0 {
        let listed = get(proxy_url, "/__admin/violations")?;
        bail!(
            "the proxy found {violations} contract violation(s) in the mock's answers:\n{}",
            serde_json::to_string_pretty(&listed).unwrap_or_default()
        );
    }
    Ok(())
}

/// `GET base_url + path` over plain HTTP/1.1 and its JSON body.
pub(crate) fn get(base_url: &str, path: &str) -> Result<Value> {
    let authority = base_url
        .strip_prefix("http://")
        .with_context(|| format!("{base_url} is not http://"))?;
    let mut stream =
        TcpStream::connect(authority).with_context(|| format!("connecting to {authority}"))?;
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
    serde_json::from_str(body).with_context(|| format!("GET {path}: not JSON: {body}"))
}
