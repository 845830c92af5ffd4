//! The proxy's rows of `cargo xtask bench`: `invitations-mock proxy` in front of the mock
//! binary against the mock alone on by-email (req/s ratio, target >= 0.5), against the
//! baseline `bare-proxy` (target >= 0.85), and the proxy's RSS after N proxied requests
//! (target < 64 MiB at 1,000,000).
//!
//! `bare-proxy` (bench/src/bin/bare-proxy.rs: hyper, each request streamed to the upstream and
//! back, no checks, no log) runs in front of the same mock in the same alternating run: what
//! the second HTTP hop alone costs on this machine, where load generator, proxy and mock share
//! the cores. `proxy / bare-proxy` is then the price of the checks (and of the proxy's log,
//! timeouts and body limits), the one figure the proxy's own code decides.

use std::path::Path;

use super::measure::{loadgen, vm_rss_kib, Amount, Params, Template, CONNECTIONS, WARMUP_REQUESTS};
use super::render::{self, mib, thousands, Table};
use crate::mock::{self, MockBuild};

/// Measures the proxy against the mock alone and adds its rows.
pub(super) fn section(root: &Path, params: &Params, table: &mut Table) {
    println!("==> proxy in front of the mock binary vs the mock alone, by-email");
    let started = (|| {
        let mock = mock::spawn(root, MockBuild::Release, &[])?;
        let proxy = mock::spawn(
            root,
            MockBuild::Release,
            &["proxy", "--port", "0", "--upstream", mock.url()],
        )?;
        let mut bare =
            crate::artifacts::command(&crate::artifacts::release_bin(root, "bare-proxy")?)?;
        bare.args(["--port", "0", "--upstream", mock.url()])
            .stderr(std::process::Stdio::null());
        let bare = crate::process::Server::start("bare-proxy --port 0", bare)?;
        anyhow::Ok((mock, proxy, bare))
    })();
    let (mock, proxy, bare) = match started {
        Ok(started) => started,
        Err(err) => {
            table.failed("proxy / mock req/s, by-email", ">= 0.50", &err);
            return;
        }
    };
    let (direct, proxied, passed) = (mock.url(), proxy.url(), bare.url());

    match loadgen(
        root,
        [proxied, passed, direct],
        Template::Get,
        params.timed(),
        CONNECTIONS,
    ) {
        Ok([p, b, m]) => {
            table.info(
                "proxy in front of the mock, GET invitations_by_email",
                render::load(&p),
            );
            table.info(
                "bare-proxy (hyper pass-through, no checks) in front of the mock, same run",
                render::load(&b),
            );
            table.info(
                "mock alone (same run), GET invitations_by_email",
                render::load(&m),
            );
            table.ratio_at_least("proxy / mock req/s, GET invitations_by_email", &p, &m, 0.5);
            table.info(
                "bare-proxy / mock req/s (the second hop alone, no checks)",
                render::ratio(&b, &m),
            );
            let checks = "proxy / bare-proxy req/s (the price of the checks)";
            table.ratio_at_least(checks, &p, &b, 0.85);
        }
        Err(err) => table.failed("proxy / mock req/s, by-email", ">= 0.50", &err),
    }

    let target = if params.quick {
        "< 64 MiB (at 1,000,000)"
    } else {
        "< 64 MiB"
    };
    let memory = (|| {
        loadgen(
            root,
            [proxied],
            Template::Get,
            Amount::Requests(WARMUP_REQUESTS),
            4,
        )?;
        let start = vm_rss_kib(proxy.pid())?;
        println!(
            "    sending {} by-email requests through the proxy",
            params.rss_requests
        );
        loadgen(
            root,
            [proxied],
            Template::Get,
            Amount::Requests(params.rss_requests),
            CONNECTIONS,
        )?;
        anyhow::Ok((start, vm_rss_kib(proxy.pid())?))
    })();
    match memory {
        Ok((start, end)) => {
            table.info(
                format!("proxy RSS at start (after {WARMUP_REQUESTS} requests)"),
                mib(start),
            );
            table.checked(
                format!(
                    "proxy RSS after {} proxied by-email requests",
                    thousands(WARMUP_REQUESTS + params.rss_requests)
                ),
                mib(end),
                target,
                end < 64 * 1024,
            );
        }
        Err(err) => table.failed("proxy RSS after N proxied requests", target, &err),
    }
    drop(bare);
    drop(proxy);
    drop(mock);
}
