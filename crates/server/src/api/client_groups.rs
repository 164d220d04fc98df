//! `/client-groups`: list, show, create, replace, patch, delete.

use axum::extract::State;
use axum::response::Response;
use stint_core::ids::ClientGroupId;
use stint_store::client_groups::ClientGroupFilter;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::conditional::IfMatch;
use super::dto::client_groups::{ClientGroupIn, ClientGroupOut, ClientGroupPatch};
use super::error::{ApiError, ErrorBody};
use super::extract::{Json, Path, Query};
use super::list_params::status_filter;
use super::pagination;
use super::patch::{PatchJson, merge};
use super::response::{self, Data, List};
use crate::auth::Ctx;
use crate::list_query;
use crate::services::client_groups;
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_client_groups, create_client_group))
        .routes(routes!(
            get_client_group,
            replace_client_group,
            patch_client_group,
            delete_client_group
        ))
}

fn location(id: ClientGroupId) -> String {
    format!("/api/v1/client-groups/{id}")
}

list_query! {
    /// Filters of the client group list.
    pub struct ClientGroupListQuery {
        /// Case-insensitive search in name and initials.
        pub q: Option<String>,
        /// `active` (default), `archived` or `all`.
        #[param(pattern = "^(active|archived|all)$")]
        pub status: Option<String>,
    }
}

/// List client groups
///
/// Oldest first, each with its `clients_count`. The clients of a group are
/// listed by `GET /clients?group_id=…`.
#[utoipa::path(get, path = "/client-groups", tag = "Client groups",
    params(ClientGroupListQuery),
    responses((status = 200, description = "A page of client groups", body = List<ClientGroupOut>)))]
pub async fn list_client_groups(
    ctx: Ctx,
    Query(query): Query<ClientGroupListQuery>,
) -> Result<Response, ApiError> {
    let request = query.page()?;
    let filter = ClientGroupFilter {
        q: query.q.clone(),
        status: status_filter(query.status.as_deref(), &[])?,
    };
    let page = ctx
        .read()
        .await?
        .list_client_groups(&filter, &request)
        .await?;
    let meta = pagination::meta(&page, &request, |g| g.id.uuid());
    Ok(response::list(
        page.items.iter().map(ClientGroupOut::from).collect(),
        meta,
    ))
}

/// Show a client group
#[utoipa::path(get, path = "/client-groups/{id}", tag = "Client groups",
    params(("id" = ClientGroupId, Path, description = "The group's id")),
    responses((status = 200, description = "The client group", body = Data<ClientGroupOut>,
        headers(("ETag" = String, description = "The group's version, for If-Match")))))]
pub async fn get_client_group(
    ctx: Ctx,
    Path(id): Path<ClientGroupId>,
) -> Result<Response, ApiError> {
    let group = ctx
        .read()
        .await?
        .client_group(id)
        .await?
        .ok_or_else(|| ApiError::not_found("client group"))?;
    Ok(response::ok_versioned(
        ClientGroupOut::from(&group),
        group.version,
    ))
}

/// Create a client group
///
/// Clients join it through their own `group_ids`.
#[utoipa::path(post, path = "/client-groups", tag = "Client groups",
    params(("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key return the first response")),
    request_body = ClientGroupIn,
    responses(
        (status = 201, description = "Created", body = Data<ClientGroupOut>,
            headers(("Location" = String, description = "The new group"), ("ETag" = String, description = "Its version"))),
        (status = 403, description = "`insufficient_role` or `insufficient_scope`", body = ErrorBody),
        (status = 409, description = "`idempotency_key_reused` or `idempotency_key_in_use`", body = ErrorBody),
    ))]
pub async fn create_client_group(
    State(state): State<AppState>,
    ctx: Ctx,
    Json(input): Json<ClientGroupIn>,
) -> Result<Response, ApiError> {
    let group = client_groups::create(&state, &ctx, input).await?;
    Ok(response::created(
        &location(group.id),
        ClientGroupOut::from(&group),
        Some(group.version),
    ))
}

/// Replace a client group
///
/// Every field is set from the body; absent initials are derived from the
/// name.
#[utoipa::path(put, path = "/client-groups/{id}", tag = "Client groups",
    params(
        ("id" = ClientGroupId, Path, description = "The group's id"),
        ("If-Match" = Option<String>, Header, description = "Only apply if the group is still at this ETag"),
    ),
    request_body = ClientGroupIn,
    responses(
        (status = 200, description = "Replaced", body = Data<ClientGroupOut>),
        (status = 403, description = "`insufficient_role` or `insufficient_scope`", body = ErrorBody),
        (status = 412, description = "`precondition_failed`: the group changed since that ETag", body = ErrorBody),
    ))]
pub async fn replace_client_group(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<ClientGroupId>,
    if_match: IfMatch,
    Json(input): Json<ClientGroupIn>,
) -> Result<Response, ApiError> {
    let group = client_groups::update(&state, &ctx, id, if_match, |_| Ok(input)).await?;
    Ok(response::ok_versioned(
        ClientGroupOut::from(&group),
        group.version,
    ))
}

/// Update a client group
///
/// Only the fields sent change (a JSON merge patch). Archive with
/// `{"status": "archived"}`.
#[utoipa::path(patch, path = "/client-groups/{id}", tag = "Client groups",
    params(
        ("id" = ClientGroupId, Path, description = "The group's id"),
        ("If-Match" = Option<String>, Header, description = "Only apply if the group is still at this ETag"),
    ),
    request_body = ClientGroupPatch,
    responses(
        (status = 200, description = "Updated", body = Data<ClientGroupOut>),
        (status = 403, description = "`insufficient_role` or `insufficient_scope`", body = ErrorBody),
        (status = 412, description = "`precondition_failed`: the group changed since that ETag", body = ErrorBody),
    ))]
pub async fn patch_client_group(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<ClientGroupId>,
    if_match: IfMatch,
    patch: PatchJson<ClientGroupPatch>,
) -> Result<Response, ApiError> {
    let group = client_groups::update(&state, &ctx, id, if_match, |current| {
        merge(&ClientGroupIn::from(current), &patch.raw)
    })
    .await?;
    Ok(response::ok_versioned(
        ClientGroupOut::from(&group),
        group.version,
    ))
}

/// Delete a client group
///
/// The group's clients stay; they simply leave the group (their
/// `group_ids` no longer list it). Only `client_group.deleted` is recorded.
#[utoipa::path(delete, path = "/client-groups/{id}", tag = "Client groups",
    params(
        ("id" = ClientGroupId, Path, description = "The group's id"),
        ("If-Match" = Option<String>, Header, description = "Only delete if the group is still at this ETag"),
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "`insufficient_role` or `insufficient_scope`", body = ErrorBody),
        (status = 412, description = "`precondition_failed`", body = ErrorBody),
    ))]
pub async fn delete_client_group(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<ClientGroupId>,
    if_match: IfMatch,
) -> Result<Response, ApiError> {
    client_groups::delete(&state, &ctx, id, if_match).await?;
    Ok(response::no_content())
}
