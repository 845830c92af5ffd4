//! [`MockHandle`]: shared, in-process access to a running mock's core.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, TryLockError};

use chrono::{DateTime, Duration, Utc};

use crate::core::{
    plain_error, AcceptError, Core, CreateError, Fault, FaultError, Fixture, InvitationRecord,
    JournalEntry, NewInvitation, Request, Response, Routed, SentEmail,
};

/// A cheap, cloneable handle on a mock's [`Core`], shared by its transport and by tests.
///
/// Tests set up and inspect state through it without HTTP: move the clock, read the
/// outbox, accept a link, inject a fault.
///
/// ```
/// use invitations_mock::{fixture, Fault, MockHandle};
/// use invitations_mock::core::Request;
///
/// let handle = MockHandle::default();
/// handle.inject_fault(Fault::status(500).operation("resendInvite").times(1));
/// let request = Request::new("POST", "/iam/v1/users/9001/actions/resend")
///     .bearer(fixture::ACME_MANAGER_KEY);
/// assert_eq!(handle.handle(&request).status, 500);
/// assert_eq!(handle.handle(&request).status, 200);
/// assert_eq!(handle.outbox().len(), 1);
/// ```
#[derive(Clone)]
pub struct MockHandle {
    core: Arc<Mutex<Core>>,
}

impl MockHandle {
    /// A handle on a fresh core serving `fixture` on the system clock.
    ///
    /// # Panics
    /// When the fixture breaks a rule of [`Fixture::validate`]; the message lists every
    /// problem.
    pub fn new(fixture: Fixture) -> MockHandle {
        if let Err(err) = fixture.validate() {
            panic!("invitations-mock: {err}");
        }
        MockHandle::from_core(Core::new(fixture))
    }

    /// A handle on a core built by the caller (custom limits or clock).
    pub fn from_core(core: Core) -> MockHandle {
        MockHandle {
            core: Arc::new(Mutex::new(core)),
        }
    }

    /// The core, even if a previous holder panicked: a poisoned lock must not take the
    /// server down, and every core method leaves the state consistent between calls.
    fn lock(&self) -> MutexGuard<'_, Core> {
        self.core.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `f` with exclusive access to the core.
    pub fn with_core<R>(&self, f: impl FnOnce(&mut Core) -> R) -> R {
        f(&mut self.lock())
    }

    /// Answers one request, as the transports do.
    ///
    /// A panic inside the core (a bug) becomes a 500 with a message instead of a dropped
    /// connection.
    pub fn handle(&self, request: &Request) -> Response {
        catch_unwind(AssertUnwindSafe(|| {
            // The lock covers the state change only: the route is worked out before it, and
            // the guard is dropped at the end of the statement, before the answer's JSON is
            // written.
            let routed = Routed::new(request);
            let answer = self.lock().answer_routed(routed);
            answer.into_response()
        }))
        .unwrap_or_else(|_| {
            tracing::error!(
                method = %request.method,
                path = %request.display_path(),
                "the mock core panicked; answering 500"
            );
            plain_error(
                500,
                "The mock failed while answering this request; this is a bug in invitations-mock.",
            )
        })
    }

    /// The mock's current time.
    pub fn now(&self) -> DateTime<Utc> {
        self.lock().now()
    }

    /// Sets the mock's current time; it keeps ticking from there on a system clock.
    ///
    /// # Panics
    /// Outside the supported years 1970 to 9000.
    pub fn set_now(&self, at: DateTime<Utc>) {
        if let Err(err) = self.lock().set_now(at) {
            panic!("invitations-mock: {err}");
        }
    }

    /// Moves the mock's clock (negative goes back).
    ///
    /// # Panics
    /// When the result leaves the supported years 1970 to 9000.
    pub fn advance(&self, by: Duration) {
        if let Err(err) = self.lock().advance(by) {
            panic!("invitations-mock: {err}");
        }
    }

    /// The most recent sent emails (up to 10,000 by default), oldest first.
    pub fn outbox(&self) -> Vec<SentEmail> {
        self.lock().outbox()
    }

    /// How many emails were sent since the start or the last reset.
    pub fn outbox_total(&self) -> u64 {
        self.lock().outbox_total()
    }

    /// One invitation with its token, or `None` (never created, or accepted).
    pub fn invitation(&self, id: u64) -> Option<InvitationRecord> {
        self.lock().invitation(id)
    }

    /// Every invitation, by id.
    pub fn invitations(&self) -> Vec<InvitationRecord> {
        self.lock().invitations()
    }

    /// Creates an invitation with the next free id. No email is sent.
    ///
    /// # Panics
    /// When the tenant does not exist, the email is invalid or the status is unknown; see
    /// [`try_create_invitation`](Self::try_create_invitation) to handle that instead.
    pub fn create_invitation(&self, new: NewInvitation) -> InvitationRecord {
        match self.try_create_invitation(new) {
            Ok(record) => record,
            Err(err) => panic!("invitations-mock: cannot create the invitation: {err}"),
        }
    }

    /// Creates an invitation, or says why it cannot.
    pub fn try_create_invitation(
        &self,
        new: NewInvitation,
    ) -> Result<InvitationRecord, CreateError> {
        self.lock().create_invitation(new)
    }

    /// Clicks the emailed link: removes the invitation whose current token this is, if it
    /// is pending, and returns its id.
    pub fn accept(&self, token: &str) -> Result<u64, AcceptError> {
        self.lock().accept(token)
    }

    /// Adds a fault.
    ///
    /// # Panics
    /// When the fault is invalid (see [`Fault::validate`]); use
    /// [`try_inject_fault`](Self::try_inject_fault) to handle that instead.
    pub fn inject_fault(&self, fault: Fault) {
        if let Err(err) = self.try_inject_fault(fault) {
            panic!("invitations-mock: {err}");
        }
    }

    /// Adds a fault, or says why it is invalid.
    pub fn try_inject_fault(&self, fault: Fault) -> Result<(), FaultError> {
        self.lock().inject_fault(fault)
    }

    /// Removes every fault.
    pub fn clear_faults(&self) {
        self.lock().clear_faults();
    }

    /// The active faults.
    pub fn faults(&self) -> Vec<Fault> {
        self.lock().faults()
    }

    /// Back to the fixture (state, outbox, idempotency records, faults, journal, clock).
    pub fn reset(&self) {
        self.lock().reset();
    }

    /// The most recent requests (up to 1,000 by default), oldest first.
    pub fn journal(&self) -> Vec<JournalEntry> {
        self.lock().journal()
    }
}

impl Default for MockHandle {
    /// A handle serving [`Fixture::default()`].
    fn default() -> Self {
        MockHandle::new(Fixture::default())
    }
}

impl std::fmt::Debug for MockHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // try_lock: printing a handle from inside `with_core` must not deadlock.
        match self.core.try_lock() {
            Ok(core) => f.debug_tuple("MockHandle").field(&*core).finish(),
            Err(TryLockError::Poisoned(poisoned)) => f
                .debug_tuple("MockHandle")
                .field(&*poisoned.into_inner())
                .finish(),
            Err(TryLockError::WouldBlock) => f.write_str("MockHandle(<core busy>)"),
        }
    }
}
