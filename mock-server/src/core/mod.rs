//! The transport-free core: `(store, clock, request) -> response`.
//!
//! [`Core::handle`] does routing, parsing, authentication, validation, the state changes
//! and JSON, for both API surfaces and the admin API. It never blocks, sleeps or touches
//! the network: an injected delay comes back in [`Response::delay`] for the transport to
//! apply. Both transports (`InvitationsMock` on wiremock and `server` on hyper, outside
//! this module) are thin translations around it.
//!
//! The core owns its input too: [`fixture`] (the starting state, its format and the
//! default). Nothing here names an item outside `core` (ARCHITECTURE.md gives the grep
//! that checks it), so the transports depend on the core and never the other way round.
//!
//! ```
//! use invitations_mock::core::{Core, Request};
//! use invitations_mock::{fixture, Fixture};
//!
//! let mut core = Core::new(Fixture::default());
//! let response = core.handle(
//!     &Request::new("POST", "/iam/v1/users/9003/actions/resend").bearer(fixture::ACME_MANAGER_KEY),
//! );
//! assert_eq!(response.status, 200);
//! assert_eq!(core.outbox().len(), 1);
//! assert_eq!(core.outbox()[0].to, "carol@example.com");
//! ```
//!
//! # Check order
//!
//! The one statement of the order in which a request's checks answer (the mock's README and
//! ARCHITECTURE.md point here). Each operation's checks read top to bottom in this order in
//! one function: `answer` of `ResendInvitation` and `GetUserInvitationByEmail` in
//! `core/tenant.rs`, of `ResendInvite` in `core/iam.rs`.
//!
//! A request is routed first: an unknown path is 404, a known path with another method 405
//! (with `Allow`). An injected fault answers as soon as its operation is matched. Then:
//!
//! 1. **401**: `Authorization` missing, repeated, not `Bearer <key>`, not UTF-8, or an
//!    unknown key (with `WWW-Authenticate: Bearer`);
//! 2. **403**: the key lacks `usersManager`;
//! 3. **413**: IAM body over the limit (65,536 bytes by default);
//! 4. **400**: validation (ids, email, `dryRun`, `Idempotency-Key`, body, repeated or
//!    non-UTF-8 query parameters); then, IAM only, **422** for an `Idempotency-Key` already
//!    used for a different request and **409** for one whose first request is still in
//!    flight;
//! 5. **403**: tenant surface, `tenantId` not managed by the key (including tenants that do
//!    not exist);
//! 6. **404**: no such invitation visible to the key;
//! 7. **400 `InvitationNotPending`**: tenant resend of an invitation that does not read
//!    `Pending`.
//!
//! What a check needs from the request alone (the bearer key as sent, the decoded query and
//! ids, the email checked, the IAM body and headers checked, a resend's new token) is worked
//! out before the core is locked, one value per operation carried by the route
//! (`Routed`); a check that needs the state (the key's lookup, the invitation) runs under
//! the lock. Either way a check answers in the order above: a bad key outranks a malformed
//! query, whatever was computed first.

pub(crate) mod admin;
pub(crate) mod auth;
pub(crate) mod call;
pub mod clock;
pub mod documented;
pub(crate) mod errors;
pub mod faults;
pub mod fixture;
pub mod http;
pub(crate) mod iam;
pub(crate) mod idempotency;
pub mod journal;
pub mod router;
pub mod store;
pub(crate) mod tenant;
pub(crate) mod token;
pub mod validate;
pub mod variant;

use std::fmt;
use std::time::Instant;

use chrono::{DateTime, Duration, Utc};

pub use clock::{Clock, ClockRangeError};
pub(crate) use errors::plain_error;
pub use faults::{Fault, FaultError};
pub use fixture::{Fixture, FixtureError};
pub(crate) use http::Answer;
pub use http::{Request, Response};
pub use journal::JournalEntry;
pub use router::{Operation, Surface};
pub use store::{
    AcceptError, CreateError, InvitationRecord, NewInvitation, SentEmail,
    INVITATION_LIFETIME_HOURS, USERS_MANAGER,
};
pub use variant::Variant;

use call::{Call, State};
use errors::{method_not_allowed, surface_error};
use idempotency::IdempotencyStore;
use journal::Journal;
use router::Route;
use store::Store;

/// Limits and switches of a [`Core`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CoreConfig {
    /// Serve `/__admin` to peers that are not on loopback (default: no, they get 403).
    pub admin_from_anywhere: bool,
    /// How many sent emails the outbox keeps (the most recent); a counter keeps the total.
    pub outbox_capacity: usize,
    /// How many requests the journal keeps (the most recent).
    pub journal_capacity: usize,
    /// How many `Idempotency-Key` records are kept (oldest evicted first).
    pub idempotency_capacity: usize,
    /// How long an `Idempotency-Key` record lives, on the mock clock.
    pub idempotency_ttl: Duration,
    /// The largest IAM or admin request body accepted; larger is 413.
    pub max_body_bytes: usize,
    /// Which of the choices the documents allow the mock makes (see [`variant`]).
    pub variant: Variant,
}

impl CoreConfig {
    /// The defaults of `variant`: [`Variant::Alternative`] also has its larger body limit.
    pub fn for_variant(variant: Variant) -> CoreConfig {
        let max_body_bytes = match variant {
            Variant::Reference => MAX_BODY_BYTES,
            Variant::Alternative => variant::ALTERNATIVE_MAX_BODY_BYTES,
        };
        CoreConfig {
            variant,
            max_body_bytes,
            ..CoreConfig::default()
        }
    }
}

impl Default for CoreConfig {
    fn default() -> Self {
        CoreConfig {
            admin_from_anywhere: false,
            outbox_capacity: 10_000,
            journal_capacity: 1_000,
            idempotency_capacity: 10_000,
            idempotency_ttl: Duration::hours(24),
            max_body_bytes: MAX_BODY_BYTES,
            variant: Variant::Reference,
        }
    }
}

/// The documented body limit: 64 KiB.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// A request routed before the core is locked: where it goes, with, for an API request, what
/// its operation reads from it ([`Call`]), and the path the journal keeps (a shared buffer,
/// whose first clone allocates).
pub(crate) struct Routed<'r> {
    request: &'r Request,
    route: Route<Call<'r>>,
    journal_path: bytes::Bytes,
}

impl<'r> Routed<'r> {
    pub(crate) fn new(request: &'r Request) -> Routed<'r> {
        Routed {
            route: router::route(&request.method, &request.path)
                .map_api(|api| Call::read(api, request)),
            journal_path: journal::Recorded::path(&request.path, request.query.as_ref()),
            request,
        }
    }
}

/// The mock's whole state and the logic that answers requests.
pub struct Core {
    fixture: Fixture,
    config: CoreConfig,
    clock: Clock,
    store: Store,
    idempotency: IdempotencyStore,
    faults: faults::Faults,
    journal: Journal,
}

impl Core {
    /// A core serving `fixture` on the system clock, with default limits.
    ///
    /// The fixture should pass [`Fixture::validate`]; invitations that break its rules are
    /// skipped.
    pub fn new(fixture: Fixture) -> Core {
        Core::with_config(fixture, CoreConfig::default(), Clock::system())
    }

    /// A core with explicit limits and clock.
    pub fn with_config(fixture: Fixture, config: CoreConfig, clock: Clock) -> Core {
        let store = Store::from_fixture(&fixture, clock.now(), config.outbox_capacity);
        Core {
            idempotency: IdempotencyStore::new(config.idempotency_capacity, config.idempotency_ttl),
            journal: Journal::new(config.journal_capacity),
            faults: faults::Faults::default(),
            fixture,
            config,
            clock,
            store,
        }
    }

    /// Answers one request. Never panics on any input, and never answers 500 unless a fault
    /// asks for it.
    pub fn handle(&mut self, request: &Request) -> Response {
        self.answer(request).into_response()
    }

    /// [`Core::handle`] without serialising a success body: the state change and the
    /// journal entry happen here, the JSON is written by [`Answer::into_response`], which
    /// [`MockHandle`](crate::MockHandle) calls after releasing the core's lock.
    pub(crate) fn answer(&mut self, request: &Request) -> Answer {
        self.answer_routed(Routed::new(request))
    }

    /// [`Core::answer`] for a request routed beforehand: routing and the checks that need no
    /// state are pure (they decode and allocate), so [`MockHandle`](crate::MockHandle) does
    /// them before taking the core's lock.
    pub(crate) fn answer_routed(&mut self, routed: Routed<'_>) -> Answer {
        let started = Instant::now();
        let at = self.clock.now();
        let request = routed.request;
        let (response, operation) = match routed.route {
            Route::Api(call) => {
                let operation = call.operation();
                (self.api(call, request, at), Some(operation))
            }
            Route::Admin(segments) => (self.admin(&segments, request).into(), None),
            Route::NotFound(surface) => (not_found(surface).into(), None),
            Route::MethodNotAllowed { surface, allow } => (
                method_not_allowed(surface, allow, &request.method).into(),
                None,
            ),
        };
        let elapsed = started.elapsed() + response.delay.unwrap_or_default();
        self.journal.push(journal::Recorded {
            method: request.method.clone(),
            path: routed.journal_path,
            status: response.status,
            operation,
            duration_micros: u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX),
            at,
        });
        response
    }

    /// An API request: a fault first, then the operation (rewritten by the conforming
    /// variant). `now`: the mock clock when the request came in (the journal's time too).
    fn api(&mut self, call: Call<'_>, request: &Request, now: DateTime<Utc>) -> Answer {
        let operation = call.operation();
        let fault = self.faults.take(operation);
        let mut answer: Answer = match &fault {
            Some(fault) if fault.status != 200 => surface_error(
                router::surface(operation),
                fault.status,
                format!(
                    "Injected fault: status {} (set through /__admin/faults or MockHandle::inject_fault).",
                    fault.status
                ),
            )
            .into(),
            _ => {
                let delay = fault.as_ref().and_then(|f| f.delay);
                let state = State {
                    store: &mut self.store,
                    idempotency: &mut self.idempotency,
                    max_body_bytes: self.config.max_body_bytes,
                };
                match self.config.variant {
                    Variant::Reference => call.answer(state, delay, now),
                    Variant::Alternative => variant::answer(state, call, request, delay, now),
                }
            }
        };
        answer.delay = fault.and_then(|f| f.delay);
        answer
    }

    /// The mock's current time.
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Sets the mock's current time.
    pub fn set_now(&mut self, at: DateTime<Utc>) -> Result<(), ClockRangeError> {
        self.clock.set_now(at)
    }

    /// Moves the mock's clock by `by`.
    pub fn advance(&mut self, by: Duration) -> Result<(), ClockRangeError> {
        self.clock.advance(by)
    }

    /// One invitation, token included.
    pub fn invitation(&self, id: u64) -> Option<InvitationRecord> {
        self.store.invitation(id).cloned()
    }

    /// Every invitation, by id.
    pub fn invitations(&self) -> Vec<InvitationRecord> {
        self.store.invitations().cloned().collect()
    }

    /// Creates an invitation with the next free id (no email is sent).
    pub fn create_invitation(
        &mut self,
        new: NewInvitation,
    ) -> Result<InvitationRecord, CreateError> {
        let now = self.clock.now();
        self.store.create(new, now)
    }

    /// What clicking an emailed link does: removes the invitation if `token` is its current
    /// token and it is pending.
    pub fn accept(&mut self, token: &str) -> Result<u64, AcceptError> {
        let now = self.clock.now();
        self.store.accept(token, now)
    }

    /// The most recent sent emails (up to [`CoreConfig::outbox_capacity`]), oldest first.
    pub fn outbox(&self) -> Vec<SentEmail> {
        self.store.outbox().recent().cloned().collect()
    }

    /// How many emails were sent since the last reset, including those no longer kept.
    pub fn outbox_total(&self) -> u64 {
        self.store.outbox().total()
    }

    /// Adds a fault (first match wins when several apply).
    pub fn inject_fault(&mut self, fault: Fault) -> Result<(), FaultError> {
        fault.validate()?;
        self.faults.add(fault);
        Ok(())
    }

    /// Removes every fault.
    pub fn clear_faults(&mut self) {
        self.faults.clear();
    }

    /// The active faults, with their remaining counts.
    pub fn faults(&self) -> Vec<Fault> {
        self.faults.list()
    }

    /// Back to the fixture: invitations, tokens, outbox, idempotency records, faults,
    /// journal and clock offset all start over.
    pub fn reset(&mut self) {
        self.clock.reset();
        self.store =
            Store::from_fixture(&self.fixture, self.clock.now(), self.config.outbox_capacity);
        self.idempotency = IdempotencyStore::new(
            self.config.idempotency_capacity,
            self.config.idempotency_ttl,
        );
        self.faults.clear();
        self.journal.clear();
    }

    /// The most recent requests (up to [`CoreConfig::journal_capacity`]), oldest first.
    pub fn journal(&self) -> Vec<JournalEntry> {
        self.journal.entries()
    }

    /// How many `Idempotency-Key` records are live.
    pub fn idempotency_records(&self) -> usize {
        self.idempotency.len()
    }

    /// The fixture this core started from (and resets to).
    pub fn fixture(&self) -> &Fixture {
        &self.fixture
    }

    /// The limits and switches in force.
    pub fn config(&self) -> &CoreConfig {
        &self.config
    }
}

/// Counts only: the store holds tokens.
impl fmt::Debug for Core {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Core")
            .field("config", &self.config)
            .field("clock", &self.clock)
            .field("invitations", &self.store.invitations().count())
            .field("outbox_total", &self.store.outbox().total())
            .field("idempotency_records", &self.idempotency.len())
            .field("faults", &self.faults.list().len())
            .finish_non_exhaustive()
    }
}

fn not_found(surface: Surface) -> Response {
    surface_error(
        surface,
        404,
        "No such endpoint. The API serves PUT /tenant/{tenantId}/admin/user/invitation/resend?id=, \
         GET /tenant/admin/user/invitations_by_email?email= and \
         POST /iam/v1/users/{id}/actions/resend; the mock's admin API is under /__admin/.",
    )
}
