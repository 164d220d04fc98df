//! `If-Match`: optimistic concurrency. Single objects carry an `ETag` (their
//! version); a write that sends `If-Match` only applies to one of the
//! versions named and otherwise answers `412 precondition_failed`.

use axum::extract::FromRequestParts;
use axum::http::header::IF_MATCH;
use axum::http::request::Parts;

use super::error::{ApiError, Code};

/// The versions a write accepts, if the client named any (`*` names none).
#[derive(Debug, Clone, Default)]
pub struct IfMatch(pub Option<Vec<i64>>);

impl IfMatch {
    /// Fails with 412 unless the current version is one of those required.
    pub fn check(&self, current_version: i64) -> Result<(), ApiError> {
        match &self.0 {
            Some(allowed) if !allowed.contains(&current_version) => Err(stale()),
            _ => Ok(()),
        }
    }

    /// Whether the client named versions (a missing record matches none).
    pub fn names_versions(&self) -> bool {
        self.0.is_some()
    }
}

pub fn stale() -> ApiError {
    ApiError::new(
        Code::PreconditionFailed,
        "The record has changed since the version named in If-Match",
    )
}

/// The version each listed tag names: `"N"` or `W/"N"` (weak tags compare
/// equal, as versions are exact). Any other value is a well-formed request
/// that names no version we ever issued, so it matches nothing (412), as
/// RFC 9110 answers an `If-Match` list without a current tag; `*` names none.
fn parse(text: &str) -> IfMatch {
    if text.trim() == "*" {
        return IfMatch(None);
    }
    let versions = text
        .split(',')
        .filter_map(|tag| {
            let tag = tag.trim();
            let tag = tag.strip_prefix("W/").unwrap_or(tag);
            let digits = tag.strip_prefix('"')?.strip_suffix('"')?;
            digits.parse::<i64>().ok()
        })
        .collect();
    IfMatch(Some(versions))
}

impl<S: Send + Sync> FromRequestParts<S> for IfMatch {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let Some(value) = parts.headers.get(IF_MATCH) else {
            return Ok(IfMatch(None));
        };
        // Bytes outside visible ASCII cannot spell one of our tags.
        Ok(value
            .to_str()
            .map(parse)
            .unwrap_or(IfMatch(Some(Vec::new()))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_versions_of_our_tags() {
        assert_eq!(parse("*").0, None);
        assert_eq!(parse("\"3\"").0, Some(vec![3]));
        assert_eq!(parse("W/\"3\" ,\t\"4\"").0, Some(vec![3, 4]));
        for foreign in ["", "3", "\"\"", "\"a\"", "W/3", "**"] {
            assert_eq!(
                parse(foreign).0,
                Some(vec![]),
                "{foreign:?} names no version"
            );
        }
    }

    #[test]
    fn any_listed_version_matches() {
        let m = parse("\"1\", \"2\"");
        assert!(m.check(2).is_ok());
        assert!(m.check(3).is_err());
        assert!(parse("*").check(7).is_ok());
        assert!(parse("\"x\"").check(1).is_err());
    }
}
