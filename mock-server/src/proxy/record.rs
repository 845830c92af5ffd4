//! `--record FILE`: the invitations seen in valid answers, written as a mock fixture.
//!
//! Ids, emails, statuses and times are written as seen. API keys seen in traffic never are:
//! the fixture gets one made-up manager key per tenant (`recorded-tenant-<id>-key`), so
//! `invitations-mock --fixture FILE` serves the recorded invitations to a key the banner
//! prints.

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use invitations_sdk::InvitationStatus;
use serde_json::Value;

use crate::core::USERS_MANAGER;
use crate::fixture::{ApiKeyFixture, Fixture, FixtureTime, InvitationFixture, TenantFixture};

/// The tenant of an invitation whose answer named none (`tenantId` is optional in the
/// spec's invitation model) and that no other answer placed in a tenant.
pub const UNKNOWN_TENANT: u64 = crate::core::validate::MAX_ID;

/// The invitations recorded so far and the file they go to.
#[derive(Debug)]
pub struct Recorder {
    path: PathBuf,
    invitations: BTreeMap<u64, InvitationFixture>,
}

impl Recorder {
    /// A recorder writing to `path` (nothing is written before the first invitation).
    pub fn new(path: impl Into<PathBuf>) -> Recorder {
        Recorder {
            path: path.into(),
            invitations: BTreeMap::new(),
        }
    }

    /// The file it writes.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Takes the invitations out of a valid 2xx answer of `operation`; `path_tenant` is the
    /// `tenantId` of the request path, if it had one. Returns whether anything changed.
    pub fn observe(&mut self, operation: &str, path_tenant: Option<u64>, body: &Value) -> bool {
        let items: Vec<&Value> = match (operation, body.get("value")) {
            ("ResendInvitation", Some(Value::Array(items))) => items.iter().collect(),
            ("GetUserInvitationByEmail", Some(item @ Value::Object(_))) => vec![item],
            _ => return false,
        };
        let mut changed = false;
        for item in items {
            let Some(invitation) = self.read(item, path_tenant) else {
                continue;
            };
            // The mock's own rules (valid email, positive ids): a fixture that fails them
            // could not be loaded, so such an invitation is left out.
            let alone = Fixture {
                tenants: vec![TenantFixture {
                    id: invitation.tenant_id,
                    name: String::new(),
                }],
                api_keys: Vec::new(),
                invitations: vec![invitation.clone()],
            };
            if let Err(err) = alone.validate() {
                tracing::warn!(id = invitation.id, %err, "not recorded: the mock could not load it");
                continue;
            }
            if self.invitations.get(&invitation.id) != Some(&invitation) {
                self.invitations.insert(invitation.id, invitation);
                changed = true;
            }
        }
        changed
    }

    fn read(&self, item: &Value, path_tenant: Option<u64>) -> Option<InvitationFixture> {
        let id = item.get("id")?.as_u64()?;
        let time = |name: &str| -> Option<FixtureTime> {
            let text = item.get(name)?.as_str()?;
            DateTime::parse_from_rfc3339(text)
                .ok()
                .map(|t| FixtureTime::At(t.with_timezone(&Utc)))
        };
        let tenant_id = item
            .get("tenantId")
            .and_then(Value::as_u64)
            .or(path_tenant)
            .or_else(|| self.invitations.get(&id).map(|known| known.tenant_id))
            .unwrap_or(UNKNOWN_TENANT);
        let status: InvitationStatus = serde_json::from_value(item.get("status")?.clone()).ok()?;
        Some(InvitationFixture {
            id,
            tenant_id,
            email: item.get("email")?.as_str()?.to_owned(),
            status,
            created_at: time("createdAt")?,
            expires_at: time("expiresAt"),
        })
    }

    /// The recorded invitations as a fixture, with one made-up manager key per tenant.
    pub fn fixture(&self) -> Fixture {
        let mut tenants: Vec<u64> = self.invitations.values().map(|i| i.tenant_id).collect();
        tenants.sort_unstable();
        tenants.dedup();
        Fixture {
            tenants: tenants
                .iter()
                .map(|&id| TenantFixture {
                    id,
                    name: if id == UNKNOWN_TENANT {
                        "tenant not named in the recorded answers".to_owned()
                    } else {
                        format!("Tenant {id} (recorded)")
                    },
                })
                .collect(),
            api_keys: tenants
                .iter()
                .map(|&id| ApiKeyFixture {
                    key: format!("recorded-tenant-{id}-key"),
                    tenants: vec![id],
                    permissions: vec![USERS_MANAGER.to_owned()],
                    description: "made up by --record; keys seen in traffic are never written"
                        .to_owned(),
                })
                .collect(),
            invitations: self.invitations.values().cloned().collect(),
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn records_as_seen_and_never_a_seen_key() {
        let mut recorder = Recorder::new("unused.json");
        let by_email = json!({"isSuccess": true, "isFailure": false, "error": null, "value": {
            "id": 7, "tenantId": 5, "email": "Zoe@Example.com", "status": "Pending",
            "createdAt": "2024-03-15T12:30:00Z", "expiresAt": "2024-03-17T12:30:00Z"}});
        assert!(recorder.observe("GetUserInvitationByEmail", None, &by_email));
        assert!(!recorder.observe("GetUserInvitationByEmail", None, &by_email));
        let resend = json!({"isSuccess": true, "isFailure": false, "error": null, "value": [{
            "id": 8, "email": "yan@example.com", "status": "Cancelled",
            "createdAt": "2024-03-15T12:30:00Z"}]});
        assert!(recorder.observe("ResendInvitation", Some(6), &resend));
        let fixture = recorder.fixture();
        fixture.validate().unwrap();
        assert_eq!(fixture.invitations.len(), 2);
        assert_eq!(fixture.invitations[0].email, "Zoe@Example.com");
        assert_eq!(fixture.invitations[1].tenant_id, 6);
        assert_eq!(fixture.invitations[1].status, InvitationStatus::Cancelled);
        let keys: Vec<&str> = fixture.api_keys.iter().map(|k| k.key.as_str()).collect();
        assert_eq!(keys, ["recorded-tenant-5-key", "recorded-tenant-6-key"]);
    }

    #[test]
    fn an_answer_without_tenant_goes_to_the_known_or_the_unknown_tenant() {
        let mut recorder = Recorder::new("unused.json");
        let item = json!({"id": 9, "email": "a@example.com", "status": "Pending",
                          "createdAt": "2024-03-15T12:30:00Z"});
        let by_email = json!({"value": item});
        recorder.observe("GetUserInvitationByEmail", None, &by_email);
        assert_eq!(recorder.fixture().invitations[0].tenant_id, UNKNOWN_TENANT);
        recorder.observe("ResendInvitation", Some(3), &json!({"value": [item]}));
        recorder.observe("GetUserInvitationByEmail", None, &by_email);
        assert_eq!(recorder.fixture().invitations[0].tenant_id, 3);
        recorder.fixture().validate().unwrap();
    }
}
