//! Response envelopes: `{"data": …}` for one object, `{"data": […], "meta":
//! {…}}` for a list, with `ETag` and `Location` where they apply.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// One object.
#[derive(Debug, Serialize, ToSchema)]
pub struct Data<T> {
    pub data: T,
}

/// A page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct List<T> {
    pub data: Vec<T>,
    pub meta: ListMeta,
}

/// Where a list stands.
#[derive(Debug, Serialize, ToSchema)]
pub struct ListMeta {
    /// The page size used.
    #[schema(example = 50)]
    pub limit: u32,
    /// Whether another page follows.
    pub has_more: bool,
    /// Pass as `cursor` to get the next page; null on the last page.
    #[schema(example = "c1AZNkq3Ow7fXyB3p1vQ2pg")]
    pub next_cursor: Option<String>,
}

/// The ETag of a row at a version.
pub fn etag(version: i64) -> String {
    format!("\"{version}\"")
}

/// 200 with one object.
pub fn ok<T: Serialize>(data: T) -> Response {
    axum::Json(Data { data }).into_response()
}

/// 200 with one object and its ETag.
pub fn ok_versioned<T: Serialize>(data: T, version: i64) -> Response {
    with_etag(ok(data), version)
}

/// 201 with the created object, its `Location` and, when versioned, its ETag.
pub fn created<T: Serialize>(location: &str, data: T, version: Option<i64>) -> Response {
    let mut response = (StatusCode::CREATED, axum::Json(Data { data })).into_response();
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    match version {
        Some(v) => with_etag(response, v),
        None => response,
    }
}

pub fn list<T: Serialize>(data: Vec<T>, meta: ListMeta) -> Response {
    axum::Json(List { data, meta }).into_response()
}

pub fn no_content() -> Response {
    StatusCode::NO_CONTENT.into_response()
}

fn with_etag(mut response: Response, version: i64) -> Response {
    if let Ok(value) = HeaderValue::from_str(&etag(version)) {
        response.headers_mut().insert(header::ETAG, value);
    }
    response
}
