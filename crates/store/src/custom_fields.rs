//! Custom field definitions: per entity (client, project, task), a key, a
//! type and options. Values live on the entity's `custom_fields` object and
//! are validated against these definitions on every write.

use chrono::{DateTime, Utc};
use sea_query::{Expr, ExprTrait, Order, Query, SelectStatement};
use sqlx::FromRow;
use sqlx::types::Json;
use stint_core::ids::CustomFieldId;
use uuid::Uuid;

use crate::db::Backend;
use crate::exec::Exec;
use crate::filters::{StatusFilter, text_search};
use crate::page::{Page, PageRequest};
use crate::{Result, Tenant, Tx};

const TABLE: &str = "custom_fields";
const COLUMNS: [&str; 13] = [
    "id",
    "entity",
    "key",
    "label",
    "type",
    "options",
    "required",
    "visible",
    "sort_order",
    "status",
    "created_at",
    "updated_at",
    "version",
];

/// A definition as stored.
#[derive(Debug, Clone, FromRow)]
pub struct CustomField {
    #[sqlx(try_from = "Uuid")]
    pub id: CustomFieldId,
    /// `client`, `project` or `task`.
    pub entity: String,
    pub key: String,
    pub label: String,
    /// `text`, `number`, `date`, `boolean`, `select` or `multi_select`.
    #[sqlx(rename = "type")]
    pub field_type: String,
    pub options: Json<Vec<String>>,
    pub required: bool,
    pub visible: bool,
    pub sort_order: i64,
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

/// Every writable field.
#[derive(Debug, Clone)]
pub struct CustomFieldValues {
    pub entity: String,
    pub key: String,
    pub label: String,
    pub field_type: String,
    pub options: Vec<String>,
    pub required: bool,
    pub visible: bool,
    pub sort_order: i64,
    pub status: String,
}

impl CustomFieldValues {
    fn columns(&self) -> Vec<(&'static str, sea_query::Value)> {
        vec![
            ("entity", self.entity.clone().into()),
            ("key", self.key.clone().into()),
            ("label", self.label.clone().into()),
            ("type", self.field_type.clone().into()),
            ("options", serde_json::json!(self.options).into()),
            ("required", self.required.into()),
            ("visible", self.visible.into()),
            ("sort_order", self.sort_order.into()),
            ("status", self.status.clone().into()),
        ]
    }
}

#[derive(Debug, Clone, Default)]
pub struct CustomFieldFilter {
    pub q: Option<String>,
    pub status: StatusFilter,
    pub entity: Option<String>,
}

fn select() -> SelectStatement {
    Query::select()
        .columns(COLUMNS.map(|c| (TABLE, c)))
        .from(TABLE)
        .to_owned()
}

impl<E: Exec> Tenant<E> {
    pub async fn custom_field(&mut self, id: CustomFieldId) -> Result<Option<CustomField>> {
        let stmt = select()
            .and_where(Expr::col((TABLE, "org_id")).eq(self.org.uuid()))
            .and_where(Expr::col((TABLE, "id")).eq(id.uuid()))
            .to_owned();
        self.exec.conn().fetch_optional(&stmt).await
    }

    pub async fn list_custom_fields(
        &mut self,
        filter: &CustomFieldFilter,
        page: &PageRequest,
    ) -> Result<Page<CustomField>> {
        let mut stmt = select()
            .and_where(Expr::col((TABLE, "org_id")).eq(self.org.uuid()))
            .to_owned();
        filter.status.apply(&mut stmt, TABLE, &["archived"]);
        if let Some(entity) = &filter.entity {
            stmt.and_where(Expr::col((TABLE, "entity")).eq(entity.clone()));
        }
        if let Some(q) = filter.q.as_deref().filter(|q| !q.trim().is_empty()) {
            text_search(&mut stmt, TABLE, &["key", "label"], q);
        }
        page.apply(&mut stmt, TABLE);
        let rows = self.exec.conn().fetch_all(&stmt).await?;
        Ok(Page::from_rows(rows, page))
    }

    /// Every definition of an entity (archived ones included: their values
    /// are kept but no longer required), in display order.
    pub async fn custom_field_definitions(&mut self, entity: &str) -> Result<Vec<CustomField>> {
        let stmt = select()
            .and_where(Expr::col((TABLE, "org_id")).eq(self.org.uuid()))
            .and_where(Expr::col((TABLE, "entity")).eq(entity))
            .order_by((TABLE, "sort_order"), Order::Asc)
            .order_by((TABLE, "id"), Order::Asc)
            .to_owned();
        self.exec.conn().fetch_all(&stmt).await
    }

    /// The definition of `entity` with `key`, if any.
    pub async fn custom_field_by_key(
        &mut self,
        entity: &str,
        key: &str,
    ) -> Result<Option<CustomField>> {
        let stmt = select()
            .and_where(Expr::col((TABLE, "org_id")).eq(self.org.uuid()))
            .and_where(Expr::col((TABLE, "entity")).eq(entity))
            .and_where(Expr::col((TABLE, "key")).eq(key))
            .to_owned();
        self.exec.conn().fetch_optional(&stmt).await
    }

    /// Whether any record of `entity` stores a value under `key`.
    pub async fn custom_field_has_values(&mut self, entity: &str, key: &str) -> Result<bool> {
        #[derive(FromRow)]
        struct Found {
            #[allow(dead_code)] // only its presence matters
            id: Uuid,
        }
        let table = match entity {
            "client" => "clients",
            "project" => "projects",
            "task" => "tasks",
            _ => return Ok(false),
        };
        let column = format!("\"{table}\".\"custom_fields\"");
        // The key is bound, never written into the SQL.
        let has_key = match self.exec.conn().backend() {
            Backend::Sqlite => Expr::cust_with_values(
                format!("json_type({column}, ?) IS NOT NULL"),
                [format!("$.\"{key}\"")],
            ),
            Backend::Postgres => Expr::cust_with_values(
                format!("({column} -> $1::text) IS NOT NULL"),
                [key.to_owned()],
            ),
        };
        let stmt = Query::select()
            .column((table, "id"))
            .from(table)
            .and_where(Expr::col((table, "org_id")).eq(self.org.uuid()))
            .and_where(has_key)
            .limit(1)
            .to_owned();
        Ok(self
            .exec
            .conn()
            .fetch_optional::<Found>(&stmt)
            .await?
            .is_some())
    }
}

impl Tenant<Tx> {
    pub async fn insert_custom_field(
        &mut self,
        id: CustomFieldId,
        values: &CustomFieldValues,
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

    pub async fn update_custom_field(
        &mut self,
        id: CustomFieldId,
        values: &CustomFieldValues,
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

    pub async fn delete_custom_field(&mut self, id: CustomFieldId) -> Result<bool> {
        let stmt = Query::delete()
            .from_table(TABLE)
            .and_where(Expr::col("org_id").eq(self.org.uuid()))
            .and_where(Expr::col("id").eq(id.uuid()))
            .to_owned();
        Ok(self.exec.conn().execute(&stmt).await? == 1)
    }
}
