//! The wiremock adapter: the core served by a [`wiremock::MockServer`], for tests.
//!
//! The core is mounted as a catch-all at the lowest priority (`u8::MAX`), so any `Mock` a
//! test mounts on [`InvitationsMock::server`] with a higher priority (a smaller number;
//! wiremock's default is 5) wins for the requests it matches, while every other request is
//! still answered statefully by the core.
//!
//! wiremock keeps a clone of every matched request in each mounted mock and serves each
//! server on one thread, which is fine for a test that lives seconds. For load or long
//! runs, use the standalone binary ([`crate::server`]).

use std::ops::Deref;

use bytes::Bytes;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Respond, ResponseTemplate};

use crate::core::http::method_name;
use crate::core::{Core, Fixture, Request};
use crate::handle::MockHandle;

/// A running mock of the Invitations API on a local wiremock server.
///
/// ```
/// use invitations_mock::{fixture, InvitationsMock};
///
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let mock = InvitationsMock::start().await;
/// let url = format!("{}/iam/v1/users/{}/actions/resend", mock.uri(), fixture::CANCELLED_ID);
/// let response = reqwest::Client::new()
///     .post(url)
///     .bearer_auth(fixture::ACME_MANAGER_KEY)
///     .send()
///     .await
///     .unwrap();
/// assert_eq!(response.status(), 200);
/// // `InvitationsMock` derefs to its `MockHandle`: inspect state without HTTP.
/// assert_eq!(mock.outbox()[0].invitation_id, fixture::CANCELLED_ID);
/// # });
/// ```
pub struct InvitationsMock {
    server: MockServer,
    handle: MockHandle,
}

impl InvitationsMock {
    /// Starts a mock serving [`Fixture::default()`].
    ///
    /// Call it inside a tokio runtime with time enabled (`#[tokio::test]` does that).
    pub async fn start() -> InvitationsMock {
        InvitationsMock::start_with(Fixture::default()).await
    }

    /// Starts a mock serving `fixture`.
    ///
    /// # Panics
    /// When the fixture breaks a rule of [`Fixture::validate`] (the message lists them).
    pub async fn start_with(fixture: Fixture) -> InvitationsMock {
        InvitationsMock::start_with_handle(MockHandle::new(fixture)).await
    }

    /// Starts a mock on a core built by the caller (custom limits or a fixed clock).
    pub async fn start_with_core(core: Core) -> InvitationsMock {
        InvitationsMock::start_with_handle(MockHandle::from_core(core)).await
    }

    /// Starts a mock serving an existing handle's core.
    pub async fn start_with_handle(handle: MockHandle) -> InvitationsMock {
        // Not the pooled `MockServer::start()`: a pooled server is reused by other tests,
        // and recording requests would only grow memory; the core keeps its own journal.
        let server = MockServer::builder()
            .disable_request_recording()
            .start()
            .await;
        Mock::given(any())
            .respond_with(CoreResponder(handle.clone()))
            .with_priority(u8::MAX)
            .named("invitations-mock core")
            .mount(&server)
            .await;
        InvitationsMock { server, handle }
    }

    /// The base URL, such as `http://127.0.0.1:PORT` (no trailing slash).
    pub fn uri(&self) -> String {
        self.server.uri()
    }

    /// The wiremock server: mount higher-priority stubs here to override single calls.
    ///
    /// Do not call `reset()` on it: that unmounts the core too. Use
    /// [`MockHandle::reset`] to restore the fixture.
    pub fn server(&self) -> &MockServer {
        &self.server
    }

    /// A handle on the core for in-process setup and inspection.
    pub fn handle(&self) -> MockHandle {
        self.handle.clone()
    }
}

impl Deref for InvitationsMock {
    type Target = MockHandle;

    fn deref(&self) -> &MockHandle {
        &self.handle
    }
}

impl std::fmt::Debug for InvitationsMock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InvitationsMock")
            .field("uri", &self.server.uri())
            .finish_non_exhaustive()
    }
}

/// Translates wiremock requests into core requests and back.
struct CoreResponder(MockHandle);

impl Respond for CoreResponder {
    fn respond(&self, request: &wiremock::Request) -> ResponseTemplate {
        let core_request = Request {
            method: method_name(&request.method),
            path: Bytes::copy_from_slice(request.url.path().as_bytes()),
            query: request
                .url
                .query()
                .map(|q| Bytes::copy_from_slice(q.as_bytes())),
            headers: request.headers.clone(),
            body: Bytes::from(request.body.clone()),
            // wiremock only listens on 127.0.0.1.
            peer_is_loopback: true,
        };
        let response = self.0.handle(&core_request);
        let mut template = ResponseTemplate::new(response.status);
        let mut content_type = None;
        for (name, value) in &response.headers {
            if name == http::header::CONTENT_TYPE {
                content_type = value.to_str().ok();
                continue;
            }
            template = template.append_header(name.clone(), value.clone());
        }
        if !response.body.is_empty() || content_type.is_some() {
            template = template.set_body_raw(
                response.body.to_vec(),
                content_type.unwrap_or("application/json"),
            );
        }
        if let Some(delay) = response.delay {
            template = template.set_delay(delay);
        }
        template
    }
}
