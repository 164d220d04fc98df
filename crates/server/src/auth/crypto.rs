//! Small cryptographic helpers: random tokens, HMAC-SHA256, SHA-256.

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};
use stint_core::ids::encode_base32;

type HmacSha256 = Hmac<Sha256>;

/// `n` bytes from the operating system's generator.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut out = [0u8; N];
    // The OS generator failing is not something a server can carry on from.
    #[allow(clippy::expect_used)]
    getrandom::fill(&mut out).expect("the operating system's random generator failed");
    out
}

/// Random text of `chars` lower-case base32 characters (5 bits each).
pub fn random_base32(chars: usize) -> String {
    let mut out = String::with_capacity(chars);
    while out.len() < chars {
        let chunk = encode_base32(u128::from_le_bytes(random_bytes::<16>()) >> 3);
        out.push_str(&chunk[1..]);
    }
    out.truncate(chars);
    out
}

pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    // HMAC accepts keys of any length.
    #[allow(clippy::expect_used)]
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(message);
    mac.finalize().into_bytes().into()
}

/// Checks an HMAC in constant time.
pub fn hmac_sha256_verify(key: &[u8], message: &[u8], expected: &[u8]) -> bool {
    #[allow(clippy::expect_used)]
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(message);
    mac.verify_slice(expected).is_ok()
}

pub fn sha256(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_text_has_the_asked_length_and_alphabet() {
        let a = random_base32(52);
        assert_eq!(a.len(), 52);
        assert!(
            a.chars()
                .all(|c| c.is_ascii_digit() || c.is_ascii_lowercase())
        );
        assert_ne!(a, random_base32(52));
    }

    #[test]
    fn hmac_verifies_only_the_right_message() {
        let tag = hmac_sha256(b"key", b"message");
        assert!(hmac_sha256_verify(b"key", b"message", &tag));
        assert!(!hmac_sha256_verify(b"key", b"other", &tag));
        assert!(!hmac_sha256_verify(b"other", b"message", &tag));
    }
}
