//! Standard Webhooks signing: secrets are `whsec_` + base64 of random
//! bytes; a signature is `v1,` + base64 of HMAC-SHA256, keyed with the
//! decoded secret, over `"{webhook-id}.{webhook-timestamp}.{body}"`.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::auth::crypto::{hmac_sha256, random_bytes};

const PREFIX: &str = "whsec_";

/// A fresh secret of 32 random bytes (the specification allows 24 to 64).
pub fn generate_secret() -> String {
    format!("{PREFIX}{}", STANDARD.encode(random_bytes::<32>()))
}

/// The HMAC key of a secret; `None` for text we did not generate.
fn key(secret: &str) -> Option<Vec<u8>> {
    STANDARD.decode(secret.strip_prefix(PREFIX)?).ok()
}

/// `v1,<base64 signature>` of one message under one secret.
pub fn sign(secret: &str, message_id: &str, timestamp: i64, body: &[u8]) -> Option<String> {
    let key = key(secret)?;
    let mut signed = format!("{message_id}.{timestamp}.").into_bytes();
    signed.extend_from_slice(body);
    Some(format!(
        "v1,{}",
        STANDARD.encode(hmac_sha256(&key, &signed))
    ))
}

/// The `webhook-signature` header value: one signature per secret, space
/// separated (during a rotation, the new secret's first).
pub fn signature_header(secrets: &[&str], message_id: &str, timestamp: i64, body: &[u8]) -> String {
    secrets
        .iter()
        .filter_map(|s| sign(s, message_id, timestamp, body))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_specification_example() {
        // The example of the Standard Webhooks specification.
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let body = br#"{"test": 2432232314}"#;
        assert_eq!(
            sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body).unwrap(),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    #[test]
    fn generated_secrets_decode_to_32_bytes() {
        let secret = generate_secret();
        assert!(secret.starts_with("whsec_"));
        assert_eq!(key(&secret).unwrap().len(), 32);
        assert_ne!(secret, generate_secret());
    }

    #[test]
    fn rotation_header_carries_both() {
        let (a, b) = (generate_secret(), generate_secret());
        let header = signature_header(&[&a, &b], "evt_x", 1, b"{}");
        let parts: Vec<&str> = header.split(' ').collect();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0], sign(&a, "evt_x", 1, b"{}").unwrap());
        assert_eq!(parts[1], sign(&b, "evt_x", 1, b"{}").unwrap());
    }
}
