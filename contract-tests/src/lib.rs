//! Snapshot contract tests for the Invitations API.
//!
//! One suite answers one question about an environment: does it behave as documented, and does
//! our SDK read it correctly? Every case sends raw HTTP (checking status, media type, field
//! names and the body against `openapi/invitations.yaml`) and makes the same call through the
//! SDK; its record, with target-specific values redacted, must equal one insta snapshot shared
//! by every target.
//!
//! Targets: the embedded mock (a fresh [`invitations_mock::InvitationsMock`] per case, the
//! default) or a deployment described by a TOML profile named in `CONTRACT_TARGET` (see
//! `targets/example.toml`). Run with `cargo xtask contract [--target FILE] [--junit FILE]`.
//!
//! Cases that need the mock's admin API are skipped on deployments, and cases that would
//! resend an existing invitation are skipped unless the profile sets `allow_mutations`; the
//! report says so for each. Where the documents leave an answer open and a row of
//! `openapi/DECISIONS.md` picks the mock's ([`Decision`]), a deployment may give any answer
//! the documents allow unless its profile is `strict` (see `contract-tests/README.md`).

pub mod cases;
pub mod cli;
pub mod context;
pub mod decision;
pub mod mailbox;
pub mod preflight;
pub mod redact;
pub mod report;
pub mod runner;
pub mod snapshot;
pub mod target;

pub use cases::{all as all_cases, Case, Needs};
pub use decision::Decision;
pub use report::{table, totals};
pub use runner::{coverage_gaps, run, CaseReport, Skip, Target, Verdict};
