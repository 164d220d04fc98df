//! `/custom-fields`: list, show, create, replace, patch, delete.

use axum::extract::State;
use axum::response::Response;
use stint_core::ids::CustomFieldId;
use stint_store::custom_fields::CustomFieldFilter;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::conditional::IfMatch;
use super::dto::custom_fields::{
    CustomFieldEntity, CustomFieldIn, CustomFieldOut, CustomFieldPatch,
};
use super::error::{ApiError, ErrorBody};
use super::extract::{Json, Path, Query};
use super::list_params::status_filter;
use super::pagination;
use super::patch::{PatchJson, merge};
use super::response::{self, Data, List};
use crate::auth::Ctx;
use crate::list_query;
use crate::services::custom_fields;
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_custom_fields, create_custom_field))
        .routes(routes!(
            get_custom_field,
            replace_custom_field,
            patch_custom_field,
            delete_custom_field
        ))
}

fn location(id: CustomFieldId) -> String {
    format!("/api/v1/custom-fields/{id}")
}

list_query! {
    /// Filters of the custom field list.
    pub struct CustomFieldListQuery {
        /// Only definitions of this kind of record.
        pub entity: Option<CustomFieldEntity>,
        /// Case-insensitive search in key and label.
        pub q: Option<String>,
        /// `active` (default), `archived` or `all`.
        #[param(pattern = "^(active|archived|all)$")]
        pub status: Option<String>,
    }
}

/// List custom fields
///
/// Oldest first (apps order them by `sort_order` for display).
#[utoipa::path(get, path = "/custom-fields", tag = "Custom fields",
    params(CustomFieldListQuery),
    responses((status = 200, description = "A page of custom field definitions", body = List<CustomFieldOut>)))]
pub async fn list_custom_fields(
    ctx: Ctx,
    Query(query): Query<CustomFieldListQuery>,
) -> Result<Response, ApiError> {
    let request = query.page()?;
    let filter = CustomFieldFilter {
        q: query.q.clone(),
        status: status_filter(query.status.as_deref(), &[])?,
        entity: query.entity.map(|e| e.as_str().to_owned()),
    };
    let page = ctx
        .read()
        .await?
        .list_custom_fields(&filter, &request)
        .await?;
    let meta = pagination::meta(&page, &request, |f| f.id.uuid());
    Ok(response::list(
        page.items.iter().map(CustomFieldOut::from).collect(),
        meta,
    ))
}

/// Show a custom field
#[utoipa::path(get, path = "/custom-fields/{id}", tag = "Custom fields",
    params(("id" = CustomFieldId, Path, description = "The definition's id")),
    responses((status = 200, description = "The custom field definition", body = Data<CustomFieldOut>,
        headers(("ETag" = String, description = "The definition's version, for If-Match")))))]
pub async fn get_custom_field(
    ctx: Ctx,
    Path(id): Path<CustomFieldId>,
) -> Result<Response, ApiError> {
    let field = ctx
        .read()
        .await?
        .custom_field(id)
        .await?
        .ok_or_else(|| ApiError::not_found("custom field"))?;
    Ok(response::ok_versioned(
        CustomFieldOut::from(&field),
        field.version,
    ))
}

/// Create a custom field
///
/// Values are then set on records of the entity under `custom_fields.KEY`
/// and checked against the definition on every write. A key already used by
/// the entity answers `409 conflict` with `details` naming `key`.
#[utoipa::path(post, path = "/custom-fields", tag = "Custom fields",
    params(("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key return the first response")),
    request_body = CustomFieldIn,
    responses(
        (status = 201, description = "Created", body = Data<CustomFieldOut>,
            headers(("Location" = String, description = "The new definition"), ("ETag" = String, description = "Its version"))),
        (status = 403, description = "`insufficient_role` or `insufficient_scope`", body = ErrorBody),
        (status = 409, description = "`conflict`: the entity already has a field with this key; or `idempotency_key_reused` / `idempotency_key_in_use`", body = ErrorBody),
    ))]
pub async fn create_custom_field(
    State(state): State<AppState>,
    ctx: Ctx,
    Json(input): Json<CustomFieldIn>,
) -> Result<Response, ApiError> {
    let field = custom_fields::create(&state, &ctx, input).await?;
    Ok(response::created(
        &location(field.id),
        CustomFieldOut::from(&field),
        Some(field.version),
    ))
}

/// Replace a custom field
///
/// Every field is set from the body. `entity`, `key` and `type` must be
/// repeated unchanged (400 naming the field otherwise).
#[utoipa::path(put, path = "/custom-fields/{id}", tag = "Custom fields",
    params(
        ("id" = CustomFieldId, Path, description = "The definition's id"),
        ("If-Match" = Option<String>, Header, description = "Only apply if the definition is still at this ETag"),
    ),
    request_body = CustomFieldIn,
    responses(
        (status = 200, description = "Replaced", body = Data<CustomFieldOut>),
        (status = 403, description = "`insufficient_role` or `insufficient_scope`", body = ErrorBody),
        (status = 409, description = "`conflict`: `entity`, `key` or `type` differs from the definition's (they never change; `details` names each)", body = ErrorBody),
        (status = 412, description = "`precondition_failed`: the definition changed since that ETag", body = ErrorBody),
    ))]
pub async fn replace_custom_field(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<CustomFieldId>,
    if_match: IfMatch,
    Json(input): Json<CustomFieldIn>,
) -> Result<Response, ApiError> {
    let field = custom_fields::update(&state, &ctx, id, if_match, true, |_| Ok(input)).await?;
    Ok(response::ok_versioned(
        CustomFieldOut::from(&field),
        field.version,
    ))
}

/// Update a custom field
///
/// Only the fields sent change (a JSON merge patch); `options` replaces the
/// whole list. `entity`, `key` and `type` cannot change (409 naming the
/// field); without `type` in the body, `options` that do not fit the
/// stored type (choices for a non-select, none for a select) are a 409 too. Removing an option that records still use is allowed: their
/// stored value stays, and must be replaced by a current option the next
/// time the record is written. Archive with `{"status": "archived"}`.
#[utoipa::path(patch, path = "/custom-fields/{id}", tag = "Custom fields",
    params(
        ("id" = CustomFieldId, Path, description = "The definition's id"),
        ("If-Match" = Option<String>, Header, description = "Only apply if the definition is still at this ETag"),
    ),
    request_body = CustomFieldPatch,
    responses(
        (status = 200, description = "Updated", body = Data<CustomFieldOut>),
        (status = 403, description = "`insufficient_role` or `insufficient_scope`", body = ErrorBody),
        (status = 409, description = "`conflict`: `entity`, `key` or `type` differs from the definition's (they never change), or `options` does not fit the stored type; `details` names each", body = ErrorBody),
        (status = 412, description = "`precondition_failed`: the definition changed since that ETag", body = ErrorBody),
    ))]
pub async fn patch_custom_field(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<CustomFieldId>,
    if_match: IfMatch,
    patch: PatchJson<CustomFieldPatch>,
) -> Result<Response, ApiError> {
    let type_sent = patch.raw.get("type").is_some_and(|t| !t.is_null());
    let field = custom_fields::update(&state, &ctx, id, if_match, type_sent, |current| {
        merge(&CustomFieldIn::from(current), &patch.raw)
    })
    .await?;
    Ok(response::ok_versioned(
        CustomFieldOut::from(&field),
        field.version,
    ))
}

/// Delete a custom field
///
/// Only a definition no record has a value for can be deleted; otherwise
/// `409 in_use`: archive it instead (its values stay, it is no longer
/// required).
#[utoipa::path(delete, path = "/custom-fields/{id}", tag = "Custom fields",
    params(
        ("id" = CustomFieldId, Path, description = "The definition's id"),
        ("If-Match" = Option<String>, Header, description = "Only delete if the definition is still at this ETag"),
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "`insufficient_role` or `insufficient_scope`", body = ErrorBody),
        (status = 409, description = "`in_use`: records have values for it; archive it instead", body = ErrorBody),
        (status = 412, description = "`precondition_failed`", body = ErrorBody),
    ))]
pub async fn delete_custom_field(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<CustomFieldId>,
    if_match: IfMatch,
) -> Result<Response, ApiError> {
    custom_fields::delete(&state, &ctx, id, if_match).await?;
    Ok(response::no_content())
}
