//! `/projects`: list, show, create, replace, patch, delete.

use axum::extract::State;
use axum::response::Response;
use stint_core::ids::{ClientId, MemberId, ProjectId};
use stint_store::projects::ProjectFilter;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::conditional::IfMatch;
use super::dto::projects::{BillingMethod, ProjectIn, ProjectOut, ProjectPatch};
use super::error::{ApiError, ErrorBody};
use super::extract::{Json, Path, Query};
use super::list_params::{CustomFieldParams, status_filter};
use super::pagination;
use super::patch::{PatchJson, merge};
use super::response::{self, Data, List};
use crate::auth::Ctx;
use crate::list_query;
use crate::services::{custom_field_values, projects};
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_projects, create_project))
        .routes(routes!(
            get_project,
            replace_project,
            patch_project,
            delete_project
        ))
}

fn location(id: ProjectId) -> String {
    format!("/api/v1/projects/{id}")
}

/// Exact statuses a list may name (comma-separated).
const STATUSES: [&str; 3] = ["active", "completed", "archived"];

list_query! {
    /// Filters of the project list.
    pub struct ProjectListQuery {
        /// Case-insensitive search in name and code.
        pub q: Option<String>,
        /// `active` (default: every project not archived, completed ones
        /// included), `archived`, `all`, or exact statuses, comma-separated
        /// (`completed`, `active,completed`; inside a list `active` is the
        /// exact status).
        #[param(pattern = "^(active|archived|all|(active|completed|archived)(,(active|completed|archived))*)$")]
        pub status: Option<String>,
        /// Only projects of this client.
        pub client_id: Option<ClientId>,
        /// Only projects this member works on.
        pub member_id: Option<MemberId>,
        /// Only projects billed this way.
        pub billing_method: Option<BillingMethod>,
    }
}

/// List projects
///
/// Oldest first. Filter on custom fields with `custom_fields[KEY]=VALUE`
/// (a multi-select matches when it contains the value).
#[utoipa::path(get, path = "/projects", tag = "Projects",
    params(
        ProjectListQuery,
        ("custom_fields" = Option<Object>, Query, style = DeepObject, explode,
            description = "`custom_fields[KEY]=VALUE`: only projects whose custom field KEY has VALUE"),
    ),
    responses((status = 200, description = "A page of projects", body = List<ProjectOut>)))]
pub async fn list_projects(
    ctx: Ctx,
    Query(query): Query<ProjectListQuery>,
    custom: CustomFieldParams,
) -> Result<Response, ApiError> {
    let request = query.page()?;
    let mut db = ctx.read().await?;
    let filter = ProjectFilter {
        q: query.q.clone(),
        status: status_filter(query.status.as_deref(), &STATUSES)?,
        client_id: query.client_id,
        member_id: query.member_id,
        billing_method: query.billing_method.map(|m| m.as_str().to_owned()),
        custom_fields: custom_field_values::conditions(&mut db, "project", &custom.0).await?,
    };
    let page = db.list_projects(&filter, &request).await?;
    let meta = pagination::meta(&page, &request, |p| p.id.uuid());
    Ok(response::list(
        page.items.iter().map(ProjectOut::from).collect(),
        meta,
    ))
}

/// Show a project
#[utoipa::path(get, path = "/projects/{id}", tag = "Projects",
    params(("id" = ProjectId, Path, description = "The project's id")),
    responses((status = 200, description = "The project", body = Data<ProjectOut>,
        headers(("ETag" = String, description = "The project's version, for If-Match")))))]
pub async fn get_project(ctx: Ctx, Path(id): Path<ProjectId>) -> Result<Response, ApiError> {
    let project = ctx
        .read()
        .await?
        .project(id)
        .await?
        .ok_or_else(|| ApiError::not_found("project"))?;
    Ok(response::ok_versioned(
        ProjectOut::from(&project),
        project.version,
    ))
}

/// Create a project
///
/// `fixed_fee` and `hourly_rate` are optional and only used by the billing
/// method they belong to (a fee on an hourly project is kept and ignored
/// when billing). Amounts are in the
/// project's currency, which defaults to the client's, else the
/// organization's.
#[utoipa::path(post, path = "/projects", tag = "Projects",
    params(("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key return the first response")),
    request_body = ProjectIn,
    responses(
        (status = 201, description = "Created", body = Data<ProjectOut>,
            headers(("Location" = String, description = "The new project"), ("ETag" = String, description = "Its version"))),
        (status = 403, description = "`insufficient_role` or `insufficient_scope`", body = ErrorBody),
        (status = 409, description = "`idempotency_key_reused` or `idempotency_key_in_use`", body = ErrorBody),
    ))]
pub async fn create_project(
    State(state): State<AppState>,
    ctx: Ctx,
    Json(input): Json<ProjectIn>,
) -> Result<Response, ApiError> {
    let project = projects::create(&state, &ctx, input).await?;
    Ok(response::created(
        &location(project.id),
        ProjectOut::from(&project),
        Some(project.version),
    ))
}

/// Replace a project
///
/// Every field is set from the body; absent optional fields are cleared
/// (an absent `currency` is the client's, else the organization's). A
/// project with tasks cannot move to another client (`409 conflict`).
#[utoipa::path(put, path = "/projects/{id}", tag = "Projects",
    params(
        ("id" = ProjectId, Path, description = "The project's id"),
        ("If-Match" = Option<String>, Header, description = "Only apply if the project is still at this ETag"),
    ),
    request_body = ProjectIn,
    responses(
        (status = 200, description = "Replaced", body = Data<ProjectOut>),
        (status = 403, description = "`insufficient_role` or `insufficient_scope`", body = ErrorBody),
        (status = 409, description = "`conflict`: the project has tasks and `client_id` changed", body = ErrorBody),
        (status = 412, description = "`precondition_failed`: the project changed since that ETag", body = ErrorBody),
    ))]
pub async fn replace_project(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<ProjectId>,
    if_match: IfMatch,
    Json(input): Json<ProjectIn>,
) -> Result<Response, ApiError> {
    let project = projects::update(&state, &ctx, id, if_match, |_| Ok(input)).await?;
    Ok(response::ok_versioned(
        ProjectOut::from(&project),
        project.version,
    ))
}

/// Update a project
///
/// Only the fields sent change (a JSON merge patch); `null` clears a field;
/// `custom_fields` merges key by key. Switching `billing_method` means
/// clearing the amount of the old method in the same patch (for example
/// `{"billing_method": "non_billable", "hourly_rate": null}`). Complete with
/// `{"status": "completed"}`, archive with `{"status": "archived"}`.
#[utoipa::path(patch, path = "/projects/{id}", tag = "Projects",
    params(
        ("id" = ProjectId, Path, description = "The project's id"),
        ("If-Match" = Option<String>, Header, description = "Only apply if the project is still at this ETag"),
    ),
    request_body = ProjectPatch,
    responses(
        (status = 200, description = "Updated", body = Data<ProjectOut>),
        (status = 403, description = "`insufficient_role` or `insufficient_scope`", body = ErrorBody),
        (status = 409, description = "`conflict`: the project has tasks and `client_id` changed", body = ErrorBody),
        (status = 412, description = "`precondition_failed`: the project changed since that ETag", body = ErrorBody),
    ))]
pub async fn patch_project(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<ProjectId>,
    if_match: IfMatch,
    patch: PatchJson<ProjectPatch>,
) -> Result<Response, ApiError> {
    let project = projects::update(&state, &ctx, id, if_match, |current| {
        merge(&ProjectIn::from(current), &patch.raw)
    })
    .await?;
    Ok(response::ok_versioned(
        ProjectOut::from(&project),
        project.version,
    ))
}

/// Delete a project
///
/// Deletes a project nothing refers to. A project with tasks (or time
/// entries or invoice lines) answers `409 in_use`: archive it instead.
#[utoipa::path(delete, path = "/projects/{id}", tag = "Projects",
    params(
        ("id" = ProjectId, Path, description = "The project's id"),
        ("If-Match" = Option<String>, Header, description = "Only delete if the project is still at this ETag"),
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "`insufficient_role` or `insufficient_scope`", body = ErrorBody),
        (status = 409, description = "`in_use`: archive it instead", body = ErrorBody),
        (status = 412, description = "`precondition_failed`", body = ErrorBody),
    ))]
pub async fn delete_project(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<ProjectId>,
    if_match: IfMatch,
) -> Result<Response, ApiError> {
    projects::delete(&state, &ctx, id, if_match).await?;
    Ok(response::no_content())
}
