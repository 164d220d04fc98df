//! Parameters shared by lists beyond paging: the `status` filter and the
//! `custom_fields[KEY]=VALUE` conditions, which have dynamic names and so
//! are read from the raw query string.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use stint_core::FieldError;
use stint_store::filters::StatusFilter;

use super::error::{ApiError, Code};

/// `status=active` (default: not archived), `archived`, `all`, or exact
/// statuses from `exact` (comma-separated, no spaces), exactly as each
/// list's documented pattern says.
pub fn status_filter(value: Option<&str>, exact: &[&str]) -> Result<StatusFilter, ApiError> {
    match value {
        None | Some("active") => Ok(StatusFilter::Active),
        Some("archived") => Ok(StatusFilter::Archived),
        Some("all") => Ok(StatusFilter::All),
        Some(list) => {
            let values: Vec<String> = list.split(',').map(str::to_owned).collect();
            if let Some(bad) = values.iter().find(|v| !exact.contains(&v.as_str())) {
                let mut allowed = vec!["active", "archived", "all"];
                allowed.extend(exact.iter().filter(|e| !["active", "archived"].contains(e)));
                return Err(
                    ApiError::new(Code::InvalidQuery, format!("Unknown status `{bad}`"))
                        .with_details(vec![FieldError {
                            field: "status".into(),
                            message: format!("must be one of {}", allowed.join(", ")),
                        }]),
                );
            }
            Ok(StatusFilter::Only(values))
        }
    }
}

/// The `custom_fields[KEY]=VALUE` pairs of a request, in order.
#[derive(Debug, Clone, Default)]
pub struct CustomFieldParams(pub Vec<(String, String)>);

impl<S: Send + Sync> FromRequestParts<S> for CustomFieldParams {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        let pairs: Vec<(String, String)> = serde_html_form::from_str(query)
            .map_err(|e| ApiError::new(Code::InvalidQuery, format!("Invalid query string: {e}")))?;
        Ok(CustomFieldParams(
            pairs
                .into_iter()
                .filter_map(|(k, v)| {
                    k.strip_prefix("custom_fields[")
                        .and_then(|r| r.strip_suffix(']'))
                        .map(|key| (key.to_owned(), v))
                })
                .collect(),
        ))
    }
}

/// Removes `custom_fields[…]` pairs so the rest can be parsed strictly.
pub fn without_custom_fields(query: &str) -> String {
    query
        .split('&')
        .filter(|pair| {
            let name = pair.split('=').next().unwrap_or_default();
            let decoded = name.replace("%5B", "[").replace("%5b", "[");
            !decoded.starts_with("custom_fields[")
        })
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_values() {
        assert_eq!(status_filter(None, &[]).unwrap(), StatusFilter::Active);
        assert_eq!(status_filter(Some("all"), &[]).unwrap(), StatusFilter::All);
        assert_eq!(
            status_filter(Some("open,done"), &["open", "done"]).unwrap(),
            StatusFilter::Only(vec!["open".into(), "done".into()])
        );
        assert!(status_filter(Some("bogus"), &["open"]).is_err());
    }

    #[test]
    fn strips_custom_field_pairs() {
        assert_eq!(
            without_custom_fields("limit=2&custom_fields[a]=1&q=x"),
            "limit=2&q=x"
        );
        assert_eq!(without_custom_fields("custom_fields%5Ba%5D=1"), "");
    }
}
