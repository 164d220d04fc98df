//! `/time-entries`: recorded time and running timers.

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use stint_core::ids::{ClientId, MemberId, ProjectId, ServiceId, TaskId, TimeEntryId, TopicId};
use stint_store::time_entries::{TimeEntry, TimeEntryFilter};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::conditional::IfMatch;
use super::dto::time_entries::{
    ContinueIn, StartTimerIn, StopTimerIn, TimeEntryIn, TimeEntryOut, TimeEntryPatch,
    TimeEntryWritten, Warning,
};
use super::error::{ApiError, Code, ErrorBody};
use super::extract::{Json, OptionalJson, Path, Query};
use super::instant::Instant;
use super::pagination;
use super::patch::{PatchJson, merge};
use super::response::{self, Data, List, etag};
use crate::auth::Ctx;
use crate::list_query;
use crate::services::time_entry_rules::clock_times_problem;
use crate::services::{time_entries, timers};
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_time_entries, create_time_entry))
        .routes(routes!(running_timers))
        .routes(routes!(start_timer))
        .routes(routes!(
            get_time_entry,
            replace_time_entry,
            patch_time_entry,
            delete_time_entry
        ))
        .routes(routes!(stop_timer))
        .routes(routes!(continue_time_entry))
}

/// An entry with its warnings, its ETag and, when created, its Location.
fn written(
    status: StatusCode,
    state: &AppState,
    entry: &TimeEntry,
    warnings: Vec<Warning>,
) -> Response {
    let body = TimeEntryWritten {
        data: TimeEntryOut::render(entry, state.now()),
        warnings,
    };
    let mut response = (status, axum::Json(body)).into_response();
    if let Ok(value) = HeaderValue::from_str(&etag(entry.version)) {
        response.headers_mut().insert(header::ETAG, value);
    }
    if status == StatusCode::CREATED
        && let Ok(value) = HeaderValue::from_str(&format!("/api/v1/time-entries/{}", entry.id))
    {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

list_query! {
    /// Filters of the time-entry list (and of time reports).
    pub struct TimeEntryListQuery {
        /// First local date, inclusive.
        #[param(value_type = Option<String>, format = Date)]
        pub from: Option<NaiveDate>,
        /// Last local date, inclusive.
        #[param(value_type = Option<String>, format = Date)]
        pub to: Option<NaiveDate>,
        /// Repeat to select several members. Members only ever see their own entries.
        #[serde(default)]
        pub member_id: Vec<MemberId>,
        pub client_id: Option<ClientId>,
        pub project_id: Option<ProjectId>,
        pub task_id: Option<TaskId>,
        pub service_id: Option<ServiceId>,
        /// Entries whose task is filed under this topic.
        pub topic_id: Option<TopicId>,
        pub billable: Option<bool>,
        /// `running`, `completed` or `invoiced`, comma-separated.
        #[param(pattern = "^(running|completed|invoiced)(,(running|completed|invoiced))*$")]
        pub status: Option<String>,
        /// `true`: invoiced only; `false`: not yet invoiced.
        pub invoiced: Option<bool>,
        /// Entries carrying this tag.
        pub tag: Option<String>,
        /// Search in the notes.
        pub q: Option<String>,
    }
}

impl TimeEntryListQuery {
    /// The store filter; members are limited to their own entries.
    pub fn filter(&self, ctx: &Ctx) -> Result<TimeEntryFilter, ApiError> {
        let statuses: Vec<String> = match self.status.as_deref() {
            None => Vec::new(),
            Some(list) => list.split(',').map(str::to_owned).collect(),
        };
        if let Some(bad) = statuses
            .iter()
            .find(|s| !["running", "completed", "invoiced"].contains(&s.as_str()))
        {
            return Err(
                ApiError::new(Code::InvalidQuery, format!("Unknown status `{bad}`")).with_details(
                    vec![stint_core::FieldError {
                        field: "status".into(),
                        message: "must be running, completed or invoiced".into(),
                    }],
                ),
            );
        }
        // `to` before `from` is an empty range, answered as one (no schema
        // can relate two parameters, and an empty answer is the truth).
        let member_ids = match time_entries::visible_member(ctx) {
            Some(own) => vec![own],
            None => self.member_id.clone(),
        };
        Ok(TimeEntryFilter {
            from: self.from,
            to: self.to,
            member_ids,
            client_id: self.client_id,
            project_id: self.project_id,
            task_id: self.task_id,
            service_id: self.service_id,
            topic_id: self.topic_id,
            billable: self.billable,
            statuses,
            invoiced: self.invoiced,
            tag: self.tag.clone(),
            q: self.q.clone(),
        })
    }
}

/// List time entries
///
/// Everyone's for owners, admins and API keys (filter with `member_id`,
/// repeatable); members see their own.
#[utoipa::path(get, path = "/time-entries", tag = "Time entries",
    params(TimeEntryListQuery),
    responses((status = 200, description = "A page of entries", body = List<TimeEntryOut>)))]
pub async fn list_time_entries(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<TimeEntryListQuery>,
) -> Result<Response, ApiError> {
    let request = query.page()?;
    let filter = query.filter(&ctx)?;
    let page = ctx
        .read()
        .await?
        .list_time_entries(&filter, &request)
        .await?;
    let meta = pagination::meta(&page, &request, |e| e.id.uuid());
    let now = state.now();
    Ok(response::list(
        page.items
            .iter()
            .map(|e| TimeEntryOut::render(e, now))
            .collect(),
        meta,
    ))
}

/// Record time
///
/// `started_at` + `ended_at`; or `date` + `duration_seconds` (or `duration`
/// `"H:MM"`); or `started_at` alone to start a running timer. Overlaps with
/// the member's other entries are accepted with a `time_entry_overlap` warning.
#[utoipa::path(post, path = "/time-entries", tag = "Time entries",
    params(("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key return the first response")),
    request_body = TimeEntryIn,
    responses(
        (status = 201, description = "Recorded", body = TimeEntryWritten,
            headers(("Location" = String, description = "The new entry"), ("ETag" = String, description = "Its version"))),
        (status = 403, description = "`insufficient_role`: a member recording for someone else; `insufficient_scope`", body = ErrorBody),
        (status = 409, description = "`timer_already_running`, `period_locked`, `idempotency_key_reused`; `conflict`: a referenced record exists but does not fit (a deactivated member, an archived service, a task or project of another client), `details` names each", body = ErrorBody),
    ))]
pub async fn create_time_entry(
    State(state): State<AppState>,
    ctx: Ctx,
    Json(input): Json<TimeEntryIn>,
) -> Result<Response, ApiError> {
    let (entry, warnings) = time_entries::create(&state, &ctx, input).await?;
    Ok(written(StatusCode::CREATED, &state, &entry, warnings))
}

/// Show a time entry
#[utoipa::path(get, path = "/time-entries/{id}", tag = "Time entries",
    params(("id" = TimeEntryId, Path, description = "The entry's id")),
    responses((status = 200, description = "The entry", body = Data<TimeEntryOut>)))]
pub async fn get_time_entry(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<TimeEntryId>,
) -> Result<Response, ApiError> {
    let mut db = ctx.read().await?;
    let entry = time_entries::visible(&mut db, &ctx, id).await?;
    Ok(response::ok_versioned(
        TimeEntryOut::render(&entry, state.now()),
        entry.version,
    ))
}

/// Replace a time entry
#[utoipa::path(put, path = "/time-entries/{id}", tag = "Time entries",
    params(
        ("id" = TimeEntryId, Path, description = "The entry's id"),
        ("If-Match" = Option<String>, Header, description = "Only apply if the entry is still at this ETag"),
    ),
    request_body = TimeEntryIn,
    responses(
        (status = 200, description = "Replaced", body = TimeEntryWritten),
        (status = 403, description = "`insufficient_role` or `insufficient_scope`", body = ErrorBody),
        (status = 409, description = "`time_entry_locked` (invoiced) or `period_locked`; `conflict`: a referenced record exists but does not fit (a deactivated member, an archived service, a task or project of another client), `details` names each", body = ErrorBody),
        (status = 412, description = "`precondition_failed`", body = ErrorBody),
    ))]
pub async fn replace_time_entry(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<TimeEntryId>,
    if_match: IfMatch,
    Json(input): Json<TimeEntryIn>,
) -> Result<Response, ApiError> {
    let (entry, warnings) = time_entries::update(&state, &ctx, id, if_match, |_| Ok(input)).await?;
    Ok(written(StatusCode::OK, &state, &entry, warnings))
}

/// Update a time entry
///
/// A JSON merge patch. On an entry with clock times, change `started_at` /
/// `ended_at`; on one without, `date` / `duration_seconds` / `duration`.
/// Giving `started_at` to an entry without clock times places it at that
/// instant (its length kept unless `ended_at` is given too); to turn an
/// entry with clock times into one without, send `started_at: null,
/// ended_at: null` with the date and duration.
#[utoipa::path(patch, path = "/time-entries/{id}", tag = "Time entries",
    params(
        ("id" = TimeEntryId, Path, description = "The entry's id"),
        ("If-Match" = Option<String>, Header, description = "Only apply if the entry is still at this ETag"),
    ),
    request_body = TimeEntryPatch,
    responses(
        (status = 200, description = "Updated", body = TimeEntryWritten),
        (status = 403, description = "`insufficient_role` or `insufficient_scope`", body = ErrorBody),
        (status = 409, description = "`time_entry_locked` (invoiced) or `period_locked`; `conflict`: a referenced record exists but does not fit (a deactivated member, an archived service, a task or project of another client), `details` names each", body = ErrorBody),
        (status = 412, description = "`precondition_failed`", body = ErrorBody),
    ))]
pub async fn patch_time_entry(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<TimeEntryId>,
    if_match: IfMatch,
    patch: PatchJson<TimeEntryPatch>,
) -> Result<Response, ApiError> {
    let max = state.settings.time_tracking.max_entry_duration.as_secs() as i64;
    let (entry, warnings) = time_entries::update(&state, &ctx, id, if_match, |current| {
        let merged: TimeEntryIn = merge(&patch_base(current, &patch.raw), &patch.raw)?;
        clock_times_fit(&merged, &patch.raw, max)?;
        Ok(merged)
    })
    .await?;
    Ok(written(StatusCode::OK, &state, &entry, warnings))
}

/// Clock times a patch combines with the stored ones must still make an
/// entry: the request cannot see the stored half, so a mismatch conflicts
/// with the entry (409) rather than being malformed (times the patch gives
/// both of are judged as any body is, 400).
fn clock_times_fit(
    merged: &TimeEntryIn,
    patch: &serde_json::Map<String, serde_json::Value>,
    max_seconds: i64,
) -> Result<(), ApiError> {
    let given = |key: &str| patch.get(key).is_some_and(|v| !v.is_null());
    if given("started_at") && given("ended_at") {
        return Ok(());
    }
    match (merged.started_at, merged.ended_at) {
        (None, Some(_)) if given("ended_at") => Err(ApiError::field_conflict(
            "ended_at",
            "needs started_at: this entry has no clock times, so send both",
        )),
        (Some(start), Some(end)) => {
            let field = if given("ended_at") {
                "ended_at"
            } else {
                "started_at"
            };
            match clock_times_problem(start.utc(), end.utc(), max_seconds) {
                Some(message) => Err(ApiError::field_conflict(field, message)),
                None => Ok(()),
            }
        }
        _ => Ok(()),
    }
}

/// The current entry as the base of a merge patch, without the fields the
/// patch makes contradictory: a new `duration` replaces the stored
/// `duration_seconds`, and clock times given to an entry without them
/// replace its date (keeping its length unless `ended_at` is given too).
fn patch_base(
    current: &TimeEntry,
    patch: &serde_json::Map<String, serde_json::Value>,
) -> TimeEntryIn {
    let given = |key: &str| patch.get(key).is_some_and(|v| !v.is_null());
    let mentioned = |key: &str| patch.contains_key(key);
    let mut base = TimeEntryIn::from(current);
    if given("duration") && !mentioned("duration_seconds") {
        base.duration_seconds = None;
    }
    // A new date for an entry with clock times moves them to that day,
    // keeping the times of day (whole days, so across a DST change they
    // shift by its hour).
    if let (Some(start), Some(Ok(date))) = (
        current.started_at,
        patch
            .get("date")
            .and_then(|d| d.as_str())
            .map(|d| d.parse::<NaiveDate>()),
    ) && !mentioned("started_at")
        && !mentioned("ended_at")
    {
        let shift = chrono::Duration::days((date - current.date).num_days());
        base.started_at = Some(Instant::from(start + shift));
        base.ended_at = current.ended_at.map(|end| Instant::from(end + shift));
    }
    // A new length for an entry with clock times keeps its start and moves
    // its end, as stopwatch apps do.
    if current.started_at.is_some()
        && (given("duration") || given("duration_seconds"))
        && !mentioned("ended_at")
    {
        base.ended_at = None;
    }
    if current.started_at.is_none() && given("started_at") {
        if !mentioned("date") {
            base.date = None;
        }
        if given("ended_at") && !mentioned("duration_seconds") {
            base.duration_seconds = None;
        }
    }
    base
}

/// Delete a time entry
///
/// Invoiced entries and entries in the locked period cannot be deleted.
#[utoipa::path(delete, path = "/time-entries/{id}", tag = "Time entries",
    params(
        ("id" = TimeEntryId, Path, description = "The entry's id"),
        ("If-Match" = Option<String>, Header, description = "Only delete if the entry is still at this ETag"),
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "`insufficient_scope`", body = ErrorBody),
        (status = 409, description = "`time_entry_locked` or `period_locked`", body = ErrorBody),
        (status = 412, description = "`precondition_failed`", body = ErrorBody),
    ))]
pub async fn delete_time_entry(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<TimeEntryId>,
    if_match: IfMatch,
) -> Result<Response, ApiError> {
    time_entries::delete(&state, &ctx, id, if_match).await?;
    Ok(response::no_content())
}

/// Start a timer
///
/// One running timer per member: a second start is `409
/// timer_already_running` naming the running entry, unless `stop_running`
/// is true, which stops it at the same instant in the same transaction.
#[utoipa::path(post, path = "/time-entries/start", tag = "Time entries",
    params(("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key return the first response")),
    request_body(content = Option<StartTimerIn>, description = "Optional; an empty body starts a bare timer for the caller"),
    responses(
        (status = 201, description = "Running", body = TimeEntryWritten),
        (status = 403, description = "`insufficient_role` or `insufficient_scope`", body = ErrorBody),
        (status = 409, description = "`timer_already_running`; `conflict`: a referenced record exists but does not fit (a deactivated member, an archived service, a task or project of another client), `details` names each", body = ErrorBody),
    ))]
pub async fn start_timer(
    State(state): State<AppState>,
    ctx: Ctx,
    OptionalJson(input): OptionalJson<StartTimerIn>,
) -> Result<Response, ApiError> {
    let (entry, warnings) = timers::start(&state, &ctx, input.unwrap_or_default()).await?;
    Ok(written(StatusCode::CREATED, &state, &entry, warnings))
}

/// Stop a timer
#[utoipa::path(post, path = "/time-entries/{id}/stop", tag = "Time entries",
    params(("id" = TimeEntryId, Path, description = "The running entry")),
    request_body(content = Option<StopTimerIn>, description = "Optional"),
    responses(
        (status = 200, description = "Stopped", body = TimeEntryWritten),
        (status = 403, description = "`insufficient_scope`", body = ErrorBody),
        (status = 409, description = "`timer_not_running`, `period_locked`, or `conflict`: `ended_at` is not after the timer's start, or makes it longer than the maximum entry length", body = ErrorBody),
    ))]
pub async fn stop_timer(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<TimeEntryId>,
    OptionalJson(input): OptionalJson<StopTimerIn>,
) -> Result<Response, ApiError> {
    let (entry, warnings) = timers::stop(&state, &ctx, id, input.unwrap_or_default()).await?;
    Ok(written(StatusCode::OK, &state, &entry, warnings))
}

/// Continue an entry as a new timer
///
/// Starts a running timer with the entry's client, project, task, service,
/// notes and tags, for the same member.
#[utoipa::path(post, path = "/time-entries/{id}/continue", tag = "Time entries",
    params(("id" = TimeEntryId, Path, description = "The entry to continue")),
    request_body(content = Option<ContinueIn>, description = "Optional"),
    responses(
        (status = 201, description = "Running", body = TimeEntryWritten),
        (status = 403, description = "`insufficient_scope`", body = ErrorBody),
        (status = 409, description = "`timer_already_running`; `conflict`: a referenced record exists but does not fit (a deactivated member, an archived service, a task or project of another client), `details` names each", body = ErrorBody),
    ))]
pub async fn continue_time_entry(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<TimeEntryId>,
    OptionalJson(input): OptionalJson<ContinueIn>,
) -> Result<Response, ApiError> {
    let (entry, warnings) =
        timers::continue_entry(&state, &ctx, id, input.unwrap_or_default()).await?;
    Ok(written(StatusCode::CREATED, &state, &entry, warnings))
}

/// Filters of the running-timer list.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RunningQuery {
    /// Only this member's timer (owners, admins and API keys).
    pub member_id: Option<MemberId>,
}

/// Running timers
///
/// The caller's own timer for members; everyone's for owners, admins and
/// API keys. Durations are counted up to the moment of the response.
#[utoipa::path(get, path = "/time-entries/running", tag = "Time entries",
    params(RunningQuery),
    responses((status = 200, description = "Running timers, oldest first", body = List<TimeEntryOut>)))]
pub async fn running_timers(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<RunningQuery>,
) -> Result<Response, ApiError> {
    let entries = timers::running(&ctx, query.member_id).await?;
    let now = state.now();
    // At most one timer per member: the whole list is one page.
    let limit = u32::try_from(entries.len()).unwrap_or(u32::MAX).max(1);
    let meta = response::ListMeta {
        limit,
        has_more: false,
        next_cursor: None,
    };
    Ok(response::list(
        entries
            .iter()
            .map(|e| TimeEntryOut::render(e, now))
            .collect(),
        meta,
    ))
}
