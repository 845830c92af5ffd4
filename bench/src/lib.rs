//! Shared pieces of the benchmarks run by `cargo xtask bench`.
//!
//! - [`bare`]: a bare hyper 1 HTTP/1.1 server that answers every request with one fixed body,
//!   the baseline the mock binary is compared with (binary `bare-hyper`, and in-process in the
//!   SDK bench).
//! - [`stats`]: latency percentiles from a sample.
//!
//! The load generator is the `loadgen` binary; the allocation counter (a counting global
//! allocator around the mock's server and core) is the `allocs` binary; the SDK per-call
//! bench is `benches/sdk.rs`.

pub mod bare;
pub mod stats;

/// The by-email answer of the mock binary for the default fixture's pending invitation 9001,
/// byte for byte in shape and size (208 bytes; only the timestamps differ): what `bare-hyper`
/// serves, so that both servers write the same body and the SDK can decode it.
pub const BY_EMAIL_BODY: &str = concat!(
    r#"{"error":null,"isFailure":false,"isSuccess":true,"value":{"#,
    r#""createdAt":"2026-11-21T23:26:59.957Z","email":"ada@example.com","#,
    r#""expiresAt":"2026-11-23T23:26:59.957Z","id":9001,"status":"Pending","tenantId":1024}}"#
);

/// The API key of the mock's default fixture that manages tenant 1024.
pub use invitations_mock::fixture::ACME_MANAGER_KEY as API_KEY;
/// The pending invitation of the default fixture, and its id.
pub use invitations_mock::fixture::{PENDING_EMAIL, PENDING_ID};

use invitations_mock::Operation;

/// A request the benchmarks send to the mock on its default fixture: `loadgen --request`
/// sends it (`cargo xtask bench` names it so, rather than spelling out paths and keys).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Workload {
    /// `GET invitations_by_email` for the pending invitation ([`PENDING_EMAIL`]).
    ByEmail,
    /// The IAM resend of the pending invitation ([`PENDING_ID`]), body `{}`, each request
    /// with its own `Idempotency-Key`.
    Resend,
}

impl Workload {
    fn operation(self) -> Operation {
        match self {
            Workload::ByEmail => Operation::GetUserInvitationByEmail,
            Workload::Resend => Operation::ResendInvite,
        }
    }

    /// The method.
    pub fn method(self) -> &'static str {
        self.operation().method()
    }

    /// The path and query.
    pub fn target(self) -> String {
        let path = self.operation().path();
        match self {
            Workload::ByEmail => format!("{path}?email={PENDING_EMAIL}"),
            Workload::Resend => path.replace("{id}", &PENDING_ID.to_string()),
        }
    }

    /// The body (JSON), empty for none.
    pub fn body(self) -> &'static str {
        match self {
            Workload::ByEmail => "",
            Workload::Resend => "{}",
        }
    }

    /// Whether each request carries its own `Idempotency-Key`.
    pub fn unique_idempotency_keys(self) -> bool {
        self == Workload::Resend
    }
}

impl std::str::FromStr for Workload {
    type Err = String;

    fn from_str(name: &str) -> Result<Workload, String> {
        match name {
            "by-email" => Ok(Workload::ByEmail),
            "resend" => Ok(Workload::Resend),
            other => Err(format!(
                "{other:?} is not a workload; use by-email or resend"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workloads_are_the_fixtures_requests() {
        assert_eq!(
            "by-email".parse::<Workload>().unwrap().target(),
            "/tenant/admin/user/invitations_by_email?email=ada@example.com"
        );
        let resend: Workload = "resend".parse().unwrap();
        assert_eq!(resend.target(), "/iam/v1/users/9001/actions/resend");
        assert_eq!((resend.method(), resend.body()), ("POST", "{}"));
        assert!(resend.unique_idempotency_keys());
        assert!(!Workload::ByEmail.unique_idempotency_keys());
        assert!("nope".parse::<Workload>().is_err());
    }

    #[test]
    fn body_is_the_mocks_answer_shape() {
        assert_eq!(super::BY_EMAIL_BODY.len(), 208);
        let v: invitations_sdk::types::UserInvitationResult =
            serde_json::from_str(super::BY_EMAIL_BODY).unwrap();
        assert_eq!(v.value.unwrap().id.get(), 9001);
    }
}
