//! What recording time needs to know about the records it points at: the
//! member's time zone and default rate, the project's client and billing,
//! the task's project, the service's rate and rounding, the client's rate
//! for the service, and the organization's time settings. One small keyed
//! read each, or all of them in one statement (`time_context`) so that the
//! writing transaction, which holds SQLite's single writer, makes one round
//! trip for them instead of seven.

use sea_query::{Expr, ExprTrait, Func, JoinType, Query};
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

/// The records an entry names, as sent (before a task or project fills in
/// the others).
#[derive(Debug, Clone, Copy)]
pub struct TimeRefs {
    pub member: MemberId,
    pub task: Option<TaskId>,
    pub project: Option<ProjectId>,
    pub client: Option<ClientId>,
    pub service: Option<ServiceId>,
}

/// What `time_context` read. The project and client are those the entry
/// would get — the given one, else the task's, else (client) the project's
/// — named by id so the caller can check that its own rules chose the same.
#[derive(Debug, Clone)]
pub struct TimeContext {
    pub organization: OrganizationTime,
    pub member: Option<MemberTime>,
    pub task: Option<TaskTime>,
    pub project: Option<(ProjectId, ProjectTime)>,
    /// The client, when it exists.
    pub client: Option<ClientId>,
    pub service: Option<ServiceTime>,
    /// The client's rate for the service (client and service as above).
    pub client_rate: Option<i64>,
}

#[derive(FromRow)]
struct ContextRow {
    o_timezone: String,
    o_currency: String,
    o_settings: Json<serde_json::Value>,
    m_id: Option<Uuid>,
    m_role: Option<String>,
    m_status: Option<String>,
    m_timezone: Option<String>,
    m_default_hourly_rate: Option<i64>,
    t_id: Option<Uuid>,
    t_client_id: Option<Uuid>,
    t_project_id: Option<Uuid>,
    t_status: Option<String>,
    p_id: Option<Uuid>,
    p_client_id: Option<Uuid>,
    p_billing_method: Option<String>,
    p_hourly_rate: Option<i64>,
    p_currency: Option<String>,
    p_status: Option<String>,
    c_id: Option<Uuid>,
    s_id: Option<Uuid>,
    s_kind: Option<String>,
    s_rate: Option<i64>,
    s_currency: Option<String>,
    s_rounding: Option<i64>,
    s_status: Option<String>,
    r_rate: Option<i64>,
}

impl ContextRow {
    fn into_context(self) -> TimeContext {
        let organization = OrganizationTime {
            timezone: self.o_timezone,
            currency: self.o_currency,
            settings: self.o_settings,
        };
        let member = match (self.m_id, self.m_role, self.m_status) {
            (Some(_), Some(role), Some(status)) => Some(MemberTime {
                role,
                status,
                timezone: self.m_timezone,
                default_hourly_rate: self.m_default_hourly_rate,
            }),
            _ => None,
        };
        let task = match (self.t_id, self.t_status) {
            (Some(_), Some(status)) => Some(TaskTime {
                client_id: self.t_client_id,
                project_id: self.t_project_id,
                status,
            }),
            _ => None,
        };
        let project = match (
            self.p_id,
            self.p_billing_method,
            self.p_currency,
            self.p_status,
        ) {
            (Some(id), Some(billing_method), Some(currency), Some(status)) => Some((
                ProjectId::from_uuid(id),
                ProjectTime {
                    client_id: self.p_client_id,
                    billing_method,
                    hourly_rate: self.p_hourly_rate,
                    currency,
                    status,
                },
            )),
            _ => None,
        };
        let service = match (
            self.s_id,
            self.s_kind,
            self.s_rate,
            self.s_currency,
            self.s_rounding,
            self.s_status,
        ) {
            (Some(_), Some(kind), Some(rate), Some(currency), Some(rounding), Some(status)) => {
                Some(ServiceTime {
                    kind,
                    rate,
                    currency,
                    rounding,
                    status,
                })
            }
            _ => None,
        };
        TimeContext {
            organization,
            member,
            task,
            project,
            client: self.c_id.map(ClientId::from_uuid),
            service,
            client_rate: self.r_rate,
        }
    }
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

    /// The organization's time settings and every record `refs` names, in
    /// one statement (left joins from the organization's row).
    pub async fn time_context(&mut self, refs: TimeRefs) -> Result<TimeContext> {
        let col = |table: &'static str, column: &'static str| Expr::col((table, column));
        // Joined on the organization as well as the id: another
        // organization's record is not found, exactly as by `by_id`.
        let on = |table: &'static str, id: Expr| {
            col(table, "org_id")
                .equals(("o", "id"))
                .and(col(table, "id").eq(id))
        };
        let project = Func::coalesce([
            Expr::val(refs.project.map(|p| p.uuid())),
            col("t", "project_id"),
        ]);
        let client = Func::coalesce([
            Expr::val(refs.client.map(|c| c.uuid())),
            col("t", "client_id"),
            col("p", "client_id"),
        ]);
        let mut stmt = Query::select();
        stmt.from_as("organizations", "o");
        for (alias, columns) in [
            ("o", &["timezone", "currency", "settings"][..]),
            (
                "m",
                &["id", "role", "status", "timezone", "default_hourly_rate"][..],
            ),
            ("t", &["id", "client_id", "project_id", "status"][..]),
            (
                "p",
                &[
                    "id",
                    "client_id",
                    "billing_method",
                    "hourly_rate",
                    "currency",
                    "status",
                ][..],
            ),
            ("c", &["id"][..]),
            (
                "s",
                &["id", "kind", "rate", "currency", "rounding", "status"][..],
            ),
            ("r", &["rate"][..]),
        ] {
            for column in columns {
                stmt.expr_as(col(alias, column), format!("{alias}_{column}"));
            }
        }
        stmt.join_as(
            JoinType::LeftJoin,
            "members",
            "m",
            on("m", Expr::val(refs.member.uuid())),
        )
        .join_as(
            JoinType::LeftJoin,
            "tasks",
            "t",
            on("t", Expr::val(refs.task.map(|t| t.uuid()))),
        )
        .join_as(JoinType::LeftJoin, "projects", "p", on("p", project.into()))
        .join_as(JoinType::LeftJoin, "clients", "c", on("c", client.into()))
        .join_as(
            JoinType::LeftJoin,
            "services",
            "s",
            on("s", Expr::val(refs.service.map(|s| s.uuid()))),
        )
        .join_as(
            JoinType::LeftJoin,
            "client_service_rates",
            "r",
            col("r", "org_id")
                .equals(("o", "id"))
                .and(col("r", "client_id").equals(("c", "id")))
                .and(col("r", "service_id").equals(("s", "id"))),
        )
        .and_where(col("o", "id").eq(self.org.uuid()));
        let row: ContextRow = self.exec.conn().fetch_one(&stmt).await?;
        Ok(row.into_context())
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
