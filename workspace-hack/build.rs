// Cargo resolves a crate's build-dependencies (here: the features of the proc-macros' and
// build scripts' own dependencies) only when it has a build script.
fn main() {}
