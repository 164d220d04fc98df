//! Time entries and timers on the wire.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use stint_core::currency::Currency;
use stint_core::ids::{ClientId, InvoiceId, MemberId, ProjectId, ServiceId, TaskId, TimeEntryId};
use stint_core::money::format_amount;
use stint_store::time_entries::TimeEntry;
use utoipa::ToSchema;

use crate::api::instant::Instant;

/// A time entry to record (POST) or replace (PUT). Three shapes:
/// `started_at` + `ended_at`; `date` + `duration_seconds` (or `duration`
/// as `"H:MM"`) without clock times; or `started_at` alone, which starts a
/// running timer.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TimeEntryIn {
    /// Whose time it is; the caller's own member by default. Owners, admins
    /// and API keys may record for anyone; an API key records for the member
    /// who created it by default.
    pub member_id: Option<MemberId>,
    pub client_id: Option<ClientId>,
    /// Must belong to the client when both are given; sets the client when it is absent.
    pub project_id: Option<ProjectId>,
    /// Must belong to the project/client; sets them when they are absent.
    pub task_id: Option<TaskId>,
    /// An active service; its rounding and rate apply.
    pub service_id: Option<ServiceId>,
    /// Local date (the member's time zone, else the organization's). Derived from `started_at` when given; today by default.
    #[schema(value_type = Option<String>, format = Date, example = "2026-03-02")]
    pub date: Option<NaiveDate>,
    pub started_at: Option<Instant>,
    pub ended_at: Option<Instant>,
    /// Length in seconds, for entries without clock times: at most
    /// `time_tracking.max_entry_duration` (24 hours unless the operator
    /// changed it).
    #[schema(example = 5400, minimum = 1, maximum = 86_400)]
    pub duration_seconds: Option<i64>,
    /// Length as `"H:MM"`, instead of `duration_seconds`, from `0:01` to
    /// `24:00` (see `duration_seconds`).
    #[schema(
        example = "1:30",
        pattern = r"^(?:0?0:(?:0[1-9]|[1-5][0-9])|(?:0?[1-9]|1[0-9]|2[0-3]):[0-5][0-9]|24:00)$"
    )]
    pub duration: Option<String>,
    /// Billable unless the project is non-billable, by default.
    pub billable: Option<bool>,
    #[schema(example = "Wireframes for the checkout")]
    pub notes: Option<String>,
    #[serde(default)]
    #[schema(schema_with = super::formats::tags)]
    pub tags: Vec<String>,
}

/// A partial update (JSON merge patch); `null` clears a field.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // parsed for type checking and documentation; merged raw
pub struct TimeEntryPatch {
    pub member_id: Option<MemberId>,
    pub client_id: Option<ClientId>,
    pub project_id: Option<ProjectId>,
    pub task_id: Option<TaskId>,
    pub service_id: Option<ServiceId>,
    #[schema(value_type = Option<String>, format = Date)]
    pub date: Option<NaiveDate>,
    pub started_at: Option<Instant>,
    pub ended_at: Option<Instant>,
    pub duration_seconds: Option<i64>,
    pub duration: Option<String>,
    pub billable: Option<bool>,
    pub notes: Option<String>,
    pub tags: Option<Vec<String>>,
}

/// Lifecycle of a time entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TimeEntryStatus {
    Running,
    Completed,
    Invoiced,
}

/// A time entry.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TimeEntryOut {
    pub id: TimeEntryId,
    pub member_id: MemberId,
    pub client_id: Option<ClientId>,
    pub project_id: Option<ProjectId>,
    pub task_id: Option<TaskId>,
    pub service_id: Option<ServiceId>,
    #[schema(value_type = String, format = Date, example = "2026-03-02")]
    pub date: NaiveDate,
    pub started_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    /// For a running timer: seconds since it started, at the time of the response.
    #[schema(example = 5400)]
    pub duration_seconds: i64,
    pub billable: bool,
    pub notes: Option<String>,
    pub tags: Vec<String>,
    pub status: TimeEntryStatus,
    pub invoice_id: Option<InvoiceId>,
    /// Hourly rate applied, as a decimal string in `currency`; null when none applies.
    #[schema(example = "85.00")]
    pub rate: Option<String>,
    /// Where the rate came from: `client_service_rate`, `project`, `service` or `member`.
    #[schema(example = "project")]
    pub rate_source: Option<String>,
    /// Billable duration after the service's rounding (0 while running or when not billable).
    #[schema(example = 5400)]
    pub billable_seconds: i64,
    #[schema(example = "127.50")]
    pub billable_amount: String,
    #[schema(example = "EUR")]
    pub currency: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl TimeEntryOut {
    /// Renders an entry; a running one's duration is counted up to `now`.
    pub fn render(e: &TimeEntry, now: DateTime<Utc>) -> Self {
        let currency = Currency::from_code(&e.currency).unwrap_or(Currency::EUR);
        let duration_seconds = match (e.is_running(), e.started_at) {
            (true, Some(start)) => (now - start).num_seconds().max(0),
            _ => e.duration_seconds,
        };
        TimeEntryOut {
            id: e.id,
            member_id: e.member_id,
            client_id: e.client(),
            project_id: e.project(),
            task_id: e.task(),
            service_id: e.service(),
            date: e.date,
            started_at: e.started_at,
            ended_at: e.ended_at,
            duration_seconds,
            billable: e.billable,
            notes: e.notes.clone(),
            tags: e.tags.0.clone(),
            status: match e.status.as_str() {
                "running" => TimeEntryStatus::Running,
                "invoiced" => TimeEntryStatus::Invoiced,
                _ => TimeEntryStatus::Completed,
            },
            invoice_id: e.invoice_id.map(InvoiceId::from_uuid),
            rate: e.rate.map(|r| format_amount(r, currency)),
            rate_source: e.rate_source.clone(),
            billable_seconds: e.billable_seconds,
            billable_amount: format_amount(e.billable_amount, currency),
            currency: e.currency.clone(),
            created_at: e.created_at,
            updated_at: e.updated_at,
        }
    }
}

/// The current entry as an input, for merge patches: clock times when it
/// has them, else its date and duration.
impl From<&TimeEntry> for TimeEntryIn {
    fn from(e: &TimeEntry) -> Self {
        let clocked = e.started_at.is_some();
        TimeEntryIn {
            member_id: Some(e.member_id),
            client_id: e.client(),
            project_id: e.project(),
            task_id: e.task(),
            service_id: e.service(),
            date: (!clocked).then_some(e.date),
            started_at: e.started_at.map(Instant::from),
            ended_at: e.ended_at.map(Instant::from),
            duration_seconds: (!clocked).then_some(e.duration_seconds),
            duration: None,
            billable: Some(e.billable),
            notes: e.notes.clone(),
            tags: e.tags.0.clone(),
        }
    }
}

/// Something worth knowing about an accepted write.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Warning {
    /// Such as `time_entry_overlap`.
    #[schema(example = "time_entry_overlap")]
    pub code: String,
    #[schema(example = "This entry overlaps 1 other entry of the same member")]
    pub message: String,
    /// The other entries concerned.
    pub time_entry_ids: Vec<TimeEntryId>,
}

/// A written time entry with warnings (empty when there are none).
#[derive(Debug, Serialize, ToSchema)]
pub struct TimeEntryWritten {
    pub data: TimeEntryOut,
    pub warnings: Vec<Warning>,
}

/// Starting a timer.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StartTimerIn {
    /// Whose timer; the caller's own member by default, or with an API key
    /// the member who created the key.
    pub member_id: Option<MemberId>,
    pub client_id: Option<ClientId>,
    pub project_id: Option<ProjectId>,
    pub task_id: Option<TaskId>,
    pub service_id: Option<ServiceId>,
    pub notes: Option<String>,
    #[serde(default)]
    #[schema(schema_with = super::formats::tags)]
    pub tags: Vec<String>,
    pub billable: Option<bool>,
    /// When it started; now by default (to start a timer you forgot to start).
    pub started_at: Option<Instant>,
    /// Stop the member's running timer at the same instant instead of answering 409.
    #[serde(default)]
    pub stop_running: bool,
}

/// Stopping a timer.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StopTimerIn {
    /// When it ended; now by default.
    pub ended_at: Option<Instant>,
    /// Replaces the notes when given.
    pub notes: Option<String>,
}

/// Continuing an entry as a new timer.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContinueIn {
    /// Stop the member's running timer at the same instant instead of answering 409.
    #[serde(default)]
    pub stop_running: bool,
}
