//! The limits as middleware. Authenticated requests are counted against
//! their quota and every answer carries `RateLimit-Limit`,
//! `RateLimit-Remaining` and `RateLimit-Reset`; over the quota the answer
//! is 429 with `Retry-After`. Unauthenticated credential endpoints are
//! limited per client IP address.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::header::AUTHORIZATION;
use axum::http::{HeaderMap, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::quota::{Standing, count};
use super::window::window;
use crate::api::error::{ApiError, Code};
use crate::auth::authenticate;
use crate::state::AppState;

/// The unauthenticated operations that check credentials.
const CREDENTIAL_PATHS: [&str; 5] = [
    "/api/v1/signup",
    "/api/v1/token-auth",
    "/api/v1/token-refresh",
    "/api/v1/login",
    "/api/v1/invitations/accept",
];

fn set_headers(headers: &mut HeaderMap, standing: &Standing) {
    for (name, value) in [
        ("ratelimit-limit", standing.limit.to_string()),
        ("ratelimit-remaining", standing.remaining.to_string()),
        ("ratelimit-reset", standing.reset.to_string()),
    ] {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    }
}

pub async fn limit(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if request.method() == Method::POST && CREDENTIAL_PATHS.contains(&request.uri().path()) {
        let peer = request
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        if let Err(error) = per_ip(&state, peer).await {
            return error.into_response();
        }
        return next.run(request).await;
    }
    let has_credentials = request.headers().contains_key(AUTHORIZATION)
        || request.headers().contains_key("x-api-key");
    if !has_credentials || !request.uri().path().starts_with("/api/") {
        return next.run(request).await;
    }
    let (mut parts, body) = request.into_parts();
    // A credential that does not check out is answered by the handler (401)
    // and not counted: there is no one to count it against.
    let Ok(ctx) = authenticate(&state, &parts.headers).await else {
        return next.run(Request::from_parts(parts, body)).await;
    };
    parts.extensions.insert(ctx.clone());
    let standing = match count(&state, &ctx).await {
        Ok(standing) => standing,
        Err(error) => return error.into_response(),
    };
    match standing {
        Some(standing) if !standing.allowed => {
            let mut response = standing.exceeded().into_response();
            set_headers(response.headers_mut(), &standing);
            response
        }
        Some(standing) => {
            let mut response = next.run(Request::from_parts(parts, body)).await;
            set_headers(response.headers_mut(), &standing);
            response
        }
        None => next.run(Request::from_parts(parts, body)).await,
    }
}

/// At most `rate_limit.credential_requests_per_minute` per client address.
async fn per_ip(state: &AppState, peer: Option<std::net::IpAddr>) -> Result<(), ApiError> {
    let Some(peer) = peer else {
        return Ok(());
    };
    let limit = state.settings.rate_limit.credential_requests_per_minute;
    let w = window(state.now(), 60);
    let count = state
        .limits
        .counter
        .hit(&format!("ip:{peer}"), w.index, 60)
        .await
        .map_err(|_| {
            ApiError::new(
                Code::Unavailable,
                "Rate limiting is unavailable; retry shortly",
            )
        })?;
    match count {
        Some(n) if n > limit => Err(ApiError::new(
            Code::RateLimited,
            format!(
                "Too many sign-in requests from this address ({limit} per minute); retry after {} seconds",
                w.reset_seconds
            ),
        )
        .with_retry_after(u64::try_from(w.reset_seconds).unwrap_or(1))),
        _ => Ok(()),
    }
}
