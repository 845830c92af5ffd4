//! `cargo xtask image [--test] [--dev]`: the mock and the contract suite as container images,
//! `invitations-mock:<version>` from `mock-server/Containerfile` and
//! `invitations-contract:<version>` from `contract-tests/Containerfile`, built with podman.
//!
//! The Containerfiles copy binaries that cargo built (they do not compile: a 2-core release
//! build inside a build container would cost minutes per image), so the order is: install
//! podman (Debian's packages) if it is missing; make or reuse the base image; check that a
//! container runs; build both binaries once; stage each image's build context (exactly the
//! files its `COPY` lines name, taken from cargo's target directory wherever
//! `CARGO_TARGET_DIR` puts it); build.
//!
//! No image registry is needed. The Containerfiles name a standard base (`FROM
//! debian:bookworm-slim`, what Docker users with a registry get); when no image of that name
//! is here, xtask makes one with `debootstrap --variant=minbase` from the Debian mirror apt
//! is configured with, imports it under that name, and builds with `--pull=never`.
//!
//! `--test` then runs the mock's image as a user would (a mounted fixture, a published
//! loopback port), waits until its `HEALTHCHECK` passes, runs the suite's image against it
//! with the mock's profile (every case must pass), checks that exit codes and JUnit reach
//! the caller as the binary gives them, stops the mock with SIGTERM and checks that its log
//! ended cleanly. It prints the figures: image sizes, each step's time, the time from
//! `podman run` to healthy, and from SIGTERM to exit.
//!
//! Here: the command, the build contexts and the builds; `base` installs podman and makes
//! the base image; `check` is `--test`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

use crate::process::{output, run_step};

mod base;
mod check;

/// Options of the command (its command line: the doc comments are its help).
#[derive(clap::Args)]
pub struct ImageArgs {
    /// Then test the images: start the mock's on a free loopback port, wait until its
    /// HEALTHCHECK passes, run the suite's against it (every case must pass), stop the mock
    /// with SIGTERM and check that its log ended cleanly.
    #[arg(long)]
    pub test: bool,
    /// Put the dev-profile binaries into the images (tagged `<version>-dev`) instead of a
    /// release build: those `cargo test` builds, so that after `cargo xtask ci` the images
    /// cost no compilation. For testing the images, not for shipping them.
    #[arg(long)]
    pub dev: bool,
}

/// Global podman options this machine kind needs: Debian's podman defaults to a runtime and
/// cgroup manager that do not work here (no systemd); runc with cgroupfs does, and works
/// wherever podman does.
const PODMAN_GLOBAL: [&str; 4] = ["--runtime", "runc", "--cgroup-manager", "cgroupfs"];
/// Explicit limits for every container (builds' `RUN` steps too): without them runc cannot
/// set the defaults it inherits here ("error setting rlimit type 7: operation not
/// permitted").
const ULIMITS: [&str; 4] = [
    "--ulimit",
    "nofile=1024:1024",
    "--ulimit",
    "nproc=4096:4096",
];

/// One image: its repository name, Containerfile, and the binary it carries.
struct Image {
    repo: &'static str,
    containerfile: &'static str,
    bin: &'static str,
}

/// The mock server's image.
const MOCK: Image = Image {
    repo: "invitations-mock",
    containerfile: "mock-server/Containerfile",
    bin: "invitations-mock",
};
/// The contract suite's image.
const SUITE: Image = Image {
    repo: "invitations-contract",
    containerfile: "contract-tests/Containerfile",
    bin: "invitations-contract",
};

/// A `COPY` source under this prefix is a binary cargo built, wherever the target directory
/// is; it is the path a build from the repository's root (default target directory) finds.
const BUILT_PREFIX: &str = "target/release/";

/// Each step's name and wall time, printed at the end.
#[derive(Default)]
struct Timings(Vec<(String, Duration)>);

impl Timings {
    /// Runs `step`, recording its wall time under `name`.
    fn time<T>(&mut self, name: &str, step: impl FnOnce() -> Result<T>) -> Result<T> {
        let started = Instant::now();
        let value = step()?;
        self.0.push((name.to_owned(), started.elapsed()));
        Ok(value)
    }
}

/// `cargo xtask image [--test] [--dev]`.
pub fn run(root: &Path, args: ImageArgs) -> Result<()> {
    let mut timings = Timings::default();
    prepare_timed(root, &mut timings)?;
    if !args.dev {
        println!("building the release binaries (2 to 6 minutes from scratch on 2 cores)");
    }
    let binaries = timings.time(
        if args.dev {
            "cargo test --no-run (dev binaries)"
        } else {
            "cargo build --release (both binaries)"
        },
        || build_binaries(root, args.dev),
    )?;
    let version = binary_version(&binaries[0].1)?;
    let tag_suffix = if args.dev { "-dev" } else { "" };
    let context_root = crate::artifacts::target_dir(root)?.join("xtask-image");
    let mut tags = Vec::new();
    for image in [&MOCK, &SUITE] {
        let tag = format!("{}:{version}{tag_suffix}", image.repo);
        timings.time(&format!("podman build {tag}"), || {
            // Per process: `cargo xtask ci` may build while another run does.
            let context =
                context_root.join(format!("context-{}-{}", image.repo, std::process::id()));
            stage_context(root, image, &binaries, &context)?;
            let built = build(root, image, &tag, &version, &context);
            let _ = std::fs::remove_dir_all(&context);
            built
        })?;
        tags.push(tag);
    }
    let base_size = image_size(base::BASE_IMAGE)?;
    println!("\nimages (uncompressed, as `podman images` counts them):");
    println!("  {:<40} {}", base::BASE_IMAGE, megabytes(base_size));
    for tag in &tags {
        let size = image_size(tag)?;
        println!(
            "  {tag:<40} {} ({} over the base)",
            megabytes(size),
            megabytes(size.saturating_sub(base_size))
        );
    }
    let figures = if args.test {
        Some(check::run(
            root,
            &tags[0],
            &tags[1],
            &binaries[1].1,
            &context_root,
        )?)
    } else {
        None
    };
    println!("\nsteps:");
    for (name, took) in &timings.0 {
        println!("  {:>7.1} s  {name}", took.as_secs_f64());
    }
    if let Some(figures) = figures {
        figures.print();
    }
    Ok(())
}

/// What the images need before any binary, prepared on another thread: podman and runc
/// (installed when missing), the base image (made when missing), and proof that a container
/// runs here. `cargo xtask ci` starts it before its build: it waits on the network and on
/// dpkg. Dropped without [`Preparation::wait`] (an earlier step failed), it still waits:
/// an apt-get cut off would leave dpkg half-configured for every later run.
pub struct Preparation(Option<std::thread::JoinHandle<Result<()>>>);

impl Preparation {
    /// Starts preparing.
    pub fn start(root: &Path) -> Preparation {
        let root = root.to_owned();
        Preparation(Some(std::thread::spawn(move || {
            prepare_timed(&root, &mut Timings::default())
        })))
    }

    /// Waits until it is done and says whether it worked.
    pub fn wait(mut self) -> Result<()> {
        self.0
            .take()
            .expect("waited once")
            .join()
            .map_err(|_| anyhow::anyhow!("preparing podman and the base image panicked"))?
    }
}

impl Drop for Preparation {
    fn drop(&mut self) {
        if let Some(thread) = self.0.take() {
            let _ = thread.join();
        }
    }
}

fn prepare_timed(root: &Path, timings: &mut Timings) -> Result<()> {
    timings.time("install podman, runc and debootstrap (if missing)", || {
        base::ensure_programs(root)
    })?;
    timings.time("base image (make or reuse)", || base::ensure_base(root))?;
    timings.time("a container runs (podman run --rm base true)", || {
        let mut probe = podman();
        probe
            .args(["run", "--rm"])
            .args(ULIMITS)
            .args([base::BASE_IMAGE, "true"]);
        output("podman run --rm <base> true", probe)
            .map(drop)
            .context("containers cannot run on this machine (podman's error follows)")
    })
}

/// `podman` with the global options this machine needs.
fn podman() -> Command {
    let mut cmd = Command::new("podman");
    cmd.args(PODMAN_GLOBAL);
    cmd
}

/// Builds both binaries (release, or the dev build of `cargo test`) and returns each one's
/// `(name, executable)`, the mock's first.
fn build_binaries(root: &Path, dev: bool) -> Result<Vec<(&'static str, PathBuf)>> {
    let args: Vec<&str> = if dev {
        crate::mock::test_build_args()
    } else {
        // The mock's release build, with the suite's binary in the same cargo run.
        crate::mock::RELEASE_BUILD
            .into_iter()
            .chain(["-p", "invitations-contract-tests", "--bin", SUITE.bin])
            .collect()
    };
    // One build; asking again for the second binary's path finds everything fresh.
    [MOCK.bin, SUITE.bin]
        .into_iter()
        .map(|bin| Ok((bin, crate::artifacts::build_bin(root, &args, bin)?)))
        .collect()
}

/// The version a binary prints (`invitations-mock 0.1.0` gives `0.1.0`): the image's tag.
fn binary_version(executable: &Path) -> Result<String> {
    let mut cmd = Command::new(executable);
    cmd.arg("--version");
    let out = output(&format!("{} --version", executable.display()), cmd)?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.split_whitespace()
        .nth(1)
        .map(str::to_owned)
        .with_context(|| format!("no version in {text:?}"))
}

/// The sources of a Containerfile's `COPY` instructions, in order (options such as
/// `--chown=` left out; one instruction per line).
fn copy_sources(containerfile: &str) -> Vec<String> {
    containerfile
        .lines()
        .filter_map(|line| line.trim().strip_prefix("COPY "))
        .flat_map(|rest| {
            let words: Vec<&str> = rest
                .split_whitespace()
                .filter(|w| !w.starts_with("--"))
                .collect();
            // The last word is the destination.
            words[..words.len().saturating_sub(1)]
                .iter()
                .map(|w| (*w).to_owned())
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Makes `context` hold exactly the files `image`'s `COPY` lines name, at the paths they
/// name: built binaries from wherever cargo put them, other files from the repository.
fn stage_context(
    root: &Path,
    image: &Image,
    binaries: &[(&str, PathBuf)],
    context: &Path,
) -> Result<()> {
    let containerfile = std::fs::read_to_string(root.join(image.containerfile))
        .with_context(|| format!("reading {}", image.containerfile))?;
    let _ = std::fs::remove_dir_all(context);
    for source in copy_sources(&containerfile) {
        let from = match source.strip_prefix(BUILT_PREFIX) {
            Some(name) => binaries
                .iter()
                .find(|(bin, _)| *bin == name)
                .map(|(_, path)| path.clone())
                .with_context(|| {
                    format!(
                        "{} copies {source}, a binary `cargo xtask image` does not build",
                        image.containerfile
                    )
                })?,
            None => root.join(&source),
        };
        let to = context.join(&source);
        std::fs::create_dir_all(to.parent().context("a file in a directory")?)?;
        std::fs::copy(&from, &to)
            .with_context(|| format!("copying {} to {}", from.display(), to.display()))?;
    }
    Ok(())
}

/// `podman build` of `image` from its staged `context`, tagged `tag`.
fn build(root: &Path, image: &Image, tag: &str, version: &str, context: &Path) -> Result<()> {
    let mut cmd = podman();
    // Docker's format: the OCI format has no HEALTHCHECK.
    cmd.args(["build", "--format", "docker", "--pull=never"])
        .args(ULIMITS)
        .arg("--label")
        .arg(format!("org.opencontainers.image.version={version}"))
        .arg("-f")
        .arg(root.join(image.containerfile))
        .args(["-t", tag])
        .arg(context);
    let replaced = inspect(tag, "{{.Id}}").ok();
    run_step(root, &format!("podman build -t {tag}"), cmd)?;
    // The image the tag named before, unless something still uses it: every rebuild (each
    // CI run) would otherwise leave its binary's layer behind.
    if let Some(old) = replaced
        && inspect(tag, "{{.Id}}").ok() != Some(old.clone())
    {
        let mut rmi = podman();
        rmi.args(["rmi", &old]);
        let _ = output("podman rmi", rmi);
    }
    Ok(())
}

/// One field of `podman image inspect` for image `name`, by a Go template such as
/// `{{.Size}}`.
fn inspect(name: &str, template: &str) -> Result<String> {
    let mut cmd = podman();
    cmd.args(["image", "inspect", "--format", template, name]);
    let out = output(&format!("podman image inspect {name}"), cmd)?;
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// An image's size in bytes, as `podman images` counts it (uncompressed, layers included).
fn image_size(name: &str) -> Result<u64> {
    let text = inspect(name, "{{.Size}}")?;
    text.parse()
        .with_context(|| format!("podman gave no size for {name}: {text:?}"))
}

fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file of the repository.
    pub(super) fn read(path: &str) -> String {
        std::fs::read_to_string(crate::artifacts::workspace_root().join(path)).unwrap()
    }

    #[test]
    fn every_copied_file_passes_the_dockerignore() {
        let ignore = read(".dockerignore");
        let kept: Vec<&str> = ignore
            .lines()
            .filter_map(|line| line.strip_prefix('!'))
            .collect();
        assert!(ignore.lines().any(|line| line == "*"), "{ignore}");
        let mut copied = Vec::new();
        for image in [&MOCK, &SUITE] {
            let sources = copy_sources(&read(image.containerfile));
            assert!(
                sources.contains(&format!("{BUILT_PREFIX}{}", image.bin)),
                "{} copies no {}: {sources:?}",
                image.containerfile,
                image.bin
            );
            copied.extend(sources);
        }
        copied.sort();
        let mut kept: Vec<String> = kept.into_iter().map(str::to_owned).collect();
        kept.sort();
        assert_eq!(
            kept, copied,
            "the .dockerignore keeps exactly the copied files"
        );
    }

    #[test]
    fn the_containerfiles_name_the_base_xtask_makes() {
        for image in [&MOCK, &SUITE] {
            let text = read(image.containerfile);
            let arg = text
                .lines()
                .find_map(|line| line.strip_prefix("ARG BASE="))
                .unwrap();
            assert_eq!(format!("docker.io/library/{arg}"), base::BASE_IMAGE);
            assert!(arg.contains(base::BASE_RELEASE), "{arg}");
            assert!(text.contains("FROM ${BASE}\n"), "{}", image.containerfile);
        }
    }

    /// The first `RUN` after `FROM` (libraries, user), with its continuation lines.
    fn first_run(containerfile: &str) -> String {
        let lines: Vec<&str> = containerfile.lines().collect();
        let start = lines
            .iter()
            .position(|line| line.starts_with("RUN "))
            .unwrap();
        let end = start
            + lines[start..]
                .iter()
                .position(|line| !line.ends_with('\\'))
                .unwrap();
        lines[start..=end].join("\n")
    }

    /// Byte for byte, so that podman and Docker build that layer once for both images.
    #[test]
    fn both_images_share_their_first_layer() {
        let [mock, suite] = [&MOCK, &SUITE].map(|image| first_run(&read(image.containerfile)));
        assert!(mock.contains("useradd --uid 10001"), "{mock}");
        assert_eq!(mock, suite);
    }

    #[test]
    fn copy_sources_skip_options_and_the_destination() {
        let file = "FROM x\nCOPY --chown=1:1 a b /dst/\n  COPY c /d\nRUN COPY e f\n";
        assert_eq!(copy_sources(file), ["a", "b", "c"]);
    }
}
