//! [`Client`] and its [`ClientBuilder`].

use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::time::{Duration, Instant};

use reqwest::header::{HeaderMap, HeaderValue, AUTHORIZATION};
use reqwest::StatusCode;
use tracing::field::Empty;
use tracing::Instrument;

use crate::error::{self, BuildError, Error};
use crate::generated::{self, types};
use crate::ids::{IntoId, IntoInviteId};
use crate::operation::Operation;
use crate::retry::{self, RetryPolicy, Safety};

/// Environment variable read for the base URL by [`Client::from_env`].
pub const ENV_BASE_URL: &str = "INVITATIONS_BASE_URL";
/// Environment variable read for the API key by [`Client::from_env`].
pub const ENV_API_KEY: &str = "INVITATIONS_API_KEY";

/// Default connect timeout: 10 s.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default timeout of a whole attempt, response body included: 30 s.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default `User-Agent`: `invitations-sdk/<version>`.
pub const DEFAULT_USER_AGENT: &str = concat!("invitations-sdk/", env!("CARGO_PKG_VERSION"));

/// The API key, kept out of `Debug` output.
#[derive(Clone)]
struct ApiKey(String);

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Configures a [`Client`]. Made by [`Client::builder`].
///
/// ```
/// use std::time::Duration;
/// use invitations_sdk::{Client, RetryPolicy};
///
/// let client = Client::builder()
///     .base_url("https://api.example.com")
///     .api_key("my-secret-key")
///     .connect_timeout(Duration::from_secs(5))
///     .timeout(Duration::from_secs(20))
///     .user_agent("my-tool/1.0")
///     .retry(RetryPolicy::default().with_max_attempts(4))
///     .build()
///     .unwrap();
/// assert_eq!(client.base_url(), "https://api.example.com");
/// // The key is never printed.
/// assert!(!format!("{client:?}").contains("my-secret-key"));
/// ```
#[derive(Clone, Debug)]
#[must_use]
pub struct ClientBuilder {
    base_url: Option<String>,
    api_key: Option<ApiKey>,
    connect_timeout: Duration,
    timeout: Duration,
    user_agent: String,
    retry: RetryPolicy,
    invalid_env: Option<&'static str>,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        Self {
            base_url: None,
            api_key: None,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            timeout: DEFAULT_TIMEOUT,
            user_agent: DEFAULT_USER_AGENT.to_owned(),
            retry: RetryPolicy::default(),
            invalid_env: None,
        }
    }
}

impl ClientBuilder {
    /// The API's base URL, such as `https://api.example.com` (a path stem is kept; a trailing
    /// `/` is dropped). Required.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// The API key, sent as `Authorization: Bearer <key>` on every request (a header value
    /// marked sensitive). Without one the server answers 401.
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(ApiKey(key.into()));
        self
    }

    /// How long establishing a connection may take. Default [`DEFAULT_CONNECT_TIMEOUT`].
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How long one attempt may take, from sending to the end of the response body.
    /// Default [`DEFAULT_TIMEOUT`]. With retries, a call may take up to
    /// `max_attempts` times this plus the backoff delays.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The `User-Agent` header. Default [`DEFAULT_USER_AGENT`].
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// The retry policy. Default [`RetryPolicy::default`]: 3 attempts.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Shorthand for `retry(policy.with_max_attempts(attempts))` on the current policy.
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.retry = self.retry.with_max_attempts(attempts);
        self
    }

    /// Takes the base URL from `INVITATIONS_BASE_URL` and the API key from
    /// `INVITATIONS_API_KEY`, each when it is set and not empty. Later calls override them.
    pub fn from_env(mut self) -> Self {
        for (name, slot) in [(ENV_BASE_URL, 0), (ENV_API_KEY, 1)] {
            match std::env::var(name) {
                Ok(value) if value.is_empty() => {}
                Ok(value) if slot == 0 => self.base_url = Some(value),
                Ok(value) => self.api_key = Some(ApiKey(value)),
                Err(std::env::VarError::NotPresent) => {}
                Err(std::env::VarError::NotUnicode(_)) => self.invalid_env = Some(name),
            }
        }
        self
    }

    /// Checks the settings and creates the client.
    pub fn build(self) -> Result<Client, BuildError> {
        if let Some(name) = self.invalid_env {
            return Err(BuildError::InvalidEnv { name });
        }
        let base_url = normalize_base_url(self.base_url.ok_or(BuildError::MissingBaseUrl)?)?;

        let mut headers = HeaderMap::new();
        if let Some(ApiKey(key)) = &self.api_key {
            if key.is_empty() {
                return Err(BuildError::InvalidApiKey {
                    reason: "it is empty",
                });
            }
            let mut value = HeaderValue::from_str(&format!("Bearer {key}")).map_err(|_| {
                BuildError::InvalidApiKey {
                    reason: "it is not a valid HTTP header value (only visible ASCII, no control characters)",
                }
            })?;
            value.set_sensitive(true);
            headers.insert(AUTHORIZATION, value);
        }
        let user_agent =
            HeaderValue::from_str(&self.user_agent).map_err(|_| BuildError::InvalidUserAgent)?;

        let http = crate::http::reqwest_builder()
            .default_headers(headers)
            .user_agent(user_agent)
            .connect_timeout(self.connect_timeout)
            .timeout(self.timeout)
            .build()
            .map_err(BuildError::Http)?;

        Ok(Client {
            generated: generated::Client::new_with_client(&base_url, http),
            base_url,
            has_api_key: self.api_key.is_some(),
            connect_timeout: self.connect_timeout,
            timeout: self.timeout,
            user_agent: self.user_agent,
            retry: self.retry,
        })
    }
}

fn normalize_base_url(raw: String) -> Result<String, BuildError> {
    let shown = |raw: &str| {
        if raw.contains('@') {
            "<omitted: it contains credentials>".to_owned()
        } else {
            raw.to_owned()
        }
    };
    let invalid = |reason: String| BuildError::InvalidBaseUrl {
        url: shown(&raw),
        reason,
    };
    let url = url::Url::parse(raw.trim()).map_err(|e| invalid(e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid(format!(
            "the scheme must be http or https, not {}",
            url.scheme()
        )));
    }
    // No host check: the url crate refuses an http(s) URL without one ("empty host").
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid(
            "it must not carry credentials; use api_key(..)".to_owned(),
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("it must not have a query or a fragment".to_owned()));
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

/// A client of the Invitations API: both surfaces, with retries, timeouts, tracing and one
/// [`Error`] type.
///
/// Cheap to clone (the connection pool is shared). Anything this layer does not cover is
/// available on the generated client, [`Client::generated`], which shares the same
/// configuration (key, timeouts, user agent) but not the retries.
#[derive(Clone)]
pub struct Client {
    generated: generated::Client,
    base_url: String,
    has_api_key: bool,
    connect_timeout: Duration,
    timeout: Duration,
    user_agent: String,
    retry: RetryPolicy,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.base_url)
            .field(
                "api_key",
                &if self.has_api_key {
                    "<redacted>"
                } else {
                    "<none>"
                },
            )
            .field("connect_timeout", &self.connect_timeout)
            .field("timeout", &self.timeout)
            .field("user_agent", &self.user_agent)
            .field("retry", &self.retry)
            .finish()
    }
}

impl Client {
    /// A builder with the defaults: no base URL or key yet, 10 s connect timeout, 30 s
    /// timeout, `invitations-sdk/<version>` user agent, 3 attempts.
    // Its body is `ClientBuilder::default()`, the very value cargo-mutants would return.
    #[cfg_attr(test, mutants::skip)]
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client configured from `INVITATIONS_BASE_URL` (required) and `INVITATIONS_API_KEY`,
    /// with the other defaults.
    pub fn from_env() -> Result<Client, BuildError> {
        Self::builder().from_env().build()
    }

    /// The base URL requests go to, without a trailing `/`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The retry policy.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.retry
    }

    /// The progenitor-generated client, for anything this layer does not cover. It sends the
    /// same key and user agent with the same timeouts, but does not retry and returns
    /// progenitor's errors.
    ///
    /// ```
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// # use invitations_mock::{fixture, InvitationsMock};
    /// # let mock = InvitationsMock::start().await;
    /// # let client = invitations_sdk::Client::builder()
    /// #     .base_url(mock.uri()).api_key(fixture::ACME_MANAGER_KEY).build().unwrap();
    /// // The whole envelope, as the generated client returns it.
    /// let envelope = client
    ///     .generated()
    ///     .get_user_invitation_by_email()
    ///     .email("ada@example.com")
    ///     .send()
    ///     .await
    ///     .unwrap()
    ///     .into_inner();
    /// assert!(envelope.is_success && envelope.error.is_none());
    /// # });
    /// ```
    pub fn generated(&self) -> &generated::Client {
        &self.generated
    }

    /// `GET /tenant/admin/user/invitations_by_email`: the pending invitation sent to
    /// `email` (compared case-insensitively), searched across the tenants the key manages.
    ///
    /// 404 ([`Error::is_not_found`]) when there is none, including another tenant's
    /// invitation and invitations that are declined, cancelled or expired. Retried on every
    /// transient failure.
    pub async fn invitation_by_email(
        &self,
        email: impl AsRef<str>,
    ) -> Result<types::UserInvitationModel, Error> {
        const OP: Operation = Operation::GetUserInvitationByEmail;
        let email = email.as_ref();
        let typed = types::GetUserInvitationByEmailEmail::try_from(email).map_err(|e| {
            Error::InvalidArgument {
                name: "email",
                reason: e.to_string(),
            }
        })?;
        let url = || {
            self.url(OP, &[], |q| {
                q.append_pair("email", email);
            })
        };
        self.call(OP, url, Safety::Idempotent, || {
            let typed = typed.clone();
            async move {
                match self
                    .generated
                    .get_user_invitation_by_email()
                    .email(typed)
                    .send()
                    .await
                {
                    Ok(rv) => {
                        let status = rv.status();
                        let env = rv.into_inner();
                        let value =
                            envelope(OP.id(), status, env.is_success, env.error, env.value)?;
                        Ok((status, value))
                    }
                    Err(e) => Err(error::from_tenant(OP.id(), e).await),
                }
            }
        })
        .await
    }

    /// `PUT /tenant/{tenantId}/admin/user/invitation/resend?id=`: resends a **pending**
    /// invitation of the tenant (new token, expires in 48 h, one new email) and returns the
    /// resent invitation(s).
    ///
    /// Ids are positive integers; 0 or a negative value is [`Error::InvalidArgument`]. Another
    /// state is 400 ([`Error::is_not_pending`]); an id the tenant does not have is 404.
    ///
    /// Retried **only** when the connection could not be established: without an
    /// idempotency key, a repeat after the request may have reached the server could send a
    /// second email (see [`retry`](crate::retry)).
    pub async fn resend_invitation(
        &self,
        tenant_id: impl IntoId,
        id: impl IntoId,
    ) -> Result<Vec<types::UserInvitationModel>, Error> {
        const OP: Operation = Operation::ResendInvitation;
        let tenant_id = tenant_id.into_id("tenant_id")?;
        let id = id.into_id("id")?;
        let url = || {
            self.url(OP, &[&tenant_id.to_string()], |q| {
                q.append_pair("id", &id.to_string());
            })
        };
        self.call(OP, url, Safety::ConnectOnly, || async move {
            match self
                .generated
                .resend_invitation()
                .tenant_id(tenant_id)
                .id(id)
                .send()
                .await
            {
                Ok(rv) => {
                    let status = rv.status();
                    let env = rv.into_inner();
                    let value = envelope(OP.id(), status, env.is_success, env.error, env.value)?;
                    Ok((status, value))
                }
                Err(e) => Err(error::from_tenant(OP.id(), e).await),
            }
        })
        .await
    }

    /// `POST /iam/v1/users/{id}/actions/resend`: resends an invite in any state (a
    /// cancelled, declined or expired one becomes pending again). Returns a request builder:
    /// set [`dry_run`](ResendInvite::dry_run) or an
    /// [`idempotency_key`](ResendInvite::idempotency_key), then
    /// [`send`](ResendInvite::send) it (or `.await` it directly).
    ///
    /// The id is the invite's opaque id: a string, or a positive integer sent in decimal.
    ///
    /// ```
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// # use invitations_mock::{fixture, InvitationsMock};
    /// # let mock = InvitationsMock::start().await;
    /// # let client = invitations_sdk::Client::builder()
    /// #     .base_url(mock.uri()).api_key(fixture::ACME_MANAGER_KEY).build().unwrap();
    /// let sent = mock.outbox().len();
    /// // A key of your own makes your own repeats safe too: the second call sends nothing.
    /// for _ in 0..2 {
    ///     let response = client
    ///         .resend_invite("9002")
    ///         .idempotency_key("ticket-4711-resend")
    ///         .send()
    ///         .await?;
    ///     assert_eq!(response.invite_id, "9002");
    /// }
    /// assert_eq!(mock.outbox().len(), sent + 1);
    /// # Ok::<(), invitations_sdk::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn resend_invite(&self, id: impl IntoInviteId) -> ResendInvite<'_> {
        ResendInvite {
            client: self,
            id: id.into_invite_id(),
            dry_run: false,
            idempotency_key: None,
        }
    }

    /// The URL of a call, for tracing: the base URL, `operation`'s path template with each
    /// `{parameter}` replaced by the next of `params` (encoded as one path segment), and the
    /// query.
    fn url(
        &self,
        operation: Operation,
        params: &[&str],
        query: impl FnOnce(&mut url::form_urlencoded::Serializer<'_, url::UrlQuery<'_>>),
    ) -> String {
        let mut params = params.iter().copied();
        let segments = operation.path().split('/').skip(1).map(|segment| {
            if segment.starts_with('{') {
                params.next().unwrap_or_default()
            } else {
                segment
            }
        });
        match url::Url::parse(&self.base_url) {
            Ok(mut url) => {
                if let Ok(mut path) = url.path_segments_mut() {
                    path.pop_if_empty().extend(segments);
                }
                {
                    let mut pairs = url.query_pairs_mut();
                    query(&mut pairs);
                }
                if url.query() == Some("") {
                    url.set_query(None);
                }
                url.into()
            }
            // Not reached: the base URL was parsed when the client was built.
            Err(_) => format!("{}{}", self.base_url, operation.path()),
        }
    }

    /// Runs one call: a tracing span, the attempts, and the retries `safety` allows.
    ///
    /// `url` is only built when a subscriber records the span: parsing and encoding it cost
    /// about a microsecond a call, a tenth of a local round trip (`cargo xtask bench`).
    async fn call<T, F, Fut>(
        &self,
        operation: Operation,
        url: impl FnOnce() -> String,
        safety: Safety,
        mut attempt_once: F,
    ) -> Result<T, Error>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<(StatusCode, T), Error>>,
    {
        let span = tracing::info_span!(
            "invitations",
            operation = operation.id(),
            method = operation.method(),
            url = Empty,
            attempts = Empty,
            status = Empty,
            duration_ms = Empty,
        );
        if !span.is_disabled() {
            span.record("url", url());
        }
        async move {
            let started = Instant::now();
            let max_attempts = self.retry.max_attempts();
            let mut attempt = 1;
            loop {
                let attempt_started = Instant::now();
                let result = attempt_once()
                    .instrument(tracing::info_span!("attempt", attempt))
                    .await;
                // Computed inside each event, so only when that event is listened to.
                let elapsed_ms = || attempt_started.elapsed().as_millis() as u64;
                let err = match result {
                    Ok((status, value)) => {
                        finish(started, attempt, Some(status));
                        tracing::debug!(
                            attempt,
                            status = status.as_u16(),
                            elapsed_ms = elapsed_ms(),
                            "call succeeded"
                        );
                        return Ok(value);
                    }
                    Err(err) => err,
                };
                let status = err.status();
                let retry = attempt < max_attempts && safety.allows(&err);
                let delay = if retry {
                    self.retry.delay_for(attempt, err.retry_after())
                } else {
                    None
                };
                match delay {
                    Some(delay) => {
                        tracing::info!(
                            attempt,
                            status = status.map(|s| s.as_u16()),
                            elapsed_ms = elapsed_ms(),
                            error = %err,
                            delay_ms = delay.as_millis() as u64,
                            "attempt failed, retrying"
                        );
                        tokio::time::sleep(delay).await;
                        attempt += 1;
                    }
                    None => {
                        finish(started, attempt, status);
                        tracing::debug!(
                            attempt,
                            status = status.map(|s| s.as_u16()),
                            elapsed_ms = elapsed_ms(),
                            error = %err,
                            "call failed"
                        );
                        return Err(err);
                    }
                }
            }
        }
        .instrument(span)
        .await
    }
}

/// Records the outcome on the call's span.
fn finish(started: Instant, attempts: u32, status: Option<StatusCode>) {
    let span = tracing::Span::current();
    span.record("attempts", attempts);
    if let Some(status) = status {
        span.record("status", status.as_u16());
    }
    span.record("duration_ms", started.elapsed().as_millis() as u64);
}

/// The `value` of a success envelope, or a decode error saying what is wrong with it.
fn envelope<T: serde::Serialize>(
    operation: &'static str,
    status: StatusCode,
    is_success: bool,
    error: Option<types::ApiError>,
    value: Option<T>,
) -> Result<T, Error> {
    let excerpt = |error: &Option<types::ApiError>, value: &Option<T>| {
        let json = serde_json::json!({
            "isSuccess": is_success,
            "error": error,
            "value": value,
        });
        error::excerpt(json.to_string().as_bytes())
    };
    match (is_success, value) {
        (true, Some(value)) => Ok(value),
        (true, None) => Err(Error::Decode {
            operation,
            status: Some(status),
            reason: "the success envelope has `value: null`".to_owned(),
            excerpt: excerpt(&error, &None),
        }),
        (false, value) => Err(Error::Decode {
            operation,
            status: Some(status),
            reason: format!("a {status} response whose envelope says `isSuccess: false`"),
            excerpt: excerpt(&error, &value),
        }),
    }
}

/// The IAM resend, ready to send. Made by [`Client::resend_invite`].
///
/// Every attempt of one call carries the same `Idempotency-Key`: the one given with
/// [`idempotency_key`](Self::idempotency_key), or one generated for this call. That is what
/// lets the client retry a resend on a 503 without sending a second email.
#[derive(Debug)]
#[must_use = "a request does nothing until it is sent"]
pub struct ResendInvite<'a> {
    client: &'a Client,
    id: Result<String, Error>,
    dry_run: bool,
    idempotency_key: Option<String>,
}

impl<'a> ResendInvite<'a> {
    /// Validate and simulate only: the response is the one a real resend would give, but
    /// nothing changes and no email is sent (`dryRun=true`). Default false.
    pub fn dry_run(mut self, dry_run: bool) -> Self {
        self.dry_run = dry_run;
        self
    }

    /// The `Idempotency-Key` (1 to 255 visible ASCII characters). A repeat with the same key
    /// returns the first response and sends nothing. Without one, the SDK generates a random
    /// key per call, so its own retries are safe; give one to make your own repeats safe too
    /// (and use a different key for a dry run than for the real resend).
    ///
    /// The same key with a different request (another id or `dry_run`) fails with 422
    /// ([`Error::is_idempotency_key_reused`]); a repeat while the first request with the key
    /// is still being processed fails with 409 ([`Error::is_idempotency_key_in_flight`]).
    pub fn idempotency_key(mut self, key: impl Into<String>) -> Self {
        self.idempotency_key = Some(key.into());
        self
    }

    /// Sends the request, retrying transient failures.
    pub async fn send(self) -> Result<types::ResendInviteResponse, Error> {
        const OP: Operation = Operation::ResendInvite;
        let Self {
            client,
            id,
            dry_run,
            idempotency_key,
        } = self;
        let id = id?;
        let key = match idempotency_key {
            Some(key) => check_idempotency_key(key)?,
            None => retry::new_idempotency_key(),
        };
        let typed_id =
            types::ResendInviteId::try_from(id.as_str()).map_err(|e| Error::InvalidArgument {
                name: "id",
                reason: e.to_string(),
            })?;
        let typed_key = types::ResendInviteIdempotencyKey::try_from(key.as_str()).map_err(|e| {
            Error::InvalidArgument {
                name: "idempotency_key",
                reason: e.to_string(),
            }
        })?;
        let url = || {
            client.url(OP, &[&id], |q| {
                if dry_run {
                    q.append_pair("dryRun", "true");
                }
            })
        };
        let call = client.call(OP, url, Safety::Idempotent, || {
            let typed_id = typed_id.clone();
            let typed_key = typed_key.clone();
            async move {
                let mut request = client
                    .generated
                    .resend_invite()
                    .id(typed_id)
                    .idempotency_key(typed_key)
                    .body(types::ResendInviteRequest::from(serde_json::Map::new()));
                if dry_run {
                    request = request.dry_run(true);
                }
                match request.send().await {
                    Ok(rv) => Ok((rv.status(), rv.into_inner())),
                    Err(e) => Err(error::from_iam(OP.id(), e).await),
                }
            }
        });
        call.await
    }
}

impl<'a> IntoFuture for ResendInvite<'a> {
    type Output = Result<types::ResendInviteResponse, Error>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send + 'a>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

fn check_idempotency_key(key: String) -> Result<String, Error> {
    let chars = key.chars().count();
    if chars == 0 || chars > 255 {
        return Err(Error::InvalidArgument {
            name: "idempotency_key",
            reason: format!("must be 1 to 255 characters, got {chars}"),
        });
    }
    if !key.bytes().all(|b| b.is_ascii_graphic() || b == b' ') {
        return Err(Error::InvalidArgument {
            name: "idempotency_key",
            reason: "must be visible ASCII".to_owned(),
        });
    }
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_is_normalized() {
        let client = Client::builder()
            .base_url("http://127.0.0.1:8080/")
            .build()
            .unwrap();
        assert_eq!(client.base_url(), "http://127.0.0.1:8080");
        let client = Client::builder()
            .base_url("https://api.example.com/v2/")
            .build()
            .unwrap();
        assert_eq!(client.base_url(), "https://api.example.com/v2");
    }

    #[test]
    fn bad_base_urls_are_typed_errors() {
        for bad in [
            "localhost:8080",
            "not a url",
            "ftp://example.com",
            "http://example.com/?x=1",
            "http://user:pw@example.com",
        ] {
            let err = Client::builder().base_url(bad).build().unwrap_err();
            assert!(
                matches!(err, BuildError::InvalidBaseUrl { .. }),
                "{bad}: {err:?}"
            );
            assert!(!err.to_string().contains("pw@"), "{err}");
        }
        assert!(matches!(
            Client::builder().build().unwrap_err(),
            BuildError::MissingBaseUrl
        ));
    }

    #[test]
    fn call_urls_for_tracing() {
        let client = Client::builder()
            .base_url("http://h:1/stem/")
            .build()
            .unwrap();
        assert_eq!(
            client.url(Operation::GetUserInvitationByEmail, &[], |q| {
                q.append_pair("email", "a+b@example.com");
            }),
            "http://h:1/stem/tenant/admin/user/invitations_by_email?email=a%2Bb%40example.com"
        );
        assert_eq!(
            client.url(Operation::ResendInvite, &["a/b"], |_| {}),
            "http://h:1/stem/iam/v1/users/a%2Fb/actions/resend"
        );
        assert_eq!(
            client.url(Operation::ResendInvitation, &["7"], |q| {
                q.append_pair("id", "9");
            }),
            "http://h:1/stem/tenant/7/admin/user/invitation/resend?id=9"
        );
    }

    #[test]
    fn idempotency_keys_are_checked() {
        assert!(check_idempotency_key("k-1".into()).is_ok());
        assert!(check_idempotency_key(String::new()).is_err());
        assert!(check_idempotency_key("x".repeat(256)).is_err());
        assert!(check_idempotency_key("a\nb".into()).is_err());
    }

    /// Sharing is `http.rs`'s job; the test is here, beside the SDK client it builds, because
    /// that module does not import this one.
    #[cfg(feature = "native-tls")]
    #[test]
    fn every_client_shares_one_tls_configuration() {
        use std::sync::atomic::Ordering::SeqCst;

        use crate::http::tls_counts::{MADE, USES};
        use crate::http::{reqwest_builder, shared_native_tls};

        assert!(shared_native_tls().is_some(), "this platform makes one");
        let (uses, made) = (USES.load(SeqCst), MADE.load(SeqCst));
        for _ in 0..5 {
            reqwest_builder().build().expect("a plain client builds");
            Client::builder()
                .base_url("https://api.example.com")
                .api_key("k")
                .build()
                .expect("an SDK client builds");
        }
        // Other tests build clients at the same time: at least ours asked for it ...
        assert!(
            USES.load(SeqCst) >= uses + 10,
            "a client made its own TLS setup"
        );
        // ... and once one exists, nobody makes another.
        assert_eq!(MADE.load(SeqCst), made, "the TLS setup was made again");
    }
}

/// The retry loop and what it records, driven without a server, and the key rules at their
/// boundaries (found by `cargo xtask mutants`).
#[cfg(test)]
mod loop_tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    fn client(attempts: u32) -> Client {
        Client::builder()
            .base_url("http://h:1/x")
            .retry(
                RetryPolicy::default()
                    .with_max_attempts(attempts)
                    .with_base_delay(Duration::from_millis(1)),
            )
            .build()
            .unwrap()
    }

    fn unavailable() -> Error {
        Error::Api {
            status: StatusCode::SERVICE_UNAVAILABLE,
            code: None,
            message: "down".to_owned(),
            info: Vec::new(),
            retry_after: None,
        }
    }

    /// Runs `call` with attempts that fail with 503 `failures` times, then succeed. Stops
    /// succeeding-or-failing after 20 attempts so that a loop that never ends fails instead.
    async fn run(client: &Client, safety: Safety, failures: u32) -> (Result<(), Error>, u32) {
        let count = Arc::new(Mutex::new(0u32));
        let seen = count.clone();
        let result = client
            .call(
                Operation::GetUserInvitationByEmail,
                || client.url(Operation::GetUserInvitationByEmail, &[], |_| {}),
                safety,
                || {
                    let seen = seen.clone();
                    async move {
                        let mut n = seen.lock().unwrap();
                        *n += 1;
                        if *n <= failures && *n < 20 {
                            Err(unavailable())
                        } else {
                            Ok((StatusCode::OK, ()))
                        }
                    }
                },
            )
            .await;
        let attempts = *count.lock().unwrap();
        (result, attempts)
    }

    /// One test, not two: `tracing` caches per call site whether anyone listens, and a test
    /// without a subscriber racing this one could leave the span disabled.
    #[tokio::test]
    async fn attempts_stop_at_the_policy_maximum_and_the_span_records_them() {
        the_span_records_url_attempts_and_status().await;
        for max in [1, 2, 3] {
            let (result, attempts) = run(&client(max), Safety::Idempotent, 50).await;
            assert!(result.is_err(), "max {max}: {result:?}");
            assert_eq!(attempts, max);
        }
        let (result, attempts) = run(&client(3), Safety::Idempotent, 2).await;
        assert!(result.is_ok());
        assert_eq!(attempts, 3);
        let (result, attempts) = run(&client(3), Safety::ConnectOnly, 50).await;
        assert!(result.is_err());
        assert_eq!(
            attempts, 1,
            "a 503 is not retried without an idempotency key"
        );
    }

    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Buffer {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Buffer {
        type Writer = Buffer;
        fn make_writer(&'a self) -> Buffer {
            self.clone()
        }
    }

    async fn the_span_records_url_attempts_and_status() {
        let buffer = Buffer::default();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::DEBUG)
            .with_ansi(false)
            .with_writer(buffer.clone())
            .finish();
        let _guard = tracing::subscriber::set_default(subscriber);
        let (result, _) = run(&client(3), Safety::Idempotent, 2).await;
        result.unwrap();
        let text = String::from_utf8_lossy(&buffer.0.lock().unwrap()).into_owned();
        let done = text
            .lines()
            .find(|line| line.contains("call succeeded"))
            .unwrap_or_else(|| panic!("no success line in:\n{text}"));
        for part in [
            "url=\"http://h:1/x/tenant/admin/user/invitations_by_email\"",
            "attempts=3",
            "status=200",
            "duration_ms=",
        ] {
            assert!(done.contains(part), "{part} missing in {done}");
        }
    }

    #[test]
    fn idempotency_keys_are_1_to_255_visible_ascii_characters() {
        for ok in ["k".to_owned(), "a b".to_owned(), "x".repeat(255)] {
            assert_eq!(check_idempotency_key(ok.clone()).unwrap(), ok);
        }
        for (bad, reason) in [
            (String::new(), "must be 1 to 255 characters, got 0"),
            ("x".repeat(256), "must be 1 to 255 characters, got 256"),
            ("a\tb".to_owned(), "must be visible ASCII"),
            ("é".to_owned(), "must be visible ASCII"),
        ] {
            let err = check_idempotency_key(bad.clone()).unwrap_err();
            assert!(err.to_string().ends_with(reason), "{bad:?}: {err}");
        }
    }
}
