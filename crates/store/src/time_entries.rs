//! Time entries and running timers. A running entry has `started_at`, no
//! `ended_at` and status `running`; the partial unique index
//! `time_entries_one_running` makes a second running timer per member
//! impossible even under concurrent starts.

use chrono::{DateTime, NaiveDate, Utc};
use sea_query::{Cond, Expr, ExprTrait, Order, Query, SelectStatement};
use sqlx::FromRow;
use sqlx::types::Json;
use stint_core::ids::{
    ClientId, InvoiceId, MemberId, ProjectId, ServiceId, TaskId, TimeEntryId, TopicId,
};
use uuid::Uuid;

use crate::exec::Exec;
use crate::filters::{invoiced_filter, text_search};
use crate::page::{Page, PageRequest};
use crate::{Result, Tenant, Tx};

const TABLE: &str = "time_entries";
const COLUMNS: [&str; 24] = [
    "id",
    "member_id",
    "client_id",
    "project_id",
    "task_id",
    "service_id",
    "date",
    "started_at",
    "ended_at",
    "duration_seconds",
    "billable",
    "notes",
    "tags",
    "status",
    "invoice_id",
    "rate",
    "rate_source",
    "currency",
    "billable_seconds",
    "billable_amount",
    "created_at",
    "updated_at",
    "version",
    "org_id",
];

/// A time entry as stored.
#[derive(Debug, Clone, FromRow)]
pub struct TimeEntry {
    #[sqlx(try_from = "Uuid")]
    pub id: TimeEntryId,
    #[sqlx(try_from = "Uuid")]
    pub member_id: MemberId,
    pub client_id: Option<Uuid>,
    pub project_id: Option<Uuid>,
    pub task_id: Option<Uuid>,
    pub service_id: Option<Uuid>,
    pub date: NaiveDate,
    pub started_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    pub duration_seconds: i64,
    pub billable: bool,
    pub notes: Option<String>,
    pub tags: Json<Vec<String>>,
    /// `running`, `completed` or `invoiced`.
    pub status: String,
    pub invoice_id: Option<Uuid>,
    /// Minor units of `currency` per hour.
    pub rate: Option<i64>,
    pub rate_source: Option<String>,
    pub currency: String,
    pub billable_seconds: i64,
    pub billable_amount: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

impl TimeEntry {
    /// This entry as `update_time_entry` leaves it after writing `values` at
    /// `now` (what a reload would read, without the round trip).
    pub fn replaced(&self, values: &TimeEntryValues, now: DateTime<Utc>) -> TimeEntry {
        values.row(
            self.id,
            self.invoice_id,
            self.created_at,
            now,
            self.version + 1,
        )
    }

    pub fn client(&self) -> Option<ClientId> {
        self.client_id.map(ClientId::from_uuid)
    }
    pub fn project(&self) -> Option<ProjectId> {
        self.project_id.map(ProjectId::from_uuid)
    }
    pub fn task(&self) -> Option<TaskId> {
        self.task_id.map(TaskId::from_uuid)
    }
    pub fn service(&self) -> Option<ServiceId> {
        self.service_id.map(ServiceId::from_uuid)
    }
    pub fn is_running(&self) -> bool {
        self.status == "running"
    }
}

/// Every stored field of an entry, computed by the service.
#[derive(Debug, Clone)]
pub struct TimeEntryValues {
    pub member_id: MemberId,
    pub client_id: Option<ClientId>,
    pub project_id: Option<ProjectId>,
    pub task_id: Option<TaskId>,
    pub service_id: Option<ServiceId>,
    pub date: NaiveDate,
    pub week: String,
    pub month: String,
    pub started_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    pub duration_seconds: i64,
    pub billable: bool,
    pub notes: Option<String>,
    pub tags: Vec<String>,
    pub status: String,
    pub rate: Option<i64>,
    pub rate_source: Option<String>,
    pub currency: String,
    pub billable_seconds: i64,
    pub billable_amount: i64,
}

impl TimeEntryValues {
    /// The row these values make, as a read would return it.
    fn row(
        &self,
        id: TimeEntryId,
        invoice_id: Option<Uuid>,
        created_at: DateTime<Utc>,
        updated_at: DateTime<Utc>,
        version: i64,
    ) -> TimeEntry {
        TimeEntry {
            id,
            member_id: self.member_id,
            client_id: self.client_id.map(|i| i.uuid()),
            project_id: self.project_id.map(|i| i.uuid()),
            task_id: self.task_id.map(|i| i.uuid()),
            service_id: self.service_id.map(|i| i.uuid()),
            date: self.date,
            started_at: self.started_at,
            ended_at: self.ended_at,
            duration_seconds: self.duration_seconds,
            billable: self.billable,
            notes: self.notes.clone(),
            tags: Json(self.tags.clone()),
            status: self.status.clone(),
            invoice_id,
            rate: self.rate,
            rate_source: self.rate_source.clone(),
            currency: self.currency.clone(),
            billable_seconds: self.billable_seconds,
            billable_amount: self.billable_amount,
            created_at,
            updated_at,
            version,
        }
    }

    pub(crate) fn columns(&self) -> Vec<(&'static str, sea_query::Value)> {
        vec![
            ("member_id", self.member_id.uuid().into()),
            ("client_id", self.client_id.map(|i| i.uuid()).into()),
            ("project_id", self.project_id.map(|i| i.uuid()).into()),
            ("task_id", self.task_id.map(|i| i.uuid()).into()),
            ("service_id", self.service_id.map(|i| i.uuid()).into()),
            ("date", self.date.into()),
            ("week", self.week.clone().into()),
            ("month", self.month.clone().into()),
            ("started_at", self.started_at.into()),
            ("ended_at", self.ended_at.into()),
            ("duration_seconds", self.duration_seconds.into()),
            ("billable", self.billable.into()),
            ("notes", self.notes.clone().into()),
            ("tags", serde_json::json!(self.tags).into()),
            ("status", self.status.clone().into()),
            ("rate", self.rate.into()),
            ("rate_source", self.rate_source.clone().into()),
            ("currency", self.currency.clone().into()),
            ("billable_seconds", self.billable_seconds.into()),
            ("billable_amount", self.billable_amount.into()),
        ]
    }
}

/// Filters shared by the time-entry list and the time reports.
#[derive(Debug, Clone, Default)]
pub struct TimeEntryFilter {
    /// Local dates, inclusive.
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub member_ids: Vec<MemberId>,
    pub client_id: Option<ClientId>,
    pub project_id: Option<ProjectId>,
    pub task_id: Option<TaskId>,
    pub service_id: Option<ServiceId>,
    pub topic_id: Option<TopicId>,
    pub billable: Option<bool>,
    pub statuses: Vec<String>,
    pub invoiced: Option<bool>,
    pub tag: Option<String>,
    pub q: Option<String>,
}

impl TimeEntryFilter {
    /// Adds the conditions to a select over `time_entries`.
    pub(crate) fn apply(&self, stmt: &mut SelectStatement, org: Uuid, backend: crate::Backend) {
        let col = |c: &'static str| Expr::col((TABLE, c));
        stmt.and_where(col("org_id").eq(org));
        if let Some(from) = self.from {
            stmt.and_where(col("date").gte(from));
        }
        if let Some(to) = self.to {
            stmt.and_where(col("date").lte(to));
        }
        if !self.member_ids.is_empty() {
            stmt.and_where(col("member_id").is_in(self.member_ids.iter().map(|m| m.uuid())));
        }
        if let Some(id) = self.client_id {
            stmt.and_where(col("client_id").eq(id.uuid()));
        }
        if let Some(id) = self.project_id {
            stmt.and_where(col("project_id").eq(id.uuid()));
        }
        if let Some(id) = self.task_id {
            stmt.and_where(col("task_id").eq(id.uuid()));
        }
        if let Some(id) = self.service_id {
            stmt.and_where(col("service_id").eq(id.uuid()));
        }
        if let Some(topic) = self.topic_id {
            stmt.and_where(
                col("task_id").in_subquery(
                    Query::select()
                        .column("id")
                        .from("tasks")
                        .and_where(Expr::col("org_id").eq(org))
                        .and_where(Expr::col("topic_id").eq(topic.uuid()))
                        .to_owned(),
                ),
            );
        }
        self.apply_billing(stmt, TABLE);
        if let Some(tag) = &self.tag {
            let condition = match backend {
                crate::Backend::Sqlite => Expr::cust_with_values(
                    "EXISTS (SELECT 1 FROM json_each(\"time_entries\".\"tags\") WHERE json_each.value = ?)",
                    [tag.clone()],
                ),
                crate::Backend::Postgres => Expr::cust_with_values(
                    "\"time_entries\".\"tags\" @> jsonb_build_array($1::text)",
                    [tag.clone()],
                ),
            };
            stmt.and_where(condition);
        }
        if let Some(q) = self.q.as_deref().filter(|q| !q.trim().is_empty()) {
            text_search(stmt, TABLE, &["notes"], q);
        }
    }
}

impl TimeEntryFilter {
    /// The conditions on billability and status, over `table`: the entries,
    /// or the monthly rollup, which keeps both columns
    /// (`report_rollups`).
    pub(crate) fn apply_billing(&self, stmt: &mut SelectStatement, table: &'static str) {
        let col = |c: &'static str| Expr::col((table, c));
        if let Some(billable) = self.billable {
            stmt.and_where(col("billable").eq(billable));
        }
        if !self.statuses.is_empty() {
            stmt.and_where(col("status").is_in(self.statuses.clone()));
        }
        invoiced_filter(stmt, table, self.invoiced);
    }
}

fn select() -> SelectStatement {
    Query::select()
        .columns(COLUMNS.map(|c| (TABLE, c)))
        .from(TABLE)
        .to_owned()
}

impl<E: Exec> Tenant<E> {
    pub async fn time_entry(&mut self, id: TimeEntryId) -> Result<Option<TimeEntry>> {
        let stmt = select()
            .and_where(Expr::col((TABLE, "org_id")).eq(self.org.uuid()))
            .and_where(Expr::col((TABLE, "id")).eq(id.uuid()))
            .to_owned();
        self.exec.conn().fetch_optional(&stmt).await
    }

    /// Entries matching the filter, in keyset order of ids.
    pub async fn list_time_entries(
        &mut self,
        filter: &TimeEntryFilter,
        page: &PageRequest,
    ) -> Result<Page<TimeEntry>> {
        let backend = self.exec.conn().backend();
        // The page's ids first, then their rows: the ids of a filter on
        // member and dates come from the index `time_entries_member_date_id`
        // alone, so only the rows returned are read from the table, however
        // many match (a member's month at a million entries is ~800).
        let mut ids = Query::select().column((TABLE, "id")).from(TABLE).to_owned();
        filter.apply(&mut ids, self.org.uuid(), backend);
        page.apply(&mut ids, TABLE);
        let stmt = select()
            .and_where(Expr::col((TABLE, "org_id")).eq(self.org.uuid()))
            .and_where(Expr::col((TABLE, "id")).in_subquery(ids))
            .order_by((TABLE, "id"), Order::Asc)
            .to_owned();
        let rows = self.exec.conn().fetch_all(&stmt).await?;
        Ok(Page::from_rows(rows, page))
    }

    /// Running timers, of one member or of everyone.
    pub async fn running_time_entries(
        &mut self,
        member: Option<MemberId>,
    ) -> Result<Vec<TimeEntry>> {
        let mut stmt = select()
            .and_where(Expr::col((TABLE, "org_id")).eq(self.org.uuid()))
            // A literal, not a bound value: the planner may then use the
            // partial index `time_entries_one_running` (with bound values it
            // cannot, see .cargo/config.toml on ENABLE_QPSG).
            .and_where(Expr::cust("\"time_entries\".\"status\" = 'running'"))
            .order_by((TABLE, "started_at"), Order::Asc)
            .to_owned();
        if let Some(member) = member {
            stmt.and_where(Expr::col((TABLE, "member_id")).eq(member.uuid()));
        }
        self.exec.conn().fetch_all(&stmt).await
    }

    /// Ids of the member's entries with clock times overlapping
    /// `[start, end)`; a running entry counts as running until `now`.
    pub async fn overlapping_time_entries(
        &mut self,
        member: MemberId,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        now: DateTime<Utc>,
        except: Option<TimeEntryId>,
    ) -> Result<Vec<TimeEntryId>> {
        #[derive(FromRow)]
        struct Id {
            #[sqlx(try_from = "Uuid")]
            id: TimeEntryId,
        }
        let mut stmt = Query::select()
            .column("id")
            .from(TABLE)
            .and_where(Expr::col("org_id").eq(self.org.uuid()))
            .and_where(Expr::col("member_id").eq(member.uuid()))
            .and_where(Expr::col("started_at").is_not_null())
            .and_where(Expr::col("started_at").lt(end))
            .cond_where(
                Cond::any().add(Expr::col("ended_at").gt(start)).add(
                    Cond::all()
                        .add(Expr::col("ended_at").is_null())
                        .add(Expr::val(now).gt(start)),
                ),
            )
            .order_by("id", Order::Asc)
            .limit(20)
            .to_owned();
        if let Some(except) = except {
            stmt.and_where(Expr::col("id").ne(except.uuid()));
        }
        let rows: Vec<Id> = self.exec.conn().fetch_all(&stmt).await?;
        Ok(rows.into_iter().map(|r| r.id).collect())
    }
}

impl Tenant<Tx> {
    /// Inserts the entry and answers it as stored (no reload needed: every
    /// column comes from here).
    pub async fn insert_time_entry(
        &mut self,
        id: TimeEntryId,
        values: &TimeEntryValues,
        now: DateTime<Utc>,
    ) -> Result<TimeEntry> {
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
        if values.status == "running" {
            // The one-running-timer index may refuse it: its caller turns
            // that refusal into a 409, so it must answer now.
            self.exec.conn().execute(&stmt).await?;
        } else {
            // Nothing else can refuse it (its records were read in this
            // transaction and values are checked before), so it travels
            // with the next statement (`Conn::defer`); should it fail all
            // the same, the write or its batch fails, never silently.
            self.exec.conn().defer(&stmt).await?;
        }
        Ok(values.row(id, None, now, now, 1))
    }

    /// Replaces every field if the row is still at `version`.
    pub async fn update_time_entry(
        &mut self,
        id: TimeEntryId,
        values: &TimeEntryValues,
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

    /// Marks completed entries as invoiced by `invoice` (which locks them),
    /// bumping their versions; answers how many changed. Running and
    /// already invoiced entries are left alone.
    pub async fn mark_time_entries_invoiced(
        &mut self,
        ids: &[TimeEntryId],
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
            .and_where(Expr::col("status").eq("completed"))
            .to_owned();
        self.exec.conn().execute(&stmt).await
    }

    pub async fn delete_time_entry(&mut self, id: TimeEntryId) -> Result<bool> {
        let stmt = Query::delete()
            .from_table(TABLE)
            .and_where(Expr::col("org_id").eq(self.org.uuid()))
            .and_where(Expr::col("id").eq(id.uuid()))
            .to_owned();
        Ok(self.exec.conn().execute(&stmt).await? == 1)
    }
}
