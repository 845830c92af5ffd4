//! Timestamps as chrono serialises them, written without `fmt`.
//!
//! Hand code for speed (see [`write_timestamp`]), bound by a byte-for-byte rule: the test
//! below compares it with chrono's own serialisation over every year it writes itself.

use chrono::{DateTime, Utc};

/// A UTC timestamp as chrono serialises it (a JSON string: RFC 3339, `Z`, 0, 3, 6 or 9
/// fraction digits), without `fmt`; years outside 0 to 9999 and leap seconds go to chrono.
///
/// The calendar date comes from the Unix day in one step ([`civil_from_days`]): chrono's
/// `month()`, `day()`, `hour()`... each convert the whole date again, which made the two
/// timestamps of a by-email answer a twentieth of its instructions.
pub(super) fn write_timestamp(out: &mut Vec<u8>, at: DateTime<Utc>) -> serde_json::Result<()> {
    let seconds = at.timestamp();
    let nanos = at.timestamp_subsec_nanos();
    let (year, month, day) = civil_from_days(seconds.div_euclid(86_400));
    if !(0..=9999).contains(&year) || nanos >= 1_000_000_000 {
        return serde_json::to_writer(out, &at);
    }
    let (fraction, width) = if nanos == 0 {
        (0, 0)
    } else if nanos.is_multiple_of(1_000_000) {
        (nanos / 1_000_000, 3)
    } else if nanos.is_multiple_of(1_000) {
        (nanos / 1_000, 6)
    } else {
        (nanos, 9)
    };
    // The year is within 0..=9999 and the rest are calendar fields: each fits its width.
    let of_day = seconds.rem_euclid(86_400) as u32;
    let mut text = Ascii::default();
    text.push(b'"');
    text.digits(year as u32, 4);
    for (value, separator) in [
        (month, b'-'),
        (day, b'-'),
        (of_day / 3600, b'T'),
        (of_day / 60 % 60, b':'),
        (of_day % 60, b':'),
    ] {
        text.push(separator);
        text.digits(value, 2);
    }
    if width > 0 {
        text.push(b'.');
        text.digits(fraction, width);
    }
    text.push(b'Z');
    text.push(b'"');
    out.extend_from_slice(&text.buf[..text.len]);
    Ok(())
}

/// The proleptic Gregorian (year, month, day) of a count of days since 1970-01-01
/// (Howard Hinnant's `civil_from_days`, exact for every day chrono can represent).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let days = days + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days.rem_euclid(146_097); // [0, 146096]
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153; // March = 0
    let day = (day_of_year - (153 * shifted_month + 2) / 5 + 1) as u32;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// A stack buffer of ASCII, large enough for a timestamp.
#[derive(Default)]
struct Ascii {
    buf: [u8; 32],
    len: usize,
}

impl Ascii {
    fn push(&mut self, byte: u8) {
        self.buf[self.len] = byte;
        self.len += 1;
    }

    /// `value` in `width` decimal digits, zero-padded (`value` has at most `width` digits).
    fn digits(&mut self, mut value: u32, width: u32) {
        let width = width as usize;
        for slot in self.buf[self.len..self.len + width].iter_mut().rev() {
            *slot = b'0' + (value % 10) as u8;
            value /= 10;
        }
        self.len += width;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    /// The calendar step on its own: a date outside 0 to 9999 would send the timestamp to
    /// chrono's path and still serialise right, so only this shows the step is exact.
    #[test]
    fn days_become_chronos_dates() {
        use chrono::Datelike;
        let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap();
        // Every 13th day from 0000 to 9999, and the edges: leap days, centuries, eras.
        let mut days: Vec<i64> = (-719_528..=2_932_896).step_by(13).collect();
        for (y, m, d) in [
            (0, 1, 1),
            (0, 2, 29),
            (1600, 2, 29),
            (1900, 2, 28),
            (1900, 3, 1),
            (1969, 12, 31),
            (1970, 1, 1),
            (2000, 2, 29),
            (2000, 3, 1),
            (2100, 3, 1),
            (9999, 12, 31),
        ] {
            let date = chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap();
            days.push((date - epoch).num_days());
        }
        for day in days {
            let date = epoch + chrono::Duration::days(day);
            assert_eq!(
                civil_from_days(day),
                (i64::from(date.year()), date.month(), date.day()),
                "day {day}"
            );
        }
    }

    #[test]
    fn timestamps_serialise_as_chrono_does() {
        let base = Utc.with_ymd_and_hms(2026, 11, 21, 23, 26, 59).unwrap();
        let mut cases = vec![
            Utc.with_ymd_and_hms(1970, 1, 1, 0, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(9000, 12, 31, 23, 59, 59).unwrap(),
            Utc.with_ymd_and_hms(10000, 1, 1, 0, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(-1, 1, 1, 0, 0, 0).unwrap(),
        ];
        for nanos in [
            0,
            1,
            957_000_000,
            957_123_000,
            957_123_456,
            999_999_999,
            1_000_000,
        ] {
            cases.push(base + chrono::Duration::nanoseconds(nanos));
        }
        // Leap seconds (at and past its first instant): chrono's own path.
        let leap_day = chrono::NaiveDate::from_ymd_opt(2016, 12, 31).unwrap();
        for nanos in [1_000_000_000, 1_500_000_000] {
            let leap = leap_day.and_hms_nano_opt(23, 59, 59, nanos).unwrap();
            cases.push(leap.and_utc());
        }
        // Every 11th day from 0000 to 9999 at drifting times of day (every day of the month
        // and about 220 leap days), and the edges: leap years, centuries, 1970.
        let first = Utc.with_ymd_and_hms(0, 1, 1, 0, 0, 0).unwrap();
        let last = Utc.with_ymd_and_hms(9999, 12, 31, 23, 59, 59).unwrap();
        let mut at = first;
        let mut step = 0;
        while at <= last {
            cases.push(at);
            step += 1;
            at += chrono::Duration::days(11) + chrono::Duration::seconds(step * 7 % 86_400);
        }
        for (y, m, d) in [(2000, 2, 29), (1900, 3, 1), (2100, 2, 28), (1600, 2, 29)] {
            cases.push(Utc.with_ymd_and_hms(y, m, d, 12, 0, 0).unwrap());
        }
        cases.extend([first, last, last + chrono::Duration::seconds(1)]);
        cases.push(Utc.with_ymd_and_hms(1969, 12, 31, 23, 59, 59).unwrap());
        cases.push(first - chrono::Duration::seconds(1));
        for at in cases {
            let mut ours = Vec::new();
            write_timestamp(&mut ours, at).unwrap();
            assert_eq!(ours, serde_json::to_vec(&at).unwrap(), "{at:?}");
        }
    }
}
