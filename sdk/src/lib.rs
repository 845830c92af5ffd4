#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

/// The client progenitor generates from `openapi/invitations.yaml` (`cargo xtask codegen`):
/// its types carry the spec's descriptions; the builders it adds around them are documented
/// by their types. Prefer [`Client`], which wraps it.
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
