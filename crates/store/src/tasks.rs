//! Tasks, with their assignees.

use chrono::{DateTime, NaiveDate, Utc};
use sea_query::{Expr, ExprTrait, Query, SelectStatement};
use serde_json::{Map, Value};
use sqlx::FromRow;
use sqlx::types::Json;
use stint_core::ids::{ClientId, MemberId, ProjectId, TaskId, TopicId};
use uuid::Uuid;

use crate::exec::Exec;
use crate::filters::{CustomFieldCondition, StatusFilter, custom_field_condition, text_search};
use crate::page::{Page, PageRequest};
use crate::projects::Link;
use crate::{Result, Tenant, Tx};

const TABLE: &str = "tasks";
const COLUMNS: [&str; 14] = [
    "id",
    "title",
    "description",
    "client_id",
    "project_id",
    "topic_id",
    "status",
    "due_on",
    "estimate_minutes",
    "custom_fields",
    "created_at",
    "updated_at",
    "version",
    "org_id",
];

const TASK_ASSIGNEES: Link = Link {
    table: "task_assignees",
    parent: "task_id",
    child: "member_id",
};

/// A task as stored, with its assignee ids.
#[derive(Debug, Clone, FromRow)]
pub struct Task {
    #[sqlx(try_from = "Uuid")]
    pub id: TaskId,
    pub title: String,
    pub description: Option<String>,
    client_id: Option<Uuid>,
    project_id: Option<Uuid>,
    topic_id: Option<Uuid>,
    /// `open`, `in_progress`, `done`, `cancelled` or `archived`.
    pub status: String,
    pub due_on: Option<NaiveDate>,
    pub estimate_minutes: Option<i64>,
    pub custom_fields: Json<Map<String, Value>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
    #[sqlx(skip)]
    pub assignee_ids: Vec<MemberId>,
}

impl Task {
    pub fn client_id(&self) -> Option<ClientId> {
        self.client_id.map(ClientId::from_uuid)
    }

    pub fn project_id(&self) -> Option<ProjectId> {
        self.project_id.map(ProjectId::from_uuid)
    }

    pub fn topic_id(&self) -> Option<TopicId> {
        self.topic_id.map(TopicId::from_uuid)
    }
}

/// Every writable field, validated by the caller.
#[derive(Debug, Clone)]
pub struct TaskValues {
    pub title: String,
    pub description: Option<String>,
    pub client_id: Option<ClientId>,
    pub project_id: Option<ProjectId>,
    pub topic_id: Option<TopicId>,
    pub status: String,
    pub due_on: Option<NaiveDate>,
    pub estimate_minutes: Option<i64>,
    pub custom_fields: Map<String, Value>,
    pub assignee_ids: Vec<MemberId>,
}

impl TaskValues {
    pub(crate) fn columns(&self) -> Vec<(&'static str, sea_query::Value)> {
        vec![
            ("title", self.title.clone().into()),
            ("description", self.description.clone().into()),
            ("client_id", self.client_id.map(|c| c.uuid()).into()),
            ("project_id", self.project_id.map(|p| p.uuid()).into()),
            ("topic_id", self.topic_id.map(|t| t.uuid()).into()),
            ("status", self.status.clone().into()),
            ("due_on", self.due_on.into()),
            ("estimate_minutes", self.estimate_minutes.into()),
            (
                "custom_fields",
                Value::Object(self.custom_fields.clone()).into(),
            ),
        ]
    }
}

/// Filters of the task list.
#[derive(Debug, Clone, Default)]
pub struct TaskFilter {
    pub q: Option<String>,
    pub status: StatusFilter,
    pub client_id: Option<ClientId>,
    pub project_id: Option<ProjectId>,
    pub topic_id: Option<TopicId>,
    pub assignee_id: Option<MemberId>,
    /// Due on or before this date (tasks without a due date never match).
    pub due_before: Option<NaiveDate>,
    /// Due on or after this date.
    pub due_after: Option<NaiveDate>,
    pub custom_fields: Vec<CustomFieldCondition>,
}

/// Rows that keep a task from being deleted: (table, column, what).
pub const TASK_REFERENCES: [(&str, &str, &str); 1] = [("time_entries", "task_id", "time entries")];

fn select() -> SelectStatement {
    Query::select()
        .columns(COLUMNS.map(|c| (TABLE, c)))
        .from(TABLE)
        .to_owned()
}

impl<E: Exec> Tenant<E> {
    pub async fn task(&mut self, id: TaskId) -> Result<Option<Task>> {
        let stmt = select()
            .and_where(Expr::col((TABLE, "org_id")).eq(self.org.uuid()))
            .and_where(Expr::col((TABLE, "id")).eq(id.uuid()))
            .to_owned();
        let Some(mut task) = self.exec.conn().fetch_optional::<Task>(&stmt).await? else {
            return Ok(None);
        };
        task.assignee_ids = self
            .linked_ids(TASK_ASSIGNEES, &[task.id.uuid()])
            .await?
            .remove(&task.id.uuid())
            .unwrap_or_default();
        Ok(Some(task))
    }

    pub async fn list_tasks(
        &mut self,
        filter: &TaskFilter,
        page: &PageRequest,
    ) -> Result<Page<Task>> {
        let backend = self.exec.conn().backend();
        let mut stmt = select()
            .and_where(Expr::col((TABLE, "org_id")).eq(self.org.uuid()))
            .to_owned();
        filter.status.apply(&mut stmt, TABLE, &["archived"]);
        if let Some(q) = filter.q.as_deref().filter(|q| !q.trim().is_empty()) {
            text_search(&mut stmt, TABLE, &["title", "description"], q);
        }
        if let Some(client) = filter.client_id {
            stmt.and_where(Expr::col((TABLE, "client_id")).eq(client.uuid()));
        }
        if let Some(project) = filter.project_id {
            stmt.and_where(Expr::col((TABLE, "project_id")).eq(project.uuid()));
        }
        if let Some(topic) = filter.topic_id {
            stmt.and_where(Expr::col((TABLE, "topic_id")).eq(topic.uuid()));
        }
        if let Some(member) = filter.assignee_id {
            stmt.and_where(TASK_ASSIGNEES.has_child(self.org.uuid(), TABLE, member.uuid()));
        }
        if let Some(before) = filter.due_before {
            stmt.and_where(Expr::col((TABLE, "due_on")).lte(before));
        }
        if let Some(after) = filter.due_after {
            stmt.and_where(Expr::col((TABLE, "due_on")).gte(after));
        }
        for condition in &filter.custom_fields {
            stmt.and_where(custom_field_condition(backend, TABLE, condition));
        }
        page.apply(&mut stmt, TABLE);
        let rows: Vec<Task> = self.exec.conn().fetch_all(&stmt).await?;
        let mut page = Page::from_rows(rows, page);
        let ids: Vec<Uuid> = page.items.iter().map(|t| t.id.uuid()).collect();
        let mut assignees = self.linked_ids(TASK_ASSIGNEES, &ids).await?;
        for task in &mut page.items {
            task.assignee_ids = assignees.remove(&task.id.uuid()).unwrap_or_default();
        }
        Ok(page)
    }

    /// What still refers to a task, naming the first kind found; `None`
    /// when it can be deleted.
    pub async fn task_references(&mut self, id: TaskId) -> Result<Option<&'static str>> {
        self.first_reference(&TASK_REFERENCES, id.uuid()).await
    }
}

impl Tenant<Tx> {
    pub async fn insert_task(
        &mut self,
        id: TaskId,
        values: &TaskValues,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut columns = vec!["id", "org_id", "created_at", "updated_at", "version"];
        let mut row: Vec<sea_query::Value> = vec![
            id.uuid().into(),
            self.org.uuid().into(),
            now.into(),
            now.into(),
            1i64.into(),
        ];
        for (column, value) in values.columns() {
            columns.push(column);
            row.push(value);
        }
        let stmt = Query::insert()
            .into_table(TABLE)
            .columns(columns)
            .values_panic(row.into_iter().map(Into::into))
            .to_owned();
        self.exec.conn().execute(&stmt).await?;
        let assignees: Vec<Uuid> = values.assignee_ids.iter().map(MemberId::uuid).collect();
        self.set_links(TASK_ASSIGNEES, id.uuid(), &assignees).await
    }

    /// Replaces every field if the row is still at `version`; `false` when
    /// another write got there first.
    pub async fn update_task(
        &mut self,
        id: TaskId,
        values: &TaskValues,
        version: i64,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let mut stmt = Query::update();
        stmt.table(TABLE)
            .values(values.columns().into_iter().map(|(c, v)| (c, Expr::val(v))))
            .value("updated_at", now)
            .value("version", version + 1)
            .and_where(Expr::col("org_id").eq(self.org.uuid()))
            .and_where(Expr::col("id").eq(id.uuid()))
            .and_where(Expr::col("version").eq(version));
        if self.exec.conn().execute(&stmt).await? != 1 {
            return Ok(false);
        }
        let assignees: Vec<Uuid> = values.assignee_ids.iter().map(MemberId::uuid).collect();
        self.set_links(TASK_ASSIGNEES, id.uuid(), &assignees)
            .await?;
        Ok(true)
    }

    /// Deletes a task with its assignee links.
    pub async fn delete_task(&mut self, id: TaskId) -> Result<bool> {
        let stmt = Query::delete()
            .from_table(TABLE)
            .and_where(Expr::col("org_id").eq(self.org.uuid()))
            .and_where(Expr::col("id").eq(id.uuid()))
            .to_owned();
        Ok(self.exec.conn().execute(&stmt).await? == 1)
    }
}
