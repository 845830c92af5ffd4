//! Reference mock of the Invitations API.
//!
//! One transport-free [`core`] implements the documented behaviour of both surfaces (tenant
//! admin and IAM) plus an admin API; two thin transports serve it:
//!
//! * [`InvitationsMock`], on wiremock, for tests: stateful by default, and any call can be
//!   overridden by mounting a higher-priority `wiremock::Mock` on [`InvitationsMock::server`];
//! * [`server`], on hyper, for the standalone `invitations-mock` binary.
//!
//! [`proxy`] is the other way round: a validating proxy that checks the traffic of any
//! deployment against the spec (`invitations-mock proxy --upstream URL`).
//!
//! [`MockHandle`] gives in-process access to the state (clock, outbox, faults, store), so
//! tests need no HTTP for setup. [`fixture`] holds the default fixture's names.
//!
//! ```
//! use invitations_mock::{fixture, InvitationsMock};
//!
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! let mock = InvitationsMock::start().await;
//! let before = mock.invitation(fixture::PENDING_ID).unwrap();
//!
//! let response = reqwest::Client::new()
//!     .put(format!(
//!         "{}/tenant/{}/admin/user/invitation/resend?id={}",
//!         mock.uri(),
//!         fixture::ACME_TENANT,
//!         fixture::PENDING_ID
//!     ))
//!     .bearer_auth(fixture::ACME_MANAGER_KEY)
//!     .send()
//!     .await
//!     .unwrap();
//! assert_eq!(response.status(), 200);
//!
//! // The resend rotated the token: the old link no longer works, the emailed one does.
//! assert!(mock.accept(&before.token).is_err());
//! let email = mock.outbox().pop().unwrap();
//! assert_eq!(mock.accept(&email.token), Ok(fixture::PENDING_ID));
//! # });
//! ```

#![warn(missing_docs)]

pub mod adapter;
pub mod core;
pub mod handle;
pub mod log;
pub mod proxy;
pub mod server;
pub mod smtp;

/// The starting state: format, rules and the default fixture's names (lives in [`core`]).
pub use crate::core::fixture;

pub use crate::adapter::InvitationsMock;
pub use crate::core::{
    AcceptError, Clock, Core, CoreConfig, CreateError, Fault, FaultError, Fixture,
    InvitationRecord, JournalEntry, NewInvitation, Operation, Request, Response, SentEmail,
};
pub use crate::handle::MockHandle;
