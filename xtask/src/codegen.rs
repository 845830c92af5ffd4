//! `cargo xtask codegen [--check]`: openapi/invitations.yaml → sdk/src/generated.rs.
//!
//! The generated client is checked in (as oxide.rs does) so that it is readable in the
//! repository and in rustdoc, and so that building the SDK does not need progenitor.

use std::path::Path;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use progenitor::{GenerationSettings, Generator, InterfaceStyle, TagStyle, TypeImpl};

pub const SPEC_PATH: &str = "openapi/invitations.yaml";
pub const OUTPUT_PATH: &str = "sdk/src/generated.rs";

/// The spec's open enums: schemas the SDK reads through a hand-written type of the same name
/// at its root, which keeps a value added to the API later (`Unknown`) instead of failing the
/// whole response (see sdk/src/status.rs). `api-diff` counts a new value there as compatible.
pub const OPEN_ENUMS: &[&str] = &["InvitationStatus"];

const HEADER: &str = "\
// @generated from openapi/invitations.yaml by `cargo xtask codegen`; do not edit.
// Change the spec or the generator settings in xtask/src/codegen.rs, then regenerate.
// `cargo xtask codegen --check` fails when this file is stale.
";

pub fn run(root: &Path, check: bool) -> Result<()> {
    let started = Instant::now();
    let spec_text = std::fs::read_to_string(root.join(SPEC_PATH))
        .with_context(|| format!("reading {SPEC_PATH}"))?;
    let fresh = generate(&spec_text)?;
    let output = root.join(OUTPUT_PATH);
    if check {
        let current = std::fs::read_to_string(&output).unwrap_or_default();
        if current != fresh {
            let diff = similar::TextDiff::from_lines(&current, &fresh);
            eprint!(
                "{}",
                diff.unified_diff()
                    .context_radius(3)
                    .header(OUTPUT_PATH, "regenerated from the spec")
            );
            bail!("{OUTPUT_PATH} is stale: run `cargo xtask codegen` and commit the result");
        }
        println!(
            "{OUTPUT_PATH} is up to date with {SPEC_PATH} ({:.2?})",
            started.elapsed()
        );
    } else {
        std::fs::write(&output, &fresh).with_context(|| format!("writing {OUTPUT_PATH}"))?;
        println!(
            "wrote {OUTPUT_PATH} ({} lines) in {:.2?}",
            fresh.lines().count(),
            started.elapsed()
        );
    }
    Ok(())
}

/// The whole generated file, header included, exactly as it is checked in.
pub fn generate(spec_text: &str) -> Result<String> {
    let spec: openapiv3::OpenAPI =
        serde_yaml::from_str(spec_text).with_context(|| format!("parsing {SPEC_PATH}"))?;
    let mut settings = GenerationSettings::default();
    settings
        .with_interface(InterfaceStyle::Builder)
        .with_tag(TagStyle::Merged)
        .with_derive("schemars::JsonSchema");
    for name in OPEN_ENUMS {
        settings.with_replacement(
            *name,
            format!("crate::{name}"),
            [TypeImpl::Display, TypeImpl::FromStr].into_iter(),
        );
    }
    let mut generator = Generator::new(&settings);
    let tokens = generator
        .generate_tokens(&spec)
        .map_err(|err| anyhow::anyhow!("progenitor could not generate the client: {err}"))?;
    let file: syn::File =
        syn::parse2(tokens).context("progenitor produced tokens that are not a Rust file")?;
    Ok(format!("{HEADER}{}", prettyplease::unparse(&file)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root() -> std::path::PathBuf {
        crate::artifacts::workspace_root()
    }

    fn spec_text() -> String {
        std::fs::read_to_string(root().join(SPEC_PATH)).unwrap()
    }

    #[test]
    fn checked_in_client_is_current() {
        let checked_in = std::fs::read_to_string(root().join(OUTPUT_PATH)).unwrap();
        assert!(
            generate(&spec_text()).unwrap() == checked_in,
            "{OUTPUT_PATH} is stale: run `cargo xtask codegen`"
        );
    }

    #[test]
    fn output_starts_with_the_do_not_edit_header() {
        let out = generate(&spec_text()).unwrap();
        assert!(out.starts_with("// @generated from openapi/invitations.yaml"));
        assert!(out.contains("do not edit"));
    }

    #[test]
    fn a_changed_description_changes_the_output() {
        // `codegen --check` compares whole files, so it fails exactly when the output moves.
        let spec = spec_text();
        let needle = "description: Identifier of the invitation to resend.";
        assert!(spec.contains(needle));
        let edited = spec.replace(needle, "description: Which invitation to send again.");
        let before = generate(&spec).unwrap();
        let after = generate(&edited).unwrap();
        assert_ne!(before, after);
        assert!(after.contains("Which invitation to send again."));
    }
}
