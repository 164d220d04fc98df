//! Turning the credential a request presents into a `Ctx`. User sessions are
//! read from the database on every request; API keys come from the
//! process's credential cache (`credential_cache.rs`), which the services
//! invalidate when they delete a key or switch the Public API app, so either
//! way deleting a key, switching the app off, signing out or deactivating a
//! member takes effect on the very next request.

use std::sync::Arc;

use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use chrono::{DateTime, Duration, Utc};
use stint_core::ids::{ApiKeyId, OrgId, SessionId, UserId};
use stint_core::{Role, Scopes};
use stint_store::api_keys::ApiKeyCredential;

use super::api_key_format::split_token;
use super::crypto::{hmac_sha256, hmac_sha256_verify};
use super::ctx::{Actor, Ctx};
use super::jwt::{self, JwtError, TokenKind};
use crate::api::error::{ApiError, Code};
use crate::state::AppState;

/// `last_used_at` is written at most this often per key.
const USAGE_WRITE_INTERVAL: Duration = Duration::seconds(60);

fn invalid_token() -> ApiError {
    ApiError::new(
        Code::InvalidToken,
        "The token is malformed or was not issued by this server",
    )
}

pub fn invalid_key_pair() -> ApiError {
    ApiError::new(Code::InvalidCredentials, "Invalid API key or secret")
}

/// The raw credential from `Authorization` (schemes `Bearer`, `JWT`,
/// `Token`) or `X-Api-Key`. Which kind it is follows from its shape, so a
/// client that sends a JWT under `Token` still gets in.
fn presented_credential(headers: &HeaderMap) -> Result<String, ApiError> {
    if let Some(value) = headers.get(AUTHORIZATION) {
        let text = value.to_str().map_err(|_| invalid_token())?.trim();
        let (scheme, credential) = text.split_once(' ').ok_or_else(|| {
            ApiError::new(
                Code::InvalidToken,
                "The Authorization header must be `Bearer <jwt>`, `JWT <jwt>` or `Token <token>`",
            )
        })?;
        if !["bearer", "jwt", "token"].contains(&scheme.to_ascii_lowercase().as_str()) {
            return Err(ApiError::new(
                Code::InvalidToken,
                format!("Unsupported Authorization scheme `{scheme}`; use Bearer, JWT or Token"),
            ));
        }
        return Ok(credential.trim().to_owned());
    }
    if let Some(value) = headers.get("x-api-key") {
        return Ok(value
            .to_str()
            .map_err(|_| invalid_token())?
            .trim()
            .to_owned());
    }
    Err(ApiError::new(
        Code::MissingCredentials,
        "Authentication required: send `Authorization: Bearer <jwt>`, `Authorization: Token <token>` or `X-Api-Key: <token>`",
    ))
}

pub async fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<Ctx, ApiError> {
    let credential = presented_credential(headers)?;
    if let Some((public, secret)) = split_token(&credential) {
        let key = verify_api_key_pair(state, public, secret).await?;
        return api_key_ctx(state, &key);
    }
    let now = state.now();
    let claims =
        jwt::verify(&credential, &state.keys.jwt, now.timestamp()).map_err(|e| match e {
            JwtError::Expired => ApiError::new(Code::TokenExpired, "The token has expired"),
            JwtError::Malformed | JwtError::BadSignature => invalid_token(),
        })?;
    let org: OrgId = claims.org.parse().map_err(|_| invalid_token())?;
    match claims.kind {
        TokenKind::User => {
            let user: UserId = claims.sub.parse().map_err(|_| invalid_token())?;
            let session: SessionId = claims
                .sid
                .as_deref()
                .and_then(|s| s.parse().ok())
                .ok_or_else(invalid_token)?;
            user_ctx(state, org, user, session, now).await
        }
        TokenKind::ApiKey => {
            let id: ApiKeyId = claims.sub.parse().map_err(|_| invalid_token())?;
            let key = match state.credentials.by_id(id, now) {
                Some(key) => key,
                None => {
                    let ticket = state.credentials.ticket();
                    let mut system = state.store.system().read().await?;
                    let key = Arc::new(
                        system
                            .api_key_credential_by_id(id)
                            .await?
                            .ok_or_else(invalid_token)?,
                    );
                    drop(system);
                    state.credentials.fill(ticket, None, &key, now);
                    key
                }
            };
            if key.org_id != org {
                return Err(invalid_token());
            }
            if key.revoked_at.is_some() {
                return Err(ApiError::new(
                    Code::TokenRevoked,
                    "This API key has been deleted",
                ));
            }
            api_key_ctx(state, &key)
        }
    }
}

async fn user_ctx(
    state: &AppState,
    org: OrgId,
    user: UserId,
    session: SessionId,
    now: DateTime<Utc>,
) -> Result<Ctx, ApiError> {
    let mut system = state.store.system().read().await?;
    let principal = system
        .session_principal(session)
        .await?
        .ok_or_else(invalid_token)?;
    drop(system);
    if principal.org_id != org || principal.user_id != user {
        return Err(invalid_token());
    }
    if principal.revoked_at.is_some() || principal.expires_at <= now {
        return Err(ApiError::new(
            Code::TokenRevoked,
            "This session has ended; sign in again",
        ));
    }
    if principal.member_status != "active" {
        return Err(ApiError::new(
            Code::AccountInactive,
            "Your membership of this organization is not active",
        ));
    }
    let role: Role = principal.role.parse().map_err(|e: String| {
        ApiError::internal(std::io::Error::other(format!("stored role: {e}")))
    })?;
    let actor = Actor::User {
        user,
        member: principal.member_id,
        session,
    };
    Ok(Ctx::new(
        state,
        org,
        actor,
        role,
        Scopes::ALL,
        principal.plan,
    ))
}

/// Checks a key pair; the same error whether the key exists or not. The
/// stored HMAC comes from the credential cache when it holds the key; the
/// secret is checked against it either way.
pub async fn verify_api_key_pair(
    state: &AppState,
    public: &str,
    secret: &str,
) -> Result<Arc<ApiKeyCredential>, ApiError> {
    let now = state.now();
    let found = match state.credentials.by_public(public, now) {
        Some(key) => Some(key),
        None => {
            let ticket = state.credentials.ticket();
            let mut system = state.store.system().read().await?;
            let found = system.api_key_credential_by_public(public).await?;
            drop(system);
            found.map(|key| {
                let key = Arc::new(key);
                state.credentials.fill(ticket, Some(public), &key, now);
                key
            })
        }
    };
    let Some(key) = found else {
        // Spend the same work as a real check.
        let _ = hmac_sha256(&state.keys.api_key_hmac, secret.as_bytes());
        return Err(invalid_key_pair());
    };
    if !hmac_sha256_verify(
        &state.keys.api_key_hmac,
        secret.as_bytes(),
        &key.secret_hash,
    ) {
        return Err(invalid_key_pair());
    }
    if key.revoked_at.is_some() {
        return Err(ApiError::new(
            Code::TokenRevoked,
            "This API key has been deleted",
        ));
    }
    Ok(key)
}

/// The Public API app gate and the context of a proven key.
fn api_key_ctx(state: &AppState, key: &ApiKeyCredential) -> Result<Ctx, ApiError> {
    if key.public_api_status != "active" {
        return Err(public_api_inactive());
    }
    record_usage(state, key.id, key.last_used_at);
    let scopes = Scopes::from_db(&key.scopes);
    Ok(Ctx::new(
        state,
        key.org_id,
        Actor::ApiKey {
            key: key.id,
            creator: key.creator(),
        },
        Role::Admin,
        scopes,
        key.plan.clone(),
    ))
}

pub fn public_api_inactive() -> ApiError {
    ApiError::new(
        Code::PublicApiInactive,
        "The Public API app of this organization is inactive; an owner or admin can activate it",
    )
}

/// Writes `last_used_at` in the background, at most once a minute per key.
fn record_usage(state: &AppState, key: ApiKeyId, stored: Option<DateTime<Utc>>) {
    let now = state.now();
    if stored.is_some_and(|at| now - at < USAGE_WRITE_INTERVAL) {
        return;
    }
    {
        let mut seen = state.key_usage.lock().unwrap_or_else(|e| e.into_inner());
        if seen
            .get(&key)
            .is_some_and(|at| now - *at < USAGE_WRITE_INTERVAL)
        {
            return;
        }
        seen.insert(key, now);
    }
    let store = state.store.clone();
    tokio::spawn(async move {
        let result = async {
            let mut system = store.system().write().await?;
            system.touch_api_key(key, now).await?;
            system.commit().await
        }
        .await;
        if let Err(error) = result {
            tracing::warn!(%error, api_key = %key, "could not record API key usage");
        }
    });
}
