//! `--record FILE`: every invitation seen in a valid answer, written as a mock fixture that
//! answers as the deployment did.
//!
//! Each invitation is recorded once, in the newest state seen: the by-email lookup and the
//! tenant resend show it whole; an IAM resend shows only its id, which makes it `Pending`
//! again (a dry run changes nothing) and is joined by id to what was seen before; a 404 for
//! an invitation recorded in the tenant (or key) asked means it is gone (accepted). Ids,
//! emails, statuses and times are written as seen. Where the deployment showed less than a
//! fixture needs:
//!
//! * no `expiresAt` (optional in the spec): a `Pending` invitation is written
//!   `"expiresAt": "now+48h"`, so the mock serves it `Pending` for 48 hours after loading,
//!   as the deployment showed it (the fixture's default, `createdAt` + 48 h, would have made
//!   an old invitation `Expired`);
//! * no `tenantId` (optional too): the tenant of the path it was seen on, else one the key
//!   that saw it manages (a 2xx on its path, or its invitations' tenants), else a tenant made
//!   up for that key alone, numbered after every tenant seen;
//! * seen only in an IAM answer (no address, no creation time): the address
//!   `invite-<id>@recorded.invalid` and the time it was first seen;
//! * seen only in a valid tenant resend refused with 400 (`InvitationNotPending` here, any
//!   code but `ValidationError` elsewhere: the invitation exists there and is not pending): `Expired`, which answers every request as `Declined` or
//!   `Cancelled` would, and the same made-up address.
//!
//! API keys seen in traffic are never written: each key seen gets a made-up one,
//! `recorded-key-1`, `recorded-key-2`, ... in the order they were first seen, managing the
//! tenants that key was seen to manage, with `usersManager` when it was answered a 2xx.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, Utc};
use invitations_sdk::InvitationStatus;
use serde_json::Value;

use super::exchange::{invitation_number, Seen};
use super::keys::KeyFacts;
use crate::core::USERS_MANAGER;
use crate::fixture::{ApiKeyFixture, Fixture, FixtureTime, InvitationFixture, TenantFixture};

/// How long a resend keeps an invitation pending (the spec: 48 hours after the resend).
const RESEND_VALIDITY_HOURS: i64 = 48;

/// One valid exchange on an invitation, as the recorder takes it.
#[derive(Debug)]
pub(crate) struct Sighting<'a> {
    /// The operationId.
    pub(crate) operation: &'a str,
    /// The answer's status.
    pub(crate) status: u16,
    /// The hash of the key that sent the request.
    pub(crate) key_id: u64,
    /// What that key was seen to do so far.
    pub(crate) key: KeyFacts,
    /// What the checks read from the exchange.
    pub(crate) seen: &'a Seen,
    /// The answer's body, when it is JSON.
    pub(crate) body: Option<&'a Value>,
    /// When the answer came back.
    pub(crate) at: DateTime<Utc>,
}

/// An expiry as the deployment showed it, or not.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expiry {
    Shown(DateTime<Utc>),
    NotShown,
}

/// One invitation as recorded so far.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Recorded {
    tenant: Option<u64>,
    /// The key that saw it last.
    key: u64,
    email: Option<String>,
    status: InvitationStatus,
    created_at: DateTime<Utc>,
    expires_at: Expiry,
}

/// A key seen in traffic: the made-up key's number and what the key was seen to do.
#[derive(Clone, Debug, Default)]
struct RecordedKey {
    ordinal: usize,
    tenants: BTreeSet<u64>,
    manager: bool,
}

/// The invitations recorded so far and the file they go to.
#[derive(Debug)]
pub struct Recorder {
    path: PathBuf,
    invitations: BTreeMap<u64, Recorded>,
    keys: HashMap<u64, RecordedKey>,
}

impl Recorder {
    /// A recorder writing to `path` (nothing is written before [`Recorder::write`]).
    pub fn new(path: impl Into<PathBuf>) -> Recorder {
        Recorder {
            path: path.into(),
            invitations: BTreeMap::new(),
            keys: HashMap::new(),
        }
    }

    /// The file it writes.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Takes in one valid exchange; returns whether the recording changed.
    pub(crate) fn observe(&mut self, sighting: &Sighting<'_>) -> bool {
        let before = self.fixture();
        self.note_key(sighting);
        let seen = sighting.seen;
        match (sighting.operation, sighting.status) {
            ("GetUserInvitationByEmail", 200..=299) => {
                if let Some(item) = sighting.body.and_then(|b| b.get("value")) {
                    self.whole(item, None, sighting);
                }
            }
            ("ResendInvitation", 200..=299) => {
                let items = sighting
                    .body
                    .and_then(|b| b.get("value"))
                    .and_then(Value::as_array);
                for item in items.into_iter().flatten() {
                    self.whole(item, seen.path_tenant, sighting);
                }
            }
            ("resendInvite", 200..=299) => {
                if let Some((id, dry_run)) = &seen.resent
                    && let Some(id) = invitation_number(id)
                {
                    self.resent(id, *dry_run, sighting);
                }
            }
            ("ResendInvitation", 400) if seen.not_pending => {
                if let (Some(id), Some(tenant)) = (seen.asked_invitation, seen.path_tenant) {
                    self.not_pending(id, tenant, sighting);
                }
            }
            ("ResendInvitation" | "resendInvite", 404) => {
                if let Some(id) = seen.asked_invitation
                    && let Some(known) = self.invitations.get(&id)
                {
                    let gone = match seen.path_tenant {
                        Some(tenant) => known.tenant == Some(tenant),
                        None => {
                            known.key == sighting.key_id
                                || known
                                    .tenant
                                    .is_some_and(|t| sighting.key.manages.contains(&t))
                        }
                    };
                    if gone {
                        self.invitations.remove(&id);
                    }
                }
            }
            _ => {}
        }
        before != self.fixture()
    }

    fn note_key(&mut self, sighting: &Sighting<'_>) {
        // A key refused as unknown (401) is no key of the deployment's.
        if sighting.status == 401 {
            return;
        }
        let next = self.keys.len() + 1;
        let key = self.keys.entry(sighting.key_id).or_insert(RecordedKey {
            ordinal: next,
            ..RecordedKey::default()
        });
        key.tenants.extend(sighting.key.manages.iter().copied());
        key.manager |= sighting.key.granted;
    }

    /// An invitation shown whole (by-email, tenant resend).
    fn whole(&mut self, item: &Value, path_tenant: Option<u64>, sighting: &Sighting<'_>) {
        let time = |name: &str| -> Option<DateTime<Utc>> {
            let text = item.get(name)?.as_str()?;
            DateTime::parse_from_rfc3339(text)
                .ok()
                .map(|t| t.with_timezone(&Utc))
        };
        let (Some(id), Some(email), Some(created_at)) = (
            item.get("id").and_then(Value::as_u64),
            item.get("email").and_then(Value::as_str),
            time("createdAt"),
        ) else {
            return;
        };
        let Ok(status) = serde_json::from_value::<InvitationStatus>(
            item.get("status").cloned().unwrap_or_default(),
        ) else {
            return;
        };
        let tenant = item
            .get("tenantId")
            .and_then(Value::as_u64)
            .or(path_tenant)
            .or_else(|| self.invitations.get(&id).and_then(|known| known.tenant));
        let recorded = Recorded {
            tenant,
            key: sighting.key_id,
            email: Some(email.to_owned()),
            status,
            created_at,
            expires_at: time("expiresAt").map_or(Expiry::NotShown, Expiry::Shown),
        };
        if loadable(id, &recorded) {
            self.invitations.insert(id, recorded);
        } else {
            tracing::warn!(id, "not recorded: the mock could not load it");
        }
    }

    /// An IAM resend of `id`: `Pending` again, its expiry moved (unless a dry run).
    fn resent(&mut self, id: u64, dry_run: bool, sighting: &Sighting<'_>) {
        let known = self.invitations.entry(id).or_insert_with(|| Recorded {
            tenant: None,
            key: sighting.key_id,
            email: None,
            // Its state was never shown; a resend (the real one that usually follows a dry
            // run) leaves it pending.
            status: InvitationStatus::Pending,
            created_at: sighting.at,
            expires_at: Expiry::NotShown,
        });
        known.key = sighting.key_id;
        if dry_run {
            return;
        }
        known.status = InvitationStatus::Pending;
        if let Expiry::Shown(_) = known.expires_at {
            known.expires_at = Expiry::Shown(sighting.at + Duration::hours(RESEND_VALIDITY_HOURS));
        }
    }

    /// A tenant resend refused because `id` is not pending: recorded `Expired` unless a state
    /// other than `Pending` was seen (every state but `Pending` answers every request alike).
    fn not_pending(&mut self, id: u64, tenant: u64, sighting: &Sighting<'_>) {
        let known = self.invitations.entry(id).or_insert_with(|| Recorded {
            tenant: Some(tenant),
            key: sighting.key_id,
            email: None,
            status: InvitationStatus::Expired,
            created_at: sighting.at,
            expires_at: Expiry::NotShown,
        });
        known.tenant = Some(tenant);
        if known.status == InvitationStatus::Pending {
            known.status = InvitationStatus::Expired;
        }
    }

    /// The recorded invitations as a fixture, with one made-up key per key seen.
    pub fn fixture(&self) -> Fixture {
        let mut keys: Vec<(&u64, &RecordedKey)> = self.keys.iter().collect();
        keys.sort_by_key(|(_, k)| k.ordinal);
        let known: BTreeSet<u64> = self
            .invitations
            .values()
            .filter_map(|i| i.tenant)
            .chain(keys.iter().flat_map(|(_, k)| k.tenants.iter().copied()))
            .collect();
        let highest = known.last().copied().unwrap_or(0);
        // A key seen managing no tenant gets one of its own, numbered after every tenant seen.
        let tenants_of = |key: &RecordedKey| -> Vec<u64> {
            if key.tenants.is_empty() {
                vec![highest.saturating_add(key.ordinal as u64)]
            } else {
                key.tenants.iter().copied().collect()
            }
        };
        let invitations: Vec<InvitationFixture> = self
            .invitations
            .iter()
            .map(|(&id, recorded)| {
                let tenant = recorded.tenant.unwrap_or_else(|| {
                    self.keys
                        .get(&recorded.key)
                        .map_or(highest.saturating_add(1), |k| tenants_of(k)[0])
                });
                invitation_fixture(id, tenant, recorded)
            })
            .collect();
        let mut api_keys = Vec::new();
        let mut tenants: BTreeSet<u64> = invitations.iter().map(|i| i.tenant_id).collect();
        for (_, key) in &keys {
            let managed = if key.manager || !key.tenants.is_empty() {
                tenants_of(key)
            } else {
                Vec::new()
            };
            tenants.extend(managed.iter().copied());
            api_keys.push(ApiKeyFixture {
                key: format!("recorded-key-{}", key.ordinal),
                tenants: managed,
                permissions: if key.manager {
                    vec![USERS_MANAGER.to_owned()]
                } else {
                    Vec::new()
                },
                description: format!(
                    "made up by --record for the API key seen {}; keys seen in traffic are \
                     never written",
                    ordinal_words(key.ordinal)
                ),
            });
        }
        Fixture {
            tenants: tenants
                .into_iter()
                .map(|id| TenantFixture {
                    id,
                    name: if known.contains(&id) {
                        format!("Tenant {id} (recorded)")
                    } else {
                        format!("Tenant {id} (made up by --record: the answers named no tenant)")
                    },
                })
                .collect(),
            api_keys,
            invitations,
        }
    }

    /// Writes the fixture: to a temporary file beside it, then renamed over it, so a reader
    /// never sees half a file.
    pub fn write(&self) -> io::Result<()> {
        let mut temporary = self.path.clone().into_os_string();
        temporary.push(".tmp");
        std::fs::write(&temporary, self.fixture().to_json())?;
        std::fs::rename(&temporary, &self.path)
    }
}

/// `first`, `second`, ... up to `tenth`, then `11th`.
fn ordinal_words(n: usize) -> String {
    const WORDS: [&str; 10] = [
        "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth",
        "tenth",
    ];
    WORDS
        .get(n.wrapping_sub(1))
        .map_or_else(|| format!("{n}th"), |w| (*w).to_owned())
}

fn invitation_fixture(id: u64, tenant_id: u64, recorded: &Recorded) -> InvitationFixture {
    InvitationFixture {
        id,
        tenant_id,
        email: recorded
            .email
            .clone()
            .unwrap_or_else(|| format!("invite-{id}@recorded.invalid")),
        status: recorded.status.clone(),
        created_at: FixtureTime::At(recorded.created_at),
        expires_at: match recorded.expires_at {
            Expiry::Shown(at) => Some(FixtureTime::At(at)),
            Expiry::NotShown if recorded.status == InvitationStatus::Pending => {
                Some(FixtureTime::Relative(RESEND_VALIDITY_HOURS * 3600))
            }
            Expiry::NotShown => None,
        },
    }
}

/// Whether the mock could load this invitation (valid email, positive id, supported
/// years): one it could not is left out rather than making the whole file unloadable.
fn loadable(id: u64, recorded: &Recorded) -> bool {
    let tenant_id = recorded.tenant.unwrap_or(1);
    Fixture {
        tenants: vec![TenantFixture {
            id: tenant_id,
            name: String::new(),
        }],
        api_keys: Vec::new(),
        invitations: vec![invitation_fixture(id, tenant_id, recorded)],
    }
    .validate()
    .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The operations as the checker names them.
    const LOOKUP: &str = "GetUserInvitationByEmail";
    const TENANT_RESEND: &str = "ResendInvitation";
    const IAM_RESEND: &str = "resendInvite";

    /// The recorder under test, fed one exchange a call at a fixed clock, so that each test
    /// reads as the list of exchanges it replays.
    struct Feed(Recorder);

    impl Feed {
        fn new() -> Self {
            Feed(Recorder::new("unused.json"))
        }

        /// Whether the recording changed after `operation` answered `status` to the granted
        /// key `key` (its id and the tenants it manages).
        fn see(
            &mut self,
            operation: &str,
            status: u16,
            key: (u64, &[u64]),
            seen: &Seen,
            body: Option<&Value>,
        ) -> bool {
            self.0.observe(&Sighting {
                operation,
                status,
                key_id: key.0,
                key: KeyFacts {
                    manages: key.1.to_vec(),
                    granted: true,
                    ..KeyFacts::default()
                },
                seen,
                body,
                at: "2030-01-01T00:00:00Z".parse().unwrap(),
            })
        }

        /// A lookup by email answered 200 with `body`: the one sighting with nothing else seen.
        fn lookup(&mut self, key: (u64, &[u64]), body: &Value) -> bool {
            self.see(LOOKUP, 200, key, &Seen::default(), Some(body))
        }

        fn fixture(&self) -> Fixture {
            self.0.fixture()
        }
    }

    #[test]
    fn records_as_seen_and_never_a_seen_key() {
        let mut recorder = Feed::new();
        let by_email = json!({"isSuccess": true, "isFailure": false, "error": null, "value": {
            "id": 7, "tenantId": 5, "email": "Zoe@Example.com", "status": "Pending",
            "createdAt": "2024-03-15T12:30:00Z", "expiresAt": "2024-03-17T12:30:00Z"}});
        let key = (11, &[5][..]);
        assert!(recorder.lookup(key, &by_email));
        assert!(
            !recorder.lookup(key, &by_email),
            "the same answer again changes nothing"
        );
        let resend = json!({"isSuccess": true, "isFailure": false, "error": null, "value": [{
            "id": 8, "email": "yan@example.com", "status": "Cancelled",
            "createdAt": "2024-03-15T12:30:00Z"}]});
        let on_six = Seen {
            path_tenant: Some(6),
            ..Seen::default()
        };
        assert!(recorder.see(TENANT_RESEND, 200, (12, &[6]), &on_six, Some(&resend)));
        let fixture = recorder.fixture();
        fixture.validate().unwrap();
        assert_eq!(fixture.invitations.len(), 2);
        assert_eq!(fixture.invitations[0].email, "Zoe@Example.com");
        assert_eq!(
            fixture.invitations[0].expires_at,
            Some("2024-03-17T12:30:00Z".parse().unwrap())
        );
        assert_eq!(fixture.invitations[1].tenant_id, 6);
        assert_eq!(fixture.invitations[1].status, InvitationStatus::Cancelled);
        assert_eq!(
            fixture.invitations[1].expires_at, None,
            "not pending: no expiry needed"
        );
        let keys: Vec<(&str, &[u64])> = fixture
            .api_keys
            .iter()
            .map(|k| (k.key.as_str(), k.tenants.as_slice()))
            .collect();
        assert_eq!(
            keys,
            [("recorded-key-1", &[5][..]), ("recorded-key-2", &[6][..])]
        );
        assert!(fixture.api_keys[0].description.contains("first"));
    }

    #[test]
    fn a_pending_invitation_without_expiry_stays_pending_after_loading() {
        let mut recorder = Feed::new();
        let old = json!({"value": {"id": 9, "email": "a@example.com", "status": "Pending",
                                   "createdAt": "2020-01-01T00:00:00Z"}});
        recorder.lookup((1, &[3]), &old);
        let fixture = recorder.fixture();
        assert_eq!(
            fixture.invitations[0].expires_at,
            Some(FixtureTime::Relative(48 * 3600))
        );
        assert_eq!(fixture.invitations[0].tenant_id, 3, "the key's tenant");
        assert_eq!(
            fixture.example_lookup(),
            Some(("recorded-key-1", "a@example.com"))
        );
    }

    #[test]
    fn an_invitation_without_tenant_goes_to_the_path_the_known_or_the_keys_own_tenant() {
        let mut recorder = Feed::new();
        let item = json!({"id": 9, "email": "a@example.com", "status": "Pending",
                          "createdAt": "2024-03-15T12:30:00Z"});
        let by_email = json!({"value": item});
        // A key seen managing nothing yet: a tenant of its own, after every tenant seen.
        recorder.lookup((1, &[]), &by_email);
        let other = json!({"value": {"id": 4, "tenantId": 40, "email": "b@example.com",
                                     "status": "Declined", "createdAt": "2024-03-15T12:30:00Z"}});
        recorder.lookup((2, &[40]), &other);
        let fixture = recorder.fixture();
        fixture.validate().unwrap();
        assert_eq!(fixture.invitations[1].tenant_id, 41);
        assert_eq!(fixture.api_keys[0].tenants, [41]);
        assert!(fixture
            .tenants
            .iter()
            .any(|t| t.id == 41 && t.name.contains("made up")));
        // Seen on a tenant path: that tenant, kept when a later answer names none.
        let on_three = Seen {
            path_tenant: Some(3),
            ..Seen::default()
        };
        recorder.see(
            TENANT_RESEND,
            200,
            (1, &[3]),
            &on_three,
            Some(&json!({"value": [item]})),
        );
        recorder.lookup((1, &[3]), &by_email);
        let fixture = recorder.fixture();
        fixture.validate().unwrap();
        assert_eq!(fixture.invitations[1].tenant_id, 3);
        assert_eq!(fixture.api_keys[0].tenants, [3]);
    }

    #[test]
    fn an_iam_resend_is_joined_by_id_and_an_id_alone_is_kept() {
        let mut recorder = Feed::new();
        let declined = json!({"value": [{"id": 9002, "email": "bob@example.com", "status": "Declined",
                                        "createdAt": "2024-03-15T12:30:00Z",
                                        "expiresAt": "2024-03-17T12:30:00Z"}]});
        let on_one = Seen {
            path_tenant: Some(1),
            ..Seen::default()
        };
        recorder.see(TENANT_RESEND, 200, (1, &[1]), &on_one, Some(&declined));
        let resent = |id: &str, dry_run: bool| Seen {
            resent: Some((id.to_owned(), dry_run)),
            ..Seen::default()
        };
        let dry = resent("9002", true);
        recorder.see(IAM_RESEND, 200, (1, &[1]), &dry, None);
        assert_eq!(
            recorder.fixture().invitations[0].status,
            InvitationStatus::Declined
        );
        let real = resent("9002", false);
        assert!(recorder.see(IAM_RESEND, 200, (1, &[1]), &real, None));
        let fixture = recorder.fixture();
        assert_eq!(fixture.invitations[0].status, InvitationStatus::Pending);
        assert_eq!(
            fixture.invitations[0].expires_at,
            Some("2030-01-03T00:00:00Z".parse().unwrap()),
            "48 h after the resend, as the deployment shows expiries"
        );
        // Seen only by id: kept, with a placeholder address, in the key's tenant.
        let alone = resent("9003", false);
        recorder.see(IAM_RESEND, 200, (1, &[1]), &alone, None);
        let opaque = resent("inv_abc", false);
        recorder.see(IAM_RESEND, 200, (1, &[1]), &opaque, None);
        let fixture = recorder.fixture();
        fixture.validate().unwrap();
        assert_eq!(
            fixture.invitations.len(),
            2,
            "an opaque id cannot be a fixture id"
        );
        assert_eq!(fixture.invitations[1].email, "invite-9003@recorded.invalid");
        assert_eq!(fixture.invitations[1].tenant_id, 1);
        assert_eq!(
            fixture.invitations[1].expires_at,
            Some(FixtureTime::Relative(48 * 3600))
        );
    }

    #[test]
    fn a_404_for_a_recorded_invitation_of_the_tenant_or_key_asked_removes_it() {
        let mut recorder = Feed::new();
        let item = json!({"value": [{"id": 5, "tenantId": 1, "email": "a@example.com",
                                     "status": "Pending", "createdAt": "2024-03-15T12:30:00Z"}]});
        let on = |tenant: u64| Seen {
            path_tenant: Some(tenant),
            asked_invitation: Some(5),
            ..Seen::default()
        };
        recorder.see(TENANT_RESEND, 200, (1, &[1]), &on(1), Some(&item));
        // Another tenant's 404 says nothing about it; another key's IAM 404 neither.
        assert!(!recorder.see(TENANT_RESEND, 404, (1, &[1]), &on(2), None));
        let iam = Seen {
            asked_invitation: Some(5),
            ..Seen::default()
        };
        recorder.see(IAM_RESEND, 404, (2, &[7]), &iam, None);
        assert_eq!(recorder.fixture().invitations.len(), 1);
        assert!(recorder.see(IAM_RESEND, 404, (1, &[1]), &iam, None));
        assert!(recorder.fixture().invitations.is_empty());
        recorder.see(TENANT_RESEND, 200, (1, &[1]), &on(1), Some(&item));
        assert!(recorder.see(TENANT_RESEND, 404, (3, &[1]), &on(1), None));
        assert!(recorder.fixture().invitations.is_empty());
    }

    #[test]
    fn a_refusal_as_not_pending_records_the_invitation_not_pending() {
        let mut recorder = Feed::new();
        let refused = |id: u64| Seen {
            path_tenant: Some(4),
            asked_invitation: Some(id),
            not_pending: true,
            ..Seen::default()
        };
        let pending = json!({"value": [{"id": 5, "email": "a@example.com", "status": "Pending",
                                        "createdAt": "2024-03-15T12:30:00Z"}]});
        let on_four = Seen {
            path_tenant: Some(4),
            ..Seen::default()
        };
        recorder.see(TENANT_RESEND, 200, (1, &[4]), &on_four, Some(&pending));
        recorder.see(TENANT_RESEND, 400, (1, &[4]), &refused(5), None);
        recorder.see(TENANT_RESEND, 400, (1, &[4]), &refused(6), None);
        let other_400 = Seen {
            not_pending: false,
            ..refused(7)
        };
        recorder.see(TENANT_RESEND, 400, (1, &[4]), &other_400, None);
        let fixture = recorder.fixture();
        fixture.validate().unwrap();
        let states: Vec<(u64, u64, &str, InvitationStatus)> = fixture
            .invitations
            .iter()
            .map(|i| (i.id, i.tenant_id, i.email.as_str(), i.status.clone()))
            .collect();
        assert_eq!(
            states,
            [
                (5, 4, "a@example.com", InvitationStatus::Expired),
                (6, 4, "invite-6@recorded.invalid", InvitationStatus::Expired),
            ]
        );
        let declined = json!({"value": [{"id": 5, "email": "a@example.com", "status": "Declined",
                                         "createdAt": "2024-03-15T12:30:00Z"}]});
        recorder.see(TENANT_RESEND, 200, (1, &[4]), &on_four, Some(&declined));
        recorder.see(TENANT_RESEND, 400, (1, &[4]), &refused(5), None);
        assert_eq!(
            recorder.fixture().invitations[0].status,
            InvitationStatus::Declined
        );
    }

    #[test]
    fn invitations_the_mock_could_not_load_are_left_out() {
        let mut recorder = Feed::new();
        let bad = json!({"value": {"id": 5, "email": "not-an-address", "status": "Pending",
                                   "createdAt": "2024-03-15T12:30:00Z"}});
        recorder.lookup((1, &[1]), &bad);
        assert!(recorder.fixture().invitations.is_empty());
        assert_eq!(ordinal_words(11), "11th");
        assert_eq!(ordinal_words(2), "second");
    }
}
