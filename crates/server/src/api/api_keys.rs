//! API key pairs: create (the secret is shown once), list, delete.

use axum::extract::State;
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use stint_core::ids::{ApiKeyId, MemberId};
use stint_core::{Scope, Scopes};
use stint_store::api_keys::ApiKey;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::{ApiError, ErrorBody};
use super::extract::{Json, Path, Query};
use super::pagination;
use super::response::{self, Data, List};
use super::views::AppStatus;
use crate::auth::Ctx;
use crate::auth::api_key_format::join_token;
use crate::list_query;
use crate::services::api_keys;
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_api_key, list_api_keys))
        .routes(routes!(get_api_key, delete_api_key))
}

/// A key to create.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApiKeyIn {
    /// What the key is for, so it can be recognised later.
    #[schema(example = "Zapier")]
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"[^\x00-\x20\x7F-\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]"
    )]
    pub name: String,
    /// `["read"]` for a read-only key; both when absent.
    #[schema(example = json!(["read", "write"]), min_items = 1)]
    pub scopes: Option<Vec<Scope>>,
}

/// A created key with its secret: shown in this response only.
#[derive(Serialize, ToSchema)]
pub struct ApiKeyCreatedOut {
    pub id: ApiKeyId,
    #[schema(example = "Zapier")]
    pub name: String,
    /// The public half of the pair.
    #[schema(example = "pk_3x9k2m4n6p8q0r1s2t3v4w5x")]
    pub api_key: String,
    /// The secret half. Store it now: it is never shown again.
    #[schema(example = "sk_8f3k2m4n6p8q0r1s2t3v4w5x6y7z8a9b0c1d2e3f4g5h6j7k8m9n0p")]
    pub api_secret: String,
    /// `api_key.api_secret`, usable directly as `X-Api-Key` or `Authorization: Token …`.
    #[schema(
        example = "pk_3x9k2m4n6p8q0r1s2t3v4w5x.sk_8f3k2m4n6p8q0r1s2t3v4w5x6y7z8a9b0c1d2e3f4g5h6j7k8m9n0p"
    )]
    pub token: String,
    pub scopes: Vec<Scope>,
    pub created_at: DateTime<Utc>,
}

/// A key as listed; never with its secret.
#[derive(Serialize, ToSchema)]
pub struct ApiKeyOut {
    pub id: ApiKeyId,
    #[schema(example = "Zapier")]
    pub name: String,
    #[schema(example = "pk_3x9k2m4n6p8q0r1s2t3v4w5x")]
    pub api_key: String,
    pub scopes: Vec<Scope>,
    /// `inactive` while the organization's Public API app is off.
    pub status: AppStatus,
    /// The member who made it.
    pub created_by: Option<MemberId>,
    pub created_at: DateTime<Utc>,
    /// Updated at most once a minute.
    pub last_used_at: Option<DateTime<Utc>>,
}

fn key_out(key: &ApiKey, status: AppStatus) -> ApiKeyOut {
    ApiKeyOut {
        id: key.id,
        name: key.name.clone(),
        api_key: key.public_key.clone(),
        scopes: Scopes::from_db(&key.scopes).to_list(),
        status,
        created_by: key.created_by(),
        created_at: key.created_at,
        last_used_at: key.last_used_at,
    }
}

/// Create an API key pair
///
/// Owners and admins, signed in as users, while the Public API app is active.
#[utoipa::path(post, path = "/api-keys", tag = "API keys",
    request_body = ApiKeyIn,
    responses(
        (status = 201, description = "Created; the secret and token appear only here", body = Data<ApiKeyCreatedOut>,
            headers(("Location" = String, description = "The new key"))),
        (status = 403, description = "`insufficient_role`", body = ErrorBody),
        (status = 409, description = "`app_inactive`: activate the Public API app first", body = ErrorBody),
    ))]
pub async fn create_api_key(
    State(state): State<AppState>,
    ctx: Ctx,
    Json(input): Json<ApiKeyIn>,
) -> Result<Response, ApiError> {
    let scopes = match input.scopes.as_deref() {
        None => Scopes::ALL,
        Some([]) => return Err(ApiError::field("scopes", "must list at least one scope")),
        Some(list) => Scopes::from_list(list),
    };
    let created = api_keys::create(&state, &ctx, &input.name, scopes).await?;
    let out = ApiKeyCreatedOut {
        id: created.key.id,
        name: created.key.name.clone(),
        token: join_token(&created.pair.public, &created.pair.secret),
        api_key: created.pair.public,
        api_secret: created.pair.secret,
        scopes: scopes.to_list(),
        created_at: created.key.created_at,
    };
    let location = format!("/api/v1/api-keys/{}", created.key.id);
    Ok(response::created(&location, out, Some(created.key.version)))
}

list_query! {
    /// Parameters of the API key list.
    pub struct ApiKeyListQuery {}
}

/// List API keys
///
/// Keys not yet deleted, oldest first, never with their secrets.
#[utoipa::path(get, path = "/api-keys", tag = "API keys",
    params(ApiKeyListQuery),
    responses(
        (status = 200, description = "A page of keys", body = List<ApiKeyOut>),
        (status = 403, description = "`insufficient_role`", body = ErrorBody),
    ))]
pub async fn list_api_keys(
    ctx: Ctx,
    Query(query): Query<ApiKeyListQuery>,
) -> Result<Response, ApiError> {
    ctx.require_admin_user()?;
    let request = query.page()?;
    let mut db = ctx.read().await?;
    let status = if db.organization().await?.public_api_active() {
        AppStatus::Active
    } else {
        AppStatus::Inactive
    };
    let page = db.list_api_keys(&request).await?;
    let meta = pagination::meta(&page, &request, |k| k.id.uuid());
    Ok(response::list(
        page.items.iter().map(|k| key_out(k, status)).collect(),
        meta,
    ))
}

/// Show an API key
#[utoipa::path(get, path = "/api-keys/{id}", tag = "API keys",
    params(("id" = ApiKeyId, Path, description = "The key's id")),
    responses(
        (status = 200, description = "The key, without its secret", body = Data<ApiKeyOut>),
        (status = 403, description = "`insufficient_role`", body = ErrorBody),
    ))]
pub async fn get_api_key(ctx: Ctx, Path(id): Path<ApiKeyId>) -> Result<Response, ApiError> {
    ctx.require_admin_user()?;
    let mut db = ctx.read().await?;
    let status = if db.organization().await?.public_api_active() {
        AppStatus::Active
    } else {
        AppStatus::Inactive
    };
    let key = db
        .api_key(id)
        .await?
        .ok_or_else(|| ApiError::not_found("API key"))?;
    Ok(response::ok_versioned(key_out(&key, status), key.version))
}

/// Delete (revoke) an API key
///
/// The key, and every JWT made from it, stops working on the next request.
#[utoipa::path(delete, path = "/api-keys/{id}", tag = "API keys",
    params(("id" = ApiKeyId, Path, description = "The key's id")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 403, description = "`insufficient_role`", body = ErrorBody),
    ))]
pub async fn delete_api_key(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<ApiKeyId>,
) -> Result<Response, ApiError> {
    api_keys::delete(&state, &ctx, id).await?;
    Ok(response::no_content())
}
