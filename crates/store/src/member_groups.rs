//! Member groups (shown as teams). Only what `/me` needs lives here until
//! the records issue brings the full teams API.

use chrono::{DateTime, Utc};
use sea_query::{Expr, ExprTrait, Order, Query};
use sqlx::FromRow;
use stint_core::ids::{MemberGroupId, MemberId, OrgId};

use crate::exec::Exec;
use crate::{Result, System, Tenant};

/// A team of an organization and whether a given member is in it.
#[derive(Debug, Clone, FromRow)]
pub struct TeamOfMember {
    #[sqlx(try_from = "uuid::Uuid")]
    pub id: MemberGroupId,
    #[sqlx(try_from = "uuid::Uuid")]
    pub org_id: OrgId,
    pub name: String,
    pub is_member: bool,
}

impl<E: Exec> System<E> {
    /// Every team of the given organizations, each flagged with whether the
    /// matching member (one per organization) belongs to it.
    pub async fn teams_of_memberships(
        &mut self,
        memberships: &[(OrgId, MemberId)],
    ) -> Result<Vec<TeamOfMember>> {
        if memberships.is_empty() {
            return Ok(Vec::new());
        }
        let member_ids = memberships.iter().map(|(_, m)| m.uuid());
        let is_member = Expr::exists(
            Query::select()
                .expr(Expr::val(1))
                .from("member_group_members")
                .and_where(
                    Expr::col(("member_group_members", "group_id")).equals(("member_groups", "id")),
                )
                .and_where(Expr::col(("member_group_members", "member_id")).is_in(member_ids))
                .to_owned(),
        );
        let stmt = Query::select()
            .columns([
                ("member_groups", "id"),
                ("member_groups", "org_id"),
                ("member_groups", "name"),
            ])
            .expr_as(is_member, "is_member")
            .from("member_groups")
            .and_where(
                Expr::col(("member_groups", "org_id"))
                    .is_in(memberships.iter().map(|(o, _)| o.uuid())),
            )
            .order_by(("member_groups", "name"), Order::Asc)
            .to_owned();
        self.exec.conn().fetch_all(&stmt).await
    }
}

impl<E: Exec> Tenant<E> {
    /// Creates a team with its members.
    pub async fn insert_member_group(
        &mut self,
        id: MemberGroupId,
        name: &str,
        members: &[MemberId],
        now: DateTime<Utc>,
    ) -> Result<()> {
        let stmt = Query::insert()
            .into_table("member_groups")
            .columns([
                "id",
                "org_id",
                "name",
                "created_at",
                "updated_at",
                "version",
            ])
            .values_panic([
                id.uuid().into(),
                self.org.uuid().into(),
                name.into(),
                now.into(),
                now.into(),
                1i64.into(),
            ])
            .to_owned();
        self.exec.conn().execute(&stmt).await?;
        for member in members {
            let stmt = Query::insert()
                .into_table("member_group_members")
                .columns(["org_id", "group_id", "member_id"])
                .values_panic([
                    self.org.uuid().into(),
                    id.uuid().into(),
                    member.uuid().into(),
                ])
                .to_owned();
            self.exec.conn().execute(&stmt).await?;
        }
        Ok(())
    }
}
