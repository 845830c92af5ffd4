//! Embeds the recorded snapshots, so that the suite (and the installed
//! `invitations-contract` binary) compares against them without the source tree.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("snapshots");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .expect("contract-tests/snapshots exists")
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "snap"))
        .collect();
    names.sort();
    let mut out = String::from("&[\n");
    for path in names {
        println!("cargo:rerun-if-changed={}", path.display());
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let _ = writeln!(
            out,
            "    ({name:?}, include_str!({:?})),",
            path.display().to_string()
        );
    }
    out.push(']');
    let target = Path::new(&std::env::var("OUT_DIR").unwrap()).join("snapshots.rs");
    std::fs::write(target, out).expect("OUT_DIR is writable");
}
