//! The commands that drive other tools: lint, spec validation, the CI sequence.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{bail, Context, Result};

/// Pinned so that CI results do not move under us.
const SPEC_VALIDATOR: &str = "openapi-spec-validator==0.9.0";
/// The stricter second linter (its `recommended` rules, see redocly.yaml); 2.x runs on
/// Node.js 20.19 or later.
const REDOCLY_CLI: &str = "@redocly/cli@2.77.0";

/// The packages `cargo xtask ci` tests in one build, and that `contract` builds with: every
/// member but xtask. xtask's own dependencies (progenitor, typify, ...) are then built once,
/// with the features `cargo run -p xtask` resolved, and `cargo test -p xtask` reuses them; in
/// a whole-workspace build they would be built a second time with the workspace's features.
pub const TEST_PACKAGES: [&str; 3] = ["--workspace", "--exclude", "xtask"];

pub fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

/// Runs `cmd` in `root`, echoing it first, and fails with its name when it fails.
fn run_step(root: &Path, name: &str, mut cmd: Command) -> Result<()> {
    println!("==> {name}");
    let started = Instant::now();
    let status = cmd
        .current_dir(root)
        .status()
        .with_context(|| format!("could not start `{name}`"))?;
    if !status.success() {
        bail!("`{name}` failed ({status})");
    }
    println!("<== {name} ok ({:.1?})", started.elapsed());
    Ok(())
}

pub fn lint(root: &Path) -> Result<()> {
    let mut fmt = cargo();
    fmt.args(["fmt", "--all", "--check"]);
    run_step(root, "cargo fmt --all --check", fmt)?;
    let mut clippy = cargo();
    clippy.args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]);
    run_step(
        root,
        "cargo clippy --workspace --all-targets -- -D warnings",
        clippy,
    )
}

/// Validates the spec with the Python reference validator and with Redocly CLI's
/// `recommended` rules, each installed under the target directory so that nothing is
/// installed on the machine itself.
pub fn validate_spec(root: &Path) -> Result<()> {
    openapi_spec_validator(root)?;
    redocly_lint(root)
}

/// Installs the two spec linters if they are not installed yet (what `validate_spec` does
/// first), without running them.
pub fn install_spec_linters(root: &Path) -> Result<()> {
    install_openapi_spec_validator(root)?;
    install_redocly(root).map(drop)
}

fn install_openapi_spec_validator(root: &Path) -> Result<PathBuf> {
    let venv = crate::artifacts::target_dir(root)?.join("xtask-venv");
    let python = venv.join("bin/python");
    let marker = venv.join(".installed");
    let installed = std::fs::read_to_string(&marker).unwrap_or_default();
    if installed.trim() != SPEC_VALIDATOR {
        let mut mk = Command::new("python3");
        mk.args(["-m", "venv"]).arg(&venv);
        run_step(root, "python3 -m venv <target>/xtask-venv", mk).context(
            "the spec validator needs python3 with the venv module (Debian: python3-venv)",
        )?;
        let mut pip = Command::new(&python);
        pip.args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
        ])
        .arg(SPEC_VALIDATOR);
        run_step(root, &format!("pip install {SPEC_VALIDATOR}"), pip)?;
        std::fs::write(&marker, SPEC_VALIDATOR)?;
    }
    Ok(python)
}

fn openapi_spec_validator(root: &Path) -> Result<()> {
    let python = install_openapi_spec_validator(root)?;
    let mut validate = Command::new(&python);
    validate
        .args(["-m", "openapi_spec_validator", "--schema", "3.0"])
        .arg(root.join(crate::codegen::SPEC_PATH));
    run_step(
        root,
        "openapi-spec-validator openapi/invitations.yaml",
        validate,
    )
}

/// Redocly CLI from npm, in `<target>/xtask-node`; fails on any error of its `recommended`
/// rules (warnings are printed, not fatal).
fn redocly_lint(root: &Path) -> Result<()> {
    let redocly = install_redocly(root)?;
    let mut lint = Command::new(&redocly);
    lint.args(["lint", "--config"])
        .arg(root.join("redocly.yaml"))
        .arg(root.join(crate::codegen::SPEC_PATH))
        // No network from CI: no usage telemetry, no update check.
        .env("REDOCLY_TELEMETRY", "off")
        .env("REDOCLY_SUPPRESS_UPDATE_NOTICE", "true");
    run_step(
        root,
        "redocly lint (recommended) openapi/invitations.yaml",
        lint,
    )
}

fn install_redocly(root: &Path) -> Result<PathBuf> {
    let prefix = crate::artifacts::target_dir(root)?.join("xtask-node");
    let marker = prefix.join(".installed");
    let redocly = prefix.join("node_modules/.bin/redocly");
    let installed = std::fs::read_to_string(&marker).unwrap_or_default();
    if installed.trim() != REDOCLY_CLI || !redocly.is_file() {
        std::fs::create_dir_all(&prefix)?;
        let mut npm = Command::new("npm");
        npm.args([
            "install",
            "--no-audit",
            "--no-fund",
            "--no-save",
            "--loglevel=error",
            "--prefix",
        ])
        .arg(&prefix)
        .arg(REDOCLY_CLI);
        run_step(root, &format!("npm install {REDOCLY_CLI}"), npm)
            .context("the second spec linter needs Node.js 20.19 or later with npm")?;
        std::fs::write(&marker, REDOCLY_CLI)?;
    }
    Ok(redocly)
}

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
    let sysroot = Command::new(&rustc)
        .args(["--print", "sysroot"])
        .output()
        .context("could not run `rustc --print sysroot` to find clippy-driver")?;
    if !sysroot.status.success() {
        bail!("`rustc --print sysroot` failed ({})", sysroot.status);
    }
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
/// 1. `cargo fmt --all --check` and `cargo xtask codegen --check` (xtask is built already);
/// 2. meanwhile, on another thread, the npm and PyPI tools are installed (network waits);
/// 3. one build of every workspace crate and target with clippy's lints as errors (see
///    [`clippy_on_build_env`]: the same lints as `cargo clippy --workspace --all-targets
///    -- -D warnings`), then the tests of every package but xtask on that build (see
///    [`run_tests`]), the doc tests, and xtask's tests (linted the same way; apart, so that
///    its dependencies build once);
/// 4. both spec linters;
/// 5. the contract suite on each target at once (see [`run_contract_targets`]).
pub fn ci(root: &Path) -> Result<()> {
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
    let mut fmt = cargo();
    fmt.args(["fmt", "--all", "--check"]);
    run_step(root, "cargo fmt --all --check", fmt)?;
    println!("==> cargo xtask codegen --check");
    crate::codegen::run(root, true)?;

    // Every later cargo command (the contract runs too) must see the same wrapper, or cargo
    // would rebuild the workspace's crates without it. Set before any thread starts.
    for (name, value) in clippy_on_build_env()? {
        std::env::set_var(name, value);
    }
    let installs = {
        let root = root.to_owned();
        std::thread::spawn(move || -> Result<()> {
            install_spec_linters(&root)?;
            crate::contract::ensure_maildev(&root).map(drop)
        })
    };

    let mut build = cargo();
    build.arg("build").args(TEST_PACKAGES).arg("--all-targets");
    run_step(
        root,
        "cargo build --workspace --exclude xtask --all-targets (with clippy -D warnings)",
        build,
    )?;
    let embedded_contract_ran = run_tests(root)?;
    let mut doc = cargo();
    doc.arg("test").args(TEST_PACKAGES).arg("--doc");
    run_step(root, "cargo test --workspace --exclude xtask --doc", doc)?;
    let mut test_xtask = cargo();
    test_xtask.args(["test", "-p", "xtask", "--all-targets"]);
    run_step(
        root,
        "cargo test -p xtask --all-targets (with clippy -D warnings)",
        test_xtask,
    )?;

    installs
        .join()
        .map_err(|_| anyhow::anyhow!("installing the npm and PyPI tools panicked"))??;
    validate_spec(root)?;
    let mut targets: Vec<&[&str]> = vec![
        &["contract", "--conforming"],
        &["contract", "--binary"],
        &["contract", "--binary", "--conforming"],
        &["contract", "--maildev"],
        &["contract-through-proxy"],
    ];
    if !embedded_contract_ran {
        targets.insert(0, &["contract"]);
    }
    run_contract_targets(root, &xtask, &targets)?;
    println!("ci: all steps passed in {:.1?}", started.elapsed());
    Ok(())
}

/// The tests of every package but xtask, on the build `ci` just made. With cargo-nextest
/// (on this project's CI machines) every test binary runs at once instead of one after the
/// other: most of them wait on sockets and timers, not on the CPU. The contract suite on the
/// embedded mock is left to [`run_contract_targets`], because its coverage gate (every
/// operation × documented status) is judged over a whole run and nextest runs each case in a
/// process of its own. Without nextest, `cargo test` runs everything, that suite included.
///
/// Returns whether the embedded contract suite ran.
fn run_tests(root: &Path) -> Result<bool> {
    let nextest = cargo()
        .args(["nextest", "--version"])
        .output()
        .is_ok_and(|out| out.status.success());
    if nextest {
        let mut test = cargo();
        test.args(["nextest", "run"])
            .args(TEST_PACKAGES)
            .args(["-E", "not binary_id(invitations-contract-tests::contract)"]);
        run_step(
            root,
            "cargo nextest run --workspace --exclude xtask (all but the contract suite)",
            test,
        )?;
        Ok(false)
    } else {
        println!("cargo-nextest is not installed: the tests run one binary after the other");
        let mut test = cargo();
        test.arg("test")
            .args(TEST_PACKAGES)
            .args(["--lib", "--bins", "--tests", "--examples"]);
        run_step(root, "cargo test --workspace --exclude xtask", test)?;
        Ok(true)
    }
}

/// Runs `cargo xtask <args>` for each target at once, each in a process of its own with its
/// output kept apart, and prints each output whole when it ends. Each run starts its own
/// servers (mock binary, MailDev, proxy) on free ports, so they cannot meet; each mostly
/// waits on the network, so together they take about as long as the longest.
fn run_contract_targets(root: &Path, xtask: &Path, targets: &[&[&str]]) -> Result<()> {
    let started = Instant::now();
    let runs = targets
        .iter()
        .map(|args| {
            let (reader, writer) = std::io::pipe().context("creating a pipe")?;
            let child = Command::new(xtask)
                .args(*args)
                .current_dir(root)
                .stdin(std::process::Stdio::null())
                .stdout(writer.try_clone()?)
                .stderr(writer)
                .spawn()
                .with_context(|| format!("starting `cargo xtask {}`", args.join(" ")))?;
            // The child holds the only writers now: reading to the end waits for it.
            let output = std::thread::spawn(move || {
                let mut text = Vec::new();
                let _ = std::io::Read::read_to_end(&mut { reader }, &mut text);
                text
            });
            Ok((args.join(" "), child, output))
        })
        .collect::<Result<Vec<_>>>()?;
    let mut failed = Vec::new();
    for (name, mut child, output) in runs {
        let status = child.wait()?;
        let text = output.join().unwrap_or_default();
        println!("==> cargo xtask {name}");
        print!("{}", String::from_utf8_lossy(&text));
        if status.success() {
            println!("<== cargo xtask {name} ok");
        } else {
            println!("<== cargo xtask {name} FAILED ({status})");
            failed.push(name);
        }
    }
    println!(
        "contract targets: {} run at once in {:.1?}",
        targets.len(),
        started.elapsed()
    );
    if !failed.is_empty() {
        bail!("failed: cargo xtask {}", failed.join(", cargo xtask "));
    }
    Ok(())
}

pub fn mock(root: &Path, args: &[String]) -> Result<()> {
    let mut cmd = cargo();
    cmd.args(["run", "--release", "-p", "invitations-mock", "--"])
        .args(args);
    let status = cmd
        .current_dir(root)
        .status()
        .context("could not start cargo run")?;
    if !status.success() {
        bail!("invitations-mock exited with {status}");
    }
    Ok(())
}
