//! HS256 JSON Web Tokens, by hand: we only ever sign and verify HS256 with
//! our own key, and this avoids pulling RSA and elliptic-curve code into the
//! build. The header is fixed and checked, so `alg: none` and algorithm
//! confusion cannot apply.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use super::crypto::{hmac_sha256, hmac_sha256_verify};

const HEADER_JSON: &str = r#"{"alg":"HS256","typ":"JWT"}"#;
pub const ISSUER: &str = "stint";

/// Whom a token speaks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenKind {
    /// A signed-in user: `sub` is the user, `sid` the session.
    User,
    /// An API key pair exchanged at `/login`: `sub` is the key id.
    ApiKey,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub sub: String,
    pub org: String,
    pub kind: TokenKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    pub iat: i64,
    pub exp: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JwtError {
    Malformed,
    BadSignature,
    Expired,
}

pub fn sign(claims: &Claims, key: &[u8]) -> String {
    let header = URL_SAFE_NO_PAD.encode(HEADER_JSON);
    // Claims are plain strings and integers: serialising them cannot fail.
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).unwrap_or_default());
    let signing_input = format!("{header}.{payload}");
    let signature = URL_SAFE_NO_PAD.encode(hmac_sha256(key, signing_input.as_bytes()));
    format!("{signing_input}.{signature}")
}

/// Verifies signature, header and expiry against `now` (unix seconds).
pub fn verify(token: &str, key: &[u8], now: i64) -> Result<Claims, JwtError> {
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(JwtError::Malformed);
    };
    let signature = URL_SAFE_NO_PAD
        .decode(signature)
        .map_err(|_| JwtError::Malformed)?;
    let signing_input_len = header.len() + 1 + payload.len();
    if !hmac_sha256_verify(key, &token.as_bytes()[..signing_input_len], &signature) {
        return Err(JwtError::BadSignature);
    }
    let header: serde_json::Value = URL_SAFE_NO_PAD
        .decode(header)
        .ok()
        .and_then(|h| serde_json::from_slice(&h).ok())
        .ok_or(JwtError::Malformed)?;
    if header.get("alg").and_then(|a| a.as_str()) != Some("HS256") {
        return Err(JwtError::Malformed);
    }
    let claims: Claims = URL_SAFE_NO_PAD
        .decode(payload)
        .ok()
        .and_then(|p| serde_json::from_slice(&p).ok())
        .ok_or(JwtError::Malformed)?;
    if claims.iss != ISSUER {
        return Err(JwtError::Malformed);
    }
    if now >= claims.exp {
        return Err(JwtError::Expired);
    }
    Ok(claims)
}

/// Whether a credential has the shape of a JWT (three base64url parts).
pub fn looks_like_jwt(token: &str) -> bool {
    token.split('.').count() == 3 && token.starts_with("eyJ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(exp: i64) -> Claims {
        Claims {
            iss: ISSUER.into(),
            sub: "usr_x".into(),
            org: "org_y".into(),
            kind: TokenKind::User,
            sid: Some("ses_z".into()),
            iat: 0,
            exp,
        }
    }

    #[test]
    fn round_trips_and_expires() {
        let token = sign(&claims(100), b"k");
        assert!(looks_like_jwt(&token));
        assert_eq!(verify(&token, b"k", 99).unwrap().sub, "usr_x");
        assert_eq!(verify(&token, b"k", 100).unwrap_err(), JwtError::Expired);
    }

    #[test]
    fn refuses_forgeries() {
        let token = sign(&claims(100), b"k");
        assert_eq!(
            verify(&token, b"other", 0).unwrap_err(),
            JwtError::BadSignature
        );
        let mut parts: Vec<&str> = token.split('.').collect();
        let forged_payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims(10_000)).unwrap());
        parts[1] = &forged_payload;
        assert_eq!(
            verify(&parts.join("."), b"k", 0).unwrap_err(),
            JwtError::BadSignature
        );
        assert_eq!(verify("a.b", b"k", 0).unwrap_err(), JwtError::Malformed);
        assert_eq!(verify("", b"k", 0).unwrap_err(), JwtError::Malformed);
    }

    #[test]
    fn refuses_alg_none() {
        let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
        let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims(100)).unwrap());
        let token = format!("{header}.{payload}.");
        assert!(verify(&token, b"k", 0).is_err());
    }
}
