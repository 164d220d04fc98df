//! Client groups: named sets of clients. Membership lives on the client
//! (`client_group_members`, written by the clients module); a group only
//! counts its clients, in the same query that reads it.

use chrono::{DateTime, Utc};
use sea_query::{Asterisk, Expr, ExprTrait, Func, Query, SelectStatement};
use sqlx::FromRow;
use stint_core::ids::ClientGroupId;
use uuid::Uuid;

use crate::exec::Exec;
use crate::filters::{StatusFilter, text_search};
use crate::page::{Page, PageRequest};
use crate::{Result, Tenant, Tx};

const TABLE: &str = "client_groups";
const COLUMNS: [&str; 7] = [
    "id",
    "name",
    "initials",
    "status",
    "created_at",
    "updated_at",
    "version",
];

/// A group as stored, with the number of clients in it.
#[derive(Debug, Clone, FromRow)]
pub struct ClientGroup {
    #[sqlx(try_from = "Uuid")]
    pub id: ClientGroupId,
    pub name: String,
    pub initials: String,
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
    /// Every client linked to the group, archived ones included.
    pub clients_count: i64,
}

/// Every writable field, validated by the caller.
#[derive(Debug, Clone)]
pub struct ClientGroupValues {
    pub name: String,
    pub initials: String,
    pub status: String,
}

impl ClientGroupValues {
    fn columns(&self) -> Vec<(&'static str, sea_query::Value)> {
        vec![
            ("name", self.name.clone().into()),
            ("initials", self.initials.clone().into()),
            ("status", self.status.clone().into()),
        ]
    }
}

/// Filters of the group list.
#[derive(Debug, Clone, Default)]
pub struct ClientGroupFilter {
    pub q: Option<String>,
    pub status: StatusFilter,
}

/// The group columns plus `clients_count`, a correlated subquery so a page
/// of groups is counted by the database in the one statement that reads it.
fn select() -> SelectStatement {
    let count = Query::select()
        .expr(Func::count(Expr::col(Asterisk)))
        .from("client_group_members")
        .and_where(Expr::col(("client_group_members", "org_id")).equals((TABLE, "org_id")))
        .and_where(Expr::col(("client_group_members", "group_id")).equals((TABLE, "id")))
        .to_owned();
    Query::select()
        .columns(COLUMNS.map(|c| (TABLE, c)))
        .expr_as(
            Expr::SubQuery(None, Box::new(count.into())),
            "clients_count",
        )
        .from(TABLE)
        .to_owned()
}

impl<E: Exec> Tenant<E> {
    pub async fn client_group(&mut self, id: ClientGroupId) -> Result<Option<ClientGroup>> {
        let stmt = select()
            .and_where(Expr::col((TABLE, "org_id")).eq(self.org.uuid()))
            .and_where(Expr::col((TABLE, "id")).eq(id.uuid()))
            .to_owned();
        self.exec.conn().fetch_optional(&stmt).await
    }

    pub async fn list_client_groups(
        &mut self,
        filter: &ClientGroupFilter,
        page: &PageRequest,
    ) -> Result<Page<ClientGroup>> {
        let mut stmt = select()
            .and_where(Expr::col((TABLE, "org_id")).eq(self.org.uuid()))
            .to_owned();
        filter.status.apply(&mut stmt, TABLE, &["archived"]);
        if let Some(q) = filter.q.as_deref().filter(|q| !q.trim().is_empty()) {
            text_search(&mut stmt, TABLE, &["name", "initials"], q);
        }
        page.apply(&mut stmt, TABLE);
        let rows = self.exec.conn().fetch_all(&stmt).await?;
        Ok(Page::from_rows(rows, page))
    }
}

impl Tenant<Tx> {
    pub async fn insert_client_group(
        &mut self,
        id: ClientGroupId,
        values: &ClientGroupValues,
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
    pub async fn update_client_group(
        &mut self,
        id: ClientGroupId,
        values: &ClientGroupValues,
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

    /// Deletes a group; its links to clients go with it (ON DELETE CASCADE).
    pub async fn delete_client_group(&mut self, id: ClientGroupId) -> Result<bool> {
        let stmt = Query::delete()
            .from_table(TABLE)
            .and_where(Expr::col("org_id").eq(self.org.uuid()))
            .and_where(Expr::col("id").eq(id.uuid()))
            .to_owned();
        Ok(self.exec.conn().execute(&stmt).await? == 1)
    }
}
