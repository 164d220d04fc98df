//! Credentials to `Ctx`: passwords, JWTs, API key pairs and long-lived
//! tokens; roles and scopes.

pub mod api_key_format;
mod authenticate;
pub mod credential_cache;
pub mod crypto;
mod ctx;
pub mod jwt;
pub mod password;

pub use authenticate::{authenticate, invalid_key_pair, public_api_inactive, verify_api_key_pair};
pub use ctx::{Actor, Ctx};
