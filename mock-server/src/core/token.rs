//! Invitation tokens: the secret in the emailed link.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use rand::Rng as _;

/// Random bytes per token: 256 bits, well above the 128 the design asks for.
const TOKEN_BYTES: usize = 32;

/// A fresh token: 32 bytes from the thread-local CSPRNG, base64url without padding
/// (43 characters that need no escaping in a URL).
pub(crate) fn new_token() -> String {
    let mut bytes = [0u8; TOKEN_BYTES];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn tokens_are_url_safe_long_distinct_and_decode_to_32_bytes() {
        let tokens: HashSet<String> = (0..1000).map(|_| new_token()).collect();
        assert_eq!(tokens.len(), 1000);
        for token in &tokens {
            assert_eq!(token.len(), 43);
            assert!(token
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
            assert_eq!(URL_SAFE_NO_PAD.decode(token).unwrap().len(), TOKEN_BYTES);
        }
    }
}
