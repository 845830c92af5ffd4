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

/// The length of `text` in characters, as the spec's `maxLength` counts: ASCII (nearly every
/// address, key and id) needs no counting, and these checks run on every request.
pub(crate) fn char_len(text: &str) -> usize {
    if text.is_ascii() {
        text.len()
    } else {
        text.chars().count()
    }
}

/// Checks an address against a deliberately conservative subset of RFC 5322: an ASCII
/// dot-atom local part (at most 64 characters) and a dotted domain of letter, digit and
/// hyphen labels.
///
/// Conservative on purpose: every address the mock stores ends up in responses, and those
/// must pass the spec's `format: email` check, so the mock accepts nothing that check
/// might refuse.
pub fn validate_email(email: &str) -> Result<(), EmailError> {
    // Characters, not bytes, for the length messages.
    let len = char_len(email);
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
    if !valid_local_part(local.as_bytes()) || !valid_domain(domain.as_bytes()) {
        return Err(EmailError::Malformed);
    }
    Ok(())
}

// Both checks walk the bytes once instead of splitting into atoms and labels: they run on
// every by-email lookup, and the iterator machinery cost more than the checks.

/// Dot-separated atoms of letters, digits and RFC 5322's specials; at most 64 bytes.
fn valid_local_part(local: &[u8]) -> bool {
    const ATEXT_SPECIALS: &[u8] = b"!#$%&'*+-/=?^_`{|}~";
    let mut atom_len = 0;
    for &b in local {
        if b == b'.' {
            if atom_len == 0 {
                return false;
            }
            atom_len = 0;
        } else if b.is_ascii_alphanumeric() || ATEXT_SPECIALS.contains(&b) {
            atom_len += 1;
        } else {
            return false;
        }
    }
    atom_len > 0 && local.len() <= 64
}

/// At least two dot-separated labels of letters, digits and inner hyphens (1 to 63 bytes
/// each), the last with a letter.
///
/// (The address's 254-character limit keeps a domain within DNS's 253.)
fn valid_domain(domain: &[u8]) -> bool {
    let mut labels = 0;
    let mut start = 0;
    let mut has_letter = false;
    for at in 0..=domain.len() {
        match domain.get(at) {
            Some(b'.') | None => {}
            Some(b) if b.is_ascii_alphanumeric() || *b == b'-' => {
                has_letter |= b.is_ascii_alphabetic();
                continue;
            }
            Some(_) => return false,
        }
        let label = &domain[start..at];
        if label.is_empty()
            || label.len() > 63
            || label.first() == Some(&b'-')
            || label.last() == Some(&b'-')
            // Hyphens in both the third and fourth place mark an IDNA label (`xn--`,
            // RFC 5891 4.2.3.1) that the spec's `format: email` check decodes and may
            // refuse; the mock does not decode them, so it refuses them all.
            || label.get(2..4) == Some(b"--")
        {
            return false;
        }
        labels += 1;
        if at == domain.len() {
            // A top-level label of digits only would make `1.2.3.4` a "domain".
            return labels >= 2 && has_letter;
        }
        has_letter = false;
        start = at + 1;
    }
    false
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
            "a-b@x1.y-z.io",
            "ada@123.example.c0m",
        ] {
            assert_eq!(validate_email(ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn length_limits_of_parts_and_labels() {
        let local = |n: usize| format!("{}@example.com", "a".repeat(n));
        assert_eq!(validate_email(&local(64)), Ok(()));
        assert_eq!(validate_email(&local(65)), Err(EmailError::Malformed));
        let label = |n: usize| format!("ada@{}.example.com", "b".repeat(n));
        assert_eq!(validate_email(&label(63)), Ok(()));
        assert_eq!(validate_email(&label(64)), Err(EmailError::Malformed));
        let tld = |n: usize| format!("ada@example.{}", "c".repeat(n));
        assert_eq!(validate_email(&tld(63)), Ok(()));
        assert_eq!(validate_email(&tld(64)), Err(EmailError::Malformed));
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
            "ada@example.com.",
            "ada@example.123",
            "ada@x-.com",
            "ada@example.-com",
            "a..b@example.com",
            "ada@a.b,c.com",
        ] {
            assert_eq!(validate_email(bad), Err(EmailError::Malformed), "{bad:?}");
        }
        assert_eq!(validate_email(""), Err(EmailError::Empty));
        assert_eq!(validate_email("a@"), Err(EmailError::TooShort));
        let long = format!("{}@example.com", "a".repeat(250));
        assert_eq!(validate_email(&long), Err(EmailError::TooLong(262)));
        // Lengths count characters, not bytes.
        let wide = format!("{}@example.com", "ä".repeat(250));
        assert_eq!(validate_email(&wide), Err(EmailError::TooLong(262)));
        assert_eq!(validate_email("ä@"), Err(EmailError::TooShort));
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
