//! Helpers shared by the SDK's integration tests.
#![allow(dead_code)]

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use invitations_sdk::{Client, ClientBuilder, RetryPolicy};
use serde_json::{json, Value};
use wiremock::{Match, Request};

/// A builder for `server_uri` with a short backoff, so retry tests stay fast.
pub fn builder(server_uri: &str, key: &str) -> ClientBuilder {
    Client::builder()
        .base_url(server_uri)
        .api_key(key)
        .retry(RetryPolicy::default().with_base_delay(Duration::from_millis(10)))
}

pub fn invitation(id: u64, email: &str, status: &str) -> Value {
    json!({
        "id": id,
        "tenantId": 1024,
        "email": email,
        "status": status,
        "createdAt": "2024-03-15T12:30:00Z",
        "expiresAt": "2024-03-17T12:30:00Z",
    })
}

pub fn success(value: Value) -> Value {
    json!({"isSuccess": true, "isFailure": false, "error": null, "value": value})
}

pub fn failure(code: &str, message: &str, info: &[&str]) -> Value {
    json!({
        "isSuccess": false,
        "isFailure": true,
        "error": {"code": code, "message": message, "info": info},
        "value": null,
    })
}

/// A matcher that never matches but remembers every request it saw: mounted with the highest
/// priority, it observes all traffic without changing any answer.
#[derive(Clone, Default)]
pub struct Spy(Arc<Mutex<Vec<Request>>>);

impl Spy {
    pub fn requests(&self) -> Vec<Request> {
        self.0.lock().unwrap().clone()
    }

    /// The requests whose path is `path`.
    pub fn to(&self, path: &str) -> Vec<Request> {
        self.requests()
            .into_iter()
            .filter(|r| r.url.path() == path)
            .collect()
    }

    pub async fn mount(&self, server: &wiremock::MockServer) {
        wiremock::Mock::given(self.clone())
            .respond_with(wiremock::ResponseTemplate::new(599))
            .with_priority(1)
            .named("spy")
            .mount(server)
            .await;
    }
}

impl Match for Spy {
    fn matches(&self, request: &Request) -> bool {
        self.0.lock().unwrap().push(request.clone());
        false
    }
}

pub fn header<'r>(request: &'r Request, name: &str) -> Option<&'r str> {
    request.headers.get(name).and_then(|v| v.to_str().ok())
}

/// Everything `tracing` writes while installed, at TRACE level, with span fields.
#[derive(Clone, Default)]
pub struct LogBuffer(Arc<Mutex<Vec<u8>>>);

impl LogBuffer {
    pub fn contents(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }

    /// Installs a subscriber writing to this buffer for the current thread (use a
    /// current-thread runtime so every poll happens here).
    pub fn install(&self) -> tracing::subscriber::DefaultGuard {
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(self.clone())
            .finish();
        tracing::subscriber::set_default(subscriber)
    }
}

impl Write for LogBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for LogBuffer {
    type Writer = LogBuffer;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// A port nobody listens on: bound, then released.
pub fn closed_port_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}
