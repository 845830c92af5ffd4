//! `invitations-mock proxy`: a validating proxy in front of any deployment of the API.
//!
//! Every request is forwarded to the upstream unchanged (method, path, query, headers,
//! `Authorization` included, body) and its answer comes back unchanged, while both are
//! checked against `openapi/invitations.yaml` ([`check`]). An exchange that breaks the
//! contract is logged in one line and kept (the last 1,000) at `GET /__admin/violations`;
//! `GET /__admin/health` counts them. With [`ProxyConfig::fail_on_violation`] a violating
//! answer becomes a 502 naming the problem; with [`ProxyConfig::record`] every invitation in
//! a valid answer is written to a fixture file the mock can serve ([`record`]).
//!
//! In a test, put it in front of any server:
//!
//! ```
//! use invitations_mock::proxy::Proxy;
//! use invitations_mock::{fixture, InvitationsMock};
//!
//! # tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap().block_on(async {
//! let mock = InvitationsMock::start().await;
//! let proxy = Proxy::start(&mock.uri()).await.unwrap();
//! let answer = reqwest::Client::new()
//!     .get(format!("{}/tenant/admin/user/invitations_by_email?email=ada@example.com", proxy.uri()))
//!     .bearer_auth(fixture::ACME_MANAGER_KEY)
//!     .send()
//!     .await
//!     .unwrap();
//! assert_eq!(answer.status(), 200);
//! assert!(proxy.violations().is_empty());
//! assert_eq!(proxy.stats().exchanges, 1);
//! # });
//! ```
//!
//! Each client connection gets one upstream connection of its own (`upstream.rs`): hyper's
//! HTTP/1.1 client over native-tls, the TLS layer reqwest builds the SDK's client on, with
//! the SDK's TLS choice: an `https://` upstream is verified against the system's trust
//! store, exactly as the SDK would.

// The modules import each other one way only: `exchange` (the types every check shares),
// `decided` and `config` import no sibling; `json`, `schema`, `rules`, `secrets`, `keys` and
// `violations` only those below them; `check` and `record` sit on top of the checks;
// `upstream` under `transport`, `transport` under `cli`. This file declares them and
// re-exports; no module imports it back.
pub mod check;
pub mod cli;
mod config;
mod decided;
mod exchange;
pub mod json;
mod keys;
pub mod record;
mod rules;
mod schema;
pub mod secrets;
mod transport;
mod upstream;
pub mod violations;

use std::net::SocketAddr;
use std::sync::Arc;

pub use check::Contract;
pub use config::{ProxyConfig, ProxyError};
pub use exchange::{Exchange, Finding, Side, Verdict};
pub use transport::ProxyServer;
use transport::Shared;

use crate::server::Spawned;
pub use violations::{ProxyStats, Violation};

/// A proxy running on a free local port, for tests; stopped when dropped.
#[derive(Debug)]
pub struct Proxy {
    shared: Arc<Shared>,
    server: Spawned,
}

impl Proxy {
    /// Starts a proxy to `upstream` with the defaults of [`ProxyConfig::new`].
    ///
    /// Call it inside a tokio runtime (`#[tokio::test]`).
    pub async fn start(upstream: &str) -> Result<Proxy, ProxyError> {
        Proxy::start_with(ProxyConfig::new(upstream)?).await
    }

    /// Starts a proxy with `config` on `127.0.0.1` and a free port.
    pub async fn start_with(config: ProxyConfig) -> Result<Proxy, ProxyError> {
        let server = ProxyServer::bind(SocketAddr::from(([127, 0, 0, 1], 0)), config).await?;
        let shared = server.shared();
        Ok(Proxy {
            shared,
            server: server.spawn(),
        })
    }

    /// `http://127.0.0.1:PORT`, no trailing slash: send requests here instead of upstream.
    pub fn uri(&self) -> String {
        self.server.base_url().to_owned()
    }

    /// The violations kept, oldest first (what `GET /__admin/violations` answers).
    pub fn violations(&self) -> Vec<Violation> {
        self.shared.log().entries()
    }

    /// The counters (what `GET /__admin/health` answers, besides status and upstream).
    pub fn stats(&self) -> ProxyStats {
        self.shared.log().stats()
    }

    /// Forgets the violations, zeroes the counters and forgets what was learned about keys
    /// (what `DELETE /__admin/violations` does).
    pub fn clear(&self) {
        self.shared.clear();
    }
}
