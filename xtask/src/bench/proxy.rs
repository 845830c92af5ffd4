//! The proxy's rows of `cargo xtask bench`: `invitations-mock proxy` in front of the mock
//! binary against the mock alone on by-email (req/s ratio, target >= 0.5), and the proxy's
//! RSS after N proxied requests (target < 64 MiB at 1,000,000).

use std::path::Path;

use super::{
    loadgen, mib, thousands, vm_rss_kib, Amount, Params, Table, Template, BY_EMAIL_PATH,
    CONNECTIONS, WARMUP_REQUESTS,
};

pub(super) fn section(root: &Path, params: &Params, table: &mut Table) {
    println!("==> proxy in front of the mock binary vs the mock alone, by-email");
    let started = (|| {
        let (mock, mock_url) =
            crate::contract::spawn_mock(root, crate::contract::MockBuild::Release, &[])?;
        let (proxy, proxy_url) = crate::contract::spawn_mock(
            root,
            crate::contract::MockBuild::Release,
            &["proxy", "--port", "0", "--upstream", &mock_url],
        )?;
        anyhow::Ok((mock, mock_url, proxy, proxy_url))
    })();
    let (mock, mock_url, proxy, proxy_url) = match started {
        Ok(started) => started,
        Err(err) => {
            table.failed("proxy / mock req/s, by-email", ">= 0.50", &err);
            return;
        }
    };
    let direct = format!("{mock_url}{BY_EMAIL_PATH}");
    let proxied = format!("{proxy_url}{BY_EMAIL_PATH}");

    let amount = Amount::Timed {
        warmup: params.warmup,
        duration: params.duration,
        rounds: params.rounds,
    };
    match loadgen(
        root,
        &[&proxied, &direct],
        Template::Get,
        amount,
        CONNECTIONS,
    )
    .as_deref()
    {
        Ok([p, m]) => {
            table.info(
                "proxy in front of the mock, GET invitations_by_email",
                p.describe(),
            );
            table.info(
                "mock alone (same run), GET invitations_by_email",
                m.describe(),
            );
            let ratio = p.rps / m.rps;
            table.checked(
                "proxy / mock req/s, GET invitations_by_email",
                format!("{ratio:.3}"),
                ">= 0.50",
                ratio >= 0.5,
            );
        }
        Ok(other) => table.failed(
            "proxy / mock req/s, by-email",
            ">= 0.50",
            &anyhow::anyhow!("loadgen answered {} results for 2 URLs", other.len()),
        ),
        Err(err) => table.failed("proxy / mock req/s, by-email", ">= 0.50", err),
    }

    let target = if params.quick {
        "< 64 MiB (at 1,000,000)"
    } else {
        "< 64 MiB"
    };
    let memory = (|| {
        loadgen(
            root,
            &[&proxied],
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
            &[&proxied],
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
    drop(proxy);
    drop(mock);
}
