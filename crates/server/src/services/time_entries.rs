//! Time entry use cases: record, replace or patch, delete — with the
//! visibility rule (members see and touch only their own entries; owners,
//! admins and API keys everyone's), the locks (invoiced entries, the closed
//! period) and one event per change.

use chrono::{DateTime, Utc};
use stint_core::ids::{MemberId, TimeEntryId};
use stint_store::time_entries::TimeEntry;
use stint_store::{Exec, StoreError, Tenant, Tx};

use super::events;
use super::time_entry_rules::{Running, lock_before, member_for, period_locked, resolve};
use crate::api::conditional::{IfMatch, stale};
use crate::api::dto::time_entries::{TimeEntryIn, TimeEntryOut, Warning};
use crate::api::error::{ApiError, Code};
use crate::auth::{Actor, Ctx};
use crate::state::AppState;

pub const RESOURCE: &str = "time_entry";

/// The only member whose entries the caller may see, or `None` for all.
pub fn visible_member(ctx: &Ctx) -> Option<MemberId> {
    match ctx.actor() {
        Actor::User { member, .. } if !ctx.role().is_admin() => Some(member),
        _ => None,
    }
}

pub fn not_found() -> ApiError {
    ApiError::not_found("time entry")
}

/// An entry the caller may see, or 404.
pub async fn visible<E: Exec>(
    db: &mut Tenant<E>,
    ctx: &Ctx,
    id: TimeEntryId,
) -> Result<TimeEntry, ApiError> {
    let entry = db.time_entry(id).await?.ok_or_else(not_found)?;
    match visible_member(ctx) {
        Some(member) if member != entry.member_id => Err(not_found()),
        _ => Ok(entry),
    }
}

/// Refuses changes to invoiced entries and to the closed period.
pub async fn ensure_unlocked(tx: &mut Tenant<Tx>, entry: &TimeEntry) -> Result<(), ApiError> {
    if entry.status == "invoiced" {
        return Err(ApiError::new(
            Code::TimeEntryLocked,
            "This time entry is invoiced and can no longer be changed or deleted",
        ));
    }
    if let Some(lock) = lock_before(&tx.organization_time().await?.settings.0)
        && entry.date < lock
    {
        return Err(period_locked(entry.date, lock));
    }
    Ok(())
}

pub fn overlap_warnings(overlaps: Vec<TimeEntryId>) -> Vec<Warning> {
    if overlaps.is_empty() {
        return Vec::new();
    }
    let n = overlaps.len();
    vec![Warning {
        code: "time_entry_overlap".into(),
        message: format!(
            "This entry overlaps {n} other {} of the same member",
            if n == 1 { "entry" } else { "entries" }
        ),
        time_entry_ids: overlaps,
    }]
}

/// The unique index allows one running timer per member; losing that race
/// is the same conflict as finding one running.
pub fn timer_conflict(error: StoreError) -> ApiError {
    match error {
        StoreError::Unique { .. } => ApiError::new(
            Code::TimerAlreadyRunning,
            "This member already has a running timer; stop it first or start with stop_running: true",
        ),
        other => other.into(),
    }
}

pub fn render(entry: &TimeEntry, now: DateTime<Utc>) -> TimeEntryOut {
    TimeEntryOut::render(entry, now)
}

/// Records an entry in any of the three shapes.
pub async fn create(
    state: &AppState,
    ctx: &Ctx,
    input: TimeEntryIn,
) -> Result<(TimeEntry, Vec<Warning>), ApiError> {
    let now = state.now();
    let member = member_for(ctx, input.member_id)?;
    let created = async {
        let mut tx = ctx.write().await?;
        let resolved = resolve(state, ctx, &mut tx, input, Running::Allowed, None).await?;
        let running = resolved.values.status == "running";
        if running {
            super::timers::refuse_if_running(&mut tx, resolved.values.member_id).await?;
        }
        let id = TimeEntryId::generate();
        let entry = tx
            .insert_time_entry(id, &resolved.values, now)
            .await
            .map_err(timer_conflict)?;
        if running {
            super::timers::record_started(&mut tx, ctx, now, &entry).await?;
        } else {
            events::created(&mut tx, ctx, now, RESOURCE, id.uuid(), &render(&entry, now)).await?;
        }
        tx.commit().await?;
        Ok((entry, overlap_warnings(resolved.overlaps)))
    }
    .await;
    match created {
        Err(error) => Err(super::timers::name_the_winner(ctx, member, error).await),
        ok => ok,
    }
}

/// Replaces an entry with the input `build` makes from it (PUT ignores
/// the current entry; PATCH merges into it).
pub async fn update(
    state: &AppState,
    ctx: &Ctx,
    id: TimeEntryId,
    if_match: IfMatch,
    build: impl FnOnce(&TimeEntry) -> Result<TimeEntryIn, ApiError>,
) -> Result<(TimeEntry, Vec<Warning>), ApiError> {
    let now = state.now();
    let mut tx = ctx.write().await?;
    let current = visible(&mut tx, ctx, id).await?;
    ensure_unlocked(&mut tx, &current).await?;
    let input = build(&current)?;
    let running = if current.is_running() {
        Running::Allowed
    } else {
        Running::Refused
    };
    let resolved = resolve(state, ctx, &mut tx, input, running, Some(id)).await?;
    // Preconditions count only for a request that is otherwise valid
    // (RFC 9110 13.2.1): a malformed body is 400 even when stale.
    if_match.check(current.version)?;
    // Both depend on the stored entry being a running timer: conflicts
    // with its state, not malformed requests.
    if current.is_running() && resolved.values.status != "running" {
        return Err(ApiError::field_conflict(
            "ended_at",
            "stop a running timer with POST /api/v1/time-entries/{id}/stop",
        ));
    }
    if current.is_running() && resolved.values.member_id != current.member_id {
        return Err(ApiError::field_conflict(
            "member_id",
            "a running timer cannot move to another member",
        ));
    }
    if !tx
        .update_time_entry(id, &resolved.values, current.version, now)
        .await
        .map_err(timer_conflict)?
    {
        return Err(stale());
    }
    let updated = current.replaced(&resolved.values, now);
    if !events::updated(
        &mut tx,
        ctx,
        now,
        RESOURCE,
        id.uuid(),
        &render(&current, now),
        &render(&updated, now),
    )
    .await?
    {
        return Ok((current, overlap_warnings(resolved.overlaps)));
    }
    tx.commit().await?;
    Ok((updated, overlap_warnings(resolved.overlaps)))
}

pub async fn delete(
    state: &AppState,
    ctx: &Ctx,
    id: TimeEntryId,
    if_match: IfMatch,
) -> Result<(), ApiError> {
    let now = state.now();
    let mut tx = ctx.write().await?;
    let current = visible(&mut tx, ctx, id).await?;
    if_match.check(current.version)?;
    ensure_unlocked(&mut tx, &current).await?;
    tx.delete_time_entry(id).await?;
    events::deleted(
        &mut tx,
        ctx,
        now,
        RESOURCE,
        id.uuid(),
        &render(&current, now),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
