//! Task use cases: create, replace, patch, delete — validated (the project
//! must be the client's; the client follows the project when not given),
//! versioned, and recorded in the event outbox in the same transaction.

use serde_json::{Map, Value};
use stint_core::Validation;
use stint_core::ids::TaskId;
use stint_core::validation::{name_problem, optional_text};
use stint_store::tasks::{Task, TaskValues};
use stint_store::{Tenant, Tx};

use super::{custom_field_values, events};
use crate::api::conditional::{IfMatch, stale};
use crate::api::dto::tasks::{TaskIn, TaskOut};
use crate::api::error::{ApiError, Code};
use crate::api::patch::merge;
use crate::auth::Ctx;
use crate::state::AppState;

const RESOURCE: &str = "task";

/// The largest estimate, in minutes (about two years of round-the-clock work).
const MAX_ESTIMATE_MINUTES: i64 = 1_000_000;

fn not_found() -> ApiError {
    ApiError::not_found("task")
}

/// The input a merge patch makes of the current task. A patch that moves
/// the task to another project without naming a client takes the new
/// project's client, as a new task would.
pub fn patched_input(current: &Task, patch: &Map<String, Value>) -> Result<TaskIn, ApiError> {
    let mut input = merge(&TaskIn::from(current), patch)?;
    let moves_project = patch.get("project_id").is_some_and(|p| !p.is_null());
    if moves_project && !patch.contains_key("client_id") {
        input.client_id = None;
    }
    Ok(input)
}

/// Checks an input against the rules and the organization's data.
async fn validate(tx: &mut Tenant<Tx>, input: TaskIn) -> Result<TaskValues, ApiError> {
    let mut v = Validation::new();
    v.check("title", name_problem(&input.title, 500));
    let description = match optional_text(&input.description, 10_000) {
        Ok(t) => t,
        Err(e) => {
            v.add("description", e);
            None
        }
    };
    let client_known = match input.client_id {
        Some(client) => {
            let known = tx.exists(client).await?;
            if !known {
                v.missing("client_id", "client");
            }
            known
        }
        None => true,
    };
    let mut client_id = input.client_id;
    if let Some(project_id) = input.project_id {
        match tx.project(project_id).await? {
            None => v.missing("project_id", "project"),
            Some(project) => match input.client_id {
                None => client_id = project.client_id(),
                Some(client) if client_known && project.client_id() != Some(client) => {
                    // Another client's project is a missing reference for
                    // this client (404 when alone), as for a contact.
                    v.missing("project_id", "project of the task's client");
                }
                Some(_) => {}
            },
        }
    }
    if let Some(topic) = input.topic_id
        && !tx.exists(topic).await?
    {
        v.missing("topic_id", "topic");
    }
    if let Some(minutes) = input.estimate_minutes
        && !(0..=MAX_ESTIMATE_MINUTES).contains(&minutes)
    {
        v.add(
            "estimate_minutes",
            format!("must be between 0 and {MAX_ESTIMATE_MINUTES}"),
        );
    }
    let mut assignee_ids = input.assignee_ids.clone();
    assignee_ids.sort();
    assignee_ids.dedup();
    for missing in tx.missing(&assignee_ids).await? {
        let index = input
            .assignee_ids
            .iter()
            .position(|m| *m == missing)
            .unwrap_or_default();
        v.missing(format!("assignee_ids[{index}]"), "member");
    }
    let mut custom_fields = input.custom_fields;
    custom_field_values::validate(tx, RESOURCE, &mut custom_fields, &mut v).await?;
    v.finish().map_err(ApiError::validation)?;
    Ok(TaskValues {
        title: input.title.trim().to_owned(),
        description,
        client_id,
        project_id: input.project_id,
        topic_id: input.topic_id,
        status: input.status.as_str().to_owned(),
        due_on: input.due_on,
        estimate_minutes: input.estimate_minutes,
        custom_fields,
        assignee_ids,
    })
}

async fn reload(tx: &mut Tenant<Tx>, id: TaskId) -> Result<Task, ApiError> {
    tx.task(id)
        .await?
        .ok_or_else(|| ApiError::internal(std::io::Error::other("task vanished mid-write")))
}

pub async fn create(state: &AppState, ctx: &Ctx, input: TaskIn) -> Result<Task, ApiError> {
    ctx.require_write()?;
    let now = state.now();
    let id = TaskId::generate();
    let mut tx = ctx.write().await?;
    let values = validate(&mut tx, input).await?;
    tx.insert_task(id, &values, now).await?;
    let task = reload(&mut tx, id).await?;
    events::created(
        &mut tx,
        ctx,
        now,
        RESOURCE,
        id.uuid(),
        &TaskOut::from(&task),
    )
    .await?;
    tx.commit().await?;
    Ok(task)
}

/// Replaces a task with the input `build` makes from the current one (PUT
/// ignores it; PATCH merges into it), all inside one transaction.
pub async fn update(
    state: &AppState,
    ctx: &Ctx,
    id: TaskId,
    if_match: IfMatch,
    build: impl FnOnce(&Task) -> Result<TaskIn, ApiError>,
) -> Result<Task, ApiError> {
    ctx.require_write()?;
    let now = state.now();
    let mut tx = ctx.write().await?;
    let current = tx.task(id).await?.ok_or_else(not_found)?;
    let values = validate(&mut tx, build(&current)?).await?;
    // Preconditions count only for a request that is otherwise valid
    // (RFC 9110 13.2.1): a malformed body is 400 even when stale.
    if_match.check(current.version)?;
    if !tx.update_task(id, &values, current.version, now).await? {
        return Err(stale());
    }
    let updated = reload(&mut tx, id).await?;
    if !events::updated(
        &mut tx,
        ctx,
        now,
        RESOURCE,
        id.uuid(),
        &TaskOut::from(&current),
        &TaskOut::from(&updated),
    )
    .await?
    {
        // Nothing changed: keep the version, record nothing.
        return Ok(current);
    }
    tx.commit().await?;
    Ok(updated)
}

/// Deletes a task nothing refers to, with its assignee links.
pub async fn delete(
    state: &AppState,
    ctx: &Ctx,
    id: TaskId,
    if_match: IfMatch,
) -> Result<(), ApiError> {
    ctx.require_write()?;
    let now = state.now();
    let mut tx = ctx.write().await?;
    let current = tx.task(id).await?.ok_or_else(not_found)?;
    if_match.check(current.version)?;
    if let Some(what) = tx.task_references(id).await? {
        return Err(ApiError::new(
            Code::InUse,
            format!(
                "This task has {what}, so it cannot be deleted; archive it with PATCH {{\"status\": \"archived\"}}"
            ),
        ));
    }
    tx.delete_task(id).await?;
    events::deleted(
        &mut tx,
        ctx,
        now,
        RESOURCE,
        id.uuid(),
        &TaskOut::from(&current),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
