//! Our own `Json`, `Path` and `Query` extractors, so every rejection is our
//! JSON error with a code, never axum's plain text: malformed JSON names the
//! line and column, wrong types and unknown fields name the field, a wrong
//! content type is 415 and an oversize body 413.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use stint_core::FieldError;

use super::error::{ApiError, Code};

/// A JSON body.
pub struct Json<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Json<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json(request.headers().get(CONTENT_TYPE)) {
            return Err(ApiError::new(
                Code::UnsupportedMediaType,
                "Send the body as JSON with `Content-Type: application/json`",
            ));
        }
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(body_rejection)?;
        parse_json(&bytes).map(Json)
    }
}

/// An optional JSON body: absent (no bytes) is `None`, anything sent must be
/// valid JSON.
pub struct OptionalJson<T>(pub Option<T>);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for OptionalJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let content_type = request.headers().get(CONTENT_TYPE).cloned();
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(body_rejection)?;
        // No body, or JSON `null` (the document's "no object"), is absent.
        if bytes.iter().all(u8::is_ascii_whitespace) || bytes.trim_ascii() == b"null" {
            return Ok(OptionalJson(None));
        }
        if !is_json(content_type.as_ref()) {
            return Err(ApiError::new(
                Code::UnsupportedMediaType,
                "Send the body as JSON with `Content-Type: application/json`",
            ));
        }
        parse_json(&bytes).map(|v| OptionalJson(Some(v)))
    }
}

fn is_json(content_type: Option<&axum::http::HeaderValue>) -> bool {
    let Some(value) = content_type.and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

pub fn body_rejection(rejection: BytesRejection) -> ApiError {
    if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(
            Code::PayloadTooLarge,
            "The request body is larger than this server accepts",
        )
    } else {
        ApiError::new(
            Code::InvalidJson,
            format!("Could not read the request body: {rejection}"),
        )
    }
}

/// JSON Schema counts `162.0` as an integer; so do we. Integral floats are
/// turned into integers before typed parsing, so integer fields accept
/// them and decimal fields (which read numbers from their text) lose
/// nothing.
fn integral_floats_to_integers(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Number(n) => {
            if let Some(f) = n.as_f64().filter(|_| n.is_f64())
                && f.fract() == 0.0
                && f.abs() < 9.0e15
            {
                *value = serde_json::Value::from(f as i64);
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(integral_floats_to_integers),
        serde_json::Value::Object(map) => map.values_mut().for_each(integral_floats_to_integers),
        _ => {}
    }
}

/// Parses JSON into `T`, turning serde's complaints into field-level errors.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    // Syntax first (with line and column), then types (with field paths).
    let mut document: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| json_error(".", &e))?;
    integral_floats_to_integers(&mut document);
    let result: Result<T, _> = serde_path_to_error::deserialize(document);
    let value = result.map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner();
        // The document is valid JSON (checked above): whatever serde says,
        // the problem is a field's value.
        if !matches!(inner.classify(), serde_json::error::Category::Data) {
            let field = if path.is_empty() || path == "." {
                "body".to_owned()
            } else {
                path
            };
            return ApiError::validation(vec![FieldError {
                field,
                message: "has a value of the wrong type (null is not allowed here)".into(),
            }]);
        }
        json_error(&path, &inner)
    })?;
    Ok(value)
}

fn json_error(path: &str, error: &serde_json::Error) -> ApiError {
    use serde_json::error::Category;
    match error.classify() {
        Category::Syntax | Category::Eof | Category::Io => ApiError::new(
            Code::InvalidJson,
            format!(
                "The body is not valid JSON: {} at line {} column {}",
                strip_position(&error.to_string()),
                error.line(),
                error.column()
            ),
        ),
        Category::Data => {
            let message = strip_position(&error.to_string());
            let field = field_path(path, &message);
            if let Some(unknown) = message.strip_prefix("unknown field `") {
                let name = unknown.split('`').next().unwrap_or_default();
                // serde_path_to_error already ends the path with the unknown key.
                let field = if path.is_empty() || path == "." {
                    name.to_owned()
                } else {
                    path.to_owned()
                };
                return ApiError::new(Code::UnknownField, format!("Unknown field `{field}`"))
                    .with_details(vec![FieldError {
                        field,
                        message: "is not a field of this operation".into(),
                    }]);
            }
            ApiError::validation(vec![FieldError {
                field,
                message: humanize(&message),
            }])
        }
    }
}

/// serde_path_to_error reports the parent for a missing field; name the
/// missing field itself.
fn field_path(path: &str, message: &str) -> String {
    if let Some(rest) = message.strip_prefix("missing field `") {
        let name = rest.split('`').next().unwrap_or_default();
        return join_path(path, name);
    }
    if path == "." {
        String::new()
    } else {
        path.to_owned()
    }
}

fn join_path(parent: &str, name: &str) -> String {
    if parent.is_empty() || parent == "." {
        name.to_owned()
    } else {
        format!("{parent}.{name}")
    }
}

fn humanize(message: &str) -> String {
    if message.starts_with("missing field") {
        "is required".to_owned()
    } else {
        message.to_owned()
    }
}

/// serde_json appends " at line X column Y"; we report position separately.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

/// Path parameters. A value that does not parse (such as an id of the wrong
/// type) is answered 404: such a resource cannot exist here.
pub struct Path<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Path<T> {
    type Rejection = ApiError;

    #[allow(clippy::disallowed_types)] // the wrapper itself
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(Path(value)),
            Err(_) => Err(ApiError::new(
                Code::NotFound,
                "No such resource in this organization",
            )),
        }
    }
}

/// Query-string parameters; repeated keys fill `Vec` fields.
pub struct Query<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        // `custom_fields[KEY]` conditions have dynamic names; lists that
        // support them read them with `CustomFieldParams`.
        let query =
            super::list_params::without_custom_fields(parts.uri.query().unwrap_or_default());
        serde_html_form::from_str(&query).map(Query).map_err(|e| {
            let message = e.to_string();
            let field = message
                .split('`')
                .nth(1)
                .filter(|_| message.contains("field `"))
                .unwrap_or("query")
                .to_owned();
            ApiError::new(
                Code::InvalidQuery,
                format!("Invalid query string: {message}"),
            )
            .with_details(vec![FieldError { field, message }])
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        name: String,
        inner: Option<Inner>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        count: u32,
    }

    #[test]
    fn names_line_and_column_of_syntax_errors() {
        let err = parse_json::<Body>(b"{\n  \"name\": }").unwrap_err();
        assert_eq!(err.code(), Code::InvalidJson);
        assert!(err.to_string().contains("line 2 column"), "{err}");
    }

    #[test]
    fn names_fields() {
        let err = parse_json::<Body>(br#"{"name": "x", "inner": {"count": "many"}}"#).unwrap_err();
        assert_eq!(err.code(), Code::ValidationFailed);
        assert!(err.to_string().contains("inner.count"), "{err}");
        let err = parse_json::<Body>(br#"{"inner": {"count": 1}}"#).unwrap_err();
        assert!(err.to_string().contains("`name` is required"), "{err}");
        let err = parse_json::<Body>(br#"{"name": "x", "inner": {"count": 1, "colour": 2}}"#)
            .unwrap_err();
        assert_eq!(err.code(), Code::UnknownField);
        assert!(err.to_string().contains("inner.colour"), "{err}");
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    enum Colour {
        Red,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct WithEnum {
        colour: Colour,
    }

    #[test]
    fn null_for_an_enum_names_the_field() {
        let err = parse_json::<WithEnum>(br#"{"colour": null}"#).unwrap_err();
        assert_eq!(err.code(), Code::ValidationFailed);
        assert!(err.to_string().contains("colour"), "{err}");
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Counted {
        count: i64,
    }

    #[test]
    fn integral_floats_are_integers() {
        assert_eq!(
            parse_json::<Counted>(br#"{"count": 162.0}"#).unwrap().count,
            162
        );
        let err = parse_json::<Counted>(br#"{"count": 162.5}"#).unwrap_err();
        assert_eq!(err.code(), Code::ValidationFailed);
    }

    #[test]
    fn rejects_trailing_garbage() {
        let err = parse_json::<Body>(br#"{"name": "x"} {"#).unwrap_err();
        assert_eq!(err.code(), Code::InvalidJson);
    }
}
