//! Fault injection: make an operation answer a chosen status, late, a number of times.

use std::time::Duration;

use super::router::Operation;

/// A fault to inject.
///
/// `status` 200 means "answer normally, but after `delay`": a slow server without an error.
/// Any other status (400 to 599) replaces the answer with an error body in the operation's
/// own shape (the envelope on the tenant surface, `{"error"}` on IAM).
///
/// ```
/// use invitations_mock::Fault;
/// let once = Fault::status(500).operation("resendInvite").times(1);
/// assert_eq!(once.times, Some(1));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fault {
    /// The operationId it applies to (`ResendInvitation`, `GetUserInvitationByEmail`,
    /// `resendInvite`); `None` for every operation. The admin API is never faulted.
    pub operation: Option<String>,
    /// The status to answer: 200 (delay only) or 400 to 599.
    pub status: u16,
    /// How long to wait before answering.
    pub delay: Option<Duration>,
    /// How many requests it affects; `None` until cleared.
    pub times: Option<u32>,
}

impl Fault {
    /// A fault answering `status` for every operation until cleared.
    pub fn status(status: u16) -> Fault {
        Fault {
            operation: None,
            status,
            delay: None,
            times: None,
        }
    }

    /// A fault that only delays (status 200): the normal answer, `delay` late.
    pub fn delay(delay: Duration) -> Fault {
        Fault {
            delay: Some(delay),
            ..Fault::status(200)
        }
    }

    /// Restricts the fault to one operationId.
    pub fn operation(mut self, operation_id: impl Into<String>) -> Fault {
        self.operation = Some(operation_id.into());
        self
    }

    /// Limits the fault to the next `times` matching requests.
    pub fn times(mut self, times: u32) -> Fault {
        self.times = Some(times);
        self
    }

    /// Adds a delay before the (faulty) answer.
    pub fn with_delay(mut self, delay: Duration) -> Fault {
        self.delay = Some(delay);
        self
    }

    /// Checks the fault can be served.
    pub fn validate(&self) -> Result<(), FaultError> {
        if let Some(op) = &self.operation
            && Operation::from_id(op).is_none()
        {
            return Err(FaultError::UnknownOperation(op.clone()));
        }
        if self.status != 200 && !(400..=599).contains(&self.status) {
            return Err(FaultError::Status(self.status));
        }
        if self.times == Some(0) {
            return Err(FaultError::ZeroTimes);
        }
        if self.delay.is_some_and(|d| d > MAX_DELAY) {
            return Err(FaultError::DelayTooLong);
        }
        Ok(())
    }

    fn applies_to(&self, operation: Operation) -> bool {
        self.operation
            .as_deref()
            .is_none_or(|op| op == operation.id())
    }
}

/// The longest delay a fault may ask for; longer would only hang test suites.
pub const MAX_DELAY: Duration = Duration::from_secs(300);

/// Why a fault was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FaultError {
    /// Not an operationId of the spec.
    #[error(
        "unknown operation {0:?}; use ResendInvitation, GetUserInvitationByEmail or \
         resendInvite, or leave it out for all"
    )]
    UnknownOperation(String),
    /// Not a status the mock can fault with.
    #[error("status {0} cannot be injected; use 200 (delay only) or 400 to 599")]
    Status(u16),
    /// `times` was 0.
    #[error("times must be at least 1 (leave it out for \"until cleared\")")]
    ZeroTimes,
    /// The delay is too long.
    #[error("the delay may be at most 300 seconds (300000 ms)")]
    DelayTooLong,
}

/// The active faults, first match wins.
#[derive(Default)]
pub(crate) struct Faults {
    active: Vec<Fault>,
}

impl Faults {
    pub(crate) fn add(&mut self, fault: Fault) {
        self.active.push(fault);
    }

    pub(crate) fn clear(&mut self) {
        self.active.clear();
    }

    pub(crate) fn list(&self) -> Vec<Fault> {
        self.active.clone()
    }

    /// The fault for this request, counting it against the fault's `times`.
    pub(crate) fn take(&mut self, operation: Operation) -> Option<Fault> {
        let index = self.active.iter().position(|f| f.applies_to(operation))?;
        let fault = &mut self.active[index];
        let taken = fault.clone();
        if let Some(times) = &mut fault.times {
            *times -= 1;
            if *times == 0 {
                self.active.remove(index);
            }
        }
        Some(taken)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counted_faults_run_out_and_match_by_operation() {
        let mut faults = Faults::default();
        faults.add(Fault::status(503).operation("resendInvite").times(2));
        assert_eq!(faults.take(Operation::ResendInvitation), None);
        assert_eq!(
            faults.take(Operation::ResendInvite).map(|f| f.status),
            Some(503)
        );
        assert_eq!(
            faults.take(Operation::ResendInvite).map(|f| f.status),
            Some(503)
        );
        assert_eq!(faults.take(Operation::ResendInvite), None);
    }

    #[test]
    fn validation_names_the_fix() {
        assert!(Fault::status(500).validate().is_ok());
        assert!(Fault::delay(Duration::from_millis(5)).validate().is_ok());
        for (fault, needle) in [
            (Fault::status(302), "400 to 599"),
            (Fault::status(500).operation("nope"), "resendInvite"),
            (Fault::status(500).times(0), "at least 1"),
            (Fault::delay(Duration::from_secs(301)), "300"),
        ] {
            let err = fault.validate().unwrap_err().to_string();
            assert!(err.contains(needle), "{err}");
        }
    }
}
