//! Signing in and out: password sign-in, refresh-token rotation with reuse
//! detection, sign-out, and the API key pair exchange.

use chrono::Duration;
use stint_core::ids::{ApiKeyId, MemberId, OrgId, SessionId, UserId};
use stint_core::validation::normalize_email;
use stint_store::sessions::NewSession;
use stint_store::{System, Tx};

use crate::api::error::{ApiError, Code};
use crate::auth::crypto::{random_bytes, sha256};
use crate::auth::jwt::{self, Claims, TokenKind};
use crate::auth::password::verify_password;
use crate::auth::{public_api_inactive, verify_api_key_pair};
use crate::state::AppState;

/// An access token and the refresh token that renews it.
#[derive(Debug, Clone)]
pub struct TokenPair {
    pub access: String,
    pub refresh: String,
    pub expires_in: i64,
}

const REFRESH_PREFIX: &str = "rt_";

fn chrono(d: std::time::Duration) -> Duration {
    Duration::from_std(d).unwrap_or(Duration::MAX)
}

/// After repeated failures for one email or key, further attempts wait;
/// the answer is the same whether the account or key exists.
async fn refuse_while_backing_off(state: &AppState, identifier: &str) -> Result<(), ApiError> {
    if let Some(wait) = state.limits.backoff.wait(identifier, state.now()).await {
        return Err(ApiError::new(
            Code::RateLimited,
            format!("Too many failed attempts; retry after {wait} seconds"),
        )
        .with_retry_after(wait));
    }
    Ok(())
}

fn invalid_login() -> ApiError {
    ApiError::new(Code::InvalidCredentials, "Invalid email or password")
}

fn invalid_refresh() -> ApiError {
    ApiError::new(
        Code::InvalidToken,
        "The refresh token is invalid or expired; sign in again",
    )
}

fn new_refresh_token() -> String {
    use base64::Engine;
    format!(
        "{REFRESH_PREFIX}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(random_bytes::<32>())
    )
}

fn access_token(state: &AppState, org: OrgId, user: UserId, session: SessionId) -> (String, i64) {
    let now = state.now();
    let ttl = chrono(state.settings.auth.access_token_ttl);
    let claims = Claims {
        iss: jwt::ISSUER.into(),
        sub: user.to_string(),
        org: org.to_string(),
        kind: TokenKind::User,
        sid: Some(session.to_string()),
        iat: now.timestamp(),
        exp: (now + ttl).timestamp(),
    };
    (jwt::sign(&claims, &state.keys.jwt), ttl.num_seconds())
}

/// Opens a session for a member inside the caller's transaction.
pub async fn open_session(
    state: &AppState,
    tx: &mut System<Tx>,
    org: OrgId,
    member: MemberId,
    user: UserId,
) -> Result<TokenPair, ApiError> {
    let now = state.now();
    let session = SessionId::generate();
    tx.insert_session(&NewSession {
        id: session,
        org_id: org,
        member_id: member,
        now,
        expires_at: now + chrono(state.settings.auth.session_max_age),
    })
    .await?;
    let refresh = new_refresh_token();
    let refresh_expires = now + chrono(state.settings.auth.refresh_token_ttl);
    tx.insert_refresh_token(&sha256(refresh.as_bytes()), session, now, refresh_expires)
        .await?;
    let (access, expires_in) = access_token(state, org, user, session);
    Ok(TokenPair {
        access,
        refresh,
        expires_in,
    })
}

/// Email and password to a token pair, for one of the user's organizations
/// (the oldest active membership unless `organization` is given).
pub async fn sign_in(
    state: &AppState,
    email: &str,
    password: String,
    organization: Option<OrgId>,
) -> Result<(TokenPair, OrgId), ApiError> {
    let email = normalize_email(email);
    refuse_while_backing_off(state, &email).await?;
    let mut system = state.store.system().read().await?;
    let user = system.user_by_email(&email).await?;
    drop(system);
    let stored = user.as_ref().and_then(|u| u.password_hash.clone());
    let password_ok = verify_password(password, stored).await?;
    let Some(user) = user.filter(|_| password_ok) else {
        state.limits.backoff.failed(&email, state.now()).await;
        return Err(invalid_login());
    };
    state.limits.backoff.succeeded(&email).await;
    let mut system = state.store.system().read().await?;
    let memberships = system.memberships_of_user(user.id).await?;
    drop(system);
    let member = match organization {
        Some(org) => memberships
            .iter()
            .find(|m| m.org_id == org)
            .ok_or_else(|| {
                ApiError::new(
                    Code::InvalidCredentials,
                    "You are not a member of that organization",
                )
            })?,
        None => memberships
            .iter()
            .find(|m| m.status == "active")
            .or(memberships.first())
            .ok_or_else(invalid_login)?,
    };
    if member.status != "active" {
        return Err(ApiError::new(
            Code::AccountInactive,
            "Your membership of this organization is not active",
        ));
    }
    let mut tx = state.store.system().write().await?;
    let pair = open_session(state, &mut tx, member.org_id, member.id, user.id).await?;
    tx.commit().await?;
    Ok((pair, member.org_id))
}

/// Spends a refresh token for a new pair. A token presented after it was
/// spent revokes its whole session: someone else may hold a copy.
pub async fn refresh(state: &AppState, refresh_token: &str) -> Result<TokenPair, ApiError> {
    let now = state.now();
    let hash = sha256(refresh_token.trim().as_bytes());
    let mut tx = state.store.system().write().await?;
    let record = tx.refresh_token(&hash).await?.ok_or_else(invalid_refresh)?;
    if record.session_revoked_at.is_some() {
        return Err(ApiError::new(
            Code::TokenRevoked,
            "This session has ended; sign in again",
        ));
    }
    if record.spent_at.is_some() || !tx.spend_refresh_token(&hash, now).await? {
        tx.revoke_session(record.session_id, now, "refresh_token_reused")
            .await?;
        tx.commit().await?;
        return Err(ApiError::new(
            Code::RefreshTokenReused,
            "This refresh token was already used; the session has been revoked for safety. Sign in again",
        ));
    }
    if record.expires_at <= now {
        return Err(invalid_refresh());
    }
    let principal = tx
        .session_principal(record.session_id)
        .await?
        .ok_or_else(invalid_refresh)?;
    if principal.expires_at <= now {
        return Err(invalid_refresh());
    }
    if principal.member_status != "active" {
        return Err(ApiError::new(
            Code::AccountInactive,
            "Your membership of this organization is not active",
        ));
    }
    let next = new_refresh_token();
    let expires = (now + chrono(state.settings.auth.refresh_token_ttl)).min(principal.expires_at);
    tx.insert_refresh_token(&sha256(next.as_bytes()), record.session_id, now, expires)
        .await?;
    tx.commit().await?;
    let (access, expires_in) = access_token(
        state,
        principal.org_id,
        principal.user_id,
        record.session_id,
    );
    Ok(TokenPair {
        access,
        refresh: next,
        expires_in,
    })
}

/// Ends the session a refresh token belongs to. Unknown tokens are ignored:
/// signing out twice is not an error.
pub async fn sign_out_refresh(state: &AppState, refresh_token: &str) -> Result<(), ApiError> {
    let hash = sha256(refresh_token.trim().as_bytes());
    let mut tx = state.store.system().write().await?;
    if let Some(record) = tx.refresh_token(&hash).await? {
        tx.revoke_session(record.session_id, state.now(), "logout")
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

pub async fn sign_out_session(state: &AppState, session: SessionId) -> Result<(), ApiError> {
    let mut tx = state.store.system().write().await?;
    tx.revoke_session(session, state.now(), "logout").await?;
    tx.commit().await?;
    Ok(())
}

/// API key and secret to a short-lived JWT.
pub async fn exchange_api_key(
    state: &AppState,
    public: &str,
    secret: &str,
) -> Result<(String, i64), ApiError> {
    refuse_while_backing_off(state, public).await?;
    let key = match verify_api_key_pair(state, public, secret).await {
        Ok(key) => key,
        Err(error) => {
            state.limits.backoff.failed(public, state.now()).await;
            return Err(error);
        }
    };
    state.limits.backoff.succeeded(public).await;
    if key.public_api_status != "active" {
        return Err(public_api_inactive());
    }
    Ok(api_key_token(state, key.org_id, key.id))
}

fn api_key_token(state: &AppState, org: OrgId, key: ApiKeyId) -> (String, i64) {
    let now = state.now();
    let ttl = chrono(state.settings.auth.api_token_ttl);
    let claims = Claims {
        iss: jwt::ISSUER.into(),
        sub: key.to_string(),
        org: org.to_string(),
        kind: TokenKind::ApiKey,
        sid: None,
        iat: now.timestamp(),
        exp: (now + ttl).timestamp(),
    };
    (jwt::sign(&claims, &state.keys.jwt), ttl.num_seconds())
}
