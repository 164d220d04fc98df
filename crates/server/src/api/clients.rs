//! `/clients`: list, show, create, replace, patch, delete.

use axum::extract::State;
use axum::response::Response;
use stint_core::ids::{ClientGroupId, ClientId};
use stint_store::clients::ClientFilter;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::conditional::IfMatch;
use super::dto::clients::{ClientIn, ClientOut, ClientPatch};
use super::error::{ApiError, ErrorBody};
use super::extract::{Json, Path, Query};
use super::list_params::{CustomFieldParams, status_filter};
use super::pagination;
use super::patch::{PatchJson, merge};
use super::response::{self, Data, List};
use crate::auth::Ctx;
use crate::list_query;
use crate::services::{clients, custom_field_values};
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_clients, create_client))
        .routes(routes!(
            get_client,
            replace_client,
            patch_client,
            delete_client
        ))
}

fn location(id: ClientId) -> String {
    format!("/api/v1/clients/{id}")
}

list_query! {
    /// Filters of the client list.
    pub struct ClientListQuery {
        /// Case-insensitive search in name, email and initials.
        pub q: Option<String>,
        /// `active` (default), `archived` or `all`.
        #[param(pattern = "^(active|archived|all)$")]
        pub status: Option<String>,
        /// Only clients in this group.
        pub group_id: Option<ClientGroupId>,
        /// Only clients whose address is in this country (ISO 3166-1 alpha-2).
        pub country_code: Option<String>,
    }
}

/// List clients
///
/// Oldest first. Filter on custom fields with `custom_fields[KEY]=VALUE`
/// (a multi-select matches when it contains the value).
#[utoipa::path(get, path = "/clients", tag = "Clients",
    params(
        ClientListQuery,
        ("custom_fields" = Option<Object>, Query, style = DeepObject, explode,
            description = "`custom_fields[KEY]=VALUE`: only clients whose custom field KEY has VALUE"),
    ),
    responses((status = 200, description = "A page of clients", body = List<ClientOut>)))]
pub async fn list_clients(
    ctx: Ctx,
    Query(query): Query<ClientListQuery>,
    custom: CustomFieldParams,
) -> Result<Response, ApiError> {
    let request = query.page()?;
    let mut db = ctx.read().await?;
    let filter = ClientFilter {
        q: query.q.clone(),
        status: status_filter(query.status.as_deref(), &[])?,
        group_id: query.group_id,
        country_code: query.country_code.as_deref().map(str::to_uppercase),
        custom_fields: custom_field_values::conditions(&mut db, "client", &custom.0).await?,
    };
    let page = db.list_clients(&filter, &request).await?;
    let meta = pagination::meta(&page, &request, |c| c.id.uuid());
    Ok(response::list(
        page.items.iter().map(ClientOut::from).collect(),
        meta,
    ))
}

/// Show a client
#[utoipa::path(get, path = "/clients/{id}", tag = "Clients",
    params(("id" = ClientId, Path, description = "The client's id")),
    responses((status = 200, description = "The client", body = Data<ClientOut>,
        headers(("ETag" = String, description = "The client's version, for If-Match")))))]
pub async fn get_client(ctx: Ctx, Path(id): Path<ClientId>) -> Result<Response, ApiError> {
    let client = ctx
        .read()
        .await?
        .client(id)
        .await?
        .ok_or_else(|| ApiError::not_found("client"))?;
    Ok(response::ok_versioned(
        ClientOut::from(&client),
        client.version,
    ))
}

/// Create a client
#[utoipa::path(post, path = "/clients", tag = "Clients",
    params(("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key return the first response")),
    request_body = ClientIn,
    responses(
        (status = 201, description = "Created", body = Data<ClientOut>,
            headers(("Location" = String, description = "The new client"), ("ETag" = String, description = "Its version"))),
        (status = 403, description = "`insufficient_role` or `insufficient_scope`", body = ErrorBody),
        (status = 409, description = "`idempotency_key_reused` or `idempotency_key_in_use`", body = ErrorBody),
    ))]
pub async fn create_client(
    State(state): State<AppState>,
    ctx: Ctx,
    Json(input): Json<ClientIn>,
) -> Result<Response, ApiError> {
    let client = clients::create(&state, &ctx, input).await?;
    Ok(response::created(
        &location(client.id),
        ClientOut::from(&client),
        Some(client.version),
    ))
}

/// Replace a client
///
/// Every field is set from the body; absent optional fields are cleared.
#[utoipa::path(put, path = "/clients/{id}", tag = "Clients",
    params(
        ("id" = ClientId, Path, description = "The client's id"),
        ("If-Match" = Option<String>, Header, description = "Only apply if the client is still at this ETag"),
    ),
    request_body = ClientIn,
    responses(
        (status = 200, description = "Replaced", body = Data<ClientOut>),
        (status = 403, description = "`insufficient_role` or `insufficient_scope`", body = ErrorBody),
        (status = 412, description = "`precondition_failed`: the client changed since that ETag", body = ErrorBody),
    ))]
pub async fn replace_client(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<ClientId>,
    if_match: IfMatch,
    Json(input): Json<ClientIn>,
) -> Result<Response, ApiError> {
    let client = clients::update(&state, &ctx, id, if_match, |_| Ok(input)).await?;
    Ok(response::ok_versioned(
        ClientOut::from(&client),
        client.version,
    ))
}

/// Update a client
///
/// Only the fields sent change (a JSON merge patch); `null` clears a field;
/// `address` and `custom_fields` merge key by key. Archive with
/// `{"status": "archived"}`.
#[utoipa::path(patch, path = "/clients/{id}", tag = "Clients",
    params(
        ("id" = ClientId, Path, description = "The client's id"),
        ("If-Match" = Option<String>, Header, description = "Only apply if the client is still at this ETag"),
    ),
    request_body = ClientPatch,
    responses(
        (status = 200, description = "Updated", body = Data<ClientOut>),
        (status = 403, description = "`insufficient_role` or `insufficient_scope`", body = ErrorBody),
        (status = 412, description = "`precondition_failed`: the client changed since that ETag", body = ErrorBody),
    ))]
pub async fn patch_client(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<ClientId>,
    if_match: IfMatch,
    patch: PatchJson<ClientPatch>,
) -> Result<Response, ApiError> {
    let client = clients::update(&state, &ctx, id, if_match, |current| {
        merge(&ClientIn::from(current), &patch.raw)
    })
    .await?;
    Ok(response::ok_versioned(
        ClientOut::from(&client),
        client.version,
    ))
}

/// Delete a client
///
/// Deletes a client with no history, together with its contacts. A client
/// with projects, tasks, time entries or invoices answers `409 in_use`:
/// archive it instead.
#[utoipa::path(delete, path = "/clients/{id}", tag = "Clients",
    params(
        ("id" = ClientId, Path, description = "The client's id"),
        ("If-Match" = Option<String>, Header, description = "Only delete if the client is still at this ETag"),
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "`insufficient_role` or `insufficient_scope`", body = ErrorBody),
        (status = 409, description = "`in_use`: archive it instead", body = ErrorBody),
        (status = 412, description = "`precondition_failed`", body = ErrorBody),
    ))]
pub async fn delete_client(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<ClientId>,
    if_match: IfMatch,
) -> Result<Response, ApiError> {
    clients::delete(&state, &ctx, id, if_match).await?;
    Ok(response::no_content())
}
