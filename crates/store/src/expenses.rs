//! Expenses, and their receipts (kept in the database next to the expense:
//! one transaction, one backup, shared by every process).

use chrono::{DateTime, NaiveDate, Utc};
use sea_query::{Expr, ExprTrait, Query, SelectStatement};
use sqlx::FromRow;
use stint_core::ids::{ClientId, ExpenseId, InvoiceId, MemberId, ProjectId};
use uuid::Uuid;

use crate::exec::Exec;
use crate::filters::{invoiced_filter, text_search};
use crate::page::{Page, PageRequest};
use crate::{Result, Tenant, Tx};

const TABLE: &str = "expenses";
const COLUMNS: [&str; 17] = [
    "id",
    "member_id",
    "client_id",
    "project_id",
    "date",
    "category",
    "description",
    "amount",
    "currency",
    "vat_rate",
    "billable",
    "reimbursable",
    "status",
    "invoice_id",
    "created_at",
    "updated_at",
    "version",
];

/// An expense as stored, with what is known of its receipt.
#[derive(Debug, Clone, FromRow)]
pub struct Expense {
    #[sqlx(try_from = "Uuid")]
    pub id: ExpenseId,
    #[sqlx(try_from = "Uuid")]
    pub member_id: MemberId,
    pub client_id: Option<Uuid>,
    pub project_id: Option<Uuid>,
    pub date: NaiveDate,
    pub category: Option<String>,
    pub description: Option<String>,
    pub amount: i64,
    pub currency: String,
    /// Hundredths of a percent.
    pub vat_rate: i64,
    pub billable: bool,
    pub reimbursable: bool,
    /// `open` or `invoiced`.
    pub status: String,
    pub invoice_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
    pub receipt_content_type: Option<String>,
    pub receipt_size_bytes: Option<i64>,
    pub receipt_sha256: Option<Vec<u8>>,
    pub receipt_created_at: Option<DateTime<Utc>>,
}

impl Expense {
    pub fn client(&self) -> Option<ClientId> {
        self.client_id.map(ClientId::from_uuid)
    }
    pub fn project(&self) -> Option<ProjectId> {
        self.project_id.map(ProjectId::from_uuid)
    }
}

/// Every writable field.
#[derive(Debug, Clone)]
pub struct ExpenseValues {
    pub member_id: MemberId,
    pub client_id: Option<ClientId>,
    pub project_id: Option<ProjectId>,
    pub date: NaiveDate,
    pub category: Option<String>,
    pub description: Option<String>,
    pub amount: i64,
    pub currency: String,
    pub vat_rate: i64,
    pub billable: bool,
    pub reimbursable: bool,
}

impl ExpenseValues {
    fn columns(&self) -> Vec<(&'static str, sea_query::Value)> {
        vec![
            ("member_id", self.member_id.uuid().into()),
            ("client_id", self.client_id.map(|i| i.uuid()).into()),
            ("project_id", self.project_id.map(|i| i.uuid()).into()),
            ("date", self.date.into()),
            ("category", self.category.clone().into()),
            ("description", self.description.clone().into()),
            ("amount", self.amount.into()),
            ("currency", self.currency.clone().into()),
            ("vat_rate", self.vat_rate.into()),
            ("billable", self.billable.into()),
            ("reimbursable", self.reimbursable.into()),
        ]
    }
}

/// Filters of the expense list.
#[derive(Debug, Clone, Default)]
pub struct ExpenseFilter {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub member_ids: Vec<MemberId>,
    pub client_id: Option<ClientId>,
    pub project_id: Option<ProjectId>,
    pub billable: Option<bool>,
    pub reimbursable: Option<bool>,
    pub invoiced: Option<bool>,
    pub category: Option<String>,
    pub q: Option<String>,
}

/// A stored receipt.
#[derive(Debug, Clone, FromRow)]
pub struct Receipt {
    pub content_type: String,
    pub sha256: Vec<u8>,
    pub data: Vec<u8>,
}

fn select() -> SelectStatement {
    let mut stmt = Query::select();
    stmt.columns(COLUMNS.map(|c| (TABLE, c)))
        .expr_as(
            Expr::col(("expense_receipts", "content_type")),
            "receipt_content_type",
        )
        .expr_as(
            Expr::col(("expense_receipts", "size_bytes")),
            "receipt_size_bytes",
        )
        .expr_as(Expr::col(("expense_receipts", "sha256")), "receipt_sha256")
        .expr_as(
            Expr::col(("expense_receipts", "created_at")),
            "receipt_created_at",
        )
        .from(TABLE)
        .left_join(
            "expense_receipts",
            Expr::col(("expense_receipts", "expense_id")).equals((TABLE, "id")),
        );
    stmt
}

impl<E: Exec> Tenant<E> {
    pub async fn expense(&mut self, id: ExpenseId) -> Result<Option<Expense>> {
        let stmt = select()
            .and_where(Expr::col((TABLE, "org_id")).eq(self.org.uuid()))
            .and_where(Expr::col((TABLE, "id")).eq(id.uuid()))
            .to_owned();
        self.exec.conn().fetch_optional(&stmt).await
    }

    pub async fn list_expenses(
        &mut self,
        filter: &ExpenseFilter,
        page: &PageRequest,
    ) -> Result<Page<Expense>> {
        let col = |c: &'static str| Expr::col((TABLE, c));
        let mut stmt = select()
            .and_where(col("org_id").eq(self.org.uuid()))
            .to_owned();
        if let Some(from) = filter.from {
            stmt.and_where(col("date").gte(from));
        }
        if let Some(to) = filter.to {
            stmt.and_where(col("date").lte(to));
        }
        if !filter.member_ids.is_empty() {
            stmt.and_where(col("member_id").is_in(filter.member_ids.iter().map(|m| m.uuid())));
        }
        if let Some(id) = filter.client_id {
            stmt.and_where(col("client_id").eq(id.uuid()));
        }
        if let Some(id) = filter.project_id {
            stmt.and_where(col("project_id").eq(id.uuid()));
        }
        if let Some(b) = filter.billable {
            stmt.and_where(col("billable").eq(b));
        }
        if let Some(r) = filter.reimbursable {
            stmt.and_where(col("reimbursable").eq(r));
        }
        invoiced_filter(&mut stmt, TABLE, filter.invoiced);
        if let Some(category) = &filter.category {
            stmt.and_where(col("category").eq(category.clone()));
        }
        if let Some(q) = filter.q.as_deref().filter(|q| !q.trim().is_empty()) {
            text_search(&mut stmt, TABLE, &["description", "category"], q);
        }
        page.apply(&mut stmt, TABLE);
        let rows = self.exec.conn().fetch_all(&stmt).await?;
        Ok(Page::from_rows(rows, page))
    }

    pub async fn receipt(&mut self, expense: ExpenseId) -> Result<Option<Receipt>> {
        let stmt = Query::select()
            .columns(["content_type", "sha256", "data"])
            .from("expense_receipts")
            .and_where(Expr::col("org_id").eq(self.org.uuid()))
            .and_where(Expr::col("expense_id").eq(expense.uuid()))
            .to_owned();
        self.exec.conn().fetch_optional(&stmt).await
    }
}

impl Tenant<Tx> {
    pub async fn insert_expense(
        &mut self,
        id: ExpenseId,
        values: &ExpenseValues,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut columns = vec![
            "id",
            "org_id",
            "status",
            "created_at",
            "updated_at",
            "version",
        ];
        let mut row: Vec<sea_query::Value> = vec![
            id.uuid().into(),
            self.org.uuid().into(),
            "open".into(),
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

    pub async fn update_expense(
        &mut self,
        id: ExpenseId,
        values: &ExpenseValues,
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

    /// Bumps the version (a receipt changed) if still at `version`.
    pub async fn touch_expense(
        &mut self,
        id: ExpenseId,
        version: i64,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let stmt = Query::update()
            .table(TABLE)
            .value("updated_at", now)
            .value("version", version + 1)
            .and_where(Expr::col("org_id").eq(self.org.uuid()))
            .and_where(Expr::col("id").eq(id.uuid()))
            .and_where(Expr::col("version").eq(version))
            .to_owned();
        Ok(self.exec.conn().execute(&stmt).await? == 1)
    }

    /// Marks open expenses as invoiced by `invoice` (which locks them),
    /// bumping their versions; answers how many changed.
    pub async fn mark_expenses_invoiced(
        &mut self,
        ids: &[ExpenseId],
        invoice: InvoiceId,
        now: DateTime<Utc>,
    ) -> Result<u64> {
        if ids.is_empty() {
            return Ok(0);
        }
        let stmt = Query::update()
            .table(TABLE)
            .value("status", "invoiced")
            .value("invoice_id", invoice.uuid())
            .value("updated_at", now)
            .value("version", Expr::col("version").add(1))
            .and_where(Expr::col("org_id").eq(self.org.uuid()))
            .and_where(Expr::col("id").is_in(ids.iter().map(|i| i.uuid())))
            .and_where(Expr::col("status").eq("open"))
            .to_owned();
        self.exec.conn().execute(&stmt).await
    }

    pub async fn delete_expense(&mut self, id: ExpenseId) -> Result<bool> {
        let stmt = Query::delete()
            .from_table(TABLE)
            .and_where(Expr::col("org_id").eq(self.org.uuid()))
            .and_where(Expr::col("id").eq(id.uuid()))
            .to_owned();
        Ok(self.exec.conn().execute(&stmt).await? == 1)
    }

    /// Stores or replaces an expense's receipt.
    pub async fn put_receipt(
        &mut self,
        expense: ExpenseId,
        content_type: &str,
        sha256: &[u8],
        data: Vec<u8>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.delete_receipt(expense).await?;
        let size = i64::try_from(data.len()).unwrap_or(i64::MAX);
        let stmt = Query::insert()
            .into_table("expense_receipts")
            .columns([
                "expense_id",
                "org_id",
                "content_type",
                "size_bytes",
                "sha256",
                "data",
                "created_at",
            ])
            .values_panic([
                expense.uuid().into(),
                self.org.uuid().into(),
                content_type.into(),
                size.into(),
                sha256.to_vec().into(),
                data.into(),
                now.into(),
            ])
            .to_owned();
        self.exec.conn().execute(&stmt).await?;
        Ok(())
    }

    pub async fn delete_receipt(&mut self, expense: ExpenseId) -> Result<bool> {
        let stmt = Query::delete()
            .from_table("expense_receipts")
            .and_where(Expr::col("org_id").eq(self.org.uuid()))
            .and_where(Expr::col("expense_id").eq(expense.uuid()))
            .to_owned();
        Ok(self.exec.conn().execute(&stmt).await? == 1)
    }
}
