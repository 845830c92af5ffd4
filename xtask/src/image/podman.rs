//! podman as this machine needs it, for every step of `cargo xtask image`: its global
//! options, the limits every container gets, and reading an image's fields.

use std::process::Command;

use anyhow::Result;

use crate::process::output;

/// Global podman options this machine kind needs: Debian's podman defaults to a runtime and
/// cgroup manager that do not work here (no systemd); runc with cgroupfs does, and works
/// wherever podman does.
const PODMAN_GLOBAL: [&str; 4] = ["--runtime", "runc", "--cgroup-manager", "cgroupfs"];
/// Explicit limits for every container (builds' `RUN` steps too): without them runc cannot
/// set the defaults it inherits here ("error setting rlimit type 7: operation not
/// permitted").
pub(super) const ULIMITS: [&str; 4] = [
    "--ulimit",
    "nofile=1024:1024",
    "--ulimit",
    "nproc=4096:4096",
];

/// `podman` with the global options this machine needs.
pub(super) fn podman() -> Command {
    let mut cmd = Command::new("podman");
    cmd.args(PODMAN_GLOBAL);
    cmd
}

/// One field of `podman image inspect` for image `name`, by a Go template such as
/// `{{.Size}}`.
pub(super) fn inspect(name: &str, template: &str) -> Result<String> {
    let mut cmd = podman();
    cmd.args(["image", "inspect", "--format", template, name]);
    let out = output(&format!("podman image inspect {name}"), cmd)?;
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}
