//! Topics tasks are filed under.

use chrono::{DateTime, Utc};
use sea_query::{Expr, ExprTrait, Query, SelectStatement};
use sqlx::FromRow;
use stint_core::ids::TopicId;
use uuid::Uuid;

use crate::exec::Exec;
use crate::filters::{StatusFilter, text_search};
use crate::page::{Page, PageRequest};
use crate::{Result, Tenant, Tx};

const TABLE: &str = "topics";
const COLUMNS: [&str; 7] = [
    "id",
    "name",
    "status",
    "created_at",
    "updated_at",
    "version",
    "org_id",
];

/// A topic as stored.
#[derive(Debug, Clone, FromRow)]
pub struct Topic {
    #[sqlx(try_from = "Uuid")]
    pub id: TopicId,
    pub name: String,
    /// `active` or `archived`.
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

/// Every writable field, validated by the caller.
#[derive(Debug, Clone)]
pub struct TopicValues {
    pub name: String,
    pub status: String,
}

impl TopicValues {
    fn columns(&self) -> Vec<(&'static str, sea_query::Value)> {
        vec![
            ("name", self.name.clone().into()),
            ("status", self.status.clone().into()),
        ]
    }
}

/// Filters of the topic list.
#[derive(Debug, Clone, Default)]
pub struct TopicFilter {
    pub q: Option<String>,
    pub status: StatusFilter,
}

/// Rows that keep a topic from being deleted: (table, column, what).
pub const TOPIC_REFERENCES: [(&str, &str, &str); 1] = [("tasks", "topic_id", "tasks")];

fn select() -> SelectStatement {
    Query::select()
        .columns(COLUMNS.map(|c| (TABLE, c)))
        .from(TABLE)
        .to_owned()
}

impl<E: Exec> Tenant<E> {
    pub async fn topic(&mut self, id: TopicId) -> Result<Option<Topic>> {
        let stmt = select()
            .and_where(Expr::col((TABLE, "org_id")).eq(self.org.uuid()))
            .and_where(Expr::col((TABLE, "id")).eq(id.uuid()))
            .to_owned();
        self.exec.conn().fetch_optional(&stmt).await
    }

    pub async fn list_topics(
        &mut self,
        filter: &TopicFilter,
        page: &PageRequest,
    ) -> Result<Page<Topic>> {
        let mut stmt = select()
            .and_where(Expr::col((TABLE, "org_id")).eq(self.org.uuid()))
            .to_owned();
        filter.status.apply(&mut stmt, TABLE, &["archived"]);
        if let Some(q) = filter.q.as_deref().filter(|q| !q.trim().is_empty()) {
            text_search(&mut stmt, TABLE, &["name"], q);
        }
        page.apply(&mut stmt, TABLE);
        let rows = self.exec.conn().fetch_all(&stmt).await?;
        Ok(Page::from_rows(rows, page))
    }

    /// What still refers to a topic, naming the first kind found; `None`
    /// when it can be deleted.
    pub async fn topic_references(&mut self, id: TopicId) -> Result<Option<&'static str>> {
        self.first_reference(&TOPIC_REFERENCES, id.uuid()).await
    }
}

impl Tenant<Tx> {
    pub async fn insert_topic(
        &mut self,
        id: TopicId,
        values: &TopicValues,
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
        Ok(())
    }

    /// Replaces every field if the row is still at `version`; `false` when
    /// another write got there first.
    pub async fn update_topic(
        &mut self,
        id: TopicId,
        values: &TopicValues,
        version: i64,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let stmt = Query::update()
            .table(TABLE)
            .values(values.columns().into_iter().map(|(c, v)| (c, Expr::val(v))))
            .value("updated_at", now)
            .value("version", version + 1)
            .and_where(Expr::col("org_id").eq(self.org.uuid()))
            .and_where(Expr::col("id").eq(id.uuid()))
            .and_where(Expr::col("version").eq(version))
            .to_owned();
        Ok(self.exec.conn().execute(&stmt).await? == 1)
    }

    pub async fn delete_topic(&mut self, id: TopicId) -> Result<bool> {
        let stmt = Query::delete()
            .from_table(TABLE)
            .and_where(Expr::col("org_id").eq(self.org.uuid()))
            .and_where(Expr::col("id").eq(id.uuid()))
            .to_owned();
        Ok(self.exec.conn().execute(&stmt).await? == 1)
    }
}
