//! `/member-groups` (teams): list, show, create, replace, patch, delete.

use axum::extract::State;
use axum::response::Response;
use stint_core::ids::{MemberGroupId, MemberId};
use stint_store::member_groups::MemberGroupFilter;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::conditional::IfMatch;
use super::dto::member_groups::{MemberGroupIn, MemberGroupOut, MemberGroupPatch};
use super::error::{ApiError, ErrorBody};
use super::extract::{Json, Path, Query};
use super::list_params::status_filter;
use super::pagination;
use super::patch::{PatchJson, merge};
use super::response::{self, Data, List};
use crate::auth::Ctx;
use crate::list_query;
use crate::services::member_groups;
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_member_groups, create_member_group))
        .routes(routes!(
            get_member_group,
            replace_member_group,
            patch_member_group,
            delete_member_group
        ))
}

fn location(id: MemberGroupId) -> String {
    format!("/api/v1/member-groups/{id}")
}

list_query! {
    /// Filters of the team list.
    pub struct MemberGroupListQuery {
        /// Case-insensitive search in the name.
        pub q: Option<String>,
        /// `active` (default), `archived` or `all`.
        #[param(pattern = "^(active|archived|all)$")]
        pub status: Option<String>,
        /// Only teams this member belongs to.
        pub member_id: Option<MemberId>,
    }
}

/// List teams
///
/// Oldest first.
#[utoipa::path(get, path = "/member-groups", tag = "Teams",
    params(MemberGroupListQuery),
    responses((status = 200, description = "A page of teams", body = List<MemberGroupOut>)))]
pub async fn list_member_groups(
    ctx: Ctx,
    Query(query): Query<MemberGroupListQuery>,
) -> Result<Response, ApiError> {
    let request = query.page()?;
    let filter = MemberGroupFilter {
        q: query.q.clone(),
        status: status_filter(query.status.as_deref(), &[])?,
        member_id: query.member_id,
    };
    let page = ctx
        .read()
        .await?
        .list_member_groups(&filter, &request)
        .await?;
    let meta = pagination::meta(&page, &request, |g| g.id.uuid());
    Ok(response::list(
        page.items.iter().map(MemberGroupOut::from).collect(),
        meta,
    ))
}

/// Show a team
#[utoipa::path(get, path = "/member-groups/{id}", tag = "Teams",
    params(("id" = MemberGroupId, Path, description = "The team's id")),
    responses((status = 200, description = "The team", body = Data<MemberGroupOut>,
        headers(("ETag" = String, description = "The team's version, for If-Match")))))]
pub async fn get_member_group(
    ctx: Ctx,
    Path(id): Path<MemberGroupId>,
) -> Result<Response, ApiError> {
    let group = ctx
        .read()
        .await?
        .member_group(id)
        .await?
        .ok_or_else(|| ApiError::not_found("team"))?;
    Ok(response::ok_versioned(
        MemberGroupOut::from(&group),
        group.version,
    ))
}

/// Create a team
///
/// `member_ids` must be members of this organization; each unknown one is
/// named (`member_ids[2]`).
#[utoipa::path(post, path = "/member-groups", tag = "Teams",
    params(("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key return the first response")),
    request_body = MemberGroupIn,
    responses(
        (status = 201, description = "Created", body = Data<MemberGroupOut>,
            headers(("Location" = String, description = "The new team"), ("ETag" = String, description = "Its version"))),
        (status = 403, description = "`insufficient_role` or `insufficient_scope`", body = ErrorBody),
        (status = 409, description = "`idempotency_key_reused` or `idempotency_key_in_use`", body = ErrorBody),
    ))]
pub async fn create_member_group(
    State(state): State<AppState>,
    ctx: Ctx,
    Json(input): Json<MemberGroupIn>,
) -> Result<Response, ApiError> {
    let group = member_groups::create(&state, &ctx, input).await?;
    Ok(response::created(
        &location(group.id),
        MemberGroupOut::from(&group),
        Some(group.version),
    ))
}

/// Replace a team
///
/// Every field is set from the body: absent `member_ids` empties the team.
#[utoipa::path(put, path = "/member-groups/{id}", tag = "Teams",
    params(
        ("id" = MemberGroupId, Path, description = "The team's id"),
        ("If-Match" = Option<String>, Header, description = "Only apply if the team is still at this ETag"),
    ),
    request_body = MemberGroupIn,
    responses(
        (status = 200, description = "Replaced", body = Data<MemberGroupOut>),
        (status = 403, description = "`insufficient_role` or `insufficient_scope`", body = ErrorBody),
        (status = 412, description = "`precondition_failed`: the team changed since that ETag", body = ErrorBody),
    ))]
pub async fn replace_member_group(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<MemberGroupId>,
    if_match: IfMatch,
    Json(input): Json<MemberGroupIn>,
) -> Result<Response, ApiError> {
    let group = member_groups::update(&state, &ctx, id, if_match, |_| Ok(input)).await?;
    Ok(response::ok_versioned(
        MemberGroupOut::from(&group),
        group.version,
    ))
}

/// Update a team
///
/// Only the fields sent change (a JSON merge patch); `member_ids` is
/// replaced whole. Archive with `{"status": "archived"}`.
#[utoipa::path(patch, path = "/member-groups/{id}", tag = "Teams",
    params(
        ("id" = MemberGroupId, Path, description = "The team's id"),
        ("If-Match" = Option<String>, Header, description = "Only apply if the team is still at this ETag"),
    ),
    request_body = MemberGroupPatch,
    responses(
        (status = 200, description = "Updated", body = Data<MemberGroupOut>),
        (status = 403, description = "`insufficient_role` or `insufficient_scope`", body = ErrorBody),
        (status = 412, description = "`precondition_failed`: the team changed since that ETag", body = ErrorBody),
    ))]
pub async fn patch_member_group(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<MemberGroupId>,
    if_match: IfMatch,
    patch: PatchJson<MemberGroupPatch>,
) -> Result<Response, ApiError> {
    let group = member_groups::update(&state, &ctx, id, if_match, |current| {
        merge(&MemberGroupIn::from(current), &patch.raw)
    })
    .await?;
    Ok(response::ok_versioned(
        MemberGroupOut::from(&group),
        group.version,
    ))
}

/// Delete a team
///
/// The team goes; its members stay (only their membership of it ends).
#[utoipa::path(delete, path = "/member-groups/{id}", tag = "Teams",
    params(
        ("id" = MemberGroupId, Path, description = "The team's id"),
        ("If-Match" = Option<String>, Header, description = "Only delete if the team is still at this ETag"),
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "`insufficient_role` or `insufficient_scope`", body = ErrorBody),
        (status = 412, description = "`precondition_failed`", body = ErrorBody),
    ))]
pub async fn delete_member_group(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<MemberGroupId>,
    if_match: IfMatch,
) -> Result<Response, ApiError> {
    member_groups::delete(&state, &ctx, id, if_match).await?;
    Ok(response::no_content())
}
