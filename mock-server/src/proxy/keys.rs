//! What the proxy learns across exchanges: which tenants each API key was seen to manage or
//! was refused, and which tenant each invitation belongs to. An answer that contradicts an
//! earlier one is a violation no single exchange shows: a key refused tenant 2048 (403)
//! that later gets a 200 on it, or an invitation of a tenant the key was refused revealed
//! to it by the by-email lookup or the IAM resend (the spec: "an invitation belonging to a
//! tenant the key does not manage is never revealed").
//!
//! Only exchanges whose request is within the contract and whose answer keeps it teach
//! anything: a 2xx says the key manages the path's tenant and the tenants of the invitations
//! it was shown; a 403 on `/tenant/{tenantId}/...` says it does not manage that tenant (or
//! lacks `usersManager`, which refuses every tenant alike); a 403 from the by-email lookup
//! or the IAM resend says it lacks `usersManager`. Keys are held as a hash (seeded per
//! process), never as text. `DELETE /__admin/violations` forgets it all, for after a key's
//! grants were changed on purpose.

use std::collections::HashMap;
use std::hash::BuildHasher;

use super::exchange::{finding, invitation_number, Finding, Side, Verdict};

/// At most this many keys and invitations are remembered; past it, new ones are not (a
/// proxy left running all day must not grow without bound).
const MAX_KEYS: usize = 4_096;
const MAX_INVITATIONS: usize = 100_000;

/// What one key was seen to be allowed and refused.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct KeyFacts {
    /// Tenants it manages (a 2xx on their path, or their invitations shown to it).
    pub(crate) manages: Vec<u64>,
    /// Tenants whose path answered it 403.
    pub(crate) refused: Vec<u64>,
    /// A 403 from an operation whose only 403 is the missing `usersManager` permission.
    pub(crate) lacks_permission: bool,
    /// Some 2xx was answered to it.
    pub(crate) granted: bool,
}

/// The facts of every key seen, and the tenant of every invitation seen.
#[derive(Debug, Default)]
pub(crate) struct KeyLedger {
    hasher: foldhash::fast::RandomState,
    keys: HashMap<u64, KeyFacts, foldhash::fast::RandomState>,
    invitations: HashMap<u64, u64, foldhash::fast::RandomState>,
}

impl KeyLedger {
    /// The hash a key is remembered by.
    pub(crate) fn id(&self, key: &str) -> u64 {
        self.hasher.hash_one(key)
    }

    /// What `key` was seen to do, if anything.
    pub(crate) fn facts(&self, key: u64) -> Option<&KeyFacts> {
        self.keys.get(&key)
    }

    /// Forgets everything.
    pub(crate) fn clear(&mut self) {
        self.keys.clear();
        self.invitations.clear();
    }

    /// Judges the exchange `verdict` describes against what `key` was seen to do, adds the
    /// contradictions to its answer findings, and learns from it when it keeps the contract.
    pub(crate) fn observe(&mut self, key: u64, status: u16, verdict: &mut Verdict) {
        if !verdict.request.is_empty() || !verdict.response.is_empty() {
            return;
        }
        let Some(operation) = verdict.operation.clone() else {
            return;
        };
        let operation = &*operation;
        let seen = &verdict.seen;
        let tenant_of =
            |id: u64, shown: Option<u64>| shown.or_else(|| self.invitations.get(&id).copied());
        let facts = self.keys.get(&key);
        let refused = |tenant: u64| facts.is_some_and(|f| f.refused.contains(&tenant));
        let out = &mut verdict.response;
        if (200..300).contains(&status) {
            if facts.is_some_and(|f| f.lacks_permission) {
                out.push(contradiction(format!(
                    "this key was refused earlier for lacking the usersManager permission (a \
                     403 from the by-email lookup or the IAM resend); a {status} now \
                     contradicts it"
                )));
            }
            if let Some(tenant) = seen.path_tenant
                && refused(tenant)
            {
                out.push(contradiction(format!(
                    "this key was refused tenant {tenant} (403) earlier; a key that does not \
                     manage a tenant gets 403 there, never {status}"
                )));
            }
            let revealed = seen
                .invitations
                .iter()
                .map(|&(id, shown)| (id, tenant_of(id, shown)))
                .chain(
                    seen.resent
                        .as_ref()
                        .and_then(|(id, _)| invitation_number(id))
                        .map(|id| (id, tenant_of(id, None))),
                );
            for (id, tenant) in revealed {
                if let Some(tenant) = tenant
                    && seen.path_tenant.is_none()
                    && refused(tenant)
                {
                    out.push(contradiction(format!(
                        "invitation {id} belongs to tenant {tenant}, which this key was refused \
                         (403) earlier; an invitation of a tenant the key does not manage is \
                         never revealed (the spec answers 404)"
                    )));
                }
            }
        } else if status == 403 {
            match seen.path_tenant {
                Some(tenant) if facts.is_some_and(|f| f.manages.contains(&tenant)) => {
                    out.push(contradiction(format!(
                        "this key was seen managing tenant {tenant} earlier (a 2xx on it, or \
                         one of its invitations shown); a 403 there now contradicts it"
                    )));
                }
                None if operation != "ResendInvitation" && facts.is_some_and(|f| f.granted) => {
                    out.push(contradiction(
                        "this key was answered 2xx earlier, so it has the usersManager \
                         permission; a 403 for lacking it now contradicts that"
                            .to_owned(),
                    ));
                }
                _ => {}
            }
        }
        if out.is_empty() {
            self.learn(key, operation, status, verdict);
        }
    }

    fn learn(&mut self, key: u64, operation: &str, status: u16, verdict: &Verdict) {
        let seen = &verdict.seen;
        let success = (200..300).contains(&status);
        if success {
            for &(id, shown) in &seen.invitations {
                if let Some(tenant) = shown.or(seen.path_tenant)
                    && (self.invitations.len() < MAX_INVITATIONS
                        || self.invitations.contains_key(&id))
                {
                    self.invitations.insert(id, tenant);
                }
            }
        }
        if !success && status != 403 {
            return;
        }
        if self.keys.len() >= MAX_KEYS && !self.keys.contains_key(&key) {
            return;
        }
        let facts = self.keys.entry(key).or_default();
        if success {
            facts.granted = true;
            let shown = seen
                .invitations
                .iter()
                .filter_map(|&(id, shown)| shown.or_else(|| self.invitations.get(&id).copied()));
            for tenant in seen.path_tenant.into_iter().chain(shown) {
                if !facts.manages.contains(&tenant) {
                    facts.manages.push(tenant);
                }
            }
        } else {
            match seen.path_tenant {
                Some(tenant) if !facts.refused.contains(&tenant) => facts.refused.push(tenant),
                Some(_) => {}
                None if operation != "ResendInvitation" => facts.lacks_permission = true,
                None => {}
            }
        }
    }
}

fn contradiction(message: String) -> Finding {
    finding(Side::Response, "status", message)
}
