//! The invitation store: tenants, API keys, invitations, their tokens and the outbox.
//!
//! Every rule that changes an invitation (a resend on either surface, an accept, an admin
//! create) lives here, so both surfaces apply the same rotation, expiry and email logic.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

/// The hasher of the maps looked up on every request: foldhash, seeded per process, is
/// several times faster than the standard SipHash on short strings.
pub(crate) type FastHash = foldhash::fast::RandomState;
use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use invitations_sdk::InvitationStatus;

use super::clock::add_saturating;
use super::fixture::Fixture;
use super::token::new_token;
use super::validate::validate_email;

pub use super::documented::{INVITATION_LIFETIME_HOURS, USERS_MANAGER};

/// An invitation as the store holds it.
///
/// `Debug` hides the token: it is a secret that only the emailed link (and the admin API)
/// may carry.
#[derive(Clone, PartialEq, Eq)]
pub struct InvitationRecord {
    /// The invitation's id (positive int64).
    pub id: u64,
    /// The tenant that owns it.
    pub tenant_id: u64,
    /// The address it was sent to, as created.
    pub email: String,
    /// The stored status. A pending invitation past `expires_at` still has `Pending` here;
    /// see [`effective_status`](Self::effective_status) for what clients read.
    pub status: InvitationStatus,
    /// The secret in the current link. Every resend replaces it.
    pub token: String,
    /// When the invitation was created.
    pub created_at: DateTime<Utc>,
    /// When the current link stops working.
    pub expires_at: DateTime<Utc>,
}

impl InvitationRecord {
    /// The status clients see at `now`: a pending invitation at or past its expiry reads
    /// as `Expired`.
    pub fn effective_status(&self, now: DateTime<Utc>) -> InvitationStatus {
        match self.status {
            InvitationStatus::Pending if now >= self.expires_at => InvitationStatus::Expired,
            ref other => other.clone(),
        }
    }
}

impl fmt::Debug for InvitationRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InvitationRecord")
            .field("id", &self.id)
            .field("tenant_id", &self.tenant_id)
            .field("email", &self.email)
            .field("status", &self.status)
            .field("token", &"<redacted>")
            .field("created_at", &self.created_at)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// What to create with [`Core::create_invitation`](super::Core::create_invitation) (also on
/// `MockHandle`) or `POST /__admin/invitations`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewInvitation {
    /// The owning tenant; it must exist in the fixture.
    pub tenant_id: u64,
    /// The recipient's address.
    pub email: String,
    /// The stored status (`Pending`, `Declined`, `Cancelled` or `Expired`).
    pub status: InvitationStatus,
    /// When the link stops working; `None` means 48 hours from now.
    pub expires_at: Option<DateTime<Utc>>,
}

impl NewInvitation {
    /// A pending invitation that expires 48 hours from the mock's now.
    ///
    /// ```
    /// use invitations_mock::{fixture::ACME_TENANT, NewInvitation};
    /// let new = NewInvitation::pending(ACME_TENANT, "zoe@example.com");
    /// assert_eq!(new.status, invitations_sdk::InvitationStatus::Pending);
    /// ```
    pub fn pending(tenant_id: u64, email: impl Into<String>) -> NewInvitation {
        NewInvitation {
            tenant_id,
            email: email.into(),
            status: InvitationStatus::Pending,
            expires_at: None,
        }
    }
}

/// One email the mock "sent": a new invitation link.
///
/// `Debug` hides the token.
#[derive(Clone, PartialEq, Eq)]
pub struct SentEmail {
    /// The recipient (the invitation's original address).
    pub to: String,
    /// The invitation the link belongs to.
    pub invitation_id: u64,
    /// The invitation's tenant.
    pub tenant_id: u64,
    /// The token in the link; pass it to [`Core::accept`](super::Core::accept) (also on
    /// `MockHandle`) to click the link.
    pub token: String,
    /// When it was sent (mock clock).
    pub sent_at: DateTime<Utc>,
}

impl fmt::Debug for SentEmail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SentEmail")
            .field("to", &self.to)
            .field("invitation_id", &self.invitation_id)
            .field("tenant_id", &self.tenant_id)
            .field("token", &"<redacted>")
            .field("sent_at", &self.sent_at)
            .finish()
    }
}

/// Why accepting a token failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AcceptError {
    /// No invitation has this token: it never existed, was replaced by a resend, or its
    /// invitation was already accepted.
    #[error(
        "no invitation has this token: it was never issued, a resend replaced it, or the \
         invitation was already accepted. Use the token of the most recent email in the outbox"
    )]
    UnknownToken,
    /// The token is current but its invitation cannot be accepted in its state.
    #[error(
        "invitation {id} is {status}, so its link cannot be accepted; resend it first \
         (the IAM resend reactivates any state)"
    )]
    NotPending {
        /// The invitation.
        id: u64,
        /// Its effective status.
        status: InvitationStatus,
    },
}

/// Why an invitation could not be created.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CreateError {
    /// The tenant is not in the fixture.
    #[error("tenant {0} does not exist; use one of the fixture's tenants ({1})")]
    UnknownTenant(u64, String),
    /// The address is not valid.
    #[error("invalid email {email:?}: {reason}")]
    InvalidEmail {
        /// The address given.
        email: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The status is not one the API knows.
    #[error("status {0:?} is not one of Pending, Declined, Cancelled, Expired")]
    UnsupportedStatus(String),
    /// Every int64 id is used up.
    #[error(
        "no invitation ids are left (the last id was {})",
        super::validate::MAX_ID
    )]
    IdsExhausted,
}

/// An API key as the store checks it.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct ApiKey {
    pub(crate) key: String,
    pub(crate) tenants: BTreeSet<u64>,
    pub(crate) users_manager: bool,
}

/// Sent emails: the most recent ones, and how many there were in total.
#[derive(Clone)]
pub(crate) struct Outbox {
    recent: VecDeque<SentEmail>,
    capacity: usize,
    total: u64,
}

impl Outbox {
    fn new(capacity: usize) -> Outbox {
        Outbox {
            recent: VecDeque::new(),
            capacity,
            total: 0,
        }
    }

    fn push(&mut self, email: SentEmail) {
        if self.capacity == 0 {
            self.total += 1;
            return;
        }
        // One in, at most one out: `recent` never holds more than `capacity`.
        if self.recent.len() >= self.capacity {
            self.recent.pop_front();
        }
        self.recent.push_back(email);
        self.total += 1;
    }

    pub(crate) fn recent(&self) -> impl Iterator<Item = &SentEmail> {
        self.recent.iter()
    }

    pub(crate) fn total(&self) -> u64 {
        self.total
    }
}

/// The most bytes a stored address takes: every one passed `validate_email`, which accepts
/// 254 characters at most, all ASCII.
const MAX_ADDRESS_BYTES: usize = super::validate::MAX_EMAIL_LEN;

/// `email`'s key in `Store::by_email`: addresses match case-insensitively (ASCII).
fn address_key(email: &str) -> Vec<u8> {
    email.to_ascii_lowercase().into_bytes()
}

/// The mutable world of the mock.
pub(crate) struct Store {
    tenants: BTreeMap<u64, String>,
    keys: HashMap<String, Arc<ApiKey>, FastHash>,
    invitations: BTreeMap<u64, InvitationRecord>,
    /// token -> invitation id; only current tokens are here, so a rotated token is unknown.
    tokens: HashMap<String, u64, FastHash>,
    /// Address, ASCII-lowercased (addresses match case-insensitively) -> the ids of its
    /// invitations: the by-email lookup runs on every request of its kind, under the core's
    /// lock, and scanning every invitation made it linear in the fixture's size.
    by_email: HashMap<Vec<u8>, Vec<u64>, FastHash>,
    next_id: Option<u64>,
    outbox: Outbox,
}

impl Store {
    /// Loads a fixture with relative times resolved against `now`.
    ///
    /// The fixture must have passed [`Fixture::validate`]; entries that break its rules are
    /// skipped rather than trusted.
    pub(crate) fn from_fixture(
        fixture: &Fixture,
        now: DateTime<Utc>,
        outbox_capacity: usize,
    ) -> Store {
        let tenants = fixture
            .tenants
            .iter()
            .map(|t| (t.id, t.name.clone()))
            .collect();
        let keys = fixture
            .api_keys
            .iter()
            .map(|k| {
                let key = ApiKey {
                    key: k.key.clone(),
                    tenants: k.tenants.iter().copied().collect(),
                    users_manager: k.permissions.iter().any(|p| p == USERS_MANAGER),
                };
                (k.key.clone(), Arc::new(key))
            })
            .collect();
        let mut store = Store {
            tenants,
            keys,
            invitations: BTreeMap::new(),
            tokens: HashMap::default(),
            by_email: HashMap::default(),
            next_id: Some(1),
            outbox: Outbox::new(outbox_capacity),
        };
        for inv in &fixture.invitations {
            if !(1..=super::validate::MAX_ID).contains(&inv.id)
                || validate_email(&inv.email).is_err()
            {
                continue;
            }
            let created_at = inv.created_at.resolve(now);
            let expires_at = inv.expires_at.map_or_else(
                || add_saturating(created_at, Duration::hours(INVITATION_LIFETIME_HOURS)),
                |t| t.resolve(now),
            );
            store.insert(InvitationRecord {
                id: inv.id,
                tenant_id: inv.tenant_id,
                email: inv.email.clone(),
                status: inv.status.clone(),
                token: new_token(),
                created_at,
                expires_at,
            });
        }
        store
    }

    fn insert(&mut self, record: InvitationRecord) {
        self.next_id = match self.next_id {
            Some(next) if record.id >= next => record
                .id
                .checked_add(1)
                .filter(|id| *id <= super::validate::MAX_ID),
            other => other,
        };
        let (id, token) = (record.id, record.token.clone());
        let address = address_key(&record.email);
        // The replaced record's token and address go first: the new one may share them.
        if let Some(old) = self.invitations.insert(id, record) {
            self.tokens.remove(&old.token);
            self.unindex_email(&old);
        }
        self.tokens.insert(token, id);
        self.by_email.entry(address).or_default().push(id);
    }

    /// Takes `removed`, no longer in `invitations`, out of the by-email index.
    fn unindex_email(&mut self, removed: &InvitationRecord) {
        let address = address_key(&removed.email);
        if let Some(ids) = self.by_email.get_mut(&address) {
            ids.retain(|id| *id != removed.id);
            if ids.is_empty() {
                self.by_email.remove(&address);
            }
        }
    }

    pub(crate) fn key(&self, key: &str) -> Option<Arc<ApiKey>> {
        self.keys.get(key).cloned()
    }

    pub(crate) fn tenant_exists(&self, tenant_id: u64) -> bool {
        self.tenants.contains_key(&tenant_id)
    }

    pub(crate) fn invitation(&self, id: u64) -> Option<&InvitationRecord> {
        self.invitations.get(&id)
    }

    pub(crate) fn invitations(&self) -> impl Iterator<Item = &InvitationRecord> {
        self.invitations.values()
    }

    pub(crate) fn outbox(&self) -> &Outbox {
        &self.outbox
    }

    /// The caller's pending invitation for `email`: case-insensitive, across `tenants`,
    /// the most recently created one when there are several.
    pub(crate) fn pending_by_email(
        &self,
        email: &str,
        tenants: &BTreeSet<u64>,
        now: DateTime<Utc>,
    ) -> Option<&InvitationRecord> {
        // `address_key`, made on the stack: this runs under the core's lock.
        let mut folded = [0u8; MAX_ADDRESS_BYTES];
        // Longer than any address the store holds.
        let folded = folded.get_mut(..email.len())?;
        folded.copy_from_slice(email.as_bytes());
        folded.make_ascii_lowercase();
        self.by_email
            .get(&*folded)?
            .iter()
            .filter_map(|id| self.invitations.get(id))
            .filter(|inv| {
                tenants.contains(&inv.tenant_id)
                    && inv.effective_status(now) == InvitationStatus::Pending
            })
            .max_by_key(|inv| (inv.created_at, inv.id))
    }

    /// [`Store::resend_with`] with a token made here.
    #[cfg(test)]
    pub(crate) fn resend(&mut self, id: u64, now: DateTime<Utc>) -> Option<&InvitationRecord> {
        self.resend_with(id, now, new_token())
    }

    /// Resends `id`: a new token (the old link stops working), status `Pending`, expiry
    /// 48 hours from `now`, one email to the original recipient.
    ///
    /// The caller has already decided the resend is allowed. Returns the updated invitation
    /// (borrowed: the IAM resend does not need a copy).
    /// `token` is the new token, made before the core was locked.
    pub(crate) fn resend_with(
        &mut self,
        id: u64,
        now: DateTime<Utc>,
        token: String,
    ) -> Option<&InvitationRecord> {
        let inv = self.invitations.get_mut(&id)?;
        self.tokens.remove(&inv.token);
        self.tokens.insert(token.clone(), id);
        inv.token = token;
        inv.status = InvitationStatus::Pending;
        inv.expires_at = add_saturating(now, Duration::hours(INVITATION_LIFETIME_HOURS));
        self.outbox.push(SentEmail {
            to: inv.email.clone(),
            invitation_id: id,
            tenant_id: inv.tenant_id,
            token: inv.token.clone(),
            sent_at: now,
        });
        Some(inv)
    }

    /// What clicking the emailed link does: a current token of a pending invitation
    /// removes the invitation.
    pub(crate) fn accept(&mut self, token: &str, now: DateTime<Utc>) -> Result<u64, AcceptError> {
        let id = *self.tokens.get(token).ok_or(AcceptError::UnknownToken)?;
        let inv = self.invitations.get(&id).ok_or(AcceptError::UnknownToken)?;
        let status = inv.effective_status(now);
        if status != InvitationStatus::Pending {
            return Err(AcceptError::NotPending { id, status });
        }
        self.tokens.remove(token);
        if let Some(accepted) = self.invitations.remove(&id) {
            self.unindex_email(&accepted);
        }
        Ok(id)
    }

    pub(crate) fn create(
        &mut self,
        new: NewInvitation,
        now: DateTime<Utc>,
    ) -> Result<InvitationRecord, CreateError> {
        if !self.tenant_exists(new.tenant_id) {
            let known: Vec<String> = self.tenants.keys().map(u64::to_string).collect();
            return Err(CreateError::UnknownTenant(new.tenant_id, known.join(", ")));
        }
        validate_email(&new.email).map_err(|err| CreateError::InvalidEmail {
            email: new.email.clone(),
            reason: err.to_string(),
        })?;
        if let InvitationStatus::Unknown(other) = &new.status {
            return Err(CreateError::UnsupportedStatus(other.clone()));
        }
        let id = self.next_id.ok_or(CreateError::IdsExhausted)?;
        let record = InvitationRecord {
            id,
            tenant_id: new.tenant_id,
            email: new.email,
            status: new.status,
            token: new_token(),
            created_at: now,
            expires_at: new
                .expires_at
                .unwrap_or_else(|| add_saturating(now, Duration::hours(INVITATION_LIFETIME_HOURS))),
        };
        self.insert(record.clone());
        Ok(record)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::fixture::{self, Fixture};
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 3, 15, 12, 0, 0).unwrap()
    }

    fn store() -> Store {
        Store::from_fixture(&Fixture::default(), now(), 10)
    }

    #[test]
    fn debug_output_never_shows_tokens() {
        let store = store();
        let inv = store.invitation(fixture::PENDING_ID).unwrap();
        assert!(!format!("{inv:?}").contains(&inv.token));
        let mut store = store;
        let sent = store.resend(fixture::PENDING_ID, now()).unwrap().clone();
        let email = store.outbox().recent().last().unwrap().clone();
        assert_eq!(email.token, sent.token);
        assert!(!format!("{email:?}").contains(&email.token));
    }

    #[test]
    fn resend_rotates_token_and_resets_expiry() {
        let mut store = store();
        let before = store.invitation(fixture::CANCELLED_ID).unwrap().clone();
        let later = now() + Duration::hours(10);
        let after = store.resend(fixture::CANCELLED_ID, later).unwrap().clone();
        assert_ne!(after.token, before.token);
        assert_eq!(after.status, InvitationStatus::Pending);
        assert_eq!(after.expires_at, later + Duration::hours(48));
        assert_eq!(
            store.accept(&before.token, later),
            Err(AcceptError::UnknownToken)
        );
        assert_eq!(store.accept(&after.token, later), Ok(fixture::CANCELLED_ID));
        assert!(store.invitation(fixture::CANCELLED_ID).is_none());
    }

    #[test]
    fn outbox_keeps_the_most_recent_and_counts_all() {
        let mut store = store();
        for _ in 0..25 {
            store.resend(fixture::PENDING_ID, now());
        }
        assert_eq!(store.outbox().total(), 25);
        assert_eq!(store.outbox().recent().count(), 10);
        let last = store.outbox().recent().last().unwrap();
        assert_eq!(
            last.token,
            store.invitation(fixture::PENDING_ID).unwrap().token
        );
    }

    #[test]
    fn by_email_follows_accepts_and_replaced_records() {
        let mut store = store();
        let acme: BTreeSet<u64> = [fixture::ACME_TENANT].into();
        let find =
            |store: &Store, email: &str| store.pending_by_email(email, &acme, now()).map(|i| i.id);
        let newer = store
            .create(
                NewInvitation::pending(fixture::ACME_TENANT, "Ada@Example.com"),
                now(),
            )
            .unwrap();
        assert_eq!(find(&store, "ada@example.com"), Some(newer.id));
        // Accepted, it is gone from the index: the older pending one is found again.
        assert_eq!(store.accept(&newer.token, now()), Ok(newer.id));
        assert_eq!(find(&store, "ADA@example.com"), Some(fixture::PENDING_ID));
        // A record replaced under the same id is found by its new address only.
        let mut moved = store.invitation(fixture::PENDING_ID).unwrap().clone();
        moved.email = "Moved@example.com".into();
        store.insert(moved);
        assert_eq!(find(&store, "ada@example.com"), None);
        assert_eq!(find(&store, "moved@EXAMPLE.com"), Some(fixture::PENDING_ID));
        // Replaced by a record with the same address, it is listed once, not twice.
        let same = store.invitation(fixture::PENDING_ID).unwrap().clone();
        store.insert(same);
        assert_eq!(
            store.by_email[&b"moved@example.com"[..]],
            [fixture::PENDING_ID]
        );
        let token = store.invitation(fixture::PENDING_ID).unwrap().token.clone();
        assert_eq!(store.accept(&token, now()), Ok(fixture::PENDING_ID));
        assert_eq!(find(&store, "moved@example.com"), None);
        assert!(!store.by_email.contains_key(&b"moved@example.com"[..]));
    }

    #[test]
    fn by_email_finds_the_longest_address_the_store_accepts() {
        let mut store = store();
        let acme: BTreeSet<u64> = [fixture::ACME_TENANT].into();
        let longest = format!(
            "{}@{}.{}.{}.com",
            "a".repeat(64),
            "b".repeat(63),
            "c".repeat(63),
            "d".repeat(57)
        );
        assert_eq!(longest.len(), MAX_ADDRESS_BYTES);
        let created = store
            .create(
                NewInvitation::pending(fixture::ACME_TENANT, longest.clone()),
                now(),
            )
            .unwrap();
        let found = store.pending_by_email(&longest.to_ascii_uppercase(), &acme, now());
        assert_eq!(found.map(|i| i.id), Some(created.id));
        let longer = format!("a{longest}");
        assert!(store.pending_by_email(&longer, &acme, now()).is_none());
    }

    #[test]
    fn by_email_prefers_the_newest_pending() {
        let mut store = store();
        let newer = store
            .create(
                NewInvitation::pending(fixture::ACME_TENANT, "ADA@example.com"),
                now(),
            )
            .unwrap();
        let tenants: BTreeSet<u64> = [fixture::ACME_TENANT].into();
        let found = store
            .pending_by_email("ada@EXAMPLE.com", &tenants, now())
            .unwrap();
        assert_eq!(found.id, newer.id);
        let other: BTreeSet<u64> = [fixture::GLOBEX_TENANT].into();
        assert!(store
            .pending_by_email("ada@example.com", &other, now())
            .is_none());
    }

    #[test]
    fn create_checks_tenant_email_and_status() {
        let mut store = store();
        assert!(matches!(
            store.create(NewInvitation::pending(77, "a@example.com"), now()),
            Err(CreateError::UnknownTenant(77, _))
        ));
        assert!(matches!(
            store.create(NewInvitation::pending(fixture::ACME_TENANT, "nope"), now()),
            Err(CreateError::InvalidEmail { .. })
        ));
        let mut odd = NewInvitation::pending(fixture::ACME_TENANT, "a@example.com");
        odd.status = InvitationStatus::Unknown("Accepted".into());
        assert!(matches!(
            store.create(odd, now()),
            Err(CreateError::UnsupportedStatus(_))
        ));
        let made = store
            .create(
                NewInvitation::pending(fixture::ACME_TENANT, "a@example.com"),
                now(),
            )
            .unwrap();
        assert!(made.id > fixture::GLOBEX_PENDING_ID);
    }

    #[test]
    fn accepting_a_non_pending_invitation_is_refused() {
        let mut store = store();
        let token = store.invitation(fixture::EXPIRED_ID).unwrap().token.clone();
        assert_eq!(
            store.accept(&token, now()),
            Err(AcceptError::NotPending {
                id: fixture::EXPIRED_ID,
                status: InvitationStatus::Expired
            })
        );
        assert!(store.invitation(fixture::EXPIRED_ID).is_some());
    }
}
