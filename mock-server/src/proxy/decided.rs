//! The request rules of the spec that only our choices make (`openapi/DECISIONS.md`), where
//! the source documents let a deployment draw the line elsewhere.
//!
//! A request that breaks only such a rule is outside our spec but not outside the documents:
//! a deployment may refuse it (400) as the mock does, or answer it as it answers a valid
//! request (an address only our email rules refuse, looked up and not found: 404). Neither
//! is a violation; the finding on the request says which row makes the rule. The contract
//! suite holds a deployment to the same rows the same way (`contract-tests/src/decision.rs`),
//! and the mock's conforming variant (`--alternative`) makes the other choices.
//!
//! | Parameter | Our rule (row) | What the documents themselves refuse |
//! |---|---|---|
//! | by-email `email` | `format: email` as RFC 5321 with its lengths, 254 in all (16) | what no reading of the RFCs allows: no `@`, an empty local part or domain, an empty dot-separated part, an unquoted space or `@` |
//! | IAM path `id` | at most 128 characters (14) | an empty id |
//! | `Idempotency-Key` | 1 to 255 characters, sent once (12) | nothing: the documents have no such header |

/// A rule of the spec that a DECISIONS row makes, on one parameter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Decided {
    /// Row 16: the by-email address rules.
    EmailRules,
    /// Row 14: the IAM invite id's length.
    InviteIdLength,
    /// Row 12: the `Idempotency-Key` header, which the documents do not have.
    IdempotencyKey,
}

impl Decided {
    /// The decided rule on the parameter `name` in `place` (`path`, `query`, `header`) of
    /// the operation `operation`, if any.
    pub(crate) fn of(operation: &str, place: &str, name: &str) -> Option<Decided> {
        match (operation, place) {
            ("GetUserInvitationByEmail", "query") if name == "email" => Some(Decided::EmailRules),
            ("resendInvite", "path") if name == "id" => Some(Decided::InviteIdLength),
            ("resendInvite", "header") if name.eq_ignore_ascii_case("Idempotency-Key") => {
                Some(Decided::IdempotencyKey)
            }
            _ => None,
        }
    }

    /// Whether the documents themselves refuse the parameter's text (`None`: missing, or not
    /// text at all), so that only a refusal keeps the contract.
    pub(crate) fn documents_refuse(self, text: Option<&str>) -> bool {
        match self {
            Decided::EmailRules => text.is_none_or(no_reading_allows),
            Decided::InviteIdLength => text.is_none_or(str::is_empty),
            Decided::IdempotencyKey => false,
        }
    }

    /// What a finding on a decided rule starts with.
    pub(crate) fn note(self) -> &'static str {
        match self {
            Decided::EmailRules => "DECISIONS row 16 (the documents let a deployment accept it)",
            Decided::InviteIdLength => "DECISIONS row 14 (the documents let a deployment accept it)",
            Decided::IdempotencyKey => {
                "DECISIONS row 12 (the documents have no Idempotency-Key: a deployment may ignore it)"
            }
        }
    }
}

/// Whether no reading of RFC 5321 or 5322 allows `address`: no `@`, an empty local part or
/// domain, an empty dot-separated part or a space in the domain, or in a local part that is
/// not quoted, an empty dot-separated part, a space or an `@`.
fn no_reading_allows(address: &str) -> bool {
    let Some((local, domain)) = address.rsplit_once('@') else {
        return true;
    };
    let empty_part = |part: &str| part.split('.').any(str::is_empty);
    let spaced = |part: &str| part.chars().any(char::is_whitespace);
    let quoted = local.len() >= 2 && local.starts_with('"') && local.ends_with('"');
    local.is_empty()
        || empty_part(domain)
        || spaced(domain)
        || (!quoted && (empty_part(local) || spaced(local) || local.contains('@')))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rules_of_ours_are_found_by_operation_place_and_name() {
        use Decided::*;
        assert_eq!(
            Decided::of("GetUserInvitationByEmail", "query", "email"),
            Some(EmailRules)
        );
        assert_eq!(
            Decided::of("resendInvite", "path", "id"),
            Some(InviteIdLength)
        );
        assert_eq!(
            Decided::of("resendInvite", "header", "idempotency-key"),
            Some(IdempotencyKey)
        );
        for (operation, place, name) in [
            ("ResendInvitation", "query", "id"),
            ("resendInvite", "query", "id"),
            ("resendInvite", "query", "dryRun"),
            ("GetUserInvitationByEmail", "header", "email"),
            ("ResendInvitation", "header", "Idempotency-Key"),
        ] {
            assert_eq!(Decided::of(operation, place, name), None, "{name}");
        }
    }

    #[test]
    fn the_documents_refuse_only_what_no_reading_allows() {
        let email = |text| Decided::EmailRules.documents_refuse(Some(text));
        for refused in [
            "not-an-email",
            "@example.com",
            "ada@",
            "ada@example..com",
            "ada@.example.com",
            "ada@example.com.",
            "ada@exa mple.com",
            "a..b@example.com",
            ".ada@example.com",
            "ada.@example.com",
            "a da@example.com",
            "a@b@example.com",
        ] {
            assert!(email(refused), "{refused}");
        }
        // Only our reading (RFC 5321's lengths, label rules) refuses these.
        let long_label = format!("ada@{}.example.com", "d".repeat(64));
        let long_local = format!("{}@example.com", "a".repeat(65));
        for ours in [
            "ada@-example.com",
            "ada@example-.com",
            "ada@localhost",
            "ada@example.123",
            "\"a b\"@example.com",
            "\"a@b\"@example.com",
            long_label.as_str(),
            long_local.as_str(),
        ] {
            assert!(!email(ours), "{ours}");
        }
        assert!(Decided::EmailRules.documents_refuse(None));
        let id = Decided::InviteIdLength;
        assert!(id.documents_refuse(Some("")) && id.documents_refuse(None));
        assert!(!id.documents_refuse(Some(&"x".repeat(129))));
        let key = Decided::IdempotencyKey;
        assert!(!key.documents_refuse(Some("")) && !key.documents_refuse(None));
    }

    #[test]
    fn each_note_names_its_row() {
        assert!(Decided::EmailRules.note().starts_with("DECISIONS row 16 "));
        assert!(Decided::InviteIdLength
            .note()
            .starts_with("DECISIONS row 14 "));
        assert!(Decided::IdempotencyKey
            .note()
            .starts_with("DECISIONS row 12 "));
    }
}
