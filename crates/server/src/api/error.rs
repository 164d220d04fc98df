//! The one error type of the HTTP edge and its code table. Every failure a
//! client can see is an `ApiError` carrying a `Code`; this file is the only
//! place where codes meet HTTP statuses, and the table doubles as the
//! documentation of every code (see `docs/api-guide.md`).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use stint_core::FieldError;
use stint_store::StoreError;
use utoipa::ToSchema;

use super::request_id;

macro_rules! codes {
    ($($variant:ident => ($status:ident, $code:literal, $doc:literal),)*) => {
        /// Every error code the API answers with.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Code { $($variant,)* }

        impl Code {
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            pub fn status(self) -> StatusCode {
                match self { $(Code::$variant => StatusCode::$status,)* }
            }

            /// The stable snake_case code clients match on.
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $code,)* }
            }

            /// When a client sees it, for the documentation.
            pub fn description(self) -> &'static str {
                match self { $(Code::$variant => $doc,)* }
            }
        }
    };
}

codes! {
    InvalidJson => (BAD_REQUEST, "invalid_json", "The body is not valid JSON; the message gives the line and column."),
    ValidationFailed => (BAD_REQUEST, "validation_failed", "One or more fields are missing, of the wrong type or invalid; `details` names each field."),
    WebhookUrlNotAllowed => (BAD_REQUEST, "webhook_url_not_allowed", "The webhook URL points at a loopback, private, link-local, multicast or unspecified address, which this server does not deliver to."),
    UnknownField => (BAD_REQUEST, "unknown_field", "The body has a field this operation does not know; `details` names it. Typos never silently drop data."),
    InvalidQuery => (BAD_REQUEST, "invalid_query", "A query parameter is malformed; `details` names it."),
    InvalidCursor => (BAD_REQUEST, "invalid_cursor", "The pagination cursor was not produced by this list."),
    InvalidHeader => (BAD_REQUEST, "invalid_header", "A request header is malformed (such as an `Idempotency-Key` longer than 255 characters)."),
    MissingCredentials => (UNAUTHORIZED, "missing_credentials", "No credentials were sent. Send `Authorization: Bearer <jwt>`, `Authorization: Token <token>` or `X-Api-Key: <token>`."),
    InvalidCredentials => (UNAUTHORIZED, "invalid_credentials", "The email and password, or the API key and secret, do not match. The message is the same whether the account or key exists or not."),
    InvalidToken => (UNAUTHORIZED, "invalid_token", "The token is malformed or its signature is wrong."),
    TokenExpired => (UNAUTHORIZED, "token_expired", "The token has expired: refresh it (users) or log in again with the key pair (API keys)."),
    TokenRevoked => (UNAUTHORIZED, "token_revoked", "The session was signed out or the API key was deleted."),
    RefreshTokenReused => (UNAUTHORIZED, "refresh_token_reused", "A refresh token was presented after it had been spent; its whole session is revoked. Sign in again."),
    AccountInactive => (UNAUTHORIZED, "account_inactive", "The member has been deactivated in this organization."),
    PublicApiInactive => (UNAUTHORIZED, "public_api_inactive", "The organization's Public API app is switched off, so its API keys do not work until an owner or admin activates it."),
    InsufficientScope => (FORBIDDEN, "insufficient_scope", "The API key lacks the scope this operation needs (a read-only key tried to write)."),
    InsufficientRole => (FORBIDDEN, "insufficient_role", "The caller's role does not allow this operation (for example a member doing an admin's job)."),
    PlanLimitReached => (FORBIDDEN, "plan_limit_reached", "The organization's plan allows no more of these (API keys, webhooks, members); the message names the limit and its value."),
    PlanFeatureUnavailable => (FORBIDDEN, "plan_feature_unavailable", "The organization's plan does not include this feature (such as the Public API app)."),
    SignupDisabled => (FORBIDDEN, "signup_disabled", "This server does not allow signing up; ask its operator for an account."),
    NotFound => (NOT_FOUND, "not_found", "No such resource in this organization; or, with `details` naming each field, the body refers to records that do not exist. Another organization's ids answer the same."),
    RouteNotFound => (NOT_FOUND, "route_not_found", "No operation at this path."),
    MethodNotAllowed => (METHOD_NOT_ALLOWED, "method_not_allowed", "The path exists but not with this HTTP method; see the `Allow` header."),
    Conflict => (CONFLICT, "conflict", "The change conflicts with the current state: a duplicate, or records the body refers to exist but do not fit (`details` names each field)."),
    EmailTaken => (CONFLICT, "email_taken", "An account with this email exists; sign up with its password to add an organization to it."),
    AppInactive => (CONFLICT, "app_inactive", "The Public API app must be active for this operation."),
    InUse => (CONFLICT, "in_use", "The record is referenced by history (time entries, invoice lines, projects …) and cannot be deleted; archive it with `PATCH {\"status\": \"archived\"}`."),
    LastOwner => (CONFLICT, "last_owner", "The organization's last owner cannot be demoted or deactivated; make someone else owner first."),
    IdempotencyKeyReused => (CONFLICT, "idempotency_key_reused", "This `Idempotency-Key` was already used with a different request; use a new key."),
    IdempotencyKeyInUse => (CONFLICT, "idempotency_key_in_use", "The first request with this `Idempotency-Key` is still running; retry shortly."),
    TimerAlreadyRunning => (CONFLICT, "timer_already_running", "The member already has a running timer (named in the message); stop it first or start with `stop_running: true`."),
    TimerNotRunning => (CONFLICT, "timer_not_running", "The time entry is not a running timer."),
    TimeEntryLocked => (CONFLICT, "time_entry_locked", "The time entry (or expense) is invoiced and can no longer be changed or deleted."),
    PeriodLocked => (CONFLICT, "period_locked", "The date falls before the organization's `lock_before` setting; that period is closed."),
    PreconditionFailed => (PRECONDITION_FAILED, "precondition_failed", "`If-Match` names a version the record no longer has: fetch it again and reapply your change."),
    PayloadTooLarge => (PAYLOAD_TOO_LARGE, "payload_too_large", "The body is larger than the server accepts."),
    UnsupportedMediaType => (UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", "The body must be JSON, sent with `Content-Type: application/json`."),
    RateLimited => (TOO_MANY_REQUESTS, "rate_limited", "Too many requests in the current window; wait the seconds given in `Retry-After`."),
    Internal => (INTERNAL_SERVER_ERROR, "internal", "Something failed inside the server. It was logged with the request id; nothing partial was saved."),
    Unavailable => (SERVICE_UNAVAILABLE, "unavailable", "The database or another dependency is unreachable right now; retry later."),
    Timeout => (SERVICE_UNAVAILABLE, "timeout", "The request took longer than the server allows; retry later."),
}

/// The code table as Markdown, for the guide (a test keeps the docs equal).
pub fn code_table_markdown() -> String {
    let mut out = String::from("| HTTP | code | meaning |\n|---|---|---|\n");
    for code in Code::ALL {
        out.push_str(&format!(
            "| {} | `{}` | {} |\n",
            code.status().as_u16(),
            code.as_str(),
            code.description()
        ));
    }
    out
}

/// An error answered to a client.
#[derive(Debug)]
pub struct ApiError {
    code: Code,
    message: String,
    details: Vec<FieldError>,
    /// Seconds a client should wait before retrying (`Retry-After`).
    retry_after: Option<u64>,
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl ApiError {
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            details: Vec::new(),
            retry_after: None,
            source: None,
        }
    }

    /// Adds a `Retry-After` header (seconds).
    pub fn with_retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds);
        self
    }

    pub fn with_details(mut self, details: Vec<FieldError>) -> Self {
        self.details = details;
        self
    }

    /// A field-level validation failure: `400 validation_failed`, or
    /// `404 not_found` when every problem is a reference to a record that
    /// does not exist (`Validation::missing`), as JSON:API answers for a
    /// missing related resource. Either way `details` names each field.
    pub fn validation(details: Vec<FieldError>) -> Self {
        // A body that is well formed but names records that do not exist
        // answers 404; one whose referenced records exist but do not fit
        // (archived, deactivated, under another parent) answers 409. Any
        // other problem makes it a 400 listing everything.
        let about_references = !details.is_empty()
            && details
                .iter()
                .all(|d| d.is_missing_reference() || d.is_reference_conflict());
        let only_missing = about_references && details.iter().all(FieldError::is_missing_reference);
        let message = match details.as_slice() {
            [one] => format!("`{}` {}", one.field, one.message),
            _ if only_missing => format!(
                "{} referenced records do not exist in this organization; see details",
                details.len()
            ),
            _ if about_references => format!(
                "{} referenced records do not fit this request; see details",
                details.len()
            ),
            _ => format!("{} fields are invalid; see details", details.len()),
        };
        let code = if only_missing {
            Code::NotFound
        } else if about_references {
            Code::Conflict
        } else {
            Code::ValidationFailed
        };
        Self::new(code, message).with_details(details)
    }

    /// A well-formed request that does not fit stored data, on one field:
    /// 409 `conflict` with `details` naming it.
    pub fn field_conflict(field: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        Self::new(Code::Conflict, format!("`{field}` {message}")).with_details(vec![FieldError {
            field: field.into(),
            message,
        }])
    }

    pub fn field(field: &str, message: impl Into<String>) -> Self {
        Self::validation(vec![FieldError {
            field: field.into(),
            message: message.into(),
        }])
    }

    /// `what` is the resource in the message, such as "member".
    pub fn not_found(what: &str) -> Self {
        Self::new(
            Code::NotFound,
            format!("No such {what} in this organization"),
        )
    }

    /// An unexpected failure; the cause is logged, never shown.
    pub fn internal(source: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self {
            code: Code::Internal,
            message: "Internal server error".into(),
            details: Vec::new(),
            retry_after: None,
            source: Some(Box::new(source)),
        }
    }

    pub fn code(&self) -> Code {
        self.code
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.message)
    }
}

/// The JSON body of every error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// Human-readable message; safe to show to a person.
    #[schema(example = "No such member in this organization")]
    pub error: String,
    /// Stable machine-readable code; see the code table in the guide.
    #[schema(example = "not_found")]
    pub code: String,
    /// The request's id, also in the `X-Request-Id` header; quote it to support.
    #[schema(example = "req_01jd8x2k4m6n8p9q0r1s2t3v4w")]
    pub request_id: String,
    /// Field-level problems, for validation errors.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<FieldError>,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.code.status();
        if status.is_server_error() {
            let chain = self
                .source
                .as_deref()
                .map(|e| error_chain(e))
                .unwrap_or_default();
            tracing::error!(code = self.code.as_str(), cause = %chain, "{}", self.message);
        }
        let body = ErrorBody {
            error: self.message,
            code: self.code.as_str().to_owned(),
            request_id: request_id::current().unwrap_or_default(),
            details: self.details,
        };
        let mut response = (status, axum::Json(body)).into_response();
        if let Some(seconds) = self.retry_after
            && let Ok(value) = HeaderValue::from_str(&seconds.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"stint\""),
            );
        }
        response
    }
}

/// `error: cause: cause …`, for logs.
fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut out = error.to_string();
    let mut next = error.source();
    while let Some(cause) = next {
        out.push_str(": ");
        out.push_str(&cause.to_string());
        next = cause.source();
    }
    out
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Unique { .. } => {
                ApiError::new(Code::Conflict, "This conflicts with an existing record")
            }
            StoreError::Unavailable(_) => {
                tracing::warn!(error = %error_chain(&error), "database unavailable");
                ApiError::new(
                    Code::Unavailable,
                    "The database is unavailable; retry later",
                )
            }
            other => ApiError::internal(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_snake_case() {
        let mut seen = std::collections::HashSet::new();
        for code in Code::ALL {
            assert!(seen.insert(code.as_str()), "duplicate {}", code.as_str());
            assert!(
                code.as_str()
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '_')
            );
            assert!(!code.description().is_empty());
        }
    }
}
