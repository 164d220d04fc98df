//! List parameters shared by every list: `limit`, `cursor` and
//! `updated_since`. Cursors are opaque to clients: today the last id seen,
//! base64url-encoded behind a version tag so the format can change.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use stint_store::{Page, PageRequest};
use uuid::Uuid;

use super::error::{ApiError, Code};
use super::response::ListMeta;

pub const DEFAULT_LIMIT: u32 = 50;
pub const MAX_LIMIT: u32 = 1000;
const CURSOR_TAG: &[u8] = b"c1";

/// Declares a list's query parameters: the common `limit`, `cursor` and
/// `updated_since`, then the list's own filters. Unknown parameters are
/// refused, so a misspelt filter never silently returns everything.
#[macro_export]
macro_rules! list_query {
    ($(#[$meta:meta])* pub struct $name:ident { $($(#[$fmeta:meta])* pub $field:ident : $ty:ty,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
        #[serde(deny_unknown_fields)]
        #[into_params(parameter_in = Query)]
        pub struct $name {
            /// Rows per page, 1 to 1000.
            #[param(minimum = 1, maximum = 1000, default = 50)]
            pub limit: Option<u32>,
            /// The `meta.next_cursor` of the previous page.
            #[param(pattern = "^YzE[A-Za-z0-9_-]{21}$")]
            pub cursor: Option<String>,
            /// Only rows created or changed at or after this instant (RFC 3339 with an offset), for incremental sync.
            #[param(value_type = Option<String>, format = DateTime, example = "2026-01-31T09:00:00Z")]
            pub updated_since: Option<chrono::DateTime<chrono::Utc>>,
            $($(#[$fmeta])* pub $field: $ty,)*
        }

        impl $name {
            pub fn page(&self) -> Result<stint_store::PageRequest, $crate::api::error::ApiError> {
                $crate::api::pagination::page_request(self.limit, self.cursor.as_deref(), self.updated_since)
            }
        }
    };
}

pub fn page_request(
    limit: Option<u32>,
    cursor: Option<&str>,
    updated_since: Option<DateTime<Utc>>,
) -> Result<PageRequest, ApiError> {
    let limit = limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(
            ApiError::new(Code::InvalidQuery, "`limit` must be between 1 and 1000").with_details(
                vec![stint_core::FieldError {
                    field: "limit".into(),
                    message: "must be between 1 and 1000".into(),
                }],
            ),
        );
    }
    let after = cursor.map(decode_cursor).transpose()?;
    Ok(PageRequest {
        limit,
        after,
        updated_since,
    })
}

pub fn encode_cursor(id: Uuid) -> String {
    let mut bytes = CURSOR_TAG.to_vec();
    bytes.extend_from_slice(id.as_bytes());
    URL_SAFE_NO_PAD.encode(bytes)
}

fn decode_cursor(cursor: &str) -> Result<Uuid, ApiError> {
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|bytes| {
            bytes
                .strip_prefix(CURSOR_TAG)
                .and_then(|id| Uuid::from_slice(id).ok())
        })
        .ok_or_else(|| {
            ApiError::new(
                Code::InvalidCursor,
                "The cursor is not one this list produced",
            )
        })
}

/// The `meta` of a page whose rows have the given ids.
pub fn meta<T>(page: &Page<T>, request: &PageRequest, last_id: impl Fn(&T) -> Uuid) -> ListMeta {
    ListMeta {
        limit: request.limit,
        has_more: page.has_more,
        next_cursor: page
            .has_more
            .then(|| page.items.last().map(|t| encode_cursor(last_id(t))))
            .flatten(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let id = Uuid::now_v7();
        assert_eq!(decode_cursor(&encode_cursor(id)).unwrap(), id);
        assert!(decode_cursor("nonsense").is_err());
        assert!(decode_cursor("").is_err());
    }

    #[test]
    fn limits_are_bounded() {
        assert!(page_request(Some(0), None, None).is_err());
        assert!(page_request(Some(1001), None, None).is_err());
        assert_eq!(page_request(None, None, None).unwrap().limit, 50);
    }
}
