//! The core's side of HTTP, free of any HTTP library, one concern a module:
//!
//! - `wire`: [`Request`] and [`Response`], what the transports translate to and from;
//! - `answer`: `Answer`, what the core decided, its success body written once the core's
//!   lock is released;
//! - `json`: the buffer every body is serialised into, and the success bodies written by
//!   hand (each beside the test that compares it with serde's bytes for the SDK type);
//! - `timestamp`: timestamps as chrono serialises them, without `fmt`;
//! - `query`: the query string, decoded.
//!
//! This module only gathers them: none of them imports it.

mod answer;
mod json;
mod query;
mod timestamp;
mod wire;

pub(crate) use answer::Answer;
pub(crate) use query::{Query, QueryError};
pub(crate) use wire::{display_path, truncate};
pub use wire::{method_name, split_target, Request, Response};
