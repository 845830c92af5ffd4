//! Input rules shared by the surfaces, the admin API and the fixture loader.

/// The longest address SMTP carries (RFC 5321), and the spec's `maxLength`.
pub const MAX_EMAIL_LEN: usize = 254;
/// The spec's `minLength` for the by-email query.
pub const MIN_EMAIL_LEN: usize = 3;

/// Why an email address was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    /// Nothing was given.
    #[error("The email field is required and must not be empty.")]
    Empty,
    /// Longer than 254 characters.
    #[error("The email field must be at most 254 characters (got {0}).")]
    TooLong(usize),
    /// Shorter than 3 characters.
    #[error("The email field must be at least 3 characters.")]
    TooShort,
    /// Not of the form `local@domain.example`.
    #[error(
        "The email field is not a valid email address: expected local-part@domain, \
         such as ada@example.com."
    )]
    Malformed,
}

/// Checks an address against a deliberately conservative subset of RFC 5322: an ASCII
/// dot-atom local part (at most 64 characters) and a dotted domain of letter, digit and
/// hyphen labels.
///
/// Conservative on purpose: every address the mock stores ends up in responses, and those
/// must pass the spec's `format: email` check, so the mock accepts nothing that check
/// might refuse.
pub fn validate_email(email: &str) -> Result<(), EmailError> {
    let len = email.chars().count();
    if len == 0 {
        return Err(EmailError::Empty);
    }
    if len > MAX_EMAIL_LEN {
        return Err(EmailError::TooLong(len));
    }
    if len < MIN_EMAIL_LEN {
        return Err(EmailError::TooShort);
    }
    let (local, domain) = email.rsplit_once('@').ok_or(EmailError::Malformed)?;
    if !valid_local_part(local) || !valid_domain(domain) {
        return Err(EmailError::Malformed);
    }
    Ok(())
}

fn valid_local_part(local: &str) -> bool {
    const ATEXT_SPECIALS: &[u8] = b"!#$%&'*+-/=?^_`{|}~";
    !local.is_empty()
        && local.len() <= 64
        && local.split('.').all(|atom| {
            !atom.is_empty()
                && atom
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || ATEXT_SPECIALS.contains(&b))
        })
}

fn valid_domain(domain: &str) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    domain.len() <= 253
        && labels.len() >= 2
        && labels.iter().all(|label| {
            let bytes = label.as_bytes();
            !bytes.is_empty()
                && bytes.len() <= 63
                && bytes.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'-')
                && bytes.first() != Some(&b'-')
                && bytes.last() != Some(&b'-')
                // Hyphens in both the third and fourth place mark an IDNA label (`xn--`,
                // RFC 5891 4.2.3.1) that the spec's `format: email` check decodes and may
                // refuse; the mock does not decode them, so it refuses them all.
                && bytes.get(2..4) != Some(b"--")
        })
        // A top-level label of digits only would make `1.2.3.4` a "domain".
        && labels
            .last()
            .is_some_and(|tld| tld.bytes().any(|b| b.is_ascii_alphabetic()))
}

/// The largest id: the spec's ids are int64, the mock keeps them as `u64` (the SDK's type).
pub const MAX_ID: u64 = i64::MAX.unsigned_abs();

/// Parses a positive int64 id written in plain decimal digits (no sign, no spaces).
///
/// Returns a message fit for the `info` list of a `ValidationError` otherwise. The id is a
/// `u64`, the SDK's type for ids, but never above `i64::MAX`: the spec's ids are int64.
pub fn parse_positive_id(field: &str, raw: &str) -> Result<u64, String> {
    if raw.is_empty() {
        return Err(format!("The {field} field is required."));
    }
    if raw.starts_with('-') && raw.len() > 1 && raw[1..].bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("The {field} field must be greater than 0."));
    }
    if !raw.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("The {field} field must be a whole number."));
    }
    match raw.parse::<i64>() {
        Ok(0) => Err(format!("The {field} field must be greater than 0.")),
        // Only digits were let through, so the value is positive here.
        Ok(id) => Ok(id.unsigned_abs()),
        Err(_) => Err(format!(
            "The {field} field must be at most {MAX_ID} (int64).",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_addresses() {
        for ok in [
            "ada@example.com",
            "ADA@Example.COM",
            "first.last+tag@sub.example.co.uk",
            "o'brien@example.ie",
            "a@b.io",
        ] {
            assert_eq!(validate_email(ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn refuses_malformed_addresses() {
        for bad in [
            "plainaddress",
            "@example.com",
            "ada@",
            "ada@example",
            "ada@@example.com",
            "ada@.example.com",
            "ada@example..com",
            "ada@-example.com",
            "ada.@example.com",
            ".ada@example.com",
            "a da@example.com",
            "ada@exa mple.com",
            "ada@1.2.3.4",
            "ada@ab--cd.example",
            "ada@xn--bcher-kva.example",
            "adä@example.com",
            "ada@example.com\n",
        ] {
            assert_eq!(validate_email(bad), Err(EmailError::Malformed), "{bad:?}");
        }
        assert_eq!(validate_email(""), Err(EmailError::Empty));
        assert_eq!(validate_email("a@"), Err(EmailError::TooShort));
        let long = format!("{}@example.com", "a".repeat(250));
        assert_eq!(validate_email(&long), Err(EmailError::TooLong(262)));
    }

    #[test]
    fn ids_are_positive_decimal_int64() {
        assert_eq!(parse_positive_id("Id", "9001"), Ok(9001));
        assert_eq!(parse_positive_id("Id", "009001"), Ok(9001));
        assert_eq!(parse_positive_id("Id", &i64::MAX.to_string()), Ok(MAX_ID));
        for bad in [
            "",
            "0",
            "-1",
            "+1",
            "1.0",
            "1e3",
            " 1",
            "abc",
            "9223372036854775808",
        ] {
            assert!(parse_positive_id("Id", bad).is_err(), "{bad:?}");
        }
        assert!(parse_positive_id("Id", "-5")
            .unwrap_err()
            .contains("greater than 0"));
    }
}
