//! Projects, with their members; and the link-table helpers projects and
//! tasks share (member ids of a whole page in one query).

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_query::{Expr, ExprTrait, Query, SelectStatement};
use serde_json::{Map, Value};
use sqlx::FromRow;
use sqlx::types::Json;
use stint_core::ids::{ClientId, MemberId, ProjectId};
use uuid::Uuid;

use crate::exec::Exec;
use crate::filters::{CustomFieldCondition, StatusFilter, custom_field_condition, text_search};
use crate::page::{Page, PageRequest};
use crate::{Result, Tenant, Tx};

const TABLE: &str = "projects";
const COLUMNS: [&str; 19] = [
    "id",
    "client_id",
    "name",
    "code",
    "status",
    "billing_method",
    "currency",
    "hourly_rate",
    "fixed_fee",
    "budget_minutes",
    "budget_amount",
    "starts_on",
    "ends_on",
    "notes",
    "custom_fields",
    "created_at",
    "updated_at",
    "version",
    "org_id",
];

/// The project members link table.
pub(crate) const PROJECT_MEMBERS: Link = Link {
    table: "project_members",
    parent: "project_id",
    child: "member_id",
};

/// A project as stored, with its member ids.
#[derive(Debug, Clone, FromRow)]
pub struct Project {
    #[sqlx(try_from = "Uuid")]
    pub id: ProjectId,
    client_id: Option<Uuid>,
    pub name: String,
    pub code: Option<String>,
    /// `active`, `completed` or `archived`.
    pub status: String,
    /// `hourly`, `fixed_fee` or `non_billable`.
    pub billing_method: String,
    pub currency: String,
    /// Minor units of `currency`.
    pub hourly_rate: Option<i64>,
    pub fixed_fee: Option<i64>,
    pub budget_minutes: Option<i64>,
    pub budget_amount: Option<i64>,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    pub notes: Option<String>,
    pub custom_fields: Json<Map<String, Value>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
    #[sqlx(skip)]
    pub member_ids: Vec<MemberId>,
}

impl Project {
    pub fn client_id(&self) -> Option<ClientId> {
        self.client_id.map(ClientId::from_uuid)
    }
}

/// Every writable field, validated by the caller.
#[derive(Debug, Clone)]
pub struct ProjectValues {
    pub client_id: Option<ClientId>,
    pub name: String,
    pub code: Option<String>,
    pub status: String,
    pub billing_method: String,
    pub currency: String,
    pub hourly_rate: Option<i64>,
    pub fixed_fee: Option<i64>,
    pub budget_minutes: Option<i64>,
    pub budget_amount: Option<i64>,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    pub notes: Option<String>,
    pub custom_fields: Map<String, Value>,
    pub member_ids: Vec<MemberId>,
}

impl ProjectValues {
    pub(crate) fn columns(&self) -> Vec<(&'static str, sea_query::Value)> {
        vec![
            ("client_id", self.client_id.map(|c| c.uuid()).into()),
            ("name", self.name.clone().into()),
            ("code", self.code.clone().into()),
            ("status", self.status.clone().into()),
            ("billing_method", self.billing_method.clone().into()),
            ("currency", self.currency.clone().into()),
            ("hourly_rate", self.hourly_rate.into()),
            ("fixed_fee", self.fixed_fee.into()),
            ("budget_minutes", self.budget_minutes.into()),
            ("budget_amount", self.budget_amount.into()),
            ("starts_on", self.starts_on.into()),
            ("ends_on", self.ends_on.into()),
            ("notes", self.notes.clone().into()),
            (
                "custom_fields",
                Value::Object(self.custom_fields.clone()).into(),
            ),
        ]
    }
}

/// Filters of the project list.
#[derive(Debug, Clone, Default)]
pub struct ProjectFilter {
    pub q: Option<String>,
    pub status: StatusFilter,
    pub client_id: Option<ClientId>,
    pub member_id: Option<MemberId>,
    pub billing_method: Option<String>,
    pub custom_fields: Vec<CustomFieldCondition>,
}

/// Rows that keep a project from being deleted (or moved to another
/// client): (table, column, what). The invoicing issues add their invoice
/// lines here.
pub const PROJECT_REFERENCES: [(&str, &str, &str); 3] = [
    ("tasks", "project_id", "tasks"),
    ("time_entries", "project_id", "time entries"),
    ("expenses", "project_id", "expenses"),
];

fn select() -> SelectStatement {
    Query::select()
        .columns(COLUMNS.map(|c| (TABLE, c)))
        .from(TABLE)
        .to_owned()
}

/// A link table between a record and members (or other ids).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Link {
    pub table: &'static str,
    pub parent: &'static str,
    pub child: &'static str,
}

impl Link {
    /// The condition "`table.id` has a link to `child`".
    pub(crate) fn has_child(&self, org: Uuid, table: &'static str, child: Uuid) -> Expr {
        Expr::col((table, "id")).in_subquery(
            Query::select()
                .column(self.parent)
                .from(self.table)
                .and_where(Expr::col("org_id").eq(org))
                .and_where(Expr::col(self.child).eq(child))
                .to_owned(),
        )
    }
}

impl<E: Exec> Tenant<E> {
    pub async fn project(&mut self, id: ProjectId) -> Result<Option<Project>> {
        let stmt = select()
            .and_where(Expr::col((TABLE, "org_id")).eq(self.org.uuid()))
            .and_where(Expr::col((TABLE, "id")).eq(id.uuid()))
            .to_owned();
        let Some(mut project) = self.exec.conn().fetch_optional::<Project>(&stmt).await? else {
            return Ok(None);
        };
        project.member_ids = self
            .linked_ids(PROJECT_MEMBERS, &[project.id.uuid()])
            .await?
            .remove(&project.id.uuid())
            .unwrap_or_default();
        Ok(Some(project))
    }

    pub async fn list_projects(
        &mut self,
        filter: &ProjectFilter,
        page: &PageRequest,
    ) -> Result<Page<Project>> {
        let backend = self.exec.conn().backend();
        let mut stmt = select()
            .and_where(Expr::col((TABLE, "org_id")).eq(self.org.uuid()))
            .to_owned();
        filter.status.apply(&mut stmt, TABLE, &["archived"]);
        if let Some(q) = filter.q.as_deref().filter(|q| !q.trim().is_empty()) {
            text_search(&mut stmt, TABLE, &["name", "code"], q);
        }
        if let Some(client) = filter.client_id {
            stmt.and_where(Expr::col((TABLE, "client_id")).eq(client.uuid()));
        }
        if let Some(member) = filter.member_id {
            stmt.and_where(PROJECT_MEMBERS.has_child(self.org.uuid(), TABLE, member.uuid()));
        }
        if let Some(method) = &filter.billing_method {
            stmt.and_where(Expr::col((TABLE, "billing_method")).eq(method.clone()));
        }
        for condition in &filter.custom_fields {
            stmt.and_where(custom_field_condition(backend, TABLE, condition));
        }
        page.apply(&mut stmt, TABLE);
        let rows: Vec<Project> = self.exec.conn().fetch_all(&stmt).await?;
        let mut page = Page::from_rows(rows, page);
        let ids: Vec<Uuid> = page.items.iter().map(|p| p.id.uuid()).collect();
        let mut members = self.linked_ids(PROJECT_MEMBERS, &ids).await?;
        for project in &mut page.items {
            project.member_ids = members.remove(&project.id.uuid()).unwrap_or_default();
        }
        Ok(page)
    }

    /// What still refers to a project, naming the first kind found; `None`
    /// when it can be deleted.
    pub async fn project_references(&mut self, id: ProjectId) -> Result<Option<&'static str>> {
        self.first_reference(&PROJECT_REFERENCES, id.uuid()).await
    }

    /// The linked ids of several parents in one query, in id order.
    pub(crate) async fn linked_ids<I: From<Uuid>>(
        &mut self,
        link: Link,
        parents: &[Uuid],
    ) -> Result<HashMap<Uuid, Vec<I>>> {
        #[derive(FromRow)]
        struct Row {
            parent: Uuid,
            child: Uuid,
        }
        if parents.is_empty() {
            return Ok(HashMap::new());
        }
        let stmt = Query::select()
            .expr_as(Expr::col(link.parent), "parent")
            .expr_as(Expr::col(link.child), "child")
            .from(link.table)
            .and_where(Expr::col("org_id").eq(self.org.uuid()))
            .and_where(Expr::col(link.parent).is_in(parents.iter().copied()))
            .order_by(link.child, sea_query::Order::Asc)
            .to_owned();
        let rows: Vec<Row> = self.exec.conn().fetch_all(&stmt).await?;
        let mut out: HashMap<Uuid, Vec<I>> = HashMap::new();
        for row in rows {
            out.entry(row.parent).or_default().push(I::from(row.child));
        }
        Ok(out)
    }
}

impl Tenant<Tx> {
    pub async fn insert_project(
        &mut self,
        id: ProjectId,
        values: &ProjectValues,
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
        let members: Vec<Uuid> = values.member_ids.iter().map(MemberId::uuid).collect();
        self.set_links(PROJECT_MEMBERS, id.uuid(), &members).await
    }

    /// Replaces every field if the row is still at `version`; `false` when
    /// another write got there first.
    pub async fn update_project(
        &mut self,
        id: ProjectId,
        values: &ProjectValues,
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
        let members: Vec<Uuid> = values.member_ids.iter().map(MemberId::uuid).collect();
        self.set_links(PROJECT_MEMBERS, id.uuid(), &members).await?;
        Ok(true)
    }

    /// Makes `children` the exact set linked to `parent`.
    pub(crate) async fn set_links(
        &mut self,
        link: Link,
        parent: Uuid,
        children: &[Uuid],
    ) -> Result<()> {
        let delete = Query::delete()
            .from_table(link.table)
            .and_where(Expr::col("org_id").eq(self.org.uuid()))
            .and_where(Expr::col(link.parent).eq(parent))
            .to_owned();
        self.exec.conn().execute(&delete).await?;
        if children.is_empty() {
            return Ok(());
        }
        let mut insert = Query::insert();
        insert
            .into_table(link.table)
            .columns(["org_id", link.parent, link.child]);
        for child in children {
            insert.values_panic([self.org.uuid().into(), parent.into(), (*child).into()]);
        }
        self.exec.conn().execute(&insert).await?;
        Ok(())
    }

    /// Deletes a project with its member links.
    pub async fn delete_project(&mut self, id: ProjectId) -> Result<bool> {
        let stmt = Query::delete()
            .from_table(TABLE)
            .and_where(Expr::col("org_id").eq(self.org.uuid()))
            .and_where(Expr::col("id").eq(id.uuid()))
            .to_owned();
        Ok(self.exec.conn().execute(&stmt).await? == 1)
    }
}
