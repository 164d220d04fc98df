//! Products sold on invoices: goods and fixed items with a unit price,
//! a unit of measure and their VAT treatment.

use chrono::{DateTime, Utc};
use sea_query::{Expr, ExprTrait, Query, SelectStatement};
use sqlx::FromRow;
use stint_core::ids::ProductId;
use uuid::Uuid;

use crate::exec::Exec;
use crate::filters::{StatusFilter, text_search};
use crate::page::{Page, PageRequest};
use crate::{Result, Tenant, Tx};

const TABLE: &str = "products";
const COLUMNS: [&str; 14] = [
    "id",
    "name",
    "sku",
    "description",
    "unit_price",
    "currency",
    "unit_code",
    "vat_rate",
    "vat_category",
    "status",
    "created_at",
    "updated_at",
    "version",
    "org_id",
];

/// A product as stored.
#[derive(Debug, Clone, FromRow)]
pub struct Product {
    #[sqlx(try_from = "Uuid")]
    pub id: ProductId,
    pub name: String,
    /// Unique within the organization when present.
    pub sku: Option<String>,
    pub description: Option<String>,
    /// Minor units of `currency`.
    pub unit_price: i64,
    pub currency: String,
    pub unit_code: String,
    /// Hundredths of a percent.
    pub vat_rate: i64,
    /// EN 16931 VAT category code (S, Z, E, AE, K, G, O).
    pub vat_category: String,
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

/// Every writable field, validated by the caller.
#[derive(Debug, Clone)]
pub struct ProductValues {
    pub name: String,
    pub sku: Option<String>,
    pub description: Option<String>,
    pub unit_price: i64,
    pub currency: String,
    pub unit_code: String,
    pub vat_rate: i64,
    pub vat_category: String,
    pub status: String,
}

impl ProductValues {
    fn columns(&self) -> Vec<(&'static str, sea_query::Value)> {
        vec![
            ("name", self.name.clone().into()),
            ("sku", self.sku.clone().into()),
            ("description", self.description.clone().into()),
            ("unit_price", self.unit_price.into()),
            ("currency", self.currency.clone().into()),
            ("unit_code", self.unit_code.clone().into()),
            ("vat_rate", self.vat_rate.into()),
            ("vat_category", self.vat_category.clone().into()),
            ("status", self.status.clone().into()),
        ]
    }
}

/// Filters of the product list.
#[derive(Debug, Clone, Default)]
pub struct ProductFilter {
    pub q: Option<String>,
    pub status: StatusFilter,
}

/// Rows that keep a product from being deleted: (table, column, what).
/// Invoice lines (`invoice_lines.product_id`) join this list with the
/// invoicing issue.
pub const PRODUCT_REFERENCES: [(&str, &str, &str); 0] = [];

fn select() -> SelectStatement {
    Query::select()
        .columns(COLUMNS.map(|c| (TABLE, c)))
        .from(TABLE)
        .to_owned()
}

impl<E: Exec> Tenant<E> {
    pub async fn product(&mut self, id: ProductId) -> Result<Option<Product>> {
        let stmt = select()
            .and_where(Expr::col((TABLE, "org_id")).eq(self.org.uuid()))
            .and_where(Expr::col((TABLE, "id")).eq(id.uuid()))
            .to_owned();
        self.exec.conn().fetch_optional(&stmt).await
    }

    pub async fn list_products(
        &mut self,
        filter: &ProductFilter,
        page: &PageRequest,
    ) -> Result<Page<Product>> {
        let mut stmt = select()
            .and_where(Expr::col((TABLE, "org_id")).eq(self.org.uuid()))
            .to_owned();
        filter.status.apply(&mut stmt, TABLE, &["archived"]);
        if let Some(q) = filter.q.as_deref().filter(|q| !q.trim().is_empty()) {
            text_search(&mut stmt, TABLE, &["name", "sku", "description"], q);
        }
        page.apply(&mut stmt, TABLE);
        let rows = self.exec.conn().fetch_all(&stmt).await?;
        Ok(Page::from_rows(rows, page))
    }

    /// What still refers to a product, naming the first kind found; `None`
    /// when it can be deleted.
    pub async fn product_references(&mut self, id: ProductId) -> Result<Option<&'static str>> {
        self.first_reference(&PRODUCT_REFERENCES, id.uuid()).await
    }
}

impl Tenant<Tx> {
    /// Inserts a product; a taken SKU fails with `StoreError::Unique` on
    /// `sku`.
    pub async fn insert_product(
        &mut self,
        id: ProductId,
        values: &ProductValues,
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
    /// another write got there first. A taken SKU fails like on insert.
    pub async fn update_product(
        &mut self,
        id: ProductId,
        values: &ProductValues,
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
        Ok(self.exec.conn().execute(&stmt).await? == 1)
    }

    pub async fn delete_product(&mut self, id: ProductId) -> Result<bool> {
        let stmt = Query::delete()
            .from_table(TABLE)
            .and_where(Expr::col("org_id").eq(self.org.uuid()))
            .and_where(Expr::col("id").eq(id.uuid()))
            .to_owned();
        Ok(self.exec.conn().execute(&stmt).await? == 1)
    }
}
