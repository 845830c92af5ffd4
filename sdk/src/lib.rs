//! Typed Rust client for the Invitations API.
//!
//! The client in [`generated`] is produced by progenitor from `openapi/invitations.yaml`
//! (`cargo xtask codegen`) and never edited by hand.
//!
//! # Cancellation
//!
//! The source documents list a `cancellationToken` input on the tenant operations. That is a
//! parameter of the server's .NET handlers, not part of HTTP. In Rust, cancelling a call is
//! dropping its future (for example with `tokio::time::timeout` or `tokio::select!`).

#[rustfmt::skip]
#[allow(clippy::all, missing_docs, unused_imports)]
pub mod generated;
mod status;

pub use generated::{types, Client};
pub use status::InvitationStatus;
