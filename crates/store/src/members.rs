//! Members: a user's membership of one organization, with its role.

use chrono::{DateTime, Utc};
use sea_query::{Expr, ExprTrait, Query, SelectStatement};
use sqlx::FromRow;
use stint_core::ids::{MemberId, OrgId, UserId};

use crate::exec::Exec;
use crate::page::{Page, PageRequest};
use crate::{Result, System, Tenant};

/// A single count, for `SELECT COUNT(…) AS n`.
#[derive(Debug, FromRow)]
pub struct Count {
    pub n: i64,
}

/// A member as the API shows it: the membership joined with its user.
#[derive(Debug, Clone, FromRow)]
pub struct Member {
    #[sqlx(try_from = "uuid::Uuid")]
    pub id: MemberId,
    #[sqlx(try_from = "uuid::Uuid")]
    pub org_id: OrgId,
    #[sqlx(try_from = "uuid::Uuid")]
    pub user_id: UserId,
    /// `owner`, `admin` or `member`.
    pub role: String,
    /// `active`, `invited` or `inactive`.
    pub status: String,
    pub email: String,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

/// A membership to create.
#[derive(Debug, Clone)]
pub struct NewMember {
    pub id: MemberId,
    pub org_id: OrgId,
    pub user_id: UserId,
    pub role: String,
    pub status: String,
    pub now: DateTime<Utc>,
}

fn select_members() -> SelectStatement {
    Query::select()
        .columns([
            ("members", "id"),
            ("members", "org_id"),
            ("members", "user_id"),
            ("members", "role"),
            ("members", "status"),
        ])
        .columns([("users", "email"), ("users", "name")])
        .columns([
            ("members", "created_at"),
            ("members", "updated_at"),
            ("members", "version"),
        ])
        .from("members")
        .inner_join(
            "users",
            Expr::col(("users", "id")).equals(("members", "user_id")),
        )
        .to_owned()
}

impl<E: Exec> System<E> {
    pub async fn insert_member(&mut self, member: &NewMember) -> Result<()> {
        let stmt = Query::insert()
            .into_table("members")
            .columns([
                "id",
                "org_id",
                "user_id",
                "role",
                "status",
                "created_at",
                "updated_at",
                "version",
            ])
            .values_panic([
                member.id.uuid().into(),
                member.org_id.uuid().into(),
                member.user_id.uuid().into(),
                member.role.clone().into(),
                member.status.clone().into(),
                member.now.into(),
                member.now.into(),
                1i64.into(),
            ])
            .to_owned();
        self.exec.conn().execute(&stmt).await?;
        Ok(())
    }

    /// Every membership of a user, oldest first.
    pub async fn memberships_of_user(&mut self, user: UserId) -> Result<Vec<Member>> {
        let stmt = select_members()
            .and_where(Expr::col(("members", "user_id")).eq(user.uuid()))
            .order_by(("members", "id"), sea_query::Order::Asc)
            .to_owned();
        self.exec.conn().fetch_all(&stmt).await
    }

    pub async fn member_by_id(&mut self, id: MemberId) -> Result<Option<Member>> {
        let stmt = select_members()
            .and_where(Expr::col(("members", "id")).eq(id.uuid()))
            .to_owned();
        self.exec.conn().fetch_optional(&stmt).await
    }
}

impl<E: Exec> Tenant<E> {
    pub async fn member(&mut self, id: MemberId) -> Result<Option<Member>> {
        let stmt = select_members()
            .and_where(Expr::col(("members", "org_id")).eq(self.org.uuid()))
            .and_where(Expr::col(("members", "id")).eq(id.uuid()))
            .to_owned();
        self.exec.conn().fetch_optional(&stmt).await
    }

    pub async fn list_members(&mut self, page: &PageRequest) -> Result<Page<Member>> {
        let mut stmt = select_members()
            .and_where(Expr::col(("members", "org_id")).eq(self.org.uuid()))
            .to_owned();
        page.apply(&mut stmt, "members");
        let rows = self.exec.conn().fetch_all(&stmt).await?;
        Ok(Page::from_rows(rows, page))
    }

    /// Changes a member's status (`active`, `invited`, `inactive`).
    pub async fn set_member_status(
        &mut self,
        id: MemberId,
        status: &str,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let stmt = Query::update()
            .table("members")
            .value("status", status)
            .value("updated_at", now)
            .value("version", Expr::col("version").add(1))
            .and_where(Expr::col("org_id").eq(self.org.uuid()))
            .and_where(Expr::col("id").eq(id.uuid()))
            .to_owned();
        Ok(self.exec.conn().execute(&stmt).await? == 1)
    }
}
