//! The mock's notion of "now": a base time source plus an adjustable offset.
//!
//! Tests need to jump 49 hours to see an invitation expire, and a standalone server should
//! still tick in real time after such a jump. So the clock keeps an offset on top of its
//! source instead of a frozen instant: setting the time changes the offset, and the source
//! keeps moving underneath.

use std::fmt;

use chrono::{DateTime, Duration, Utc};

/// [`Clock::max_time`] in seconds since the epoch (9000-01-01T00:00:00Z).
const MAX_TIME_SECS: i64 = 221_845_392_000;
/// A year, in seconds: the margin [`add_saturating`] keeps beyond the clock's range.
const YEAR_SECS: i64 = 365 * 86_400;

/// The supported range and [`add_saturating`]'s bounds, computed once by the compiler:
/// they are read on every request, and chrono's calendar arithmetic is not free.
const MIN_TIME: DateTime<Utc> = DateTime::<Utc>::UNIX_EPOCH;
const MAX_TIME: DateTime<Utc> = from_secs(MAX_TIME_SECS);
const LOWEST_RESULT: DateTime<Utc> = from_secs(-YEAR_SECS);
const HIGHEST_RESULT: DateTime<Utc> = from_secs(MAX_TIME_SECS + YEAR_SECS);

const fn from_secs(secs: i64) -> DateTime<Utc> {
    match DateTime::from_timestamp(secs, 0) {
        Some(at) => at,
        None => panic!("a clock bound outside chrono's range"),
    }
}

/// Where the mock's time comes from, plus the offset tests and the admin API apply to it.
///
/// ```
/// use chrono::{Duration, TimeZone, Utc};
/// use invitations_mock::core::Clock;
///
/// let start = Utc.with_ymd_and_hms(2024, 3, 15, 12, 0, 0).unwrap();
/// let mut clock = Clock::fixed(start);
/// clock.advance(Duration::hours(49)).unwrap();
/// assert_eq!(clock.now(), start + Duration::hours(49));
/// ```
#[derive(Clone)]
pub struct Clock {
    source: Source,
    offset: Duration,
}

#[derive(Clone, Copy)]
enum Source {
    System,
    Fixed(DateTime<Utc>),
}

/// Why the clock refused a new time.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "the mock clock supports times from {min} to {max}; {requested} is outside that range. \
     Pick a time in between (RFC 3339, such as 2030-01-01T00:00:00Z)"
)]
pub struct ClockRangeError {
    /// The time that was asked for, or a description of the overflow.
    pub requested: String,
    /// Earliest supported time.
    pub min: DateTime<Utc>,
    /// Latest supported time.
    pub max: DateTime<Utc>,
}

impl Clock {
    /// The earliest time the clock can be set to.
    ///
    /// Timestamps must stay valid RFC 3339 `date-time`s (four-digit years) even after the
    /// fixture subtracts a few days and a resend adds 48 hours, hence a margin on both ends.
    pub fn min_time() -> DateTime<Utc> {
        MIN_TIME
    }

    /// The latest time the clock can be set to (see [`Clock::min_time`]).
    pub fn max_time() -> DateTime<Utc> {
        MAX_TIME
    }

    /// System time, with no offset: what the standalone server uses.
    pub fn system() -> Clock {
        Clock {
            source: Source::System,
            offset: Duration::zero(),
        }
    }

    /// A frozen clock that reads `at` (plus whatever offset is applied later).
    ///
    /// Handy for deterministic tests: time only moves when the test moves it.
    pub fn fixed(at: DateTime<Utc>) -> Clock {
        Clock {
            source: Source::Fixed(at),
            offset: Duration::zero(),
        }
    }

    fn base(&self) -> DateTime<Utc> {
        match self.source {
            Source::System => Utc::now(),
            Source::Fixed(at) => at,
        }
    }

    /// The mock's current time, in whole milliseconds (timestamps in answers stay short
    /// and compare equal after a JSON round trip through millisecond-precision clients).
    pub fn now(&self) -> DateTime<Utc> {
        let base = self.base();
        let now = if self.offset.is_zero() {
            base
        } else {
            base.checked_add_signed(self.offset)
                .unwrap_or_else(Self::max_time)
        };
        whole_millis(now).clamp(MIN_TIME, MAX_TIME)
    }

    /// Makes [`now`](Self::now) read `at`; the source keeps ticking from there.
    pub fn set_now(&mut self, at: DateTime<Utc>) -> Result<(), ClockRangeError> {
        check_range(at, || at.to_rfc3339())?;
        self.offset = at.signed_duration_since(self.base());
        Ok(())
    }

    /// Moves the clock by `by` (negative goes back).
    pub fn advance(&mut self, by: Duration) -> Result<(), ClockRangeError> {
        let now = self.now();
        let target = now
            .checked_add_signed(by)
            .ok_or_else(|| self.range_error(format!("{now} + {by}")))?;
        self.set_now(target)
    }

    /// Drops the offset: the clock reads its source again.
    pub fn reset(&mut self) {
        self.offset = Duration::zero();
    }

    /// The offset currently applied to the source.
    pub fn offset(&self) -> Duration {
        self.offset
    }

    fn range_error(&self, requested: String) -> ClockRangeError {
        ClockRangeError {
            requested,
            min: Self::min_time(),
            max: Self::max_time(),
        }
    }
}

fn check_range(
    at: DateTime<Utc>,
    describe: impl FnOnce() -> String,
) -> Result<(), ClockRangeError> {
    if at < Clock::min_time() || at > Clock::max_time() {
        return Err(ClockRangeError {
            requested: describe(),
            min: Clock::min_time(),
            max: Clock::max_time(),
        });
    }
    Ok(())
}

impl fmt::Debug for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let source = match self.source {
            Source::System => "system".to_owned(),
            Source::Fixed(at) => format!("fixed at {}", at.to_rfc3339()),
        };
        f.debug_struct("Clock")
            .field("source", &source)
            .field("offset", &self.offset)
            .field("now", &self.now().to_rfc3339())
            .finish()
    }
}

impl Default for Clock {
    fn default() -> Self {
        Clock::system()
    }
}

/// `at` cut to whole milliseconds, as `trunc_subsecs(3)` does, through the Unix timestamp
/// (chrono's rounding goes through duration arithmetic on the calendar date).
fn whole_millis(at: DateTime<Utc>) -> DateTime<Utc> {
    let nanos = at.timestamp_subsec_nanos();
    DateTime::from_timestamp(at.timestamp(), nanos - nanos % 1_000_000).unwrap_or(at)
}

/// `at + by`, or the end of the supported range when that would overflow.
pub(crate) fn add_saturating(at: DateTime<Utc>, by: Duration) -> DateTime<Utc> {
    match at.checked_add_signed(by) {
        Some(sum) => sum.clamp(LOWEST_RESULT, HIGHEST_RESULT),
        // Only a duration of more than 262,000 years overflows: its sign says which end.
        None if by.num_seconds().is_negative() => LOWEST_RESULT,
        None => MAX_TIME,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone as _;

    #[test]
    fn the_supported_range_is_1970_to_9000() {
        assert_eq!(
            Clock::min_time(),
            Utc.with_ymd_and_hms(1970, 1, 1, 0, 0, 0).unwrap()
        );
        assert_eq!(
            Clock::max_time(),
            Utc.with_ymd_and_hms(9000, 1, 1, 0, 0, 0).unwrap()
        );
    }

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 3, 15, 12, 0, 0).unwrap()
    }

    #[test]
    fn fixed_clock_moves_only_when_told() {
        let mut clock = Clock::fixed(t0());
        assert_eq!(clock.now(), t0());
        clock.advance(Duration::hours(49)).unwrap();
        assert_eq!(clock.now(), t0() + Duration::hours(49));
        clock.advance(Duration::hours(-50)).unwrap();
        assert_eq!(clock.now(), t0() - Duration::hours(1));
        clock.reset();
        assert_eq!(clock.now(), t0());
    }

    #[test]
    fn system_clock_keeps_ticking_after_set() {
        let mut clock = Clock::system();
        let target = t0();
        clock.set_now(target).unwrap();
        let read = clock.now();
        assert!(
            read >= target && read < target + Duration::seconds(5),
            "{read}"
        );
    }

    #[test]
    fn now_is_cut_to_whole_milliseconds_as_trunc_subsecs_does() {
        use chrono::SubsecRound as _;
        for nanos in [0, 1, 999_999, 1_000_000, 123_456_789, 999_999_999] {
            for at in [
                t0(),
                Clock::min_time(),
                Utc.with_ymd_and_hms(8999, 12, 31, 23, 59, 59).unwrap(),
            ] {
                let at = at + Duration::nanoseconds(nanos);
                assert_eq!(Clock::fixed(at).now(), at.trunc_subsecs(3), "{at:?}");
            }
        }
        // Outside the range, clamped.
        let late = Clock::max_time() + Duration::milliseconds(1500);
        assert_eq!(Clock::fixed(late).now(), Clock::max_time());
        let early = Clock::min_time() - Duration::nanoseconds(1);
        assert_eq!(Clock::fixed(early).now(), Clock::min_time());
    }

    #[test]
    fn saturating_addition_saturates_in_the_right_direction() {
        let year = Duration::days(365);
        assert_eq!(add_saturating(t0(), Duration::MAX), Clock::max_time());
        assert_eq!(
            add_saturating(t0(), Duration::MIN),
            Clock::min_time() - year
        );
        assert_eq!(
            add_saturating(Clock::max_time(), Duration::days(400)),
            Clock::max_time() + year
        );
        assert_eq!(
            add_saturating(Clock::min_time(), Duration::days(-400)),
            Clock::min_time() - year
        );
        assert_eq!(
            add_saturating(t0(), Duration::hours(48)),
            t0() + Duration::hours(48)
        );
    }

    #[test]
    fn out_of_range_times_are_refused_not_panicked() {
        let mut clock = Clock::fixed(t0());
        assert!(clock.set_now(DateTime::<Utc>::MAX_UTC).is_err());
        assert!(clock.set_now(DateTime::<Utc>::MIN_UTC).is_err());
        assert!(clock.advance(Duration::MAX).is_err());
        assert!(clock.advance(Duration::MIN).is_err());
        assert_eq!(clock.now(), t0(), "a refused change leaves the clock alone");
        let err = clock.set_now(DateTime::<Utc>::MAX_UTC).unwrap_err();
        assert!(err.to_string().contains("Pick a time"), "{err}");
    }
}
