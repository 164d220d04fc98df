//! `Idempotency-Key` on POST: the first response for a key is stored (for
//! 24 hours, per organization and caller) and a retry gets the same response
//! back, marked `Idempotent-Replayed: true`, instead of acting twice. The
//! same key with a different request is `409 idempotency_key_reused`; a
//! retry while the first is still running is `409 idempotency_key_in_use`.
//! Server errors are not stored, so the request can be retried.
//!
//! Requests without credentials (signup, sign-in) are not covered: there is
//! no caller to scope the key to, and they create nothing a retry would
//! duplicate harmfully.

use axum::body::{Body, to_bytes};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::Duration;
use uuid::Uuid;

use super::error::{ApiError, Code};
use crate::auth::crypto::sha256;
use crate::auth::{Actor, Ctx};
use crate::state::AppState;
use stint_store::idempotency::Claim;

pub const HEADER: &str = "idempotency-key";
const KEEP_FOR: Duration = Duration::hours(24);
const MAX_KEY_LEN: usize = 255;
/// Response headers worth replaying.
const REPLAYED_HEADERS: [HeaderName; 3] = [header::CONTENT_TYPE, header::LOCATION, header::ETAG];

fn actor_key(ctx: &Ctx) -> Uuid {
    match ctx.actor() {
        Actor::User { member, .. } => member.uuid(),
        Actor::ApiKey { key, .. } => key.uuid(),
    }
}

pub async fn middleware(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if request.method() != Method::POST {
        return next.run(request).await;
    }
    let Some(key) = request.headers().get(HEADER).cloned() else {
        return next.run(request).await;
    };
    // Exactly the documented pattern: printable ASCII, no surrounding spaces.
    let well_formed = |k: &str| {
        !k.is_empty()
            && k.len() <= MAX_KEY_LEN
            && k.bytes().all(|b| (b' '..=b'~').contains(&b))
            && !k.starts_with(' ')
            && !k.ends_with(' ')
    };
    let key = match key.to_str() {
        Ok(k) if well_formed(k) => k.to_owned(),
        _ => {
            return ApiError::new(
                Code::InvalidHeader,
                "Idempotency-Key must be 1 to 255 printable characters",
            )
            .into_response();
        }
    };
    let (mut parts, body) = request.into_parts();
    let Ok(ctx) = Ctx::from_request_parts(&mut parts, &state).await else {
        // No caller to scope the key to: the handler answers as usual.
        return next.run(Request::from_parts(parts, body)).await;
    };
    let bytes = match to_bytes(body, state.settings.http.body_limit).await {
        Ok(b) => b,
        Err(_) => {
            return ApiError::new(
                Code::PayloadTooLarge,
                "The request body is larger than this server accepts",
            )
            .into_response();
        }
    };
    let mut fingerprint = parts.method.as_str().as_bytes().to_vec();
    fingerprint.extend_from_slice(parts.uri.path().as_bytes());
    fingerprint.push(b'?');
    fingerprint.extend_from_slice(parts.uri.query().unwrap_or_default().as_bytes());
    fingerprint.push(0);
    fingerprint.extend_from_slice(&bytes);
    let hash = sha256(&fingerprint);
    let actor = actor_key(&ctx);

    let now = state.now();
    let claim = async {
        let mut tx = ctx.write().await?;
        let claim = tx
            .claim_idempotency_key(actor, &key, &hash, now, now - KEEP_FOR)
            .await?;
        tx.commit().await?;
        Ok::<_, ApiError>(claim)
    }
    .await;
    match claim {
        Err(e) => e.into_response(),
        Ok(Claim::Mismatch) => ApiError::new(
            Code::IdempotencyKeyReused,
            "This Idempotency-Key was already used with a different request",
        )
        .into_response(),
        Ok(Claim::InProgress) => ApiError::new(
            Code::IdempotencyKeyInUse,
            "A request with this Idempotency-Key is still being processed",
        )
        .into_response(),
        Ok(Claim::Replay(stored)) => replay(stored),
        Ok(Claim::New) => {
            let response = next
                .run(Request::from_parts(parts, Body::from(bytes)))
                .await;
            finish(&ctx, actor, &key, response).await
        }
    }
}

async fn finish(ctx: &Ctx, actor: Uuid, key: &str, response: Response) -> Response {
    let status = response.status();
    if status.is_server_error() {
        let released = async {
            let mut tx = ctx.write().await?;
            tx.release_idempotency_key(actor, key).await?;
            tx.commit().await?;
            Ok::<_, ApiError>(())
        }
        .await;
        if let Err(error) = released {
            tracing::warn!(%error, "could not release an idempotency key");
        }
        return response;
    }
    let (parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, usize::MAX).await else {
        return ApiError::new(Code::Internal, "Could not read the response").into_response();
    };
    let headers: Vec<(String, String)> = REPLAYED_HEADERS
        .iter()
        .filter_map(|name| {
            parts
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(|v| (name.to_string(), v.to_owned()))
        })
        .collect();
    let stored = async {
        let mut tx = ctx.write().await?;
        tx.complete_idempotency_key(actor, key, status.as_u16(), headers, bytes.to_vec())
            .await?;
        tx.commit().await?;
        Ok::<_, ApiError>(())
    }
    .await;
    if let Err(error) = stored {
        tracing::warn!(%error, "could not store an idempotent response");
    }
    Response::from_parts(parts, Body::from(bytes))
}

fn replay(stored: stint_store::idempotency::StoredResponse) -> Response {
    let status = stored
        .response_status
        .and_then(|s| u16::try_from(s).ok())
        .and_then(|s| StatusCode::from_u16(s).ok())
        .unwrap_or(StatusCode::OK);
    let mut response = Response::new(Body::from(stored.response_body.unwrap_or_default()));
    *response.status_mut() = status;
    for (name, value) in stored.response_headers.map(|h| h.0).unwrap_or_default() {
        if let (Ok(name), Ok(value)) = (HeaderName::try_from(name), HeaderValue::from_str(&value)) {
            response.headers_mut().insert(name, value);
        }
    }
    response
        .headers_mut()
        .insert("idempotent-replayed", HeaderValue::from_static("true"));
    response
}
