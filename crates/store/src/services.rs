//! Billable services and per-client service rates. A rate is kept in minor
//! units of its service's currency, so it is always read joined with the
//! service (name, currency) and one query resolves what a client pays.

use chrono::{DateTime, Utc};
use sea_query::{Cond, Expr, ExprTrait, Order, Query, SelectStatement};
use sqlx::FromRow;
use stint_core::ids::{ClientId, ServiceId};
use uuid::Uuid;

use crate::exec::Exec;
use crate::filters::{StatusFilter, text_search};
use crate::page::{Page, PageRequest};
use crate::{Result, Tenant, Tx};

const TABLE: &str = "services";
const RATES: &str = "client_service_rates";
const COLUMNS: [&str; 14] = [
    "id",
    "name",
    "description",
    "kind",
    "rate",
    "currency",
    "unit_code",
    "vat_rate",
    "rounding",
    "status",
    "created_at",
    "updated_at",
    "version",
    "org_id",
];

/// A service as stored.
#[derive(Debug, Clone, FromRow)]
pub struct Service {
    #[sqlx(try_from = "Uuid")]
    pub id: ServiceId,
    pub name: String,
    pub description: Option<String>,
    /// `hourly` or `fixed`.
    pub kind: String,
    /// Minor units of `currency`.
    pub rate: i64,
    pub currency: String,
    pub unit_code: String,
    /// Hundredths of a percent.
    pub vat_rate: i64,
    /// Minutes billable time is rounded up to: 0, 5, 15 or 30.
    pub rounding: i64,
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

/// Every writable field, validated by the caller.
#[derive(Debug, Clone)]
pub struct ServiceValues {
    pub name: String,
    pub description: Option<String>,
    pub kind: String,
    pub rate: i64,
    pub currency: String,
    pub unit_code: String,
    pub vat_rate: i64,
    pub rounding: i64,
    pub status: String,
}

impl ServiceValues {
    pub(crate) fn columns(&self) -> Vec<(&'static str, sea_query::Value)> {
        vec![
            ("name", self.name.clone().into()),
            ("description", self.description.clone().into()),
            ("kind", self.kind.clone().into()),
            ("rate", self.rate.into()),
            ("currency", self.currency.clone().into()),
            ("unit_code", self.unit_code.clone().into()),
            ("vat_rate", self.vat_rate.into()),
            ("rounding", self.rounding.into()),
            ("status", self.status.clone().into()),
        ]
    }
}

/// Filters of the service list.
#[derive(Debug, Clone, Default)]
pub struct ServiceFilter {
    pub q: Option<String>,
    pub status: StatusFilter,
    pub kind: Option<String>,
}

/// One client's rate for one service, with the service's name and currency.
#[derive(Debug, Clone, FromRow)]
pub struct ClientServiceRate {
    #[sqlx(try_from = "Uuid")]
    pub client_id: ClientId,
    #[sqlx(try_from = "Uuid")]
    pub service_id: ServiceId,
    pub service_name: String,
    /// Minor units of `currency` (the service's).
    pub rate: i64,
    pub currency: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

/// What time booked on a service costs a client: the service's terms and,
/// when the client has one, its own rate.
#[derive(Debug, Clone, FromRow)]
pub struct ResolvedServiceRate {
    #[sqlx(try_from = "Uuid")]
    pub service_id: ServiceId,
    pub kind: String,
    /// The service's own rate, in minor units of `currency`.
    pub service_rate: i64,
    /// The client's rate for this service, if it has one.
    pub client_rate: Option<i64>,
    pub currency: String,
    pub unit_code: String,
    pub vat_rate: i64,
    pub rounding: i64,
    pub status: String,
}

impl ResolvedServiceRate {
    /// The client's rate when it has one, otherwise the service's.
    pub fn effective_rate(&self) -> i64 {
        self.client_rate.unwrap_or(self.service_rate)
    }
}

/// Rows that keep a service from being deleted: (table, column, what).
/// Client rates are not among them: they go with the service.
pub const SERVICE_REFERENCES: [(&str, &str, &str); 1] =
    [("time_entries", "service_id", "time entries")];

fn select() -> SelectStatement {
    Query::select()
        .columns(COLUMNS.map(|c| (TABLE, c)))
        .from(TABLE)
        .to_owned()
}

/// Rates joined with their service, for one organization.
fn select_rates(org: Uuid) -> SelectStatement {
    Query::select()
        .columns(
            [
                "client_id",
                "service_id",
                "rate",
                "created_at",
                "updated_at",
                "version",
            ]
            .map(|c| (RATES, c)),
        )
        .expr_as(Expr::col((TABLE, "name")), "service_name")
        .column((TABLE, "currency"))
        .from(RATES)
        .inner_join(
            TABLE,
            Cond::all()
                .add(Expr::col((TABLE, "org_id")).equals((RATES, "org_id")))
                .add(Expr::col((TABLE, "id")).equals((RATES, "service_id"))),
        )
        .and_where(Expr::col((RATES, "org_id")).eq(org))
        .to_owned()
}

impl<E: Exec> Tenant<E> {
    pub async fn service(&mut self, id: ServiceId) -> Result<Option<Service>> {
        let stmt = select()
            .and_where(Expr::col((TABLE, "org_id")).eq(self.org.uuid()))
            .and_where(Expr::col((TABLE, "id")).eq(id.uuid()))
            .to_owned();
        self.exec.conn().fetch_optional(&stmt).await
    }

    pub async fn list_services(
        &mut self,
        filter: &ServiceFilter,
        page: &PageRequest,
    ) -> Result<Page<Service>> {
        let mut stmt = select()
            .and_where(Expr::col((TABLE, "org_id")).eq(self.org.uuid()))
            .to_owned();
        filter.status.apply(&mut stmt, TABLE, &["archived"]);
        if let Some(q) = filter.q.as_deref().filter(|q| !q.trim().is_empty()) {
            text_search(&mut stmt, TABLE, &["name", "description"], q);
        }
        if let Some(kind) = &filter.kind {
            stmt.and_where(Expr::col((TABLE, "kind")).eq(kind.clone()));
        }
        page.apply(&mut stmt, TABLE);
        let rows = self.exec.conn().fetch_all(&stmt).await?;
        Ok(Page::from_rows(rows, page))
    }

    /// What still refers to a service, naming the first kind found; `None`
    /// when it can be deleted.
    pub async fn service_references(&mut self, id: ServiceId) -> Result<Option<&'static str>> {
        self.first_reference(&SERVICE_REFERENCES, id.uuid()).await
    }

    /// One client's rate for one service.
    pub async fn client_service_rate(
        &mut self,
        client: ClientId,
        service: ServiceId,
    ) -> Result<Option<ClientServiceRate>> {
        let stmt = select_rates(self.org.uuid())
            .and_where(Expr::col((RATES, "client_id")).eq(client.uuid()))
            .and_where(Expr::col((RATES, "service_id")).eq(service.uuid()))
            .to_owned();
        self.exec.conn().fetch_optional(&stmt).await
    }

    /// A client's rates, in service id order (the keyset of the page).
    pub async fn list_client_service_rates(
        &mut self,
        client: ClientId,
        page: &PageRequest,
    ) -> Result<Page<ClientServiceRate>> {
        let mut stmt = select_rates(self.org.uuid())
            .and_where(Expr::col((RATES, "client_id")).eq(client.uuid()))
            .to_owned();
        if let Some(after) = page.after {
            stmt.and_where(Expr::col((RATES, "service_id")).gt(after));
        }
        if let Some(since) = page.updated_since {
            stmt.and_where(Expr::col((RATES, "updated_at")).gte(since));
        }
        stmt.order_by((RATES, "service_id"), Order::Asc)
            .limit(u64::from(page.limit) + 1);
        let rows = self.exec.conn().fetch_all(&stmt).await?;
        Ok(Page::from_rows(rows, page))
    }

    /// Every client's rate for one service (to cascade a delete).
    pub async fn rates_of_service(&mut self, service: ServiceId) -> Result<Vec<ClientServiceRate>> {
        let stmt = select_rates(self.org.uuid())
            .and_where(Expr::col((RATES, "service_id")).eq(service.uuid()))
            .order_by((RATES, "client_id"), Order::Asc)
            .to_owned();
        self.exec.conn().fetch_all(&stmt).await
    }

    /// Every rate of one client (to cascade a delete).
    pub async fn rates_of_client(&mut self, client: ClientId) -> Result<Vec<ClientServiceRate>> {
        let stmt = select_rates(self.org.uuid())
            .and_where(Expr::col((RATES, "client_id")).eq(client.uuid()))
            .order_by((RATES, "service_id"), Order::Asc)
            .to_owned();
        self.exec.conn().fetch_all(&stmt).await
    }

    /// The service's terms and the client's own rate for it, in one query:
    /// what time tracking and invoicing bill. `client: None` resolves the
    /// service's own rate. `None` when the service does not exist here.
    pub async fn resolve_service_rate(
        &mut self,
        service: ServiceId,
        client: Option<ClientId>,
    ) -> Result<Option<ResolvedServiceRate>> {
        // The nil uuid names no client, so the join finds no client rate.
        let client = client.map_or(Uuid::nil(), |c| c.uuid());
        let stmt = Query::select()
            .expr_as(Expr::col((TABLE, "id")), "service_id")
            .columns(
                [
                    "kind",
                    "currency",
                    "unit_code",
                    "vat_rate",
                    "rounding",
                    "status",
                ]
                .map(|c| (TABLE, c)),
            )
            .expr_as(Expr::col((TABLE, "rate")), "service_rate")
            .expr_as(Expr::col((RATES, "rate")), "client_rate")
            .from(TABLE)
            .left_join(
                RATES,
                Cond::all()
                    .add(Expr::col((RATES, "org_id")).equals((TABLE, "org_id")))
                    .add(Expr::col((RATES, "service_id")).equals((TABLE, "id")))
                    .add(Expr::col((RATES, "client_id")).eq(client)),
            )
            .and_where(Expr::col((TABLE, "org_id")).eq(self.org.uuid()))
            .and_where(Expr::col((TABLE, "id")).eq(service.uuid()))
            .to_owned();
        self.exec.conn().fetch_optional(&stmt).await
    }
}

impl Tenant<Tx> {
    pub async fn insert_service(
        &mut self,
        id: ServiceId,
        values: &ServiceValues,
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
    pub async fn update_service(
        &mut self,
        id: ServiceId,
        values: &ServiceValues,
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

    /// Deletes a service with its client rates.
    pub async fn delete_service(&mut self, id: ServiceId) -> Result<bool> {
        let rates = Query::delete()
            .from_table(RATES)
            .and_where(Expr::col("org_id").eq(self.org.uuid()))
            .and_where(Expr::col("service_id").eq(id.uuid()))
            .to_owned();
        self.exec.conn().execute(&rates).await?;
        let stmt = Query::delete()
            .from_table(TABLE)
            .and_where(Expr::col("org_id").eq(self.org.uuid()))
            .and_where(Expr::col("id").eq(id.uuid()))
            .to_owned();
        Ok(self.exec.conn().execute(&stmt).await? == 1)
    }

    pub async fn insert_client_service_rate(
        &mut self,
        client: ClientId,
        service: ServiceId,
        rate: i64,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let stmt = Query::insert()
            .into_table(RATES)
            .columns([
                "org_id",
                "client_id",
                "service_id",
                "rate",
                "created_at",
                "updated_at",
                "version",
            ])
            .values_panic([
                self.org.uuid().into(),
                client.uuid().into(),
                service.uuid().into(),
                rate.into(),
                now.into(),
                now.into(),
                1i64.into(),
            ])
            .to_owned();
        self.exec.conn().execute(&stmt).await?;
        Ok(())
    }

    /// Sets the rate if the row is still at `version`; `false` when another
    /// write got there first.
    pub async fn update_client_service_rate(
        &mut self,
        client: ClientId,
        service: ServiceId,
        rate: i64,
        version: i64,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let stmt = Query::update()
            .table(RATES)
            .value("rate", rate)
            .value("updated_at", now)
            .value("version", version + 1)
            .and_where(Expr::col("org_id").eq(self.org.uuid()))
            .and_where(Expr::col("client_id").eq(client.uuid()))
            .and_where(Expr::col("service_id").eq(service.uuid()))
            .and_where(Expr::col("version").eq(version))
            .to_owned();
        Ok(self.exec.conn().execute(&stmt).await? == 1)
    }

    pub async fn delete_client_service_rate(
        &mut self,
        client: ClientId,
        service: ServiceId,
    ) -> Result<bool> {
        let stmt = Query::delete()
            .from_table(RATES)
            .and_where(Expr::col("org_id").eq(self.org.uuid()))
            .and_where(Expr::col("client_id").eq(client.uuid()))
            .and_where(Expr::col("service_id").eq(service.uuid()))
            .to_owned();
        Ok(self.exec.conn().execute(&stmt).await? == 1)
    }

    /// Deletes every rate of one client (before the client itself).
    pub async fn delete_rates_of_client(&mut self, client: ClientId) -> Result<u64> {
        let stmt = Query::delete()
            .from_table(RATES)
            .and_where(Expr::col("org_id").eq(self.org.uuid()))
            .and_where(Expr::col("client_id").eq(client.uuid()))
            .to_owned();
        self.exec.conn().execute(&stmt).await
    }
}
