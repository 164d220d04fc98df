//! The shape of API key pairs. The public half `pk_…` identifies the key and
//! may be shown again; the secret `sk_…` is shown once. The long-lived token
//! is the two joined by a dot, so a client can send one string.

use super::crypto::random_base32;

pub const PUBLIC_PREFIX: &str = "pk_";
pub const SECRET_PREFIX: &str = "sk_";
const PUBLIC_CHARS: usize = 24; // 120 random bits
const SECRET_CHARS: usize = 52; // 260 random bits

/// A freshly made pair.
pub struct GeneratedKey {
    pub public: String,
    pub secret: String,
}

impl GeneratedKey {
    pub fn token(&self) -> String {
        join_token(&self.public, &self.secret)
    }
}

pub fn generate() -> GeneratedKey {
    GeneratedKey {
        public: format!("{PUBLIC_PREFIX}{}", random_base32(PUBLIC_CHARS)),
        secret: format!("{SECRET_PREFIX}{}", random_base32(SECRET_CHARS)),
    }
}

pub fn join_token(public: &str, secret: &str) -> String {
    format!("{public}.{secret}")
}

/// Splits a `pk_….sk_…` token; `None` when it has another shape.
pub fn split_token(token: &str) -> Option<(&str, &str)> {
    let (public, secret) = token.split_once('.')?;
    (public.starts_with(PUBLIC_PREFIX) && secret.starts_with(SECRET_PREFIX))
        .then_some((public, secret))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_split_back_into_the_pair() {
        let key = generate();
        let token = key.token();
        assert_eq!(
            split_token(&token),
            Some((key.public.as_str(), key.secret.as_str()))
        );
        assert_eq!(split_token("pk_x"), None);
        assert_eq!(split_token("eyJ.a.b"), None);
    }
}
