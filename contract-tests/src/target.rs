//! What the suite runs against: the embedded mock (default) or a deployment described by a
//! TOML profile named in `CONTRACT_TARGET` (its base URL overridable by `CONTRACT_BASE_URL`).

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// Environment variable naming the profile file; unset means the embedded mock.
pub const TARGET_ENV: &str = "CONTRACT_TARGET";
/// Set to `alternative` (with no `CONTRACT_TARGET`) to run against the embedded mock's
/// conforming variant instead of the mock itself.
pub const EMBEDDED_ENV: &str = "CONTRACT_EMBEDDED";
/// Environment variable that overrides the profile's `base_url`: one profile then serves a
/// server whose address is only known when it starts (a mock binary on port 0, a proxy).
pub const BASE_URL_ENV: &str = "CONTRACT_BASE_URL";
/// Environment variables that override the profile's keys, so secrets can stay out of files.
pub const MANAGER_KEY_ENV: &str = "CONTRACT_MANAGER_KEY";
/// See [`MANAGER_KEY_ENV`].
pub const VIEWER_KEY_ENV: &str = "CONTRACT_VIEWER_KEY";
/// See [`MANAGER_KEY_ENV`].
pub const OTHER_TENANT_KEY_ENV: &str = "CONTRACT_OTHER_TENANT_KEY";

/// An API key that never prints itself.
#[derive(Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps a key.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The key itself, for the `Authorization` header only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

/// The keys a run needs.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Keys {
    /// Has `usersManager` and manages `tenant_id`.
    #[serde(default)]
    pub manager: Secret,
    /// Manages `tenant_id` but lacks `usersManager`.
    #[serde(default)]
    pub viewer: Secret,
    /// Has `usersManager` but manages another tenant, not `tenant_id`.
    #[serde(default)]
    pub other_tenant: Secret,
}

/// Invitations known to exist on the target, in given states.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KnownInvitations {
    /// A `Pending` invitation of `tenant_id`.
    pub pending_id: u64,
    /// Its email address.
    pub pending_email: String,
    /// A `Declined` invitation of `tenant_id`.
    pub declined_id: u64,
    /// Its email address.
    pub declined_email: String,
    /// A `Cancelled` invitation of `tenant_id`.
    pub cancelled_id: u64,
    /// An `Expired` invitation of `tenant_id`.
    pub expired_id: u64,
    /// An id no invitation has, in any tenant.
    pub unknown_id: u64,
    /// A `Pending` invitation of another tenant (one the manager key does not manage).
    pub other_tenant_pending_id: u64,
    /// Its email address.
    pub other_tenant_email: String,
    /// Invitations of `tenant_id` that an IAM resend may bring back to `Pending`, one per
    /// state. A run with `allow_mutations` uses them up: prepare fresh ones before each run.
    #[serde(default)]
    pub reactivate: Option<Reactivate>,
    /// An invitation of `tenant_id` that was accepted (so it must be gone everywhere).
    #[serde(default)]
    pub accepted: Option<KnownInvitation>,
}

/// One invitation, by id and address.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KnownInvitation {
    /// Its id.
    pub id: u64,
    /// Its email address.
    pub email: String,
}

/// Invitations for the reactivation case: each is resent once on the IAM surface and must
/// then read `Pending`. They must not be the `declined_id` / `cancelled_id` / `expired_id`
/// above, which other cases expect to stay in their states.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reactivate {
    /// A `Cancelled` invitation.
    pub cancelled: KnownInvitation,
    /// A `Declined` invitation.
    pub declined: KnownInvitation,
    /// An `Expired` invitation.
    pub expired: KnownInvitation,
}

/// A deployment profile, as read from TOML.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// A name for reports.
    #[serde(default)]
    pub name: Option<String>,
    /// Base URL, such as `https://invitations.staging.example.com`.
    pub base_url: String,
    /// The tenant the manager key manages.
    pub tenant_id: u64,
    /// A tenant the manager key does not manage.
    pub other_tenant_id: u64,
    /// Whether cases may resend invitations (which sends real email). False unless set.
    #[serde(default)]
    pub allow_mutations: bool,
    /// Whether dry-run resends (`dryRun=true`) may be sent even without `allow_mutations`. A
    /// separate opt-in: a broken server could commit a dry run.
    #[serde(default)]
    pub allow_dry_run: bool,
    /// The deployment's own IAM body limit in bytes (the documents fix none; the mock's is
    /// 64 KiB). Unset: the body-limit case is skipped.
    #[serde(default)]
    pub max_body_bytes: Option<u64>,
    /// Hold the target to the mock's own choices where a DECISIONS row settles what the
    /// documents leave open ([`crate::decision::Decision`]). False unless set: a deployment
    /// may make any choice the documents allow. The mock's own profile sets it.
    #[serde(default)]
    pub strict: bool,
    /// The API keys; each can instead come from its environment variable.
    #[serde(default)]
    pub keys: Keys,
    /// Known invitations.
    pub invitations: KnownInvitations,
    /// The environment's mail catcher, if it has one.
    #[serde(default)]
    pub mailbox: Option<crate::mailbox::MailboxConfig>,
}

/// Everything a case may rely on about the target.
#[derive(Clone, Debug)]
pub struct TargetData {
    /// For reports.
    pub name: String,
    /// The tenant the manager key manages.
    pub tenant_id: u64,
    /// A tenant the manager key does not manage.
    pub other_tenant_id: u64,
    /// The keys.
    pub keys: Keys,
    /// Known invitations.
    pub invitations: KnownInvitations,
    /// Whether resends may really happen.
    pub allow_mutations: bool,
    /// Whether dry runs may be sent (always true when `allow_mutations` is).
    pub allow_dry_run: bool,
    /// The IAM body limit, if the target names one.
    pub max_body_bytes: Option<u64>,
    /// The mail catcher, if the target names one.
    pub mailbox: Option<crate::mailbox::MailboxConfig>,
    /// Whether decided answers must be the mock's ([`Profile::strict`]).
    pub strict: bool,
}

impl TargetData {
    /// What the run may do to the target, for the report's first line: `safe` (reads and
    /// requests that change nothing), `dry-run`, or `mutations`; `, strict` when the target
    /// is held to the mock's choices.
    pub fn mode(&self) -> String {
        let mode = if self.allow_mutations {
            "mutations"
        } else if self.allow_dry_run {
            "dry-run"
        } else {
            "safe"
        };
        if self.strict {
            format!("{mode}, strict")
        } else {
            mode.to_owned()
        }
    }
}

/// Why a profile could not be used.
#[derive(Debug)]
pub struct ProfileError(pub String);

impl fmt::Display for ProfileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ProfileError {}

impl Profile {
    /// Reads a profile file, then applies the key environment variables and
    /// [`BASE_URL_ENV`] (when set and not empty).
    pub fn load(path: &Path) -> Result<Profile, ProfileError> {
        let text = std::fs::read_to_string(path).map_err(|err| {
            ProfileError(format!(
                "cannot read contract target profile {}: {err} (see contract-tests/targets/example.toml)",
                path.display()
            ))
        })?;
        let mut profile = Self::parse(&text, |name| std::env::var(name).ok())
            .map_err(|err| ProfileError(format!("{}: {err}", path.display())))?;
        if let Some(url) = std::env::var(BASE_URL_ENV).ok().filter(|v| !v.is_empty()) {
            profile.override_base_url(&url)?;
        }
        Ok(profile)
    }

    /// Replaces the profile's base URL (checked like the file's: `http://` or `https://`,
    /// trailing `/` dropped), as [`BASE_URL_ENV`] does.
    pub fn override_base_url(&mut self, url: &str) -> Result<(), ProfileError> {
        self.base_url =
            checked_base_url(url).map_err(|err| ProfileError(format!("{BASE_URL_ENV}: {err}")))?;
        Ok(())
    }

    /// Parses profile text; `env` looks up the key overrides.
    pub fn parse(
        text: &str,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Profile, ProfileError> {
        let mut profile: Profile =
            toml::from_str(text).map_err(|err| ProfileError(err.to_string()))?;
        for (var, slot) in [
            (MANAGER_KEY_ENV, &mut profile.keys.manager),
            (VIEWER_KEY_ENV, &mut profile.keys.viewer),
            (OTHER_TENANT_KEY_ENV, &mut profile.keys.other_tenant),
        ] {
            if let Some(value) = env(var).filter(|v| !v.is_empty()) {
                *slot = Secret::new(value);
            }
        }
        let missing: Vec<&str> = [
            ("keys.manager", &profile.keys.manager, MANAGER_KEY_ENV),
            ("keys.viewer", &profile.keys.viewer, VIEWER_KEY_ENV),
            (
                "keys.other_tenant",
                &profile.keys.other_tenant,
                OTHER_TENANT_KEY_ENV,
            ),
        ]
        .iter()
        .filter(|(_, key, _)| key.expose().is_empty())
        .map(|(name, _, _)| *name)
        .collect();
        if !missing.is_empty() {
            return Err(ProfileError(format!(
                "missing API keys {missing:?}: set them in the profile or in \
                 {MANAGER_KEY_ENV} / {VIEWER_KEY_ENV} / {OTHER_TENANT_KEY_ENV}"
            )));
        }
        profile.base_url = checked_base_url(&profile.base_url)?;
        if let Some(mailbox) = &profile.mailbox {
            crate::mailbox::MailFormat::new(mailbox).map_err(ProfileError)?;
        }
        Ok(profile)
    }

    /// The data cases see.
    pub fn data(&self) -> TargetData {
        TargetData {
            name: self.name.clone().unwrap_or_else(|| self.base_url.clone()),
            tenant_id: self.tenant_id,
            other_tenant_id: self.other_tenant_id,
            keys: self.keys.clone(),
            invitations: self.invitations.clone(),
            allow_mutations: self.allow_mutations,
            allow_dry_run: self.allow_dry_run || self.allow_mutations,
            max_body_bytes: self.max_body_bytes,
            mailbox: self.mailbox.clone(),
            strict: self.strict,
        }
    }
}

/// `url` without its trailing `/`, if it is an `http://` or `https://` URL.
fn checked_base_url(url: &str) -> Result<String, ProfileError> {
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return Err(ProfileError(format!(
            "base_url must start with http:// or https://, got {url:?}"
        )));
    }
    Ok(url.trim_end_matches('/').to_owned())
}

/// The embedded mock's data: its default fixture.
pub fn embedded_data() -> TargetData {
    use invitations_mock::fixture as f;
    TargetData {
        name: "embedded mock".into(),
        tenant_id: f::ACME_TENANT,
        other_tenant_id: f::GLOBEX_TENANT,
        keys: Keys {
            manager: Secret::new(f::ACME_MANAGER_KEY),
            viewer: Secret::new(f::ACME_VIEWER_KEY),
            other_tenant: Secret::new(f::GLOBEX_MANAGER_KEY),
        },
        invitations: KnownInvitations {
            pending_id: f::PENDING_ID,
            pending_email: f::PENDING_EMAIL.into(),
            declined_id: f::DECLINED_ID,
            declined_email: "bob@example.com".into(),
            cancelled_id: f::CANCELLED_ID,
            expired_id: f::EXPIRED_ID,
            unknown_id: f::UNKNOWN_ID,
            other_tenant_pending_id: f::GLOBEX_PENDING_ID,
            other_tenant_email: f::GLOBEX_EMAIL.into(),
            // Every case gets a fresh mock, so the fixture's own invitations can be used up.
            reactivate: Some(Reactivate {
                cancelled: KnownInvitation {
                    id: f::CANCELLED_ID,
                    email: "carol@example.com".into(),
                },
                declined: KnownInvitation {
                    id: f::DECLINED_ID,
                    email: "bob@example.com".into(),
                },
                expired: KnownInvitation {
                    id: f::EXPIRED_ID,
                    email: "dave@example.com".into(),
                },
            }),
            // The accepted-invitation case accepts the pending one through the admin API.
            accepted: None,
        },
        // The embedded mock sends no real email.
        allow_mutations: true,
        allow_dry_run: true,
        max_body_bytes: Some(invitations_mock::core::MAX_BODY_BYTES as u64),
        // The embedded mock's outbox is read through its admin API instead.
        mailbox: None,
        // The mock is held to its own choices.
        strict: true,
    }
}

/// Where a run points, from `CONTRACT_TARGET`.
#[derive(Clone, Debug)]
pub enum TargetSpec {
    /// A fresh embedded mock per case.
    Embedded,
    /// A fresh embedded mock per case, in its conforming variant.
    EmbeddedAlternative,
    /// A deployment.
    Profile(PathBuf, Box<Profile>),
}

impl TargetSpec {
    /// Reads `CONTRACT_TARGET`.
    pub fn from_env() -> Result<TargetSpec, ProfileError> {
        match std::env::var_os(TARGET_ENV).filter(|v| !v.is_empty()) {
            None => match std::env::var(EMBEDDED_ENV).as_deref() {
                Ok("alternative") => Ok(TargetSpec::EmbeddedAlternative),
                Ok("") | Ok("reference") | Err(_) => Ok(TargetSpec::Embedded),
                Ok(other) => Err(ProfileError(format!(
                    "{EMBEDDED_ENV} must be `reference` or `alternative`, got {other:?}"
                ))),
            },
            Some(path) => {
                let path = PathBuf::from(path);
                let profile = Profile::load(&path)?;
                Ok(TargetSpec::Profile(path, Box::new(profile)))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = include_str!("../targets/example.toml");

    #[test]
    fn example_profile_parses_with_keys_from_env() {
        let profile = Profile::parse(EXAMPLE, |name| Some(format!("value-of-{name}"))).unwrap();
        assert!(
            !profile.allow_mutations,
            "the template must not allow mutations"
        );
        assert_eq!(
            profile.keys.manager.expose(),
            "value-of-CONTRACT_MANAGER_KEY"
        );
    }

    #[test]
    fn missing_keys_are_named_and_never_printed() {
        let text = EXAMPLE.replace("manager = ", "# manager = ");
        let err = Profile::parse(&text, |_| None).unwrap_err().to_string();
        assert!(err.contains("keys.manager"), "{err}");
        let with_keys = Profile::parse(EXAMPLE, |_| Some("s3cr3t-key".into())).unwrap();
        assert!(!format!("{with_keys:?}").contains("s3cr3t-key"));
    }

    #[test]
    fn base_url_override_replaces_the_files_and_is_checked_alike() {
        let mut profile = Profile::parse(EXAMPLE, |_| Some("k".into())).unwrap();
        assert_ne!(profile.base_url, "http://127.0.0.1:40123");
        profile
            .override_base_url("http://127.0.0.1:40123/")
            .unwrap();
        assert_eq!(profile.base_url, "http://127.0.0.1:40123");
        assert_eq!(profile.data().name, "staging", "the name stays the file's");
        let err = profile
            .override_base_url("127.0.0.1:40123")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with(BASE_URL_ENV), "{err}");
        assert!(err.contains("http:// or https://"), "{err}");
        assert_eq!(
            profile.base_url, "http://127.0.0.1:40123",
            "unchanged on error"
        );
    }

    #[test]
    fn strict_is_off_unless_set_and_the_mode_says_what_a_run_may_do() {
        let profile = Profile::parse(EXAMPLE, |_| Some("k".into())).unwrap();
        assert!(!profile.strict);
        assert_eq!(profile.data().mode(), "safe");
        let text = EXAMPLE
            .replace("allow_dry_run = false", "allow_dry_run = true")
            .replace("strict = false", "strict = true");
        let profile = Profile::parse(&text, |_| Some("k".into())).unwrap();
        assert_eq!(profile.data().mode(), "dry-run, strict");
        assert_eq!(embedded_data().mode(), "mutations, strict");
    }

    #[test]
    fn mailbox_patterns_are_checked_when_the_profile_is_read() {
        let text = format!(
            "{EXAMPLE}\n[mailbox]\nkind = \"maildev\"\nurl = \"http://127.0.0.1:1080\"\nlink = \"no group\"\n"
        );
        let err = Profile::parse(&text, |_| Some("k".into()))
            .unwrap_err()
            .to_string();
        assert!(err.contains("[mailbox] link"), "{err}");
    }

    #[test]
    fn unknown_fields_are_refused() {
        let text = format!("{EXAMPLE}\nallow_mutation = true\n");
        let err = Profile::parse(&text, |_| Some("k".into()))
            .unwrap_err()
            .to_string();
        assert!(err.contains("allow_mutation"), "{err}");
    }
}
