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
//! 401 (missing, malformed or unknown bearer key) → 403 (no `usersManager`) → 413 (IAM
//! body over 64 KiB) → 400 (validation) → 422 / 409 (IAM: `Idempotency-Key` reused for a
//! different request / first request still in flight) → 403 (tenant not managed, tenant
//! surface) → 404 → 400 `InvitationNotPending` (tenant resend). Routing comes first (404 unknown path, 405
//! wrong method), and an injected fault answers as soon as its operation is matched.

pub(crate) mod admin;
pub(crate) mod auth;
pub mod clock;
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
use invitations_sdk::types::{ApiError, FailureResult, IamError};

pub use clock::{Clock, ClockRangeError};
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

/// What a request needs that does not depend on the core's state, worked out before the
/// core is locked ([`Core::answer_routed`]): where it goes, the path the journal keeps (a
/// shared buffer, whose first clone allocates) and, for an API request, its
/// [`Prechecked`] parts.
pub(crate) struct Routed<'r> {
    route: Route,
    journal_path: bytes::Bytes,
    /// For an API route.
    prechecked: Option<Prechecked<'r>>,
}

/// The parts of an API request's checks that need none of the core's state. They are
/// worked out before the core is locked, so that the lock covers the lookups and the state
/// change only; the operations read them under the lock in the documented order (a bad key
/// still outranks a malformed query, whatever was computed first).
pub(crate) struct Prechecked<'r> {
    /// The key the `Authorization` header carries, or why the header is unusable.
    bearer: Result<&'r str, auth::AuthFailure>,
    /// The decoded query string.
    query: Result<http::Query<'r>, http::QueryError>,
    /// The by-email lookup's `email` parameter checked, when the query decoded.
    email: Option<Result<(), validate::EmailError>>,
    /// A resend's new token for the invitation (32 random bytes and their base64).
    token: Option<String>,
    /// The IAM resend's checks of its path id, query, `Idempotency-Key` and body.
    resend: Option<Result<iam::ResendChecks<'r>, String>>,
}

impl<'r> Prechecked<'r> {
    /// `param` is the route's decoded path parameter.
    fn new(operation: Operation, param: &[u8], request: &'r Request) -> Prechecked<'r> {
        let query = http::Query::parse(request.query.as_deref());
        let email = match (&query, operation) {
            (Ok(query), Operation::GetUserInvitationByEmail) => Some(validate::validate_email(
                query.get("email").unwrap_or_default(),
            )),
            _ => None,
        };
        let token = match operation {
            Operation::ResendInvitation | Operation::ResendInvite => Some(token::new_token()),
            Operation::GetUserInvitationByEmail => None,
        };
        let resend = (operation == Operation::ResendInvite)
            .then(|| iam::check_resend(request, param, &query));
        Prechecked {
            bearer: auth::bearer(request),
            query,
            email,
            token,
            resend,
        }
    }

    /// A resend's token ([`Prechecked::new`] makes one for each resend; the fallback only
    /// keeps this total).
    fn take_token(&mut self) -> String {
        self.token.take().unwrap_or_else(token::new_token)
    }
}

impl<'r> Routed<'r> {
    pub(crate) fn new(request: &'r Request) -> Routed<'r> {
        let route = router::route(&request.method, &request.path);
        let prechecked = match &route {
            Route::Api { operation, param } => Some(Prechecked::new(*operation, param, request)),
            _ => None,
        };
        Routed {
            route,
            journal_path: journal::Recorded::path(&request.path, request.query.as_ref()),
            prechecked,
        }
    }
}

/// The mock's whole state and the logic that answers requests.
pub struct Core {
    fixture: Fixture,
    config: CoreConfig,
    clock: Clock,
    store: Store,
    /// A replay is rendered again from the request, so a record holds nothing more.
    idempotency: IdempotencyStore<()>,
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
        self.answer_routed(Routed::new(request), request)
    }

    /// [`Core::answer`] for a request routed beforehand: routing is pure (it decodes the
    /// path and allocates), so [`MockHandle`](crate::MockHandle) does it before taking the
    /// core's lock.
    pub(crate) fn answer_routed<'r>(&mut self, routed: Routed<'r>, request: &'r Request) -> Answer {
        let started = Instant::now();
        let at = self.clock.now();
        let (response, operation) = match routed.route {
            Route::Api { operation, param } => {
                let prechecked = routed
                    .prechecked
                    .unwrap_or_else(|| Prechecked::new(operation, &param, request));
                (
                    self.api(operation, param, request, prechecked, at),
                    Some(operation),
                )
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

    /// `prechecked`: the request's stateless checks, made before the lock; `now`: the mock
    /// clock when the request came in (the journal's time too).
    fn api(
        &mut self,
        operation: Operation,
        param: Vec<u8>,
        request: &Request,
        prechecked: Prechecked<'_>,
        now: DateTime<Utc>,
    ) -> Answer {
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
                match self.config.variant {
                    Variant::Reference => {
                        self.operation(operation, param, request, delay, prechecked, now)
                    }
                    Variant::Alternative => {
                        variant::answer(self, operation, param, request, delay, prechecked, now)
                    }
                }
            }
        };
        answer.delay = fault.and_then(|f| f.delay);
        answer
    }

    /// `delay`: a fault's injected delay, during which an IAM resend counts as in flight.
    fn operation(
        &mut self,
        operation: Operation,
        param: Vec<u8>,
        request: &Request,
        delay: Option<std::time::Duration>,
        mut prechecked: Prechecked<'_>,
        now: DateTime<Utc>,
    ) -> Answer {
        match operation {
            Operation::ResendInvitation => {
                let token = prechecked.take_token();
                self.resend_invitation(&param, prechecked, token, now)
            }
            Operation::GetUserInvitationByEmail => self.get_by_email(prechecked, now),
            Operation::ResendInvite => {
                let token = prechecked.take_token();
                self.resend_invite(param, request, delay, prechecked, token, now)
            }
        }
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

/// A tenant-surface error: the `FailureResult` envelope.
pub(crate) fn tenant_error(
    status: u16,
    code: &str,
    message: impl Into<String>,
    info: Vec<String>,
) -> Response {
    Response::json(
        status,
        &FailureResult {
            error: ApiError {
                code: code.to_owned(),
                info,
                message: message.into(),
            },
            is_failure: true,
            is_success: false,
            value: None,
        },
    )
}

/// An IAM (or admin, or unknown-path) error: `{"error": "..."}`.
pub(crate) fn plain_error(status: u16, message: impl Into<String>) -> Response {
    Response::json(
        status,
        &IamError {
            error: message.into(),
        },
    )
}

/// The tenant error code that fits a status.
pub(crate) fn code_for_status(status: u16) -> &'static str {
    match status {
        400 => "ValidationError",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "NotFound",
        405 => "MethodNotAllowed",
        500..=599 => "InternalError",
        _ => "InjectedFault",
    }
}

/// An error in the shape of `surface`.
pub(crate) fn surface_error(surface: Surface, status: u16, message: impl Into<String>) -> Response {
    match surface {
        Surface::Tenant => tenant_error(status, code_for_status(status), message, Vec::new()),
        Surface::Iam | Surface::Other => plain_error(status, message),
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

fn method_not_allowed(surface: Surface, allow: &'static str, method: &str) -> Response {
    surface_error(
        surface,
        405,
        format!(
            "Method {} is not allowed here; use {allow}.",
            http::truncate(method, 16)
        ),
    )
    .with_header("allow", allow)
}
