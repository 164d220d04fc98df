//! `/tasks`: list, show, create, replace, patch, delete.

use axum::extract::State;
use axum::response::Response;
use chrono::NaiveDate;
use stint_core::ids::{ClientId, MemberId, ProjectId, TaskId, TopicId};
use stint_store::tasks::TaskFilter;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::conditional::IfMatch;
use super::dto::tasks::{TaskIn, TaskOut, TaskPatch, TaskStatus};
use super::error::{ApiError, ErrorBody};
use super::extract::{Json, Path, Query};
use super::list_params::{CustomFieldParams, status_filter};
use super::pagination;
use super::patch::PatchJson;
use super::response::{self, Data, List};
use crate::auth::Ctx;
use crate::list_query;
use crate::services::{custom_field_values, tasks};
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_tasks, create_task))
        .routes(routes!(get_task, replace_task, patch_task, delete_task))
}

fn location(id: TaskId) -> String {
    format!("/api/v1/tasks/{id}")
}

list_query! {
    /// Filters of the task list.
    pub struct TaskListQuery {
        /// Case-insensitive search in title and description.
        pub q: Option<String>,
        /// `active` (default: every task not archived), `archived`, `all`, or
        /// exact statuses, comma-separated (`open,in_progress`).
        #[param(pattern = "^(active|archived|all|(open|in_progress|done|cancelled|archived)(,(open|in_progress|done|cancelled|archived))*)$")]
        pub status: Option<String>,
        /// Only tasks of this client.
        pub client_id: Option<ClientId>,
        /// Only tasks of this project.
        pub project_id: Option<ProjectId>,
        /// Only tasks filed under this topic.
        pub topic_id: Option<TopicId>,
        /// Only tasks assigned to this member.
        pub assignee_id: Option<MemberId>,
        /// Only tasks due on or before this day (inclusive); tasks without a
        /// due date are left out.
        #[param(value_type = Option<String>, format = Date, example = "2026-03-31")]
        pub due_before: Option<NaiveDate>,
        /// Only tasks due on or after this day (inclusive); tasks without a
        /// due date are left out.
        #[param(value_type = Option<String>, format = Date, example = "2026-03-01")]
        pub due_after: Option<NaiveDate>,
    }
}

/// List tasks
///
/// Oldest first. Filter on custom fields with `custom_fields[KEY]=VALUE`
/// (a multi-select matches when it contains the value).
#[utoipa::path(get, path = "/tasks", tag = "Tasks",
    params(
        TaskListQuery,
        ("custom_fields" = Option<Object>, Query, style = DeepObject, explode,
            description = "`custom_fields[KEY]=VALUE`: only tasks whose custom field KEY has VALUE"),
    ),
    responses((status = 200, description = "A page of tasks", body = List<TaskOut>)))]
pub async fn list_tasks(
    ctx: Ctx,
    Query(query): Query<TaskListQuery>,
    custom: CustomFieldParams,
) -> Result<Response, ApiError> {
    let request = query.page()?;
    let mut db = ctx.read().await?;
    let filter = TaskFilter {
        q: query.q.clone(),
        status: status_filter(query.status.as_deref(), &TaskStatus::ALL)?,
        client_id: query.client_id,
        project_id: query.project_id,
        topic_id: query.topic_id,
        assignee_id: query.assignee_id,
        due_before: query.due_before,
        due_after: query.due_after,
        custom_fields: custom_field_values::conditions(&mut db, "task", &custom.0).await?,
    };
    let page = db.list_tasks(&filter, &request).await?;
    let meta = pagination::meta(&page, &request, |t| t.id.uuid());
    Ok(response::list(
        page.items.iter().map(TaskOut::from).collect(),
        meta,
    ))
}

/// Show a task
#[utoipa::path(get, path = "/tasks/{id}", tag = "Tasks",
    params(("id" = TaskId, Path, description = "The task's id")),
    responses((status = 200, description = "The task", body = Data<TaskOut>,
        headers(("ETag" = String, description = "The task's version, for If-Match")))))]
pub async fn get_task(ctx: Ctx, Path(id): Path<TaskId>) -> Result<Response, ApiError> {
    let task = ctx
        .read()
        .await?
        .task(id)
        .await?
        .ok_or_else(|| ApiError::not_found("task"))?;
    Ok(response::ok_versioned(TaskOut::from(&task), task.version))
}

/// Create a task
///
/// With only `project_id`, the task takes the project's client; with both
/// `client_id` and `project_id`, the project must be that client's.
#[utoipa::path(post, path = "/tasks", tag = "Tasks",
    params(("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key return the first response")),
    request_body = TaskIn,
    responses(
        (status = 201, description = "Created", body = Data<TaskOut>,
            headers(("Location" = String, description = "The new task"), ("ETag" = String, description = "Its version"))),
        (status = 403, description = "`insufficient_role` or `insufficient_scope`", body = ErrorBody),
        (status = 409, description = "`idempotency_key_reused` or `idempotency_key_in_use`", body = ErrorBody),
    ))]
pub async fn create_task(
    State(state): State<AppState>,
    ctx: Ctx,
    Json(input): Json<TaskIn>,
) -> Result<Response, ApiError> {
    let task = tasks::create(&state, &ctx, input).await?;
    Ok(response::created(
        &location(task.id),
        TaskOut::from(&task),
        Some(task.version),
    ))
}

/// Replace a task
///
/// Every field is set from the body; absent optional fields are cleared.
#[utoipa::path(put, path = "/tasks/{id}", tag = "Tasks",
    params(
        ("id" = TaskId, Path, description = "The task's id"),
        ("If-Match" = Option<String>, Header, description = "Only apply if the task is still at this ETag"),
    ),
    request_body = TaskIn,
    responses(
        (status = 200, description = "Replaced", body = Data<TaskOut>),
        (status = 403, description = "`insufficient_role` or `insufficient_scope`", body = ErrorBody),
        (status = 412, description = "`precondition_failed`: the task changed since that ETag", body = ErrorBody),
    ))]
pub async fn replace_task(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<TaskId>,
    if_match: IfMatch,
    Json(input): Json<TaskIn>,
) -> Result<Response, ApiError> {
    let task = tasks::update(&state, &ctx, id, if_match, |_| Ok(input)).await?;
    Ok(response::ok_versioned(TaskOut::from(&task), task.version))
}

/// Update a task
///
/// Only the fields sent change (a JSON merge patch); `null` clears a field;
/// `custom_fields` merges key by key. Sending a new `project_id` without
/// `client_id` moves the task to that project's client. Archive with
/// `{"status": "archived"}`.
#[utoipa::path(patch, path = "/tasks/{id}", tag = "Tasks",
    params(
        ("id" = TaskId, Path, description = "The task's id"),
        ("If-Match" = Option<String>, Header, description = "Only apply if the task is still at this ETag"),
    ),
    request_body = TaskPatch,
    responses(
        (status = 200, description = "Updated", body = Data<TaskOut>),
        (status = 403, description = "`insufficient_role` or `insufficient_scope`", body = ErrorBody),
        (status = 412, description = "`precondition_failed`: the task changed since that ETag", body = ErrorBody),
    ))]
pub async fn patch_task(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<TaskId>,
    if_match: IfMatch,
    patch: PatchJson<TaskPatch>,
) -> Result<Response, ApiError> {
    let task = tasks::update(&state, &ctx, id, if_match, |current| {
        tasks::patched_input(current, &patch.raw)
    })
    .await?;
    Ok(response::ok_versioned(TaskOut::from(&task), task.version))
}

/// Delete a task
///
/// Deletes a task with its assignments. Once time is tracked against a
/// task it answers `409 in_use`: archive it instead.
#[utoipa::path(delete, path = "/tasks/{id}", tag = "Tasks",
    params(
        ("id" = TaskId, Path, description = "The task's id"),
        ("If-Match" = Option<String>, Header, description = "Only delete if the task is still at this ETag"),
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "`insufficient_role` or `insufficient_scope`", body = ErrorBody),
        (status = 409, description = "`in_use`: archive it instead", body = ErrorBody),
        (status = 412, description = "`precondition_failed`", body = ErrorBody),
    ))]
pub async fn delete_task(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<TaskId>,
    if_match: IfMatch,
) -> Result<Response, ApiError> {
    tasks::delete(&state, &ctx, id, if_match).await?;
    Ok(response::no_content())
}
