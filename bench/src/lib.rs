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
pub const API_KEY: &str = "acme-manager-key";
/// The pending invitation of the default fixture.
pub const PENDING_EMAIL: &str = "ada@example.com";
/// Its id.
pub const PENDING_ID: u64 = 9001;

#[cfg(test)]
mod tests {
    #[test]
    fn body_is_the_mocks_answer_shape() {
        assert_eq!(super::BY_EMAIL_BODY.len(), 208);
        let v: invitations_sdk::types::UserInvitationResult =
            serde_json::from_str(super::BY_EMAIL_BODY).unwrap();
        assert_eq!(v.value.unwrap().id.get(), 9001);
    }
}
