//! `cargo xtask ci`: everything CI runs.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use anyhow::{bail, Context, Result};

use crate::process::{cargo, cargo_step, output, run_step, TEST_PACKAGES};
use crate::tasks::{install_spec_linters, validate_spec};

/// What `cargo clippy` does, set on a normal build: clippy-driver as the rustc wrapper of the
/// workspace's own crates, with `-D warnings`. Every workspace crate is then linted in the
/// build that the tests need anyway, instead of in a second, check-only build of every
/// dependency: on 2 cores that second build was a third of CI's time. Dependencies are not
/// affected (the wrapper only applies to workspace members), so they are built once.
///
/// These are cargo-clippy's own variables (`RUSTC_WORKSPACE_WRAPPER`, and `CLIPPY_ARGS`
/// with its `__CLIPPY_HACKERY__` separator); `cargo xtask lint` still runs `cargo clippy`.
fn clippy_on_build_env() -> Result<[(&'static str, std::ffi::OsString); 2]> {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let mut print_sysroot = Command::new(&rustc);
    print_sysroot.args(["--print", "sysroot"]);
    let sysroot = output(
        "rustc --print sysroot (to find clippy-driver)",
        print_sysroot,
    )?;
    let sysroot = String::from_utf8(sysroot.stdout).context("rustc's sysroot is not UTF-8")?;
    let driver = Path::new(sysroot.trim()).join("bin/clippy-driver");
    if !driver.is_file() {
        bail!(
            "{} not found: install clippy with `rustup component add clippy`",
            driver.display()
        );
    }
    Ok([
        ("RUSTC_WORKSPACE_WRAPPER", driver.into_os_string()),
        (
            "CLIPPY_ARGS",
            "-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__".into(),
        ),
    ])
}

/// Everything CI checks, in the order that costs least on 2 cores:
///
/// 1. `cargo fmt --all --check`, `cargo xtask codegen --check`, the spec half of
///    `cargo xtask api-diff` and `cargo xtask invariants` (ARCHITECTURE.md's checks; xtask is
///    built already);
/// 2. meanwhile, on other threads, the npm and PyPI tools are installed, and podman and the
///    container images' base (apt-get, debootstrap: network and dpkg waits);
/// 3. one build of every workspace crate and target with clippy's lints as errors (see
///    [`clippy_on_build_env`]: the same lints as `cargo clippy --workspace --all-targets
///    -- -D warnings`);
/// 4. both spec linters;
/// 5. on that build, the tests of every package but xtask (see [`run_tests`]) and then
///    xtask's tests (linted the same way; apart, so that its dependencies build once), while
///    the doc tests and the contract suite on each target run beside them (see
///    [`Background`]): those mostly wait on servers and timers;
/// 6. the container images' test, `image --test --dev` (the images hold the dev binaries
///    just built);
/// 7. then, beside each other, `cargo doc` with rustdoc's warnings as errors and
///    `cargo xtask dependent` (a crate outside the workspace on the SDK).
pub fn run(root: &Path) -> Result<()> {
    let started = Instant::now();
    // The contract targets run as `xtask contract ...` processes at the end. By then the
    // linted build of xtask's tests has replaced target/debug/xtask, so they run a copy of
    // this very executable, taken now.
    let xtask = crate::artifacts::target_dir(root)?.join("xtask-ci/xtask");
    std::fs::create_dir_all(xtask.parent().expect("a file in a directory"))?;
    std::fs::copy(
        std::env::current_exe().context("finding xtask's own executable")?,
        &xtask,
    )
    .with_context(|| format!("copying xtask to {}", xtask.display()))?;
    cargo_step(root, &["fmt", "--all", "--check"])?;
    println!("==> cargo xtask codegen --check");
    crate::codegen::run(root, true)?;
    println!("==> cargo xtask api-diff --spec-only");
    crate::api_diff::run(
        root,
        crate::api_diff::ApiDiffArgs {
            rev: None,
            spec_only: true,
            changelog: false,
        },
    )?;
    println!("==> cargo xtask invariants");
    crate::invariants::run(root)?;

    // Every later cargo command (the contract runs too) must see the same wrapper, or cargo
    // would rebuild the workspace's crates without it. Set before any thread starts.
    for (name, value) in clippy_on_build_env()? {
        // SAFETY: xtask has started no other thread yet (the installs start below).
        unsafe { std::env::set_var(name, value) };
    }
    let installs = {
        let root = root.to_owned();
        std::thread::spawn(move || -> Result<()> {
            install_spec_linters(&root)?;
            crate::contract::ensure_maildev(&root).map(drop)
        })
    };

    // The container images' tools and base (apt-get, debootstrap: the network and dpkg) too.
    let images = crate::image::Preparation::start(root);

    let mut build = cargo();
    build.arg("build").args(TEST_PACKAGES).arg("--all-targets");
    run_step(
        root,
        "cargo build --workspace --exclude xtask --all-targets (with clippy -D warnings)",
        build,
    )?;
    installs
        .join()
        .map_err(|_| anyhow::anyhow!("installing the npm and PyPI tools panicked"))??;
    validate_spec(root)?;

    // From here on most of the work waits on sockets and timers (servers, the suite's
    // in-flight case), so the contract targets and the doc tests run beside the tests.
    let nextest = nextest_installed();
    // The mock is held to its own choices (the embedded mock always, the binary through
    // local-mock.toml's `strict = true`); its conforming variant must pass without `strict`.
    // With `strict` it must fail exactly the cases that name a decision: that self-test
    // runs among the tests (contract-tests/tests/self_test.rs), as does every wrong server.
    // `--maildev` also runs tests/mail_format.rs against its MailDev.
    let mut targets: Vec<&[&str]> = vec![
        &["contract", "--conforming"],
        &["contract", "--binary"],
        &["contract", "--binary", "--conforming"],
        &["contract", "--maildev"],
        &["contract-through-proxy"],
    ];
    if nextest {
        // nextest runs each case in a process of its own; the suite's coverage gate (every
        // operation × documented status) is judged over a whole run, so it runs here.
        targets.insert(0, &["contract"]);
    }
    let mut beside = Vec::new();
    for args in targets {
        let mut run = Command::new(&xtask);
        run.args(args);
        beside.push(Background::spawn(
            root,
            format!("cargo xtask {}", args.join(" ")),
            run,
        )?);
    }
    let mut doc = cargo();
    doc.arg("test").args(TEST_PACKAGES).arg("--doc");
    beside.push(Background::spawn(
        root,
        "cargo test --workspace --exclude xtask --doc".to_owned(),
        doc,
    )?);
    let foreground = run_tests(root, nextest).and_then(|()| {
        let mut test_xtask = cargo();
        test_xtask.args(["test", "-p", "xtask", "--all-targets"]);
        run_step(
            root,
            "cargo test -p xtask --all-targets (with clippy -D warnings)",
            test_xtask,
        )
    });
    // The container images' test (the images hold the dev binaries just built), after the
    // tests rather than beside the contract targets: those wait on timers (MailDev's case
    // waits 3 s for an email, and misses it on a loaded machine with or without this step),
    // and podman's builds would only add load there. Here it costs 15 to 25 s.
    let foreground = foreground.and(images.wait()).and_then(|()| {
        let mut image = Command::new(&xtask);
        image.args(["image", "--test", "--dev"]);
        run_step(root, "cargo xtask image --test --dev", image)
    });
    // Every step beside is awaited and printed, whatever the foreground did: a CI log
    // names every failure, not the first.
    let mut failed = finish_all(beside);
    // Then two CPU-heavy steps, beside each other but after the contract runs (whose email
    // checks wait a few seconds for MailDev, which a busy machine can outlast):
    // rustdoc's lints (broken links, bad code blocks) as errors, in a target directory of
    // its own (it builds the dependencies' metadata only, which no other step needs), and
    // a crate outside the workspace on sdk/ (its tree, its build, the README snippet).
    let mut rustdoc = cargo();
    rustdoc
        .args(["doc", "--no-deps", "--workspace"])
        .env("RUSTDOCFLAGS", "-D warnings")
        .env(
            "CARGO_TARGET_DIR",
            crate::artifacts::target_dir(root)?.join("xtask-doc"),
        );
    let mut dependent = Command::new(&xtask);
    dependent.arg("dependent");
    failed.extend(finish_all(vec![
        Background::spawn(
            root,
            "cargo doc --no-deps --workspace (RUSTDOCFLAGS=-D warnings)".to_owned(),
            rustdoc,
        )?,
        Background::spawn(root, "cargo xtask dependent".to_owned(), dependent)?,
    ]));
    foreground?;
    if !failed.is_empty() {
        bail!("failed: {}", failed.join("; "));
    }
    println!("ci: all steps passed in {:.1?}", started.elapsed());
    Ok(())
}

/// Awaits each step (printing its output whole) and returns the failures.
fn finish_all(steps: Vec<Background>) -> Vec<String> {
    steps
        .into_iter()
        .filter_map(|step| match step.finish() {
            Ok(()) => None,
            Err(err) => Some(format!("{err:#}")),
        })
        .collect()
}

/// Whether `cargo nextest` is installed (it is on this project's CI machines).
fn nextest_installed() -> bool {
    cargo()
        .args(["nextest", "--version"])
        .output()
        .is_ok_and(|out| out.status.success())
}

/// The tests of every package but xtask, on the build `ci` just made. With cargo-nextest
/// every test binary runs at once instead of one after the other: most of them wait on
/// sockets and timers, not on the CPU. The contract suite on the embedded mock is left out
/// there (see [`run`]). Without nextest, `cargo test` runs everything, that suite included.
fn run_tests(root: &Path, nextest: bool) -> Result<()> {
    if nextest {
        let mut test = cargo();
        test.args(["nextest", "run"])
            .args(TEST_PACKAGES)
            .args(["-E", "not binary_id(invitations-contract-tests::contract)"]);
        run_step(
            root,
            "cargo nextest run --workspace --exclude xtask (all but the contract suite)",
            test,
        )
    } else {
        println!("cargo-nextest is not installed: the tests run one binary after the other");
        let mut test = cargo();
        test.arg("test")
            .args(TEST_PACKAGES)
            .args(["--lib", "--bins", "--tests", "--examples"]);
        run_step(root, "cargo test --workspace --exclude xtask", test)
    }
}

/// A command that runs beside the foreground steps (stdin closed, stdout and stderr kept
/// apart in a pipe), printed whole when it is awaited so that outputs never interleave.
/// Each contract target starts its own servers (mock binary, MailDev, proxy) on free ports,
/// so they cannot meet. Dropped without [`Background::finish`] (a foreground step failed),
/// the command is killed.
struct Background {
    name: String,
    started: Instant,
    child: Option<std::process::Child>,
    /// What it printed, and when it closed its output (it ended).
    output: Option<std::thread::JoinHandle<(Vec<u8>, Instant)>>,
}

impl Background {
    fn spawn(root: &Path, name: String, mut cmd: Command) -> Result<Background> {
        let (reader, writer) = std::io::pipe().context("creating a pipe")?;
        let child = cmd
            .current_dir(root)
            .stdin(std::process::Stdio::null())
            .stdout(writer.try_clone()?)
            .stderr(writer)
            .spawn()
            .with_context(|| format!("starting `{name}`"))?;
        // The child holds the only writers now (`cmd`, which held the others, is gone):
        // reading to the end waits for it.
        drop(cmd);
        let output = std::thread::spawn(move || {
            let mut text = Vec::new();
            let _ = std::io::Read::read_to_end(&mut { reader }, &mut text);
            (text, Instant::now())
        });
        Ok(Background {
            name,
            started: Instant::now(),
            child: Some(child),
            output: Some(output),
        })
    }

    /// Waits for the command, prints its output whole, and fails with its name if it failed.
    fn finish(mut self) -> Result<()> {
        let status = self.child.take().expect("finished once").wait()?;
        let (text, ended) = self
            .output
            .take()
            .expect("finished once")
            .join()
            .unwrap_or_else(|_| (Vec::new(), Instant::now()));
        let elapsed = ended - self.started;
        println!("==> {} (beside the tests)", self.name);
        print!("{}", String::from_utf8_lossy(&text));
        if status.success() {
            println!("<== {} ok ({elapsed:.1?})", self.name);
            Ok(())
        } else {
            println!("<== {} FAILED ({status})", self.name);
            bail!("`{}` failed ({status})", self.name)
        }
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        if let Some(child) = self.child.as_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
