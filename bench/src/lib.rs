//! Shared pieces of the benchmarks run by `cargo xtask bench`.
//!
//! - [`bare`]: a bare hyper 1 HTTP/1.1 server that answers every request with one fixed body,
//!   the baseline the mock binary is compared with (binary `bare-hyper`, and in-process in the
//!   SDK bench).
//! - [`stats`]: latency percentiles from a sample.
//!
//! The load generator is the `loadgen` binary; the SDK per-call bench is `benches/sdk.rs`.

pub mod bare;
pub mod stats;

/// The by-email answer of the mock's default fixture (pending invitation 9001), byte for byte in
/// shape and close in size: what `bare-hyper` serves so that both servers write similar bodies
/// and the SDK can decode it.
pub const BY_EMAIL_BODY: &str = concat!(
    r#"{"isSuccess":true,"isFailure":false,"error":null,"value":{"id":9001,"tenantId":1024,"#,
    r#""email":"ada@example.com","status":"Pending","createdAt":"2024-03-15T09:30:00.000000Z","#,
    r#""expiresAt":"2024-03-17T09:30:00.000000Z"}}"#
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
    fn body_is_json() {
        let v: serde_json::Value = serde_json::from_str(super::BY_EMAIL_BODY).unwrap();
        assert_eq!(v["value"]["id"], 9001);
    }
}
