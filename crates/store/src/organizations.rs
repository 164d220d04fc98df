//! Organizations: the tenants. Created through the system handle (signup,
//! operators); read and changed by their own members through `Tenant`.

use chrono::{DateTime, Utc};
use sea_query::{Expr, ExprTrait, LockType, Query};
use sqlx::FromRow;
use stint_core::ids::OrgId;

use crate::exec::Exec;
use crate::{Result, System, Tenant, Tx};

const COLUMNS: [&str; 10] = [
    "id",
    "name",
    "plan",
    "timezone",
    "currency",
    "public_api_status",
    "public_api_activated_at",
    "created_at",
    "updated_at",
    "version",
];

/// An organization as stored.
#[derive(Debug, Clone, FromRow)]
pub struct Organization {
    #[sqlx(try_from = "uuid::Uuid")]
    pub id: OrgId,
    pub name: String,
    pub plan: String,
    pub timezone: String,
    pub currency: String,
    /// `active` or `inactive`: whether API keys of this organization work.
    pub public_api_status: String,
    pub public_api_activated_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

impl Organization {
    pub fn public_api_active(&self) -> bool {
        self.public_api_status == "active"
    }
}

/// What it takes to create one.
#[derive(Debug, Clone)]
pub struct NewOrganization {
    pub id: OrgId,
    pub name: String,
    pub plan: String,
    pub timezone: String,
    pub currency: String,
    pub now: DateTime<Utc>,
}

impl<E: Exec> System<E> {
    pub async fn insert_organization(&mut self, org: &NewOrganization) -> Result<Organization> {
        let stmt = Query::insert()
            .into_table("organizations")
            .columns(COLUMNS)
            .values_panic([
                org.id.uuid().into(),
                org.name.clone().into(),
                org.plan.clone().into(),
                org.timezone.clone().into(),
                org.currency.clone().into(),
                "inactive".into(),
                Option::<DateTime<Utc>>::None.into(),
                org.now.into(),
                org.now.into(),
                1i64.into(),
            ])
            .returning(Query::returning().columns(COLUMNS))
            .to_owned();
        self.exec.conn().fetch_one(&stmt).await
    }

    pub async fn organization_by_id(&mut self, id: OrgId) -> Result<Option<Organization>> {
        let stmt = Query::select()
            .columns(COLUMNS)
            .from("organizations")
            .and_where(Expr::col("id").eq(id.uuid()))
            .to_owned();
        self.exec.conn().fetch_optional(&stmt).await
    }

    pub async fn organizations_by_ids(&mut self, ids: &[OrgId]) -> Result<Vec<Organization>> {
        let stmt = Query::select()
            .columns(COLUMNS)
            .from("organizations")
            .and_where(Expr::col("id").is_in(ids.iter().map(|i| i.uuid())))
            .order_by("id", sea_query::Order::Asc)
            .to_owned();
        self.exec.conn().fetch_all(&stmt).await
    }

    /// Moves an organization to another plan (operators only).
    pub async fn set_plan(&mut self, id: OrgId, plan: &str, now: DateTime<Utc>) -> Result<bool> {
        let stmt = Query::update()
            .table("organizations")
            .value("plan", plan)
            .value("updated_at", now)
            .value("version", Expr::col("version").add(1))
            .and_where(Expr::col("id").eq(id.uuid()))
            .to_owned();
        Ok(self.exec.conn().execute(&stmt).await? == 1)
    }

    pub async fn count_organizations(&mut self) -> Result<i64> {
        let stmt = Query::select()
            .expr_as(Expr::col("id").count(), "n")
            .from("organizations")
            .to_owned();
        let row: crate::members::Count = self.exec.conn().fetch_one(&stmt).await?;
        Ok(row.n)
    }
}

impl<E: Exec> Tenant<E> {
    /// The caller's own organization.
    pub async fn organization(&mut self) -> Result<Organization> {
        let stmt = Query::select()
            .columns(COLUMNS)
            .from("organizations")
            .and_where(Expr::col("id").eq(self.org.uuid()))
            .to_owned();
        self.exec.conn().fetch_one(&stmt).await
    }

    /// Switches the Public API app on or off; answers the new state.
    pub async fn set_public_api(
        &mut self,
        active: bool,
        now: DateTime<Utc>,
    ) -> Result<Organization> {
        let mut stmt = Query::update();
        stmt.table("organizations")
            .value(
                "public_api_status",
                if active { "active" } else { "inactive" },
            )
            .value("updated_at", now)
            .value("version", Expr::col("version").add(1))
            .and_where(Expr::col("id").eq(self.org.uuid()))
            .returning(Query::returning().columns(COLUMNS));
        if active {
            stmt.value("public_api_activated_at", now);
        }
        self.exec.conn().fetch_one(&stmt).await
    }
}

impl Tenant<Tx> {
    /// Locks the organization's row until the transaction ends, so checks
    /// across several rows (such as "one active owner must remain") cannot
    /// race on PostgreSQL. SQLite has one writer, which already serializes.
    pub async fn lock_organization(&mut self) -> Result<()> {
        #[derive(FromRow)]
        struct Locked {
            #[allow(dead_code)]
            id: uuid::Uuid,
        }
        let stmt = Query::select()
            .column("id")
            .from("organizations")
            .and_where(Expr::col("id").eq(self.org.uuid()))
            .lock(LockType::Update)
            .to_owned();
        self.exec.conn().fetch_one::<Locked>(&stmt).await?;
        Ok(())
    }
}
