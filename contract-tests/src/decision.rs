//! Where each expectation of the suite comes from.
//!
//! An expectation is *documented* when the source documents (`shared/seeds/`) or
//! `shared/DESIGN.md` fix it: every target is held to it. Where they are silent or contradict
//! each other, `openapi/DECISIONS.md` records our choice, which binds the reference mock and
//! never a deployment: a [`Decision`]. A case names the decisions it relies on in its data
//! ([`Case::decisions`](crate::Case)); a request whose answer a decision picks goes through
//! [`Ctx::expect_decided`](crate::context::Ctx::expect_decided), and tenant error codes
//! through the code check every exchange gets.
//!
//! On a target whose profile is not `strict`, a decided answer may be any answer the
//! documents allow, and the report says which one came. With `strict = true` (always on the
//! embedded mock and in `targets/local-mock.toml`) it must be the mock's own.
//! `contract-tests/README.md` lists every DECISIONS row and how the suite treats it; the
//! mock's conforming variant (`invitations-mock --alternative`) makes the other choice for
//! each decision below, and the self-test holds the suite to failing exactly the cases that
//! name one when the variant is checked strictly.

use std::fmt;

/// A choice of ours, recorded in `openapi/DECISIONS.md`, that some of the suite's
/// expectations rely on where the documents allow other answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Decision {
    /// Rows 8, 21 and 32: the tenant error codes besides `ValidationError` (the documents'
    /// own example): `Unauthorized`, `Forbidden`, `NotFound`, `InvitationNotPending`,
    /// `InternalError`.
    ErrorCodes,
    /// Row 12: `Idempotency-Key` misuse. A key reused for another request is 422 (also on a
    /// dry run), one still in flight 409, an empty key 400.
    IdempotencyKey,
    /// Row 13: a body above the limit is 413.
    BodyLimit,
    /// Row 14: an IAM invite id has 1 to 128 characters; a longer one is 400.
    InviteIdLength,
    /// Row 16: `format: email` read as RFC 5321 with its lengths (254 in all, 64 for the
    /// local part, 63 per label), labels without a hyphen at either end, at least two labels
    /// and a letter in the last one.
    EmailRules,
}

impl Decision {
    /// Every decision the suite relies on.
    pub const ALL: [Decision; 5] = [
        Decision::ErrorCodes,
        Decision::IdempotencyKey,
        Decision::BodyLimit,
        Decision::InviteIdLength,
        Decision::EmailRules,
    ];

    /// The rows of `openapi/DECISIONS.md` that make it.
    pub const fn rows(self) -> &'static [u8] {
        match self {
            Decision::ErrorCodes => &[8, 21, 32],
            Decision::IdempotencyKey => &[12],
            Decision::BodyLimit => &[13],
            Decision::InviteIdLength => &[14],
            Decision::EmailRules => &[16],
        }
    }

    /// What it is about, in a few words.
    pub const fn topic(self) -> &'static str {
        match self {
            Decision::ErrorCodes => "tenant error codes",
            Decision::IdempotencyKey => "Idempotency-Key misuse",
            Decision::BodyLimit => "IAM body over the limit",
            Decision::InviteIdLength => "IAM invite id length",
            Decision::EmailRules => "email address rules",
        }
    }

    /// The mock's choice.
    pub const fn ours(self) -> &'static str {
        match self {
            Decision::ErrorCodes => {
                "401 Unauthorized, 403 Forbidden, 404 NotFound, 400 InvitationNotPending, 500 InternalError"
            }
            Decision::IdempotencyKey => {
                "422 for a key reused for another request (a dry run too), 409 while in flight, 400 for an empty key"
            }
            Decision::BodyLimit => "413 above the limit",
            Decision::InviteIdLength => "1-128 characters; 129 or more is 400",
            Decision::EmailRules => {
                "at most 254 characters, local part 64, labels 63, no hyphen at a label's edge, two labels or more, a letter in the last"
            }
        }
    }

    /// What else the documents allow, which a target that is not strict may answer.
    pub const fn others(self) -> &'static str {
        match self {
            Decision::ErrorCodes => {
                "any other non-empty code (a non-pending invitation's must not be ValidationError)"
            }
            Decision::IdempotencyKey => {
                "400 for a reuse; a dry run that ignores the key (200); an empty key read as none"
            }
            Decision::BodyLimit => "400 above the limit",
            Decision::InviteIdLength => {
                "ids of any length, or another limit: 400 or 404 either side"
            }
            Decision::EmailRules => {
                "other lengths and label rules: 400 or 404 for an address only these rules refuse"
            }
        }
    }

    /// `DECISIONS row 13`, `DECISIONS rows 8, 21, 32`.
    pub fn rows_text(self) -> String {
        let rows: Vec<String> = self.rows().iter().map(u8::to_string).collect();
        match rows.as_slice() {
            [one] => format!("DECISIONS row {one}"),
            _ => format!("DECISIONS rows {}", rows.join(", ")),
        }
    }
}

impl fmt::Display for Decision {
    /// `DECISIONS row 13 (IAM body over the limit)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.rows_text(), self.topic())
    }
}

/// The one tenant error code the documents themselves show (seeds 000 and 002, the `error`
/// example); every other code is [`Decision::ErrorCodes`].
pub const DOCUMENTED_CODE: &str = "ValidationError";

/// The mock's codes for a tenant error status ([`Decision::ErrorCodes`]).
pub fn our_codes(status: u16) -> &'static [&'static str] {
    match status {
        400 => &["ValidationError", "InvitationNotPending"],
        401 => &["Unauthorized"],
        403 => &["Forbidden"],
        404 => &["NotFound"],
        500 => &["InternalError"],
        _ => &[],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DECISIONS: &str = include_str!("../../openapi/DECISIONS.md");
    const README: &str = include_str!("../README.md");

    /// The numbers of the rows of `openapi/DECISIONS.md`'s table.
    fn decision_rows() -> Vec<u8> {
        DECISIONS
            .lines()
            .filter_map(|line| line.strip_prefix("| "))
            .filter_map(|rest| rest.split(' ').next()?.parse().ok())
            .collect()
    }

    #[test]
    fn every_decision_names_rows_that_exist() {
        let rows = decision_rows();
        assert!(rows.len() >= 30, "{rows:?}");
        for decision in Decision::ALL {
            for row in decision.rows() {
                assert!(
                    rows.contains(row),
                    "{decision}: no row {row} in DECISIONS.md"
                );
            }
        }
    }

    #[test]
    fn the_readme_says_how_the_suite_treats_every_row() {
        // Its table has one line per DECISIONS row: `| 12 | ... |`.
        for row in decision_rows() {
            assert!(
                README.lines().any(|l| l.starts_with(&format!("| {row} |"))),
                "contract-tests/README.md has no line for DECISIONS row {row}"
            );
        }
        for decision in Decision::ALL {
            for row in decision.rows() {
                let line = README
                    .lines()
                    .find(|l| l.starts_with(&format!("| {row} |")))
                    .unwrap();
                assert!(
                    line.contains("**decision**"),
                    "README row {row} must say the suite treats it as a decision: {line}"
                );
            }
        }
    }

    #[test]
    fn the_documented_code_is_ours_for_400_and_each_status_has_a_code() {
        assert!(our_codes(400).contains(&DOCUMENTED_CODE));
        for status in [401, 403, 404, 500] {
            assert_eq!(our_codes(status).len(), 1, "{status}");
        }
        assert_eq!(
            Decision::BodyLimit.to_string(),
            "DECISIONS row 13 (IAM body over the limit)"
        );
        assert_eq!(Decision::ErrorCodes.rows_text(), "DECISIONS rows 8, 21, 32");
    }
}
