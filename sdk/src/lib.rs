//! Typed Rust client for the Invitations API.
//!
//! Two surfaces share one invitation store: the **tenant admin surface** (every body is the
//! envelope `{isSuccess, isFailure, error, value}`) and the **IAM surface** (plain bodies,
//! errors as `{error}`). [`Client`] covers both and returns what the caller wants, not the
//! envelope:
//!
//! | method | HTTP | returns |
//! |---|---|---|
//! | [`Client::invitation_by_email`] | `GET /tenant/admin/user/invitations_by_email?email=` | [`types::UserInvitationModel`] |
//! | [`Client::resend_invitation`] | `PUT /tenant/{tenantId}/admin/user/invitation/resend?id=` | `Vec<`[`types::UserInvitationModel`]`>` |
//! | [`Client::resend_invite`] | `POST /iam/v1/users/{id}/actions/resend` | [`types::ResendInviteResponse`] |
//!
//! Every failure is one [`Error`], whatever the surface: the HTTP status, the server's code,
//! message and details, or a transport, timeout or decode failure.
//!
//! # Example
//!
//! The examples in these docs run against the embedded reference mock
//! (`invitations_mock`); against a deployment, build the client from the environment with
//! [`Client::from_env`] (`INVITATIONS_BASE_URL`, `INVITATIONS_API_KEY`).
//!
//! ```
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! use invitations_mock::{fixture, InvitationsMock};
//! use invitations_sdk::{Client, InvitationStatus, StatusCode};
//!
//! let mock = InvitationsMock::start().await;
//! let client = Client::builder()
//!     .base_url(mock.uri())
//!     .api_key(fixture::ACME_MANAGER_KEY)
//!     .build()?;
//!
//! // Tenant surface: the envelope's `value`, typed.
//! let invitation = client.invitation_by_email("ada@example.com").await?;
//! assert_eq!(invitation.id.get(), 9001);
//! assert_eq!(invitation.status, InvitationStatus::Pending);
//!
//! let resent = client
//!     .resend_invitation(fixture::ACME_TENANT, fixture::PENDING_ID)
//!     .await?;
//! assert_eq!(resent[0].email.as_str(), "ada@example.com");
//!
//! // Only a pending invitation can be resent there: the error says why.
//! let err = client
//!     .resend_invitation(fixture::ACME_TENANT, fixture::CANCELLED_ID)
//!     .await
//!     .unwrap_err();
//! assert!(err.is_not_pending());
//! assert_eq!(err.status(), Some(StatusCode::BAD_REQUEST));
//!
//! // IAM surface: any state, with a dry run first.
//! let preview = client
//!     .resend_invite(fixture::CANCELLED_ID)
//!     .dry_run(true)
//!     .send()
//!     .await?;
//! assert_eq!(preview.invite_id, "9003");
//! let sent = client.resend_invite(fixture::CANCELLED_ID).await?;
//! assert_eq!(sent.invite_id, "9003");
//!
//! let err = client.resend_invite(fixture::UNKNOWN_ID).await.unwrap_err();
//! assert!(err.is_not_found());
//! assert_eq!(err.to_string(), "404 Not Found: No invite exists with id 999999.");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```
//!
//! # Configuration
//!
//! [`Client::builder`] takes the base URL, the API key (sent as `Authorization: Bearer`,
//! marked sensitive, never shown by `Debug`, logs or errors), connect and request timeouts
//! (10 s and 30 s by default), the user agent (`invitations-sdk/<version>` by default) and a
//! [`RetryPolicy`]. Building checks the URL and the key and returns a [`BuildError`].
//!
//! # Retries
//!
//! Transient failures (connection failures, 429 after its `Retry-After`, 502, 503, 504) are
//! retried with exponential backoff and jitter, 3 attempts by default, but only where a
//! repeat is safe: the by-email lookup always, the IAM resend thanks to an `Idempotency-Key`
//! reused on every attempt (generated per call when the caller gives none), the tenant resend
//! only when the connection could not be established at all. The [`retry`] module explains
//! why.
//!
//! # Tracing
//!
//! Each call runs in an `INFO` span named `invitations` with the fields `operation` and
//! `method` (those of its [`Operation`]), `url` (the base URL, path and non-secret query, such
//! as the email), and, once it ends, `attempts`, `status` and `duration_ms`. Each attempt runs
//! in a child span `attempt` with its number; each retry is logged at `INFO` with its error
//! and delay, the outcome at `DEBUG`. The API key is never recorded.
//!
//! # Cancellation
//!
//! The source documents list a `cancellationToken` input on the tenant operations. That is a
//! parameter of the server's .NET handlers, not part of HTTP. In Rust, cancelling a call is
//! dropping its future (for example with `tokio::time::timeout` or `tokio::select!`).
//!
//! ```
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! # use invitations_mock::{fixture, InvitationsMock};
//! # use invitations_sdk::Client;
//! # let mock = InvitationsMock::start().await;
//! # let client = Client::builder().base_url(mock.uri()).api_key(fixture::ACME_MANAGER_KEY).build().unwrap();
//! use std::time::Duration;
//!
//! let lookup = client.invitation_by_email("ada@example.com");
//! match tokio::time::timeout(Duration::from_secs(5), lookup).await {
//!     Ok(result) => println!("{:?}", result.map(|i| i.id)),
//!     Err(_elapsed) => println!("cancelled: the request was dropped"),
//! }
//! # });
//! ```
//!
//! # The generated client
//!
//! The client in [`generated`] is produced by progenitor from `openapi/invitations.yaml`
//! (`cargo xtask codegen`) and never edited by hand. [`Client::generated`] gives access to it
//! (same key, user agent and timeouts; no retries; progenitor's errors and envelopes).
//!
//! # Forward compatibility
//!
//! An invitation status this version does not know reads as [`InvitationStatus::Unknown`],
//! and an error code it does not know is kept in [`Error::code`]: a server that adds values
//! does not break clients built today.

#![warn(missing_docs)]

#[rustfmt::skip]
#[allow(clippy::all, missing_docs, unused_imports)]
pub mod generated;
mod client;
mod error;
pub mod http;
mod ids;
mod operation;
pub mod retry;
mod status;

pub use client::{
    Client, ClientBuilder, ResendInvite, DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT,
    DEFAULT_USER_AGENT, ENV_API_KEY, ENV_BASE_URL,
};
pub use error::{BuildError, Error, CODE_INVITATION_NOT_PENDING};
pub use generated::types;
/// The progenitor-generated client, also reachable from [`Client::generated`].
pub use generated::Client as GeneratedClient;
pub use ids::{IntoId, IntoInviteId};
pub use operation::Operation;
pub use reqwest::StatusCode;
pub use retry::RetryPolicy;
pub use status::InvitationStatus;
