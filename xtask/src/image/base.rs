//! What the images build on: podman and runc (Debian's packages, installed when missing)
//! and the base image the Containerfiles name, made with debootstrap when no image of that
//! name is here (no registry to pull it from).

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};

use super::{inspect, podman};
use crate::process::run_step;

/// The base both Containerfiles name (`ARG BASE`), fully qualified as Docker and podman
/// resolve `debian:bookworm-slim`.
pub(super) const BASE_IMAGE: &str = "docker.io/library/debian:bookworm-slim";
/// The Debian release debootstrap installs for [`BASE_IMAGE`].
pub(super) const BASE_RELEASE: &str = "bookworm";
/// The label xtask puts on a base it made, so that a reused base says where it came from.
const BASE_LABEL: &str = "org.invitations.base";
/// Packages the local base gets besides minbase: what the Containerfiles would otherwise
/// install from the network in every build (see their first `RUN`).
const BASE_EXTRA_PACKAGES: &str = "libssl3,ca-certificates";

/// Where `program` is: on `PATH`, or in the sbin directories a non-root `PATH` may lack
/// (debootstrap lives there).
fn find_program(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/sbin"].map(PathBuf::from))
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}

/// The programs the images need and the Debian package of each: podman and its runtime,
/// and debootstrap when the base image must be made.
const PROGRAMS: [(&str, &str); 3] = [
    ("podman", "podman"),
    ("runc", "runc"),
    ("debootstrap", "debootstrap"),
];

/// Installs the Debian package of each of [`PROGRAMS`] whose program is missing (debootstrap
/// only where the base image is missing: on a fresh machine in the same apt transaction as
/// podman), and says so; fails with what to do where apt-get cannot. apt's output goes to a
/// log under the target directory, named when a step fails.
pub(super) fn ensure_programs(root: &Path) -> Result<()> {
    let base_missing = find_program("podman").is_none() || !image_exists(BASE_IMAGE)?;
    let missing: Vec<&str> = PROGRAMS
        .iter()
        .filter(|(program, _)| *program != "debootstrap" || base_missing)
        .filter(|(program, _)| find_program(program).is_none())
        .map(|(_, package)| *package)
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let list = missing.join(" ");
    println!("{list}: not installed; installing with apt-get (Debian's packages, once)");
    if find_program("apt-get").is_none() {
        bail!(
            "{list} not installed, and there is no apt-get to install them with: install them \
             with the system's package manager, then run this again"
        );
    }
    let log_dir = crate::artifacts::target_dir(root)?.join("xtask-image");
    std::fs::create_dir_all(&log_dir)?;
    let mut update = Command::new("apt-get");
    update.arg("update");
    let mut install = Command::new("apt-get");
    install
        .args(["install", "-y", "-o", "DPkg::Lock::Timeout=300"])
        .args(&missing)
        .env("DEBIAN_FRONTEND", "noninteractive");
    for (name, step, log) in [
        ("apt-get update", update, "apt-update.log"),
        (
            &format!("apt-get install {list}"),
            install,
            "apt-install.log",
        ),
    ] {
        let took = crate::process::run_logged(name, step, &log_dir.join(log))
            .with_context(|| format!("installing {list} needs root; or install them yourself"))?;
        println!("<== {name} ok ({took:.1?})");
    }
    Ok(())
}

/// Whether podman has an image of this name.
fn image_exists(name: &str) -> Result<bool> {
    let mut cmd = podman();
    cmd.args(["image", "exists", name]);
    Ok(crate::process::status("podman image exists", cmd)?.success())
}

/// Reuses the base image, or makes it with debootstrap and imports it under [`BASE_IMAGE`].
pub(super) fn ensure_base(root: &Path) -> Result<()> {
    if image_exists(BASE_IMAGE)? {
        let made = inspect(
            BASE_IMAGE,
            &format!("{{{{index .Labels \"{BASE_LABEL}\"}}}}"),
        )?;
        let origin = if made.is_empty() || made == "<no value>" {
            "pulled from a registry".to_owned()
        } else {
            format!("made here: {made}")
        };
        println!("base image {BASE_IMAGE}: reused ({origin})");
        return Ok(());
    }
    println!(
        "base image {BASE_IMAGE}: not here; making it with debootstrap --variant=minbase \
         (about a minute, once)"
    );
    make_base(root).context(
        "could not make the base image; with a registry, `podman pull debian:bookworm-slim` \
         and run this again",
    )
}

/// Makes [`BASE_IMAGE`]: debootstrap into the target directory, slimmed down, imported.
fn make_base(root: &Path) -> Result<()> {
    ensure_programs(root)?;
    let debootstrap = find_program("debootstrap").context("debootstrap is not installed")?;
    let mirror = debian_mirror(&apt_sources())?;
    let work = crate::artifacts::target_dir(root)?.join("xtask-image/base");
    let rootfs = work.join("rootfs");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).with_context(|| format!("creating {}", work.display()))?;
    let mut bootstrap = Command::new(debootstrap);
    bootstrap
        .args([
            "--variant=minbase",
            "--include",
            BASE_EXTRA_PACKAGES,
            BASE_RELEASE,
        ])
        .arg(&rootfs)
        .arg(&mirror)
        .stdout(std::process::Stdio::null());
    run_step(
        root,
        &format!("debootstrap --variant=minbase {BASE_RELEASE} from {mirror}"),
        bootstrap,
    )
    .context("debootstrap needs root")?;
    slim_down(&rootfs)?;
    let tarball = work.join("base.tar");
    let mut tar = Command::new("tar");
    tar.arg("-C")
        .arg(&rootfs)
        .args(["--numeric-owner", "-cf"])
        .arg(&tarball)
        .arg(".");
    run_step(root, "tar the base's root file system", tar)?;
    let mut import = podman();
    import
        .args(["import", "--change", "CMD [\"bash\"]", "--change"])
        .arg(format!(
            "LABEL {BASE_LABEL}=\"debootstrap --variant=minbase --include={BASE_EXTRA_PACKAGES} {BASE_RELEASE}\""
        ))
        .arg(&tarball)
        .arg(BASE_IMAGE)
        .stdout(std::process::Stdio::null());
    run_step(root, &format!("podman import {BASE_IMAGE}"), import)?;
    std::fs::remove_dir_all(&work).with_context(|| format!("removing {}", work.display()))?;
    Ok(())
}

/// Removes what debian:bookworm-slim leaves out too (apt's lists and caches, documentation,
/// manual pages, translations, logs), and keeps later `apt-get install`s from adding them
/// back, as that image's dpkg settings do.
fn slim_down(rootfs: &Path) -> Result<()> {
    for dir in [
        "var/lib/apt/lists",
        "var/cache/apt",
        "var/log",
        "usr/share/doc",
        "usr/share/man",
        "usr/share/info",
        "usr/share/locale",
    ] {
        let dir = rootfs.join(dir);
        for entry in
            std::fs::read_dir(&dir).with_context(|| format!("reading {}", dir.display()))?
        {
            let path = entry?.path();
            let removed = if path.is_dir() && !path.is_symlink() {
                std::fs::remove_dir_all(&path)
            } else {
                std::fs::remove_file(&path)
            };
            removed.with_context(|| format!("removing {}", path.display()))?;
        }
    }
    let excludes = rootfs.join("etc/dpkg/dpkg.cfg.d/slim");
    std::fs::write(
        &excludes,
        "path-exclude /usr/share/doc/*\npath-include /usr/share/doc/*/copyright\n\
         path-exclude /usr/share/man/*\npath-exclude /usr/share/info/*\n\
         path-exclude /usr/share/locale/*\n",
    )
    .with_context(|| format!("writing {}", excludes.display()))
}

/// The text of apt's source lists on this machine (`/etc/apt/sources.list` and the `.list`
/// and `.sources` files beside it); unreadable ones are left out.
fn apt_sources() -> Vec<String> {
    let mut files = vec![PathBuf::from("/etc/apt/sources.list")];
    if let Ok(dir) = std::fs::read_dir("/etc/apt/sources.list.d") {
        let mut more: Vec<PathBuf> = dir
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|path| {
                path.extension()
                    .is_some_and(|ext| ext == "list" || ext == "sources")
            })
            .collect();
        more.sort();
        files.extend(more);
    }
    files
        .iter()
        .filter_map(|path| std::fs::read_to_string(path).ok())
        .collect()
}

/// The mirror apt is configured with for [`BASE_RELEASE`]'s `main` component, from
/// one-line (`deb URI SUITE COMPONENTS`) or deb822 (`URIs:`, `Suites:`) source lists.
fn debian_mirror(sources: &[String]) -> Result<String> {
    for text in sources {
        // One-line format.
        for line in text.lines().map(str::trim) {
            let mut words = line.split_whitespace();
            if words.next() != Some("deb") {
                continue;
            }
            let mut words = words.skip_while(|w| w.starts_with('['));
            if let (Some(uri), Some(BASE_RELEASE)) = (words.next(), words.next())
                && words.any(|component| component == "main")
            {
                return Ok(uri.to_owned());
            }
        }
        // deb822: stanzas separated by blank lines.
        for stanza in text.split("\n\n") {
            let field = |name: &str| {
                stanza.lines().find_map(|line| {
                    let (key, value) = line.split_once(':')?;
                    key.trim()
                        .eq_ignore_ascii_case(name)
                        .then(|| value.trim().to_owned())
                })
            };
            let has = |name: &str, wanted: &str| {
                field(name).is_some_and(|v| v.split_whitespace().any(|w| w == wanted))
            };
            if has("Types", "deb")
                && has("Suites", BASE_RELEASE)
                && has("Components", "main")
                && let Some(uris) = field("URIs")
                && let Some(uri) = uris.split_whitespace().next()
            {
                return Ok(uri.to_owned());
            }
        }
    }
    bail!(
        "apt's sources (/etc/apt/sources.list*) name no Debian mirror for {BASE_RELEASE} main: \
         debootstrap needs one to make the base image"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mirror_comes_from_either_source_format() {
        let deb822 = "Types: deb\nURIs: http://mirror.invalid/debian\nSuites: bookworm bookworm-updates\n\
                      Components: main\n\nTypes: deb\nURIs: http://security.invalid/debian-security\n\
                      Suites: bookworm-security\nComponents: main\n";
        assert_eq!(
            debian_mirror(&[deb822.into()]).unwrap(),
            "http://mirror.invalid/debian"
        );
        let one_line = "# comment\ndeb-src http://src.invalid/debian bookworm main\n\
                        deb [arch=amd64] http://one.invalid/debian bookworm main contrib\n";
        assert_eq!(
            debian_mirror(&[one_line.into()]).unwrap(),
            "http://one.invalid/debian"
        );
        let other = "deb http://x.invalid/debian trixie main\nTypes: deb\nURIs: http://y.invalid\n\
                     Suites: bookworm-security\nComponents: main\n";
        assert!(debian_mirror(&[other.into()]).is_err());
        let no_main = "deb http://x.invalid/debian bookworm contrib\n";
        assert!(debian_mirror(&[no_main.into()]).is_err());
    }
}
