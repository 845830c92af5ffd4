//! Fixtures: the tenants, API keys and invitations the mock starts with.
//!
//! `mock-server/fixtures/default.json` ([`DEFAULT_JSON`]) is the default fixture: what
//! [`Fixture::default()`] parses, what the binary serves with no arguments and what the
//! wiremock adapter's `InvitationsMock::start` loads. Its names are constants here so tests
//! never hard-code them. The format:
//!
//! ```json
//! {
//!   "tenants": [{ "id": 1024, "name": "Acme" }],
//!   "apiKeys": [
//!     { "key": "acme-manager-key", "tenants": [1024], "permissions": ["usersManager"],
//!       "description": "manages Acme" }
//!   ],
//!   "invitations": [
//!     { "id": 9001, "tenantId": 1024, "email": "ada@example.com", "status": "Pending",
//!       "createdAt": "now-3h" }
//!   ]
//! }
//! ```
//!
//! Times are either RFC 3339 (`2024-03-15T12:30:00Z`) or relative to when the fixture is
//! loaded: `now`, `now-3h`, `now+45m`, `now-2d`, `now+30s`. `expiresAt` defaults to
//! `createdAt` plus 48 hours. A recording (`invitations-mock proxy --record`) writes
//! `"expiresAt": "now+48h"` for a `Pending` invitation the deployment showed without
//! `expiresAt`, so that it is served `Pending`, as seen, for 48 hours after loading.

use std::collections::BTreeSet;
use std::fmt;
use std::path::Path;
use std::str::FromStr;
use std::sync::LazyLock;

use chrono::{DateTime, Duration, Utc};
use invitations_sdk::InvitationStatus;
use serde::{Deserialize, Serialize};

use super::clock::{add_saturating, Clock};
use super::documented::{INVITATION_LIFETIME_HOURS, USERS_MANAGER};
use super::validate::validate_email;

/// Acme, the tenant most of the default fixture lives in.
pub const ACME_TENANT: u64 = 1024;
/// Globex, the "other" tenant for isolation tests.
pub const GLOBEX_TENANT: u64 = 2048;
/// Manages Acme, with `usersManager`.
pub const ACME_MANAGER_KEY: &str = "acme-manager-key";
/// Manages Globex, with `usersManager`.
pub const GLOBEX_MANAGER_KEY: &str = "globex-manager-key";
/// Manages Acme but lacks `usersManager`: every operation answers 403.
pub const ACME_VIEWER_KEY: &str = "acme-viewer-key";
/// Acme, `ada@example.com`, pending.
pub const PENDING_ID: u64 = 9001;
/// Acme, `bob@example.com`, declined.
pub const DECLINED_ID: u64 = 9002;
/// Acme, `carol@example.com`, cancelled.
pub const CANCELLED_ID: u64 = 9003;
/// Acme, `dave@example.com`: stored pending, expiry in the past, so it reads `Expired`.
pub const EXPIRED_ID: u64 = 9004;
/// Acme, `erin@example.com`, pending.
pub const SECOND_PENDING_ID: u64 = 9005;
/// Globex, `frank@example.com`, pending.
pub const GLOBEX_PENDING_ID: u64 = 9101;
/// Globex, `grace@example.com`, pending.
pub const GLOBEX_SECOND_PENDING_ID: u64 = 9102;
/// The address of [`PENDING_ID`].
pub const PENDING_EMAIL: &str = "ada@example.com";
/// The address of [`GLOBEX_PENDING_ID`].
pub const GLOBEX_EMAIL: &str = "frank@example.com";
/// An invitation id that exists nowhere.
pub const UNKNOWN_ID: u64 = 999_999;

/// The starting state of a mock.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Fixture {
    /// Every tenant that exists. A tenant id not listed here is answered like one the key
    /// does not manage (403 on the tenant surface).
    pub tenants: Vec<TenantFixture>,
    /// The API keys the mock accepts.
    pub api_keys: Vec<ApiKeyFixture>,
    /// The invitations it starts with.
    pub invitations: Vec<InvitationFixture>,
}

/// A tenant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TenantFixture {
    /// Positive int64.
    pub id: u64,
    /// Display name, shown in the start banner.
    pub name: String,
}

/// An API key and what it may do.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ApiKeyFixture {
    /// The bearer token clients send: printable ASCII, no spaces, at most 256 characters.
    pub key: String,
    /// The tenants it manages.
    pub tenants: Vec<u64>,
    /// Its permissions; only `usersManager` exists.
    pub permissions: Vec<String>,
    /// What the key is for, shown in the start banner.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
}

/// An invitation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct InvitationFixture {
    /// Positive int64, unique.
    pub id: u64,
    /// The owning tenant; must be in `tenants`.
    pub tenant_id: u64,
    /// The recipient.
    pub email: String,
    /// Stored status: `Pending`, `Declined`, `Cancelled` or `Expired`.
    pub status: InvitationStatus,
    /// Creation time (absolute or relative to load time).
    pub created_at: FixtureTime,
    /// Expiry; `createdAt` + 48 h when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<FixtureTime>,
}

impl InvitationFixture {
    /// Whether its expiry is certainly after the load, whenever that is: a relative
    /// `expiresAt` in the future, or none and a relative `createdAt` less than 48 hours ago.
    /// An absolute expiry passes with time, so it is not certain.
    fn pending_once_loaded(&self) -> bool {
        match (self.expires_at, self.created_at) {
            (Some(FixtureTime::Relative(seconds)), _) => seconds > 0,
            (None, FixtureTime::Relative(seconds)) => seconds > -INVITATION_LIFETIME_HOURS * 3600,
            _ => false,
        }
    }
}

/// A time in a fixture: absolute, or relative to when the fixture is loaded.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum FixtureTime {
    /// Load time plus this many seconds (negative: in the past). Written `now-3h`.
    Relative(i64),
    /// A fixed instant. Written in RFC 3339.
    At(DateTime<Utc>),
}

impl FixtureTime {
    /// `hours` hours before load time.
    pub const fn hours_ago(hours: i64) -> FixtureTime {
        FixtureTime::Relative(-hours * 3600)
    }

    /// The instant this stands for when the fixture is loaded at `now`.
    pub fn resolve(self, now: DateTime<Utc>) -> DateTime<Utc> {
        match self {
            FixtureTime::Relative(seconds) => {
                let offset = Duration::try_seconds(seconds).unwrap_or(if seconds < 0 {
                    Duration::MIN
                } else {
                    Duration::MAX
                });
                add_saturating(now, offset)
            }
            FixtureTime::At(at) => at,
        }
    }
}

/// Largest relative offset a fixture may use: 100 years either way.
const MAX_RELATIVE_SECONDS: i64 = 100 * 366 * 24 * 3600;

impl FromStr for FixtureTime {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let help =
            "expected RFC 3339 (2024-03-15T12:30:00Z) or now, now-3h, now+45m, now-2d, now+30s";
        if let Some(rest) = text.strip_prefix("now") {
            if rest.is_empty() {
                return Ok(FixtureTime::Relative(0));
            }
            let (sign, rest) = match rest.as_bytes().first() {
                Some(b'+') => (1, &rest[1..]),
                Some(b'-') => (-1, &rest[1..]),
                _ => return Err(format!("{text:?}: {help}")),
            };
            let split = rest.len().saturating_sub(1);
            let (number, unit) = (rest.get(..split), rest.get(split..));
            let unit_seconds = match unit {
                Some("s") => 1,
                Some("m") => 60,
                Some("h") => 3600,
                Some("d") => 86_400,
                _ => return Err(format!("{text:?}: unknown unit; {help}")),
            };
            let amount: i64 = number
                .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|n| n.parse().ok())
                .ok_or_else(|| format!("{text:?}: bad number; {help}"))?;
            let seconds = amount
                .checked_mul(unit_seconds)
                .filter(|s| *s <= MAX_RELATIVE_SECONDS)
                .ok_or_else(|| format!("{text:?}: more than 100 years away"))?;
            return Ok(FixtureTime::Relative(sign * seconds));
        }
        DateTime::parse_from_rfc3339(text)
            .map(|at| FixtureTime::At(at.with_timezone(&Utc)))
            .map_err(|err| format!("{text:?}: {err}; {help}"))
    }
}

impl fmt::Display for FixtureTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            FixtureTime::Relative(0) => f.write_str("now"),
            FixtureTime::Relative(seconds) => {
                let sign = if seconds < 0 { '-' } else { '+' };
                let abs = seconds.unsigned_abs();
                let (amount, unit) = [(86_400, 'd'), (3600, 'h'), (60, 'm')]
                    .into_iter()
                    .find(|(size, _)| abs % size == 0)
                    .map_or((abs, 's'), |(size, unit)| (abs / size, unit));
                write!(f, "now{sign}{amount}{unit}")
            }
            FixtureTime::At(at) => f.write_str(&at.to_rfc3339()),
        }
    }
}

impl fmt::Debug for FixtureTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self}")
    }
}

impl Serialize for FixtureTime {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for FixtureTime {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// Why a fixture was refused.
#[derive(Debug, thiserror::Error)]
pub enum FixtureError {
    /// The file could not be read.
    #[error("cannot read fixture file {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The text is not a fixture.
    #[error(
        "fixture is not valid JSON of the expected shape: {0}. \
         See mock-server/fixtures/default.json for the format"
    )]
    Parse(#[from] serde_json::Error),
    /// The fixture parsed but breaks a rule.
    #[error("fixture is inconsistent:\n  - {}", .0.join("\n  - "))]
    Invalid(Vec<String>),
}

impl Fixture {
    /// Parses and validates a fixture from JSON text.
    pub fn from_json(text: &str) -> Result<Fixture, FixtureError> {
        let fixture: Fixture = serde_json::from_str(text)?;
        fixture.validate()?;
        Ok(fixture)
    }

    /// Reads, parses and validates a fixture file.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Fixture, FixtureError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| FixtureError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Fixture::from_json(&text)
    }

    /// The fixture as pretty-printed JSON (the format [`Fixture::from_json`] reads).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Checks every rule, collecting all violations so one run shows them all.
    pub fn validate(&self) -> Result<(), FixtureError> {
        let mut problems = Vec::new();
        let max_id = super::validate::MAX_ID;
        let mut tenant_ids = BTreeSet::new();
        for tenant in &self.tenants {
            if tenant.id == 0 || tenant.id > max_id {
                problems.push(format!(
                    "tenant {}: the id must be between 1 and {max_id}",
                    tenant.id
                ));
            }
            if !tenant_ids.insert(tenant.id) {
                problems.push(format!("tenant {} is listed twice", tenant.id));
            }
        }
        let mut keys = BTreeSet::new();
        for key in &self.api_keys {
            let label = format!("api key {:?}", key.key);
            if key.key.is_empty()
                || key.key.len() > 256
                || !key.key.bytes().all(|b| b.is_ascii_graphic())
            {
                problems.push(format!(
                    "{label}: a key must be 1 to 256 printable ASCII characters without spaces"
                ));
            }
            if !keys.insert(key.key.as_str()) {
                problems.push(format!("{label} is listed twice"));
            }
            for tenant in &key.tenants {
                if !tenant_ids.contains(tenant) {
                    problems.push(format!(
                        "{label} manages tenant {tenant}, which is not in `tenants`"
                    ));
                }
            }
            for permission in &key.permissions {
                if permission != USERS_MANAGER {
                    problems.push(format!(
                        "{label}: unknown permission {permission:?}; the only one is {USERS_MANAGER:?}"
                    ));
                }
            }
        }
        let mut ids = BTreeSet::new();
        for inv in &self.invitations {
            let label = format!("invitation {}", inv.id);
            if inv.id < 1 {
                problems.push(format!("{label}: the id must be at least 1"));
            }
            if !ids.insert(inv.id) {
                problems.push(format!("{label} is listed twice"));
            }
            if !tenant_ids.contains(&inv.tenant_id) {
                problems.push(format!(
                    "{label}: tenant {} is not in `tenants`",
                    inv.tenant_id
                ));
            }
            if let Err(err) = validate_email(&inv.email) {
                problems.push(format!("{label}: email {:?}: {err}", inv.email));
            }
            if let InvitationStatus::Unknown(other) = &inv.status {
                problems.push(format!(
                    "{label}: status {other:?} is not one of Pending, Declined, Cancelled, Expired"
                ));
            }
            for time in [Some(inv.created_at), inv.expires_at].into_iter().flatten() {
                if let FixtureTime::At(at) = time
                    && (at < Clock::min_time() || at > Clock::max_time())
                {
                    problems.push(format!(
                        "{label}: {} is outside the supported years 1970 to 9000",
                        at.to_rfc3339()
                    ));
                }
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(FixtureError::Invalid(problems))
        }
    }

    /// The key (if any) with `usersManager` that manages a tenant holding an invitation that
    /// reads pending once loaded, with that invitation's email: what the start banner's curl
    /// line uses.
    pub fn example_lookup(&self) -> Option<(&str, &str)> {
        self.api_keys
            .iter()
            .filter(|k| k.permissions.iter().any(|p| p == USERS_MANAGER))
            .find_map(|k| {
                self.invitations
                    .iter()
                    .find(|inv| {
                        k.tenants.contains(&inv.tenant_id)
                            && inv.status == InvitationStatus::Pending
                            && inv.pending_once_loaded()
                    })
                    .map(|inv| (k.key.as_str(), inv.email.as_str()))
            })
    }
}

/// The default fixture as JSON: `mock-server/fixtures/default.json`, compiled in. That file is
/// the one source of the default; the constants of this module name its entries.
pub const DEFAULT_JSON: &str = include_str!("../../fixtures/default.json");

impl Default for Fixture {
    /// Two tenants, three keys (two managers, one without `usersManager`) and invitations
    /// in every state: [`DEFAULT_JSON`], parsed once per process.
    fn default() -> Self {
        static DEFAULT: LazyLock<Fixture> = LazyLock::new(|| {
            // Compiled-in text, not user input: `the_embedded_default_*` tests prove it
            // parses and validates, so this cannot fail in a build that passed its tests.
            Fixture::from_json(DEFAULT_JSON)
                .unwrap_or_else(|err| panic!("mock-server/fixtures/default.json: {err}"))
        });
        DEFAULT.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_default_parses_validates_and_round_trips() {
        let fixture = Fixture::from_json(DEFAULT_JSON).unwrap();
        assert_eq!(Fixture::default(), fixture);
        let back = Fixture::from_json(&fixture.to_json()).unwrap();
        assert_eq!(back, fixture);
    }

    /// What `mock-server/README.md` ("The default fixture") promises, entry by entry, under
    /// the names of this module's constants.
    #[test]
    fn the_embedded_default_has_what_the_readme_says() {
        use InvitationStatus::{Cancelled, Declined, Pending};
        let fixture = Fixture::default();
        let tenants: Vec<(u64, &str)> = fixture
            .tenants
            .iter()
            .map(|t| (t.id, t.name.as_str()))
            .collect();
        assert_eq!(tenants, [(ACME_TENANT, "Acme"), (GLOBEX_TENANT, "Globex")]);
        assert_eq!((ACME_TENANT, GLOBEX_TENANT), (1024, 2048));

        let keys: Vec<(&str, &[u64], bool)> = fixture
            .api_keys
            .iter()
            .map(|k| {
                let manager = k.permissions == [USERS_MANAGER];
                assert!(manager || k.permissions.is_empty(), "{:?}", k.permissions);
                (k.key.as_str(), k.tenants.as_slice(), manager)
            })
            .collect();
        assert_eq!(
            keys,
            [
                (ACME_MANAGER_KEY, &[ACME_TENANT][..], true),
                (GLOBEX_MANAGER_KEY, &[GLOBEX_TENANT][..], true),
                (ACME_VIEWER_KEY, &[ACME_TENANT][..], false),
            ]
        );

        let hours = |h: i64| Some(FixtureTime::hours_ago(h));
        let invitations: Vec<_> = fixture
            .invitations
            .iter()
            .map(|inv| {
                assert!(
                    matches!(inv.created_at, FixtureTime::Relative(s) if s < 0),
                    "{}: created a few hours before load, got {}",
                    inv.id,
                    inv.created_at
                );
                (
                    inv.id,
                    inv.tenant_id,
                    inv.email.as_str(),
                    inv.status.clone(),
                    inv.expires_at,
                )
            })
            .collect();
        assert_eq!(
            invitations,
            [
                (PENDING_ID, ACME_TENANT, PENDING_EMAIL, Pending, None),
                (DECLINED_ID, ACME_TENANT, "bob@example.com", Declined, None),
                (
                    CANCELLED_ID,
                    ACME_TENANT,
                    "carol@example.com",
                    Cancelled,
                    None
                ),
                (
                    EXPIRED_ID,
                    ACME_TENANT,
                    "dave@example.com",
                    Pending,
                    hours(24)
                ),
                (
                    SECOND_PENDING_ID,
                    ACME_TENANT,
                    "erin@example.com",
                    Pending,
                    None
                ),
                (
                    GLOBEX_PENDING_ID,
                    GLOBEX_TENANT,
                    GLOBEX_EMAIL,
                    Pending,
                    None
                ),
                (
                    GLOBEX_SECOND_PENDING_ID,
                    GLOBEX_TENANT,
                    "grace@example.com",
                    Pending,
                    None
                ),
            ]
        );
        assert_eq!(
            (PENDING_ID, GLOBEX_PENDING_ID, PENDING_EMAIL, GLOBEX_EMAIL),
            (9001, 9101, "ada@example.com", "frank@example.com")
        );
        assert!(fixture.invitations.iter().all(|inv| inv.id != UNKNOWN_ID));
        assert_eq!(UNKNOWN_ID, 999_999);
        assert_eq!(
            fixture.example_lookup(),
            Some((ACME_MANAGER_KEY, PENDING_EMAIL))
        );
    }

    #[test]
    fn relative_times_parse_and_print() {
        for (text, seconds) in [
            ("now", 0),
            ("now-3h", -3 * 3600),
            ("now+45m", 45 * 60),
            ("now-2d", -2 * 86_400),
            ("now+30s", 30),
        ] {
            let parsed: FixtureTime = text.parse().unwrap();
            assert_eq!(parsed, FixtureTime::Relative(seconds), "{text}");
            assert_eq!(parsed.to_string(), text);
        }
        for bad in [
            "now-",
            "now-h",
            "now3h",
            "now-3y",
            "now--3h",
            "yesterday",
            "now-99999999999d",
        ] {
            assert!(bad.parse::<FixtureTime>().is_err(), "{bad}");
        }
        let at: FixtureTime = "2024-03-15T12:30:00Z".parse().unwrap();
        assert_eq!(at.to_string(), "2024-03-15T12:30:00+00:00");
    }

    #[test]
    fn every_violation_is_reported_at_once() {
        let mut fixture = Fixture::default();
        fixture.api_keys[0].permissions.push("userManager".into());
        fixture.invitations[0].tenant_id = 5;
        fixture.invitations[1].email = "not-an-email".into();
        fixture.invitations[2].id = fixture.invitations[3].id;
        let err = fixture.validate().unwrap_err().to_string();
        for needle in ["userManager", "tenant 5", "not-an-email", "listed twice"] {
            assert!(err.contains(needle), "{needle} missing from {err}");
        }
    }

    #[test]
    fn unknown_fields_are_refused_with_a_pointer_to_the_format() {
        let err =
            Fixture::from_json(r#"{"tenants": [], "apiKeys": [], "invitations": [], "x": 1}"#)
                .unwrap_err()
                .to_string();
        assert!(
            err.contains("unknown field") && err.contains("default.json"),
            "{err}"
        );
    }
}
