//! The HTTP client every [`Client`](crate::Client) is built on, with one TLS setup per process.
//!
//! With the `native-tls` feature (the default), making a TLS configuration means reading and
//! parsing the system's root certificates. reqwest does that again for every client it
//! builds: with OpenSSL 3 that is tens of milliseconds of CPU per client, so a program that
//! makes a client per API key, or a test suite that makes one per case, spent most of its
//! time there (the contract suite on the embedded mock took 9.1 s of CPU for its 61 cases,
//! and 0.24 s once the setup was shared). [`reqwest_builder`] makes that configuration once per
//! process and shares it; each client still has its own connections, headers and timeouts.
//!
//! The roots are read when the first client is built; certificates installed later in the
//! life of the process are not seen, as with any long-lived client.

/// A [`reqwest::ClientBuilder`] whose TLS configuration is shared with every other client
/// the SDK builds in this process. [`ClientBuilder::build`](crate::ClientBuilder::build)
/// starts from it; use it for a plain reqwest client beside the SDK (a test harness, a
/// health check) so that it does not read the system's certificates again.
///
/// ```
/// let http = invitations_sdk::http::reqwest_builder()
///     .timeout(std::time::Duration::from_secs(5))
///     .build()?;
/// # drop(http);
/// # Ok::<(), reqwest::Error>(())
/// ```
pub fn reqwest_builder() -> reqwest::ClientBuilder {
    let builder = reqwest::Client::builder();
    #[cfg(feature = "native-tls")]
    let builder = match shared_native_tls() {
        Some(tls) => builder.tls_backend_preconfigured(tls),
        // reqwest then makes its own and reports the same failure from `build`, in its words.
        None => builder,
    };
    builder
}

/// The process's native-tls configuration, made on first use. `None` when the platform's
/// TLS library cannot make one (reqwest's own attempt will say why). A connector is a
/// reference-counted handle: cloning shares the configuration, not a copy of it.
#[cfg(feature = "native-tls")]
pub(crate) fn shared_native_tls() -> Option<native_tls::TlsConnector> {
    static SHARED: std::sync::OnceLock<native_tls::TlsConnector> = std::sync::OnceLock::new();
    #[cfg(test)]
    tls_counts::USES.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    if let Some(tls) = SHARED.get() {
        return Some(tls.clone());
    }
    // Two first clients built at once may each make one; one is kept, both are correct.
    let made = native_tls::TlsConnector::new().ok()?;
    #[cfg(test)]
    tls_counts::MADE.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    Some(SHARED.get_or_init(|| made).clone())
}

/// How often a client asked for the shared configuration, and how often one was made: what
/// the test that every client shares one reads. That test builds SDK clients, so it lives in
/// `client.rs`, which imports this module (and not the other way round).
#[cfg(all(test, feature = "native-tls"))]
pub(crate) mod tls_counts {
    use std::sync::atomic::AtomicUsize;

    pub(crate) static USES: AtomicUsize = AtomicUsize::new(0);
    pub(crate) static MADE: AtomicUsize = AtomicUsize::new(0);
}
