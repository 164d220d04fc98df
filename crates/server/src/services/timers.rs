//! Running timers: start (one per member, or stop the running one at the
//! same instant), stop, continue an entry as a new timer, list what runs.

use chrono::{DateTime, Utc};
use serde_json::json;
use stint_core::ids::{MemberId, TimeEntryId};
use stint_store::time_entries::TimeEntry;
use stint_store::{Tenant, Tx};

use super::events;
use super::time_entries::{
    RESOURCE, ensure_unlocked, overlap_warnings, render, timer_conflict, visible, visible_member,
};
use super::time_entry_rules::{Running, clock_times_problem, member_for, resolve};
use crate::api::conditional::stale;
use crate::api::dto::time_entries::{ContinueIn, StartTimerIn, StopTimerIn, TimeEntryIn, Warning};
use crate::api::error::{ApiError, Code};
use crate::api::instant::Instant;
use crate::auth::Ctx;
use crate::state::AppState;

/// 409 naming the member's running timer, if there is one.
pub async fn refuse_if_running(tx: &mut Tenant<Tx>, member: MemberId) -> Result<(), ApiError> {
    if let Some(running) = tx
        .running_time_entries(Some(member))
        .await?
        .into_iter()
        .next()
    {
        return Err(already_running(&running));
    }
    Ok(())
}

/// A start that lost the race for the member's one running timer (the
/// unique index refused it) names the winner, read once the failed
/// transaction is gone; any other error passes through.
pub async fn name_the_winner(ctx: &Ctx, member: MemberId, error: ApiError) -> ApiError {
    if error.code() != Code::TimerAlreadyRunning {
        return error;
    }
    let Ok(mut db) = ctx.read().await else {
        return error;
    };
    match db.running_time_entries(Some(member)).await {
        Ok(running) => running.first().map(already_running).unwrap_or(error),
        Err(_) => error,
    }
}

fn already_running(running: &TimeEntry) -> ApiError {
    ApiError::new(
        Code::TimerAlreadyRunning,
        format!(
            "Member {} already has a running timer ({}); stop it first or start with stop_running: true",
            running.member_id, running.id
        ),
    )
    .with_details(vec![stint_core::FieldError {
        field: "running_time_entry_id".into(),
        message: running.id.to_string(),
    }])
}

pub async fn record_started(
    tx: &mut Tenant<Tx>,
    ctx: &Ctx,
    now: DateTime<Utc>,
    entry: &TimeEntry,
) -> Result<(), ApiError> {
    let data = json!({"object": render(entry, now)});
    events::record(
        tx,
        ctx,
        now,
        format!("{RESOURCE}.timer_started"),
        RESOURCE,
        Some(entry.id.uuid()),
        data,
    )
    .await
}

/// Stops a running entry at `ended_at` inside `tx`.
async fn stop_in(
    state: &AppState,
    ctx: &Ctx,
    tx: &mut Tenant<Tx>,
    entry: &TimeEntry,
    ended_at: DateTime<Utc>,
    notes: Option<String>,
) -> Result<(TimeEntry, Vec<Warning>), ApiError> {
    // Judged against the stored start, which the request cannot see.
    let max = state.settings.time_tracking.max_entry_duration.as_secs() as i64;
    if let Some(message) = entry
        .started_at
        .and_then(|start| clock_times_problem(start, ended_at, max))
    {
        return Err(ApiError::field_conflict("ended_at", message));
    }
    let now = state.now();
    let mut input = TimeEntryIn::from(entry);
    input.ended_at = Some(Instant::from(ended_at));
    if notes.is_some() {
        input.notes = notes;
    }
    let resolved = resolve(state, ctx, tx, input, Running::Refused, Some(entry.id)).await?;
    if !tx
        .update_time_entry(entry.id, &resolved.values, entry.version, now)
        .await?
    {
        return Err(stale());
    }
    let stopped = entry.replaced(&resolved.values, now);
    let previous = events::previous_attributes(
        &serde_json::to_value(render(entry, now)).map_err(ApiError::internal)?,
        &serde_json::to_value(render(&stopped, now)).map_err(ApiError::internal)?,
    );
    let data = json!({"object": render(&stopped, now), "previous_attributes": previous});
    events::record(
        tx,
        ctx,
        now,
        format!("{RESOURCE}.timer_stopped"),
        RESOURCE,
        Some(entry.id.uuid()),
        data,
    )
    .await?;
    Ok((stopped, overlap_warnings(resolved.overlaps)))
}

/// Starts a timer inside `tx`, stopping the running one first when asked.
async fn start_in(
    state: &AppState,
    ctx: &Ctx,
    tx: &mut Tenant<Tx>,
    input: StartTimerIn,
) -> Result<(TimeEntry, Vec<Warning>), ApiError> {
    let now = state.now();
    let member = member_for(ctx, input.member_id)?;
    let started_at = input.started_at.map(|s| s.utc()).unwrap_or(now);
    if let Some(running) = tx
        .running_time_entries(Some(member))
        .await?
        .into_iter()
        .next()
    {
        if !input.stop_running {
            return Err(already_running(&running));
        }
        ensure_unlocked(tx, &running).await?;
        stop_in(state, ctx, tx, &running, started_at, None).await?;
    }
    let entry_input = TimeEntryIn {
        member_id: Some(member),
        client_id: input.client_id,
        project_id: input.project_id,
        task_id: input.task_id,
        service_id: input.service_id,
        started_at: Some(Instant::from(started_at)),
        billable: input.billable,
        notes: input.notes,
        tags: input.tags,
        ..Default::default()
    };
    let resolved = resolve(state, ctx, tx, entry_input, Running::Allowed, None).await?;
    let id = TimeEntryId::generate();
    let entry = tx
        .insert_time_entry(id, &resolved.values, now)
        .await
        .map_err(timer_conflict)?;
    record_started(tx, ctx, now, &entry).await?;
    Ok((entry, overlap_warnings(resolved.overlaps)))
}

pub async fn start(
    state: &AppState,
    ctx: &Ctx,
    input: StartTimerIn,
) -> Result<(TimeEntry, Vec<Warning>), ApiError> {
    let member = member_for(ctx, input.member_id)?;
    let started = async {
        let mut tx = ctx.write().await?;
        let started = start_in(state, ctx, &mut tx, input).await?;
        tx.commit().await?;
        Ok(started)
    }
    .await;
    match started {
        Err(error) => Err(name_the_winner(ctx, member, error).await),
        ok => ok,
    }
}

pub async fn stop(
    state: &AppState,
    ctx: &Ctx,
    id: TimeEntryId,
    input: StopTimerIn,
) -> Result<(TimeEntry, Vec<Warning>), ApiError> {
    let mut tx = ctx.write().await?;
    let entry = visible(&mut tx, ctx, id).await?;
    if !entry.is_running() {
        return Err(ApiError::new(
            Code::TimerNotRunning,
            "This time entry is not a running timer",
        ));
    }
    let ended_at = input.ended_at.map(|e| e.utc()).unwrap_or(state.now());
    let stopped = stop_in(state, ctx, &mut tx, &entry, ended_at, input.notes).await?;
    tx.commit().await?;
    Ok(stopped)
}

/// A new running timer with the same client, project, task, service, notes
/// and tags as an existing entry, for the same member.
pub async fn continue_entry(
    state: &AppState,
    ctx: &Ctx,
    id: TimeEntryId,
    input: ContinueIn,
) -> Result<(TimeEntry, Vec<Warning>), ApiError> {
    let mut tx = ctx.write().await?;
    let source = visible(&mut tx, ctx, id).await?;
    let member = source.member_id;
    let start_input = StartTimerIn {
        member_id: Some(source.member_id),
        client_id: source.client(),
        project_id: source.project(),
        task_id: source.task(),
        service_id: source.service(),
        notes: source.notes.clone(),
        tags: source.tags.0.clone(),
        billable: Some(source.billable),
        started_at: None,
        stop_running: input.stop_running,
    };
    let started = async {
        let started = start_in(state, ctx, &mut tx, start_input).await?;
        tx.commit().await?;
        Ok(started)
    }
    .await;
    match started {
        Err(error) => Err(name_the_winner(ctx, member, error).await),
        ok => ok,
    }
}

/// The running timers the caller may see.
pub async fn running(ctx: &Ctx, member: Option<MemberId>) -> Result<Vec<TimeEntry>, ApiError> {
    let member = match visible_member(ctx) {
        Some(own) => Some(own),
        None => member,
    };
    Ok(ctx.read().await?.running_time_entries(member).await?)
}
