//! `If-Match`: optimistic concurrency. Single objects carry an `ETag` (their
//! version); a write that sends `If-Match` only applies to that version and
//! otherwise answers `412 precondition_failed`.

use axum::extract::FromRequestParts;
use axum::http::header::IF_MATCH;
use axum::http::request::Parts;

use super::error::{ApiError, Code};

/// The version a write requires, if the client named one.
#[derive(Debug, Clone, Copy, Default)]
pub struct IfMatch(pub Option<i64>);

impl IfMatch {
    /// Fails with 412 unless the current version is the one required.
    pub fn check(&self, current_version: i64) -> Result<(), ApiError> {
        match self.0 {
            Some(required) if required != current_version => Err(stale()),
            _ => Ok(()),
        }
    }
}

pub fn stale() -> ApiError {
    ApiError::new(
        Code::PreconditionFailed,
        "The record has changed since the version named in If-Match",
    )
}

impl<S: Send + Sync> FromRequestParts<S> for IfMatch {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let Some(value) = parts.headers.get(IF_MATCH) else {
            return Ok(IfMatch(None));
        };
        let text = value.to_str().map_err(|_| stale())?.trim();
        if text == "*" {
            return Ok(IfMatch(None));
        }
        // Any listed tag that parses names the version; weak tags compare equal.
        let version = text
            .split(',')
            .map(|t| t.trim().trim_start_matches("W/").trim_matches('"'))
            .find_map(|t| t.parse::<i64>().ok());
        // A tag we never issued can never match.
        version.map(|v| IfMatch(Some(v))).ok_or_else(stale)
    }
}
