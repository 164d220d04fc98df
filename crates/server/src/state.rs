//! The application state shared by every request: the store, the clock, the
//! settings and the instance keys.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use stint_core::Clock;
use stint_core::ids::ApiKeyId;
use stint_store::Store;

use crate::config::Settings;

/// Keys the instance signs and hashes with; loaded once at start.
pub struct InstanceKeys {
    /// HS256 key for access tokens.
    pub jwt: Vec<u8>,
    /// HMAC key under which API secrets are stored.
    pub api_key_hmac: Vec<u8>,
}

/// Shared state; cheap to clone.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

pub struct Inner {
    pub store: Store,
    pub clock: Arc<dyn Clock>,
    pub settings: Settings,
    pub keys: InstanceKeys,
    /// When each API key's `last_used_at` was last written by this process,
    /// so a busy key costs one write a minute, not one per request.
    pub key_usage: Mutex<HashMap<ApiKeyId, DateTime<Utc>>>,
    /// API-key credentials verified by this process (see `auth::credential_cache`).
    pub credentials: crate::auth::credential_cache::CredentialCache,
    /// Rate-limit counters and sign-in back-off.
    pub limits: crate::limits::Limits,
    /// The OpenAPI document, rendered once.
    pub openapi_json: String,
}

impl AppState {
    pub fn new(inner: Inner) -> Self {
        Self(Arc::new(inner))
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.0.clock.now()
    }
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}
