//! Tasks on the wire.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use stint_core::ids::{ClientId, MemberId, ProjectId, TaskId, TopicId};
use stint_store::tasks::Task;
use utoipa::ToSchema;

/// Where a task stands. Only `archived` tasks are hidden from the default
/// list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    #[default]
    Open,
    InProgress,
    Done,
    Cancelled,
    Archived,
}

impl TaskStatus {
    pub const ALL: [&'static str; 5] = ["open", "in_progress", "done", "cancelled", "archived"];

    pub fn as_str(&self) -> &'static str {
        match self {
            TaskStatus::Open => "open",
            TaskStatus::InProgress => "in_progress",
            TaskStatus::Done => "done",
            TaskStatus::Cancelled => "cancelled",
            TaskStatus::Archived => "archived",
        }
    }

    pub fn parse(text: &str) -> TaskStatus {
        match text {
            "in_progress" => TaskStatus::InProgress,
            "done" => TaskStatus::Done,
            "cancelled" => TaskStatus::Cancelled,
            "archived" => TaskStatus::Archived,
            _ => TaskStatus::Open,
        }
    }
}

/// A task to create (POST) or replace (PUT). Absent optional fields are
/// empty; on PUT that clears them.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskIn {
    /// What is to be done.
    #[schema(example = "Draft the homepage wireframes")]
    #[schema(
        min_length = 1,
        max_length = 500,
        pattern = r"[^\x00-\x20\x7F-\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]"
    )]
    pub title: String,
    /// Details.
    #[schema(example = "Desktop and mobile, two variants each.")]
    pub description: Option<String>,
    /// The client the task is for. Taken from the project when absent and
    /// `project_id` is given.
    pub client_id: Option<ClientId>,
    /// The project the task belongs to; when `client_id` is given too, the
    /// project must be that client's.
    pub project_id: Option<ProjectId>,
    /// The topic the task is filed under.
    pub topic_id: Option<TopicId>,
    /// Members the task is assigned to.
    #[serde(default)]
    pub assignee_ids: Vec<MemberId>,
    /// `open` (default), `in_progress`, `done`, `cancelled` or `archived`.
    #[serde(default)]
    pub status: TaskStatus,
    /// The day the task is due.
    #[schema(example = "2026-03-31")]
    pub due_on: Option<NaiveDate>,
    /// Estimated effort in minutes, 0 to 1000000.
    #[schema(example = 90, minimum = 0, maximum = 1_000_000)]
    pub estimate_minutes: Option<i64>,
    /// Values of the organization's task custom fields, by key.
    #[serde(default)]
    #[schema(schema_with = super::formats::custom_field_values)]
    pub custom_fields: Map<String, Value>,
}

/// A partial update: only the fields sent change; `null` clears a field.
/// `custom_fields` merges key by key. Changing `project_id` without sending
/// `client_id` moves the task to the new project's client.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // parsed for type checking and documentation; merged raw
pub struct TaskPatch {
    /// What is to be done.
    pub title: Option<String>,
    /// Details.
    pub description: Option<String>,
    /// The client the task is for.
    pub client_id: Option<ClientId>,
    /// The project the task belongs to.
    pub project_id: Option<ProjectId>,
    /// The topic the task is filed under.
    pub topic_id: Option<TopicId>,
    /// Members the task is assigned to (the whole list).
    pub assignee_ids: Option<Vec<MemberId>>,
    /// `open`, `in_progress`, `done`, `cancelled` or `archived`.
    pub status: Option<TaskStatus>,
    /// The day the task is due.
    pub due_on: Option<NaiveDate>,
    /// Estimated effort in minutes.
    pub estimate_minutes: Option<i64>,
    /// Custom field values to set; `null` removes one.
    #[schema(value_type = Option<Object>)]
    pub custom_fields: Option<Map<String, Value>>,
}

/// A task.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TaskOut {
    /// The task's id.
    pub id: TaskId,
    /// What is to be done.
    #[schema(example = "Draft the homepage wireframes")]
    pub title: String,
    /// Details.
    pub description: Option<String>,
    /// The client the task is for.
    pub client_id: Option<ClientId>,
    /// The project the task belongs to.
    pub project_id: Option<ProjectId>,
    /// The topic the task is filed under.
    pub topic_id: Option<TopicId>,
    /// Members the task is assigned to, in id order.
    pub assignee_ids: Vec<MemberId>,
    /// `open`, `in_progress`, `done`, `cancelled` or `archived`.
    pub status: TaskStatus,
    /// The day the task is due.
    #[schema(example = "2026-03-31")]
    pub due_on: Option<NaiveDate>,
    /// Estimated effort in minutes.
    #[schema(example = 90)]
    pub estimate_minutes: Option<i64>,
    /// Custom field values, by key.
    #[schema(value_type = Object, example = json!({"priority": "high"}))]
    pub custom_fields: Map<String, Value>,
    /// When the task was created.
    pub created_at: DateTime<Utc>,
    /// When the task last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<&Task> for TaskOut {
    fn from(t: &Task) -> Self {
        TaskOut {
            id: t.id,
            title: t.title.clone(),
            description: t.description.clone(),
            client_id: t.client_id(),
            project_id: t.project_id(),
            topic_id: t.topic_id(),
            assignee_ids: t.assignee_ids.clone(),
            status: TaskStatus::parse(&t.status),
            due_on: t.due_on,
            estimate_minutes: t.estimate_minutes,
            custom_fields: t.custom_fields.0.clone(),
            created_at: t.created_at,
            updated_at: t.updated_at,
        }
    }
}

/// The current task as an input, for merge patches.
impl From<&Task> for TaskIn {
    fn from(t: &Task) -> Self {
        TaskIn {
            title: t.title.clone(),
            description: t.description.clone(),
            client_id: t.client_id(),
            project_id: t.project_id(),
            topic_id: t.topic_id(),
            assignee_ids: t.assignee_ids.clone(),
            status: TaskStatus::parse(&t.status),
            due_on: t.due_on,
            estimate_minutes: t.estimate_minutes,
            custom_fields: t.custom_fields.0.clone(),
        }
    }
}
