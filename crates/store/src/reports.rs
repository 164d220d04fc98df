//! Reports computed by the database: time grouped by up to three
//! dimensions (and currency), sums per day, and the names of the grouped
//! records — never by loading every entry.

use std::collections::HashMap;

use sea_query::{Expr, ExprTrait, JoinType, NullOrdering, Order, Query, SelectStatement};
use sqlx::FromRow;
use uuid::Uuid;

use crate::exec::Exec;
use crate::report_rollups;
use crate::time_entries::TimeEntryFilter;
use crate::{Backend, Result, Tenant};

/// What time can be grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dimension {
    Client,
    Project,
    Member,
    Task,
    Service,
    Topic,
    Day,
    Week,
    Month,
}

impl Dimension {
    pub fn parse(text: &str) -> Option<Dimension> {
        Some(match text {
            "client" => Dimension::Client,
            "project" => Dimension::Project,
            "member" => Dimension::Member,
            "task" => Dimension::Task,
            "service" => Dimension::Service,
            "topic" => Dimension::Topic,
            "day" => Dimension::Day,
            "week" => Dimension::Week,
            "month" => Dimension::Month,
            _ => return None,
        })
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            Dimension::Client => "client",
            Dimension::Project => "project",
            Dimension::Member => "member",
            Dimension::Task => "task",
            Dimension::Service => "service",
            Dimension::Topic => "topic",
            Dimension::Day => "day",
            Dimension::Week => "week",
            Dimension::Month => "month",
        }
    }

    /// Whether the key is a record id (with a name to look up).
    pub fn is_record(&self) -> bool {
        !matches!(self, Dimension::Day | Dimension::Week | Dimension::Month)
    }

    /// The grouped expression: a record dimension's raw id (grouped and
    /// ordered as stored, turned into text only per group, in Rust), a
    /// date dimension's text (`YYYY-MM-DD`, `2026-W09`, `2026-03`).
    fn key_sql(&self, backend: Backend) -> &'static str {
        match (self, backend) {
            (Dimension::Client, _) => "\"time_entries\".\"client_id\"",
            (Dimension::Project, _) => "\"time_entries\".\"project_id\"",
            (Dimension::Member, _) => "\"time_entries\".\"member_id\"",
            (Dimension::Task, _) => "\"time_entries\".\"task_id\"",
            (Dimension::Service, _) => "\"time_entries\".\"service_id\"",
            (Dimension::Topic, _) => "\"report_tasks\".\"topic_id\"",
            (Dimension::Day, Backend::Sqlite) => "\"time_entries\".\"date\"",
            (Dimension::Day, Backend::Postgres) => "CAST(\"time_entries\".\"date\" AS TEXT)",
            (Dimension::Week, _) => "\"time_entries\".\"week\"",
            (Dimension::Month, _) => "\"time_entries\".\"month\"",
        }
    }

    /// The table and name column of the grouped record.
    fn names(&self) -> Option<(&'static str, &'static str)> {
        match self {
            Dimension::Client => Some(("clients", "name")),
            Dimension::Project => Some(("projects", "name")),
            Dimension::Member => Some(("members", "name")),
            Dimension::Task => Some(("tasks", "title")),
            Dimension::Service => Some(("services", "name")),
            Dimension::Topic => Some(("topics", "name")),
            _ => None,
        }
    }
}

/// One group of one currency.
#[derive(Debug, Clone, FromRow)]
pub struct GroupRow {
    pub k0: Option<String>,
    pub k1: Option<String>,
    pub k2: Option<String>,
    pub currency: String,
    pub seconds: i64,
    pub billable_seconds: i64,
    pub billable_amount: i64,
    pub entries: i64,
}

/// Parses the key of a record dimension (32 hex digits).
pub fn key_uuid(key: &str) -> Option<Uuid> {
    Uuid::parse_str(key).ok()
}

/// A group as the database answers it: per slot, a record's id (`r…`) or
/// a date dimension's text (`k…`).
#[derive(FromRow)]
struct RawGroupRow {
    r0: Option<Uuid>,
    r1: Option<Uuid>,
    r2: Option<Uuid>,
    k0: Option<String>,
    k1: Option<String>,
    k2: Option<String>,
    currency: String,
    seconds: i64,
    billable_seconds: i64,
    billable_amount: i64,
    entries: i64,
}

impl From<RawGroupRow> for GroupRow {
    fn from(row: RawGroupRow) -> GroupRow {
        let key = |record: Option<Uuid>, text: Option<String>| {
            text.or_else(|| record.map(|id| id.simple().to_string()))
        };
        GroupRow {
            k0: key(row.r0, row.k0),
            k1: key(row.r1, row.k1),
            k2: key(row.r2, row.k2),
            currency: row.currency,
            seconds: row.seconds,
            billable_seconds: row.billable_seconds,
            billable_amount: row.billable_amount,
            entries: row.entries,
        }
    }
}

#[derive(FromRow)]
struct NameRow {
    id: Uuid,
    name: String,
}

impl<E: Exec> Tenant<E> {
    /// Completed and invoiced time matching `filter`, grouped by
    /// `dimensions` (0–3) and currency, ordered by keys (no key first) then
    /// currency. Running timers are not counted. Whole months come from the
    /// monthly rollup when the report allows it (`report_rollups`).
    pub async fn time_report(
        &mut self,
        dimensions: &[Dimension],
        filter: &TimeEntryFilter,
    ) -> Result<Vec<GroupRow>> {
        let Some(plan) = report_rollups::plan(dimensions, filter) else {
            return self.time_report_from_entries(dimensions, filter).await;
        };
        let backend = self.exec.conn().backend();
        let stmt =
            report_rollups::rollup_select(&plan, dimensions, filter, self.org.uuid(), backend);
        let rows: Vec<RawGroupRow> = self.exec.conn().fetch_all(&stmt).await?;
        let mut parts: Vec<GroupRow> = rows.into_iter().map(GroupRow::from).collect();
        for days in [plan.head, plan.tail].into_iter().flatten() {
            let narrowed = report_rollups::days_filter(filter, days);
            parts.extend(self.time_report_from_entries(dimensions, &narrowed).await?);
        }
        Ok(report_rollups::merge(parts))
    }

    /// The same report summed from every matching entry.
    async fn time_report_from_entries(
        &mut self,
        dimensions: &[Dimension],
        filter: &TimeEntryFilter,
    ) -> Result<Vec<GroupRow>> {
        let backend = self.exec.conn().backend();
        let mut stmt = Query::select();
        stmt.from("time_entries");
        if dimensions.contains(&Dimension::Topic) {
            stmt.join_as(
                JoinType::LeftJoin,
                "tasks",
                "report_tasks",
                Expr::col(("report_tasks", "id")).equals(("time_entries", "task_id")),
            );
        }
        let no_record = match backend {
            Backend::Sqlite => "NULL",
            Backend::Postgres => "CAST(NULL AS UUID)",
        };
        let mut keys = Vec::new();
        for slot in 0..3 {
            let dimension = dimensions.get(slot);
            let (record, text) = match dimension {
                Some(d) if d.is_record() => (d.key_sql(backend), "CAST(NULL AS TEXT)"),
                Some(d) => (no_record, d.key_sql(backend)),
                None => (no_record, "CAST(NULL AS TEXT)"),
            };
            stmt.expr_as(Expr::cust(record), format!("r{slot}"));
            stmt.expr_as(Expr::cust(text), format!("k{slot}"));
            if let Some(d) = dimension {
                keys.push(d.key_sql(backend));
            }
        }
        stmt.column(("time_entries", "currency"))
            .expr_as(
                Expr::cust("CAST(SUM(\"time_entries\".\"duration_seconds\") AS BIGINT)"),
                "seconds",
            )
            .expr_as(
                Expr::cust("CAST(SUM(\"time_entries\".\"billable_seconds\") AS BIGINT)"),
                "billable_seconds",
            )
            .expr_as(
                Expr::cust("CAST(SUM(\"time_entries\".\"billable_amount\") AS BIGINT)"),
                "billable_amount",
            )
            .expr_as(Expr::cust("CAST(COUNT(*) AS BIGINT)"), "entries");
        filter.apply(&mut stmt, self.org.uuid(), backend);
        stmt.and_where(Expr::col(("time_entries", "status")).ne("running"));
        for key in keys {
            stmt.add_group_by([Expr::cust(key)]);
            // PostgreSQL sorts NULL last by default, SQLite first: one
            // order on both, as the rollup's merged rows have it.
            stmt.order_by_expr_with_nulls(Expr::cust(key), Order::Asc, NullOrdering::First);
        }
        stmt.add_group_by([Expr::col(("time_entries", "currency"))]);
        stmt.order_by(("time_entries", "currency"), Order::Asc);
        let rows: Vec<RawGroupRow> = self.exec.conn().fetch_all(&stmt).await?;
        Ok(rows.into_iter().map(GroupRow::from).collect())
    }

    /// Names of records of one dimension, by id.
    pub async fn dimension_names(
        &mut self,
        dimension: Dimension,
        ids: &[Uuid],
    ) -> Result<HashMap<Uuid, String>> {
        let Some((table, column)) = dimension.names() else {
            return Ok(HashMap::new());
        };
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let name = if dimension == Dimension::Member {
            // "Ada Lovelace": first name and surname when there is one.
            Expr::cust("TRIM(\"name\" || ' ' || COALESCE(\"surname\", ''))")
        } else {
            Expr::col(column)
        };
        let stmt = Query::select()
            .column("id")
            .expr_as(name, "name")
            .from(table)
            .and_where(Expr::col("org_id").eq(self.org.uuid()))
            .and_where(Expr::col("id").is_in(ids.iter().copied()))
            .to_owned();
        let rows: Vec<NameRow> = self.exec.conn().fetch_all(&stmt).await?;
        Ok(rows.into_iter().map(|r| (r.id, r.name)).collect())
    }
}

/// Billable open expenses of one client and currency.
#[derive(Debug, Clone, FromRow)]
pub struct ExpenseGroupRow {
    pub client: Option<String>,
    pub currency: String,
    pub amount: i64,
    pub expenses: i64,
}

impl<E: Exec> Tenant<E> {
    /// Billable, not yet invoiced expenses dated up to `to`, by client and
    /// currency.
    pub async fn uninvoiced_expenses(
        &mut self,
        client: Option<stint_core::ids::ClientId>,
        member: Option<stint_core::ids::MemberId>,
        to: Option<chrono::NaiveDate>,
    ) -> Result<Vec<ExpenseGroupRow>> {
        let backend = self.exec.conn().backend();
        let key = match backend {
            Backend::Sqlite => "NULLIF(lower(hex(\"expenses\".\"client_id\")), '')",
            Backend::Postgres => "CAST(\"expenses\".\"client_id\" AS TEXT)",
        };
        let mut stmt: SelectStatement = Query::select()
            .expr_as(Expr::cust(key), "client")
            .column(("expenses", "currency"))
            .expr_as(
                Expr::cust("CAST(SUM(\"expenses\".\"amount\") AS BIGINT)"),
                "amount",
            )
            .expr_as(Expr::cust("CAST(COUNT(*) AS BIGINT)"), "expenses")
            .from("expenses")
            .and_where(Expr::col(("expenses", "org_id")).eq(self.org.uuid()))
            .and_where(Expr::col(("expenses", "billable")).eq(true))
            .and_where(Expr::col(("expenses", "status")).eq("open"))
            .to_owned();
        if let Some(client) = client {
            stmt.and_where(Expr::col(("expenses", "client_id")).eq(client.uuid()));
        }
        if let Some(member) = member {
            stmt.and_where(Expr::col(("expenses", "member_id")).eq(member.uuid()));
        }
        if let Some(to) = to {
            stmt.and_where(Expr::col(("expenses", "date")).lte(to));
        }
        stmt.add_group_by([Expr::cust(key), Expr::col(("expenses", "currency"))]);
        stmt.order_by_expr(Expr::cust(key), Order::Asc);
        self.exec.conn().fetch_all(&stmt).await
    }
}
