//! No code: the dependencies in this crate's `Cargo.toml` are the point.
//!
//! Cargo picks each dependency's features from the packages a command builds, so `cargo run
//! -p xtask` (which CI runs first) and `cargo build --workspace --exclude xtask` (which it runs
//! next) compiled 70 units again with other features (syn, serde_json, regex-automata, ...):
//! 32 s of CPU on a fresh clone. Every member depends on this crate, which asks for the union
//! of those features, so each dependency is built once. `cargo xtask workspace-hack`
//! regenerates it (cargo-hakari) after a dependency changes; a stale one costs build time,
//! never correctness.
