//! The rules of a time entry, from what a client sends to what is stored:
//! whose time it is, which client/project/task/service it belongs to (and
//! that they fit together), its shape (clock times, date and duration, or a
//! running timer), its local date, the locked period, whether it is
//! billable, the rate that applies and the amount it earns.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use serde_json::Value;
use stint_core::Validation;
use stint_core::currency::Currency;
use stint_core::ids::{ClientId, MemberId, ProjectId, TaskId, TimeEntryId};
use stint_core::time_tracking::{
    amount_for, elapsed_seconds, iso_week_label, local_date, month_label, parse_hours_minutes,
    resolve_rate, round_up_to_minutes,
};
use stint_core::validation::optional_text;
use stint_store::time_context::TimeRefs;
use stint_store::time_entries::TimeEntryValues;
use stint_store::{Tenant, Tx};

use crate::api::dto::time_entries::TimeEntryIn;
use crate::api::error::{ApiError, Code};
use crate::auth::Ctx;
use crate::state::AppState;

const MAX_TAGS: usize = 20;
const MAX_TAG_CHARS: usize = 50;

/// A resolved entry and the entries it overlaps.
pub struct Resolved {
    pub values: TimeEntryValues,
    pub overlaps: Vec<TimeEntryId>,
}

/// Whether a running timer may come out of this input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Running {
    Allowed,
    Refused,
}

/// The organization's closed period (settings `time_tracking.lock_before`):
/// entries dated before it are locked. Read from the stored settings
/// document written by `services::settings`.
pub fn lock_before(settings: &Value) -> Option<NaiveDate> {
    settings
        .pointer("/time_tracking/lock_before")
        .and_then(Value::as_str)
        .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
}

/// The organization's default rounding in minutes (settings
/// `defaults.time_rounding`, stored as minutes; 0 = none).
fn default_rounding(settings: &Value) -> i64 {
    settings
        .pointer("/defaults/time_rounding_minutes")
        .and_then(Value::as_i64)
        .unwrap_or(0)
}

/// Why `start` to `end` cannot be an entry when one of them is stored (the
/// request cannot see it, so the caller answers a conflict): not at least a
/// second long, or longer than `max_seconds`.
pub fn clock_times_problem(
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    max_seconds: i64,
) -> Option<String> {
    let length = (end - start).num_seconds();
    if end <= start {
        Some(format!(
            "leaves the entry ending ({end}) before it starts ({start})"
        ))
    } else if length < 1 {
        Some(format!(
            "leaves the entry less than a second long ({start} to {end}); delete it instead"
        ))
    } else if length > max_seconds {
        Some(format!(
            "makes the entry longer than {} hours ({start} to {end})",
            max_seconds / 3600
        ))
    } else {
        None
    }
}

pub fn period_locked(date: NaiveDate, lock: NaiveDate) -> ApiError {
    ApiError::new(
        Code::PeriodLocked,
        format!("Time before {lock} is locked; this entry is dated {date}"),
    )
}

/// The member the entry is for, and whether the caller may act for them.
/// Without `member_id`, a user records for themselves and an API key for
/// the member who created it.
pub fn member_for(ctx: &Ctx, requested: Option<MemberId>) -> Result<MemberId, ApiError> {
    match (requested, ctx.member_id()) {
        (Some(m), Some(own)) if m != own && !ctx.role().is_admin() => Err(ApiError::new(
            Code::InsufficientRole,
            "Only owners and admins can record time for other members",
        )),
        (Some(m), _) => Ok(m),
        (None, _) => ctx.default_member().ok_or_else(|| {
            ApiError::field(
                "member_id",
                "is required: this API key has no creator to record for",
            )
        }),
    }
}

fn tags(input: &[String], v: &mut Validation) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    // As documented: each tag has a visible character and at most 50
    // characters as sent; at most 20 tags before duplicates are merged.
    for (i, raw) in input.iter().enumerate() {
        let tag = raw.trim();
        if raw.chars().all(stint_core::validation::is_blank_char)
            || raw.chars().count() > MAX_TAG_CHARS
        {
            v.add(
                format!("tags[{i}]"),
                format!("must be 1 to {MAX_TAG_CHARS} characters"),
            );
        } else if !out.iter().any(|t| t == tag) {
            out.push(tag.to_owned());
        }
    }
    if input.len() > MAX_TAGS {
        v.add("tags", format!("at most {MAX_TAGS} tags"));
    }
    out
}

enum Shape {
    Clocked {
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    },
    Duration {
        date: NaiveDate,
        seconds: i64,
    },
    Running {
        start: DateTime<Utc>,
    },
}

/// Turns an input into stored values, checking everything; `except` is the
/// entry being replaced (for overlap detection).
pub async fn resolve(
    state: &AppState,
    ctx: &Ctx,
    tx: &mut Tenant<Tx>,
    input: TimeEntryIn,
    running: Running,
    except: Option<TimeEntryId>,
) -> Result<Resolved, ApiError> {
    let now = state.now();
    let mut v = Validation::new();
    let mut running_refused = false;
    let member_id = member_for(ctx, input.member_id)?;
    // Every record the input names, in one read: inside the writing
    // transaction, so the rules see what the write will be checked against.
    let context = tx
        .time_context(TimeRefs {
            member: member_id,
            task: input.task_id,
            project: input.project_id,
            client: input.client_id,
            service: input.service_id,
        })
        .await?;
    let member = context.member;
    match &member {
        None => v.missing("member_id", "member"),
        Some(m) if m.status == "inactive" => v.reference_conflict("member_id", "is deactivated"),
        _ => {}
    }
    let org = context.organization;
    let zone_name = member
        .as_ref()
        .and_then(|m| m.timezone.clone())
        .unwrap_or(org.timezone.clone());
    let tz: Tz = zone_name.parse().unwrap_or(chrono_tz::UTC);

    // References: a task implies its project and client, a project its client.
    let mut client_id = input.client_id;
    let mut project_id = input.project_id;
    let task = match input.task_id {
        Some(_) => {
            if context.task.is_none() {
                v.missing("task_id", "task");
            }
            context.task
        }
        None => None,
    };
    if let Some(task) = &task {
        let task_project = task.project_id.map(ProjectId::from_uuid);
        let task_client = task.client_id.map(ClientId::from_uuid);
        let other_project = matches!((project_id, task_project), (Some(p), Some(tp)) if p != tp);
        let other_client = matches!((client_id, task_client), (Some(c), Some(tc)) if c != tc);
        if other_project {
            v.reference_conflict("task_id", "belongs to another project");
        } else if other_client {
            v.reference_conflict("task_id", "belongs to another client");
        } else {
            // Only a task that fits fills in its project and client, so a
            // misfit is reported once, on the task.
            project_id = project_id.or(task_project);
            client_id = client_id.or(task_client);
        }
    }
    // The context read chose the project and client by the same rules in
    // SQL; where these rules chose another (only on the way to a validation
    // error), the record is read on its own.
    let project = match project_id {
        Some(id) => {
            let project = match context.project {
                Some((found, project)) if found == id => Some(project),
                _ => tx.project_time(id).await?,
            };
            if project.is_none() {
                v.missing("project_id", "project");
            }
            project
        }
        None => None,
    };
    if let Some(project) = &project {
        let project_client = project.client_id.map(ClientId::from_uuid);
        match (client_id, project_client) {
            (Some(c), Some(pc)) if c != pc => {
                v.reference_conflict("project_id", "belongs to another client")
            }
            (None, Some(pc)) => client_id = Some(pc),
            _ => {}
        }
    }
    let client_found = client_id.is_some() && context.client == client_id;
    if let Some(id) = client_id
        && !client_found
        && !tx.exists(id).await?
    {
        v.missing("client_id", "client");
    }
    let service = match input.service_id {
        Some(_) => match context.service {
            None => {
                v.missing("service_id", "service");
                None
            }
            Some(s) if s.status != "active" => {
                v.reference_conflict("service_id", "is archived; use an active service");
                None
            }
            Some(s) => Some(s),
        },
        None => None,
    };

    // Shape, date and duration.
    let duration = match (input.duration_seconds, input.duration.as_deref()) {
        (Some(s), Some(_)) => {
            v.add("duration", "give duration_seconds or duration, not both");
            Some(s)
        }
        (Some(s), None) => Some(s),
        (None, Some(text)) => match parse_hours_minutes(text) {
            Ok(s) => Some(s),
            Err(e) => {
                v.add("duration", e);
                None
            }
        },
        (None, None) => None,
    };
    let max = state.settings.time_tracking.max_entry_duration.as_secs() as i64;
    let start = input.started_at.map(|s| s.utc());
    let end = input.ended_at.map(|e| e.utc());
    // Problems with a length are reported on the field the client sent.
    let duration_field = if input.duration.is_some() && input.duration_seconds.is_none() {
        "duration"
    } else {
        "duration_seconds"
    };
    // A duration that was sent but is unreadable is already reported.
    let bad_duration =
        duration.is_none() && (input.duration_seconds.is_some() || input.duration.is_some());
    let shape = match (start, end, duration) {
        (Some(start), Some(end), duration) => {
            if end <= start {
                v.add("ended_at", "must be after started_at");
            }
            if let Some(d) = duration
                && d != elapsed_seconds(start, end)
            {
                v.add(
                    duration_field,
                    "does not match started_at and ended_at; change the times or leave it out",
                );
            }
            Some(Shape::Clocked { start, end })
        }
        (Some(start), None, Some(seconds)) => Some(Shape::Clocked {
            start,
            end: start + chrono::Duration::seconds(seconds),
        }),
        (Some(_), None, None) if bad_duration => None,
        (Some(start), None, None) if running == Running::Allowed => {
            if start > now {
                v.add("started_at", "cannot be in the future for a running timer");
            }
            Some(Shape::Running { start })
        }
        (Some(_), None, None) => {
            // Only a completed entry refuses the running shape: a conflict
            // with it, reported once the request is otherwise valid.
            running_refused = true;
            None
        }
        (None, Some(_), _) => {
            v.add("started_at", "is required with ended_at");
            None
        }
        (None, None, Some(seconds)) => Some(Shape::Duration {
            date: input.date.unwrap_or_else(|| local_date(now, tz)),
            seconds,
        }),
        (None, None, None) if bad_duration => None,
        (None, None, None) => {
            v.add(
                "started_at",
                "give started_at and ended_at, or date and duration_seconds (or duration), or started_at alone to start a timer",
            );
            None
        }
    };
    let (date, seconds) = match &shape {
        Some(Shape::Clocked { start, end }) => {
            (local_date(*start, tz), elapsed_seconds(*start, *end))
        }
        Some(Shape::Duration { date, seconds }) => (*date, *seconds),
        Some(Shape::Running { start }) => (local_date(*start, tz), 0),
        None => (local_date(now, tz), 0),
    };
    if let (Some(given), Some(Shape::Clocked { .. } | Shape::Running { .. })) = (input.date, &shape)
        && given != date
    {
        v.add(
            "date",
            format!("must be the local date of started_at ({date} in {zone_name}), or left out"),
        );
    }
    let length_field = match (&shape, end) {
        (Some(Shape::Clocked { .. }), Some(_)) => "ended_at",
        _ => duration_field,
    };
    let backwards = matches!((start, end), (Some(s), Some(e)) if e <= s);
    if !matches!(shape, Some(Shape::Running { .. }) | None) && !backwards {
        if seconds <= 0 {
            v.add(length_field, "must be more than zero");
        } else if seconds > max {
            v.add(
                length_field,
                format!("must be at most {} hours", max / 3600),
            );
        }
    }
    let notes = match optional_text(&input.notes, 10_000) {
        Ok(n) => n,
        Err(e) => {
            v.add("notes", e);
            None
        }
    };
    let tags = tags(&input.tags, &mut v);
    v.finish().map_err(ApiError::validation)?;
    if running_refused {
        return Err(ApiError::field_conflict(
            "ended_at",
            "is required: this entry is not a running timer (start one with POST /api/v1/time-entries/start)",
        ));
    }

    let settings = &org.settings.0;
    if let Some(lock) = lock_before(settings)
        && date < lock
    {
        return Err(period_locked(date, lock));
    }

    // Billable, rate, rounding, amount.
    let billable = input.billable.unwrap_or(
        project
            .as_ref()
            .is_none_or(|p| p.billing_method != "non_billable"),
    );
    let org_currency = Currency::from_code(&org.currency).unwrap_or(Currency::EUR);
    let money = |amount: Option<i64>, code: &str| {
        amount.map(|a| (a, Currency::from_code(code).unwrap_or(org_currency)))
    };
    let client_rate = match (client_id, input.service_id, &service) {
        (Some(_), Some(_), Some(service)) if client_found => {
            money(context.client_rate, &service.currency)
        }
        (Some(c), Some(s), Some(service)) => {
            money(tx.client_service_rate_for(c, s).await?, &service.currency)
        }
        _ => None,
    };
    let project_rate = project
        .as_ref()
        .filter(|p| p.billing_method == "hourly")
        .and_then(|p| money(p.hourly_rate, &p.currency));
    let service_rate = service
        .as_ref()
        .filter(|s| s.kind == "hourly")
        .and_then(|s| money(Some(s.rate), &s.currency));
    let member_rate = member
        .as_ref()
        .and_then(|m| m.default_hourly_rate)
        .map(|r| (r, org_currency));
    let fixed_fee = project
        .as_ref()
        .is_some_and(|p| p.billing_method == "fixed_fee");
    let rate = if billable && !fixed_fee {
        resolve_rate(client_rate, project_rate, service_rate, member_rate)
    } else {
        None
    };
    let rounding = service
        .as_ref()
        .map(|s| s.rounding)
        .unwrap_or_else(|| default_rounding(settings));
    let is_running = matches!(shape, Some(Shape::Running { .. }));
    let billable_seconds = if billable && !is_running {
        round_up_to_minutes(seconds, rounding)
    } else {
        0
    };
    let currency = rate.map(|r| r.currency).unwrap_or(org_currency);
    let billable_amount = rate
        .map(|r| amount_for(r.per_hour, billable_seconds, r.currency))
        .unwrap_or(0);

    let (started_at, ended_at, status) = match shape {
        Some(Shape::Clocked { start, end }) => (Some(start), Some(end), "completed"),
        Some(Shape::Running { start }) => (Some(start), None, "running"),
        _ => (None, None, "completed"),
    };
    let overlaps = match started_at {
        Some(start) => {
            let end = ended_at.unwrap_or(now.max(start + chrono::Duration::seconds(1)));
            tx.overlapping_time_entries(member_id, start, end, now, except)
                .await?
        }
        None => Vec::new(),
    };
    Ok(Resolved {
        values: TimeEntryValues {
            member_id,
            client_id,
            project_id,
            task_id: input.task_id.map(|t: TaskId| t),
            service_id: input.service_id,
            date,
            week: iso_week_label(date),
            month: month_label(date),
            started_at,
            ended_at,
            duration_seconds: if is_running { 0 } else { seconds },
            billable,
            notes,
            tags,
            status: status.to_owned(),
            rate: rate.map(|r| r.per_hour),
            rate_source: rate.map(|r| r.source.as_str().to_owned()),
            currency: currency.code().to_owned(),
            billable_seconds,
            billable_amount,
        },
        overlaps,
    })
}
