//! `Client::from_env` and `builder().from_env()`. One test in its own binary: it changes the
//! process environment, which no other test may read concurrently.

use invitations_sdk::{BuildError, Client, ENV_API_KEY, ENV_BASE_URL};

#[test]
fn from_env_reads_base_url_and_key() {
    // SAFETY (for every `set_var`/`remove_var` below): this binary has this one test, so no
    // other thread reads the environment meanwhile.
    unsafe { std::env::remove_var(ENV_BASE_URL) };
    unsafe { std::env::remove_var(ENV_API_KEY) };
    assert!(matches!(
        Client::from_env().unwrap_err(),
        BuildError::MissingBaseUrl
    ));

    unsafe { std::env::set_var(ENV_BASE_URL, "http://127.0.0.1:8080/") };
    unsafe { std::env::set_var(ENV_API_KEY, "env-secret-key") };
    let client = Client::from_env().unwrap();
    assert_eq!(client.base_url(), "http://127.0.0.1:8080");
    let shown = format!("{client:?}");
    assert!(shown.contains("api_key: \"<redacted>\""), "{shown}");
    assert!(!shown.contains("env-secret-key"), "{shown}");

    // Explicit settings after from_env() win.
    let client = Client::builder()
        .from_env()
        .base_url("https://api.example.com")
        .build()
        .unwrap();
    assert_eq!(client.base_url(), "https://api.example.com");

    // An empty variable counts as unset.
    unsafe { std::env::set_var(ENV_API_KEY, "") };
    let client = Client::from_env().unwrap();
    assert!(format!("{client:?}").contains("api_key: \"<none>\""));

    unsafe { std::env::set_var(ENV_BASE_URL, "not a url") };
    let err = Client::from_env().unwrap_err();
    assert!(matches!(err, BuildError::InvalidBaseUrl { .. }), "{err:?}");
    assert!(err.to_string().contains("not a url"), "{err}");

    unsafe { std::env::remove_var(ENV_BASE_URL) };
    unsafe { std::env::remove_var(ENV_API_KEY) };
}
