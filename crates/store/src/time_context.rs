//! What recording time needs to know about the records it points at: the
//! member's time zone and default rate, the project's client and billing,
//! the task's project, the service's rate and rounding, the client's rate
//! for the service, and the organization's time settings. One small keyed
//! read each, all inside the writing transaction.

use sea_query::{Expr, ExprTrait, Query};
use sqlx::FromRow;
use sqlx::types::Json;
use stint_core::ids::{ClientId, MemberId, ProjectId, ServiceId, TaskId};
use uuid::Uuid;

use crate::exec::Exec;
use crate::{Result, Tenant};

#[derive(Debug, Clone, FromRow)]
pub struct MemberTime {
    pub role: String,
    pub status: String,
    pub timezone: Option<String>,
    pub default_hourly_rate: Option<i64>,
}

#[derive(Debug, Clone, FromRow)]
pub struct ProjectTime {
    pub client_id: Option<Uuid>,
    pub billing_method: String,
    pub hourly_rate: Option<i64>,
    pub currency: String,
    pub status: String,
}

#[derive(Debug, Clone, FromRow)]
pub struct TaskTime {
    pub client_id: Option<Uuid>,
    pub project_id: Option<Uuid>,
    pub status: String,
}

#[derive(Debug, Clone, FromRow)]
pub struct ServiceTime {
    pub kind: String,
    pub rate: i64,
    pub currency: String,
    pub rounding: i64,
    pub status: String,
}

#[derive(Debug, Clone, FromRow)]
pub struct OrganizationTime {
    pub timezone: String,
    pub currency: String,
    pub settings: Json<serde_json::Value>,
}

#[derive(FromRow)]
struct RateRow {
    rate: i64,
}

fn by_id(
    table: &'static str,
    columns: &[&'static str],
    org: Uuid,
    id: Uuid,
) -> sea_query::SelectStatement {
    Query::select()
        .columns(columns.iter().copied())
        .from(table)
        .and_where(Expr::col("org_id").eq(org))
        .and_where(Expr::col("id").eq(id))
        .to_owned()
}

impl<E: Exec> Tenant<E> {
    pub async fn member_time(&mut self, id: MemberId) -> Result<Option<MemberTime>> {
        let stmt = by_id(
            "members",
            &["role", "status", "timezone", "default_hourly_rate"],
            self.org.uuid(),
            id.uuid(),
        );
        self.exec.conn().fetch_optional(&stmt).await
    }

    pub async fn project_time(&mut self, id: ProjectId) -> Result<Option<ProjectTime>> {
        let stmt = by_id(
            "projects",
            &[
                "client_id",
                "billing_method",
                "hourly_rate",
                "currency",
                "status",
            ],
            self.org.uuid(),
            id.uuid(),
        );
        self.exec.conn().fetch_optional(&stmt).await
    }

    pub async fn task_time(&mut self, id: TaskId) -> Result<Option<TaskTime>> {
        let stmt = by_id(
            "tasks",
            &["client_id", "project_id", "status"],
            self.org.uuid(),
            id.uuid(),
        );
        self.exec.conn().fetch_optional(&stmt).await
    }

    pub async fn service_time(&mut self, id: ServiceId) -> Result<Option<ServiceTime>> {
        let stmt = by_id(
            "services",
            &["kind", "rate", "currency", "rounding", "status"],
            self.org.uuid(),
            id.uuid(),
        );
        self.exec.conn().fetch_optional(&stmt).await
    }

    /// The client's negotiated rate for a service, in the service's currency.
    pub async fn client_service_rate_for(
        &mut self,
        client: ClientId,
        service: ServiceId,
    ) -> Result<Option<i64>> {
        let stmt = Query::select()
            .column("rate")
            .from("client_service_rates")
            .and_where(Expr::col("org_id").eq(self.org.uuid()))
            .and_where(Expr::col("client_id").eq(client.uuid()))
            .and_where(Expr::col("service_id").eq(service.uuid()))
            .to_owned();
        Ok(self
            .exec
            .conn()
            .fetch_optional::<RateRow>(&stmt)
            .await?
            .map(|r| r.rate))
    }

    pub async fn organization_time(&mut self) -> Result<OrganizationTime> {
        let stmt = Query::select()
            .columns(["timezone", "currency", "settings"])
            .from("organizations")
            .and_where(Expr::col("id").eq(self.org.uuid()))
            .to_owned();
        self.exec.conn().fetch_one(&stmt).await
    }
}
