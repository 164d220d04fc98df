//! Creating and deleting API key pairs. The secret exists in clear only in
//! the creation response; the store keeps its HMAC.

use stint_core::Scopes;
use stint_core::ids::ApiKeyId;
use stint_core::validation::name_problem;
use stint_store::api_keys::{ApiKey, NewApiKey};

use crate::api::error::{ApiError, Code};
use crate::auth::Ctx;
use crate::auth::api_key_format::{self, GeneratedKey};
use crate::auth::crypto::hmac_sha256;
use crate::state::AppState;

pub struct CreatedApiKey {
    pub key: ApiKey,
    pub pair: GeneratedKey,
}

pub async fn create(
    state: &AppState,
    ctx: &Ctx,
    name: &str,
    scopes: Scopes,
) -> Result<CreatedApiKey, ApiError> {
    ctx.require_admin_user()?;
    if let Some(problem) = name_problem(name, 100) {
        return Err(ApiError::field("name", problem));
    }
    let pair = api_key_format::generate();
    let mut tx = ctx.write().await?;
    // Two creations racing past the count would both fit otherwise.
    tx.lock_organization().await?;
    let organization = tx.organization().await?;
    let max = state.settings.plan(&organization.plan).max_api_keys;
    crate::limits::plans::check_count(
        &organization.plan,
        "API keys",
        tx.count_api_keys().await?,
        max,
    )?;
    if !organization.public_api_active() {
        return Err(ApiError::new(
            Code::AppInactive,
            "Activate the Public API app (POST /api/v1/apps/public-api/activate) before creating API keys",
        ));
    }
    let key = tx
        .insert_api_key(&NewApiKey {
            id: ApiKeyId::generate(),
            name: name.trim().to_owned(),
            public_key: pair.public.clone(),
            secret_hash: hmac_sha256(&state.keys.api_key_hmac, pair.secret.as_bytes()).to_vec(),
            scopes: scopes.to_db(),
            created_by: ctx.member_id(),
            now: state.now(),
        })
        .await?;
    tx.commit().await?;
    Ok(CreatedApiKey { key, pair })
}

/// Revokes a key at once: the next request made with it, or with a JWT made
/// from it, is refused.
pub async fn delete(state: &AppState, ctx: &Ctx, id: ApiKeyId) -> Result<(), ApiError> {
    ctx.require_admin_user()?;
    let mut tx = ctx.write().await?;
    if !tx.revoke_api_key(id, state.now()).await? {
        return Err(ApiError::not_found("API key"));
    }
    tx.commit().await?;
    // After the commit, so a look-up racing with it cannot re-cache the key.
    state.credentials.forget_key(id);
    Ok(())
}
