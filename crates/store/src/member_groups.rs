//! Member groups (shown as teams): named sets of members, archived rather
//! than lost. `/me` lists them per organization through the system handle.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_query::{Expr, ExprTrait, Order, Query, SelectStatement};
use sqlx::FromRow;
use stint_core::ids::{MemberGroupId, MemberId, OrgId};
use uuid::Uuid;

use crate::exec::Exec;
use crate::filters::{StatusFilter, text_search};
use crate::page::{Page, PageRequest};
use crate::{Result, System, Tenant, Tx};

const TABLE: &str = "member_groups";
const LINKS: &str = "member_group_members";

/// A team as stored, with its member ids.
#[derive(Debug, Clone, FromRow)]
pub struct MemberGroup {
    #[sqlx(try_from = "Uuid")]
    pub id: MemberGroupId,
    pub name: String,
    /// `active` or `archived`.
    pub status: String,
    /// Counted in the query.
    pub members_count: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
    #[sqlx(skip)]
    pub member_ids: Vec<MemberId>,
}

/// Every writable field, validated by the caller.
#[derive(Debug, Clone)]
pub struct MemberGroupValues {
    pub name: String,
    pub status: String,
    pub member_ids: Vec<MemberId>,
}

impl MemberGroupValues {
    fn columns(&self) -> Vec<(&'static str, sea_query::Value)> {
        vec![
            ("name", self.name.clone().into()),
            ("status", self.status.clone().into()),
        ]
    }
}

/// Filters of the team list.
#[derive(Debug, Clone, Default)]
pub struct MemberGroupFilter {
    pub q: Option<String>,
    pub status: StatusFilter,
    /// Only teams this member belongs to.
    pub member_id: Option<MemberId>,
}

/// A team of an organization and whether a given member is in it.
#[derive(Debug, Clone, FromRow)]
pub struct TeamOfMember {
    #[sqlx(try_from = "Uuid")]
    pub id: MemberGroupId,
    #[sqlx(try_from = "Uuid")]
    pub org_id: OrgId,
    pub name: String,
    pub is_member: bool,
}

fn select() -> SelectStatement {
    let count = Query::select()
        .expr(Expr::col((LINKS, "member_id")).count())
        .from(LINKS)
        .and_where(Expr::col((LINKS, "org_id")).equals((TABLE, "org_id")))
        .and_where(Expr::col((LINKS, "group_id")).equals((TABLE, "id")))
        .to_owned();
    Query::select()
        .columns(["id", "name", "status"].map(|c| (TABLE, c)))
        .expr_as(
            Expr::SubQuery(None, Box::new(count.into())),
            "members_count",
        )
        .columns(["created_at", "updated_at", "version"].map(|c| (TABLE, c)))
        .from(TABLE)
        .to_owned()
}

impl<E: Exec> System<E> {
    /// Every active team of the given organizations, each flagged with
    /// whether the matching member (one per organization) belongs to it.
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
                .from(LINKS)
                .and_where(Expr::col((LINKS, "group_id")).equals((TABLE, "id")))
                .and_where(Expr::col((LINKS, "member_id")).is_in(member_ids))
                .to_owned(),
        );
        let stmt = Query::select()
            .columns([(TABLE, "id"), (TABLE, "org_id"), (TABLE, "name")])
            .expr_as(is_member, "is_member")
            .from(TABLE)
            .and_where(
                Expr::col((TABLE, "org_id")).is_in(memberships.iter().map(|(o, _)| o.uuid())),
            )
            .and_where(Expr::col((TABLE, "status")).eq("active"))
            .order_by((TABLE, "name"), Order::Asc)
            .to_owned();
        self.exec.conn().fetch_all(&stmt).await
    }
}

impl<E: Exec> Tenant<E> {
    pub async fn member_group(&mut self, id: MemberGroupId) -> Result<Option<MemberGroup>> {
        let stmt = select()
            .and_where(Expr::col((TABLE, "org_id")).eq(self.org.uuid()))
            .and_where(Expr::col((TABLE, "id")).eq(id.uuid()))
            .to_owned();
        let Some(mut group) = self
            .exec
            .conn()
            .fetch_optional::<MemberGroup>(&stmt)
            .await?
        else {
            return Ok(None);
        };
        group.member_ids = self
            .member_ids_of_groups(&[group.id.uuid()])
            .await?
            .remove(&group.id.uuid())
            .unwrap_or_default();
        Ok(Some(group))
    }

    pub async fn list_member_groups(
        &mut self,
        filter: &MemberGroupFilter,
        page: &PageRequest,
    ) -> Result<Page<MemberGroup>> {
        let mut stmt = select()
            .and_where(Expr::col((TABLE, "org_id")).eq(self.org.uuid()))
            .to_owned();
        filter.status.apply(&mut stmt, TABLE, &["archived"]);
        if let Some(q) = filter.q.as_deref().filter(|q| !q.trim().is_empty()) {
            text_search(&mut stmt, TABLE, &["name"], q);
        }
        if let Some(member) = filter.member_id {
            stmt.and_where(
                Expr::col((TABLE, "id")).in_subquery(
                    Query::select()
                        .column("group_id")
                        .from(LINKS)
                        .and_where(Expr::col("org_id").eq(self.org.uuid()))
                        .and_where(Expr::col("member_id").eq(member.uuid()))
                        .to_owned(),
                ),
            );
        }
        page.apply(&mut stmt, TABLE);
        let rows: Vec<MemberGroup> = self.exec.conn().fetch_all(&stmt).await?;
        let mut page = Page::from_rows(rows, page);
        let ids: Vec<Uuid> = page.items.iter().map(|g| g.id.uuid()).collect();
        let mut members = self.member_ids_of_groups(&ids).await?;
        for group in &mut page.items {
            group.member_ids = members.remove(&group.id.uuid()).unwrap_or_default();
        }
        Ok(page)
    }

    /// Member ids of several teams in one query.
    async fn member_ids_of_groups(
        &mut self,
        groups: &[Uuid],
    ) -> Result<HashMap<Uuid, Vec<MemberId>>> {
        #[derive(FromRow)]
        struct Link {
            group_id: Uuid,
            member_id: Uuid,
        }
        if groups.is_empty() {
            return Ok(HashMap::new());
        }
        let stmt = Query::select()
            .columns(["group_id", "member_id"])
            .from(LINKS)
            .and_where(Expr::col("org_id").eq(self.org.uuid()))
            .and_where(Expr::col("group_id").is_in(groups.iter().copied()))
            .order_by("member_id", Order::Asc)
            .to_owned();
        let links: Vec<Link> = self.exec.conn().fetch_all(&stmt).await?;
        let mut out: HashMap<Uuid, Vec<MemberId>> = HashMap::new();
        for link in links {
            out.entry(link.group_id)
                .or_default()
                .push(MemberId::from_uuid(link.member_id));
        }
        Ok(out)
    }
}

impl Tenant<Tx> {
    /// Creates an active team with its members (a shortcut for fixtures).
    pub async fn insert_member_group(
        &mut self,
        id: MemberGroupId,
        name: &str,
        members: &[MemberId],
        now: DateTime<Utc>,
    ) -> Result<()> {
        let values = MemberGroupValues {
            name: name.to_owned(),
            status: "active".to_owned(),
            member_ids: members.to_vec(),
        };
        self.insert_member_group_values(id, &values, now).await
    }

    pub async fn insert_member_group_values(
        &mut self,
        id: MemberGroupId,
        values: &MemberGroupValues,
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
        self.set_group_members(id, &values.member_ids).await
    }

    /// Replaces every field if the row is still at `version`; `false` when
    /// another write got there first.
    pub async fn update_member_group(
        &mut self,
        id: MemberGroupId,
        values: &MemberGroupValues,
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
        if self.exec.conn().execute(&stmt).await? != 1 {
            return Ok(false);
        }
        self.set_group_members(id, &values.member_ids).await?;
        Ok(true)
    }

    async fn set_group_members(&mut self, id: MemberGroupId, members: &[MemberId]) -> Result<()> {
        let delete = Query::delete()
            .from_table(LINKS)
            .and_where(Expr::col("org_id").eq(self.org.uuid()))
            .and_where(Expr::col("group_id").eq(id.uuid()))
            .to_owned();
        self.exec.conn().execute(&delete).await?;
        if members.is_empty() {
            return Ok(());
        }
        let mut insert = Query::insert();
        insert
            .into_table(LINKS)
            .columns(["org_id", "group_id", "member_id"]);
        for member in members {
            insert.values_panic([
                self.org.uuid().into(),
                id.uuid().into(),
                member.uuid().into(),
            ]);
        }
        self.exec.conn().execute(&insert).await?;
        Ok(())
    }

    /// Deletes a team; its membership links go with it.
    pub async fn delete_member_group(&mut self, id: MemberGroupId) -> Result<bool> {
        let stmt = Query::delete()
            .from_table(TABLE)
            .and_where(Expr::col("org_id").eq(self.org.uuid()))
            .and_where(Expr::col("id").eq(id.uuid()))
            .to_owned();
        Ok(self.exec.conn().execute(&stmt).await? == 1)
    }
}
