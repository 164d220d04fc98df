//! Members: a user's membership of one organization, with its role, its
//! profile (kept on the membership, so an admin of one organization never
//! renames a person in another) and its teams. Invitations live in
//! `members/invitations.rs`.

mod invitations;

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_query::{Cond, Expr, ExprTrait, Func, LikeExpr, Order, Query, SelectStatement};
use sqlx::FromRow;
use stint_core::ids::{MemberGroupId, MemberId, OrgId, UserId};
use stint_core::validation::derive_initials;
use uuid::Uuid;

pub use self::invitations::{NewInvitation, PendingInvitation};
use crate::exec::Exec;
use crate::filters::StatusFilter;
use crate::page::{Page, PageRequest};
use crate::{Result, System, Tenant, Tx};

const TABLE: &str = "members";

/// A single count, for `SELECT COUNT(…) AS n`.
#[derive(Debug, FromRow)]
pub struct Count {
    pub n: i64,
}

/// A member as the API shows it: the membership joined with its user's
/// email and its organization's currency (the currency of its amounts).
#[derive(Debug, Clone, FromRow)]
pub struct Member {
    #[sqlx(try_from = "Uuid")]
    pub id: MemberId,
    #[sqlx(try_from = "Uuid")]
    pub org_id: OrgId,
    #[sqlx(try_from = "Uuid")]
    pub user_id: UserId,
    /// `owner`, `admin` or `member`.
    pub role: String,
    /// `active`, `invited` or `inactive`.
    pub status: String,
    pub email: String,
    pub name: String,
    pub surname: Option<String>,
    /// Absent only on rows written before profiles existed; shown derived.
    pub initials: Option<String>,
    pub phone: Option<String>,
    pub timezone: Option<String>,
    /// Minor units of `currency`.
    pub hourly_cost: Option<i64>,
    /// Minor units of `currency`.
    pub default_hourly_rate: Option<i64>,
    /// The organization's currency.
    pub currency: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
    #[sqlx(skip)]
    pub group_ids: Vec<MemberGroupId>,
}

impl Member {
    /// The stored initials, or those of the full name.
    pub fn initials(&self) -> String {
        self.initials
            .clone()
            .unwrap_or_else(|| derive_initials(&full_name(&self.name, self.surname.as_deref())))
    }
}

/// `name surname`, as initials and new accounts are made from it.
pub fn full_name(name: &str, surname: Option<&str>) -> String {
    match surname {
        Some(s) if !s.trim().is_empty() => format!("{} {}", name.trim(), s.trim()),
        _ => name.trim().to_owned(),
    }
}

/// The profile fields of a membership, validated by the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberProfile {
    pub name: String,
    pub surname: Option<String>,
    pub initials: Option<String>,
    pub phone: Option<String>,
    /// IANA time zone.
    pub timezone: Option<String>,
    /// Minor units of the organization's currency.
    pub hourly_cost: Option<i64>,
    /// Minor units of the organization's currency.
    pub default_hourly_rate: Option<i64>,
}

impl MemberProfile {
    /// A profile with just a name and the initials derived from it.
    pub fn named(name: &str) -> MemberProfile {
        MemberProfile {
            name: name.trim().to_owned(),
            surname: None,
            initials: Some(derive_initials(name)),
            phone: None,
            timezone: None,
            hourly_cost: None,
            default_hourly_rate: None,
        }
    }

    fn columns(&self) -> Vec<(&'static str, sea_query::Value)> {
        vec![
            ("name", self.name.clone().into()),
            ("surname", self.surname.clone().into()),
            ("initials", self.initials.clone().into()),
            ("phone", self.phone.clone().into()),
            ("timezone", self.timezone.clone().into()),
            ("hourly_cost", self.hourly_cost.into()),
            ("default_hourly_rate", self.default_hourly_rate.into()),
        ]
    }
}

/// A membership to create through the system handle (signup, operators).
#[derive(Debug, Clone)]
pub struct NewMember {
    pub id: MemberId,
    pub org_id: OrgId,
    pub user_id: UserId,
    pub role: String,
    pub status: String,
    pub profile: MemberProfile,
    pub now: DateTime<Utc>,
}

/// Every field an owner or admin can write (not email, not status).
#[derive(Debug, Clone)]
pub struct MemberValues {
    pub role: String,
    pub profile: MemberProfile,
    pub group_ids: Vec<MemberGroupId>,
}

/// Filters of the member list.
#[derive(Debug, Clone, Default)]
pub struct MemberFilter {
    /// Searched in name, surname and email.
    pub q: Option<String>,
    /// `Active` means active or invited; `Archived` means inactive.
    pub status: StatusFilter,
    pub role: Option<String>,
    pub group_id: Option<MemberGroupId>,
}

/// The statuses that count as archived.
pub const ARCHIVED_STATUSES: [&str; 1] = ["inactive"];

fn select_members() -> SelectStatement {
    Query::select()
        .columns(
            ["id", "org_id", "user_id", "role", "status"]
                .map(|c| (TABLE, c))
                .to_vec(),
        )
        .column(("users", "email"))
        .columns(
            [
                "name",
                "surname",
                "initials",
                "phone",
                "timezone",
                "hourly_cost",
                "default_hourly_rate",
            ]
            .map(|c| (TABLE, c))
            .to_vec(),
        )
        .column(("organizations", "currency"))
        .columns(
            ["created_at", "updated_at", "version"]
                .map(|c| (TABLE, c))
                .to_vec(),
        )
        .from(TABLE)
        .inner_join(
            "users",
            Expr::col(("users", "id")).equals((TABLE, "user_id")),
        )
        .inner_join(
            "organizations",
            Expr::col(("organizations", "id")).equals((TABLE, "org_id")),
        )
        .to_owned()
}

/// Case-insensitive substring search over columns of several tables (the
/// shared `text_search` covers one table; a member's email is its user's).
fn search(stmt: &mut SelectStatement, columns: &[(&'static str, &'static str)], q: &str) {
    let escaped: String = q
        .trim()
        .to_lowercase()
        .chars()
        .flat_map(|c| match c {
            '%' | '_' | '\\' => vec!['\\', c],
            other => vec![other],
        })
        .collect();
    let pattern = format!("%{escaped}%");
    let mut any = Cond::any();
    for column in columns {
        any = any.add(
            Expr::expr(Func::lower(Expr::col(*column)))
                .like(LikeExpr::new(pattern.clone()).escape('\\')),
        );
    }
    stmt.cond_where(any);
}

impl<E: Exec> System<E> {
    pub async fn insert_member(&mut self, member: &NewMember) -> Result<()> {
        let mut columns = vec![
            "id",
            "org_id",
            "user_id",
            "role",
            "status",
            "created_at",
            "updated_at",
            "version",
        ];
        let mut row: Vec<sea_query::Value> = vec![
            member.id.uuid().into(),
            member.org_id.uuid().into(),
            member.user_id.uuid().into(),
            member.role.clone().into(),
            member.status.clone().into(),
            member.now.into(),
            member.now.into(),
            1i64.into(),
        ];
        for (column, value) in member.profile.columns() {
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

    /// Every membership of a user, oldest first.
    pub async fn memberships_of_user(&mut self, user: UserId) -> Result<Vec<Member>> {
        let stmt = select_members()
            .and_where(Expr::col((TABLE, "user_id")).eq(user.uuid()))
            .order_by((TABLE, "id"), Order::Asc)
            .to_owned();
        self.exec.conn().fetch_all(&stmt).await
    }

    pub async fn member_by_id(&mut self, id: MemberId) -> Result<Option<Member>> {
        let stmt = select_members()
            .and_where(Expr::col((TABLE, "id")).eq(id.uuid()))
            .to_owned();
        self.exec.conn().fetch_optional(&stmt).await
    }
}

impl<E: Exec> Tenant<E> {
    /// A member with its team ids.
    pub async fn member(&mut self, id: MemberId) -> Result<Option<Member>> {
        let stmt = select_members()
            .and_where(Expr::col((TABLE, "org_id")).eq(self.org.uuid()))
            .and_where(Expr::col((TABLE, "id")).eq(id.uuid()))
            .to_owned();
        self.one_member(stmt).await
    }

    /// The membership of a user in this organization, whatever its status.
    pub async fn member_of_user(&mut self, user: UserId) -> Result<Option<Member>> {
        let stmt = select_members()
            .and_where(Expr::col((TABLE, "org_id")).eq(self.org.uuid()))
            .and_where(Expr::col((TABLE, "user_id")).eq(user.uuid()))
            .to_owned();
        self.one_member(stmt).await
    }

    async fn one_member(&mut self, stmt: SelectStatement) -> Result<Option<Member>> {
        let Some(mut member) = self.exec.conn().fetch_optional::<Member>(&stmt).await? else {
            return Ok(None);
        };
        member.group_ids = self
            .member_group_ids(&[member.id.uuid()])
            .await?
            .remove(&member.id.uuid())
            .unwrap_or_default();
        Ok(Some(member))
    }

    pub async fn list_members(
        &mut self,
        filter: &MemberFilter,
        page: &PageRequest,
    ) -> Result<Page<Member>> {
        let mut stmt = select_members()
            .and_where(Expr::col((TABLE, "org_id")).eq(self.org.uuid()))
            .to_owned();
        filter.status.apply(&mut stmt, TABLE, &ARCHIVED_STATUSES);
        if let Some(q) = filter.q.as_deref().filter(|q| !q.trim().is_empty()) {
            search(
                &mut stmt,
                &[(TABLE, "name"), (TABLE, "surname"), ("users", "email")],
                q,
            );
        }
        if let Some(role) = &filter.role {
            stmt.and_where(Expr::col((TABLE, "role")).eq(role.clone()));
        }
        if let Some(group) = filter.group_id {
            stmt.and_where(
                Expr::col((TABLE, "id")).in_subquery(
                    Query::select()
                        .column("member_id")
                        .from("member_group_members")
                        .and_where(Expr::col("org_id").eq(self.org.uuid()))
                        .and_where(Expr::col("group_id").eq(group.uuid()))
                        .to_owned(),
                ),
            );
        }
        page.apply(&mut stmt, TABLE);
        let rows: Vec<Member> = self.exec.conn().fetch_all(&stmt).await?;
        let mut page = Page::from_rows(rows, page);
        let ids: Vec<Uuid> = page.items.iter().map(|m| m.id.uuid()).collect();
        let mut groups = self.member_group_ids(&ids).await?;
        for member in &mut page.items {
            member.group_ids = groups.remove(&member.id.uuid()).unwrap_or_default();
        }
        Ok(page)
    }

    /// Team ids of several members in one query.
    async fn member_group_ids(
        &mut self,
        members: &[Uuid],
    ) -> Result<HashMap<Uuid, Vec<MemberGroupId>>> {
        #[derive(FromRow)]
        struct Link {
            member_id: Uuid,
            group_id: Uuid,
        }
        if members.is_empty() {
            return Ok(HashMap::new());
        }
        let stmt = Query::select()
            .columns(["member_id", "group_id"])
            .from("member_group_members")
            .and_where(Expr::col("org_id").eq(self.org.uuid()))
            .and_where(Expr::col("member_id").is_in(members.iter().copied()))
            .order_by("group_id", Order::Asc)
            .to_owned();
        let links: Vec<Link> = self.exec.conn().fetch_all(&stmt).await?;
        let mut out: HashMap<Uuid, Vec<MemberGroupId>> = HashMap::new();
        for link in links {
            out.entry(link.member_id)
                .or_default()
                .push(MemberGroupId::from_uuid(link.group_id));
        }
        Ok(out)
    }

    /// How many members count against the plan (active and invited).
    pub async fn count_members_in_use(&mut self) -> Result<i64> {
        let stmt = Query::select()
            .expr_as(Expr::col("id").count(), "n")
            .from(TABLE)
            .and_where(Expr::col("org_id").eq(self.org.uuid()))
            .and_where(Expr::col("status").is_in(["active", "invited"]))
            .to_owned();
        let row: Count = self.exec.conn().fetch_one(&stmt).await?;
        Ok(row.n)
    }

    /// How many active owners the organization has.
    pub async fn count_active_owners(&mut self) -> Result<i64> {
        let stmt = Query::select()
            .expr_as(Expr::col("id").count(), "n")
            .from(TABLE)
            .and_where(Expr::col("org_id").eq(self.org.uuid()))
            .and_where(Expr::col("role").eq("owner"))
            .and_where(Expr::col("status").eq("active"))
            .to_owned();
        let row: Count = self.exec.conn().fetch_one(&stmt).await?;
        Ok(row.n)
    }
}

impl Tenant<Tx> {
    /// Creates a membership of an existing user.
    pub async fn insert_member(
        &mut self,
        id: MemberId,
        user: UserId,
        status: &str,
        values: &MemberValues,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut columns = vec![
            "id",
            "org_id",
            "user_id",
            "role",
            "status",
            "created_at",
            "updated_at",
            "version",
        ];
        let mut row: Vec<sea_query::Value> = vec![
            id.uuid().into(),
            self.org.uuid().into(),
            user.uuid().into(),
            values.role.clone().into(),
            status.into(),
            now.into(),
            now.into(),
            1i64.into(),
        ];
        for (column, value) in values.profile.columns() {
            columns.push(column);
            row.push(value);
        }
        let stmt = Query::insert()
            .into_table(TABLE)
            .columns(columns)
            .values_panic(row.into_iter().map(Into::into))
            .to_owned();
        self.exec.conn().execute(&stmt).await?;
        self.set_member_groups(id, &values.group_ids).await
    }

    /// Replaces the writable fields and sets the status, if the row is still
    /// at `version`; `false` when another write got there first.
    pub async fn update_member(
        &mut self,
        id: MemberId,
        values: &MemberValues,
        status: &str,
        version: i64,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let mut stmt = Query::update();
        stmt.table(TABLE)
            .values(
                values
                    .profile
                    .columns()
                    .into_iter()
                    .map(|(c, v)| (c, Expr::val(v))),
            )
            .value("role", values.role.clone())
            .value("status", status)
            .value("updated_at", now)
            .value("version", version + 1)
            .and_where(Expr::col("org_id").eq(self.org.uuid()))
            .and_where(Expr::col("id").eq(id.uuid()))
            .and_where(Expr::col("version").eq(version));
        if self.exec.conn().execute(&stmt).await? != 1 {
            return Ok(false);
        }
        self.set_member_groups(id, &values.group_ids).await?;
        Ok(true)
    }

    /// Changes a member's status if the row is still at `version`.
    pub async fn set_member_status_at(
        &mut self,
        id: MemberId,
        status: &str,
        version: i64,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let stmt = Query::update()
            .table(TABLE)
            .value("status", status)
            .value("updated_at", now)
            .value("version", version + 1)
            .and_where(Expr::col("org_id").eq(self.org.uuid()))
            .and_where(Expr::col("id").eq(id.uuid()))
            .and_where(Expr::col("version").eq(version))
            .to_owned();
        Ok(self.exec.conn().execute(&stmt).await? == 1)
    }

    async fn set_member_groups(&mut self, id: MemberId, groups: &[MemberGroupId]) -> Result<()> {
        let delete = Query::delete()
            .from_table("member_group_members")
            .and_where(Expr::col("org_id").eq(self.org.uuid()))
            .and_where(Expr::col("member_id").eq(id.uuid()))
            .to_owned();
        self.exec.conn().execute(&delete).await?;
        if groups.is_empty() {
            return Ok(());
        }
        let mut insert = Query::insert();
        insert
            .into_table("member_group_members")
            .columns(["org_id", "group_id", "member_id"]);
        for group in groups {
            insert.values_panic([
                self.org.uuid().into(),
                group.uuid().into(),
                id.uuid().into(),
            ]);
        }
        self.exec.conn().execute(&insert).await?;
        Ok(())
    }

    /// Ends every open session of a member, so a deactivated member who is
    /// later invited back starts from a fresh sign-in.
    pub async fn revoke_member_sessions(
        &mut self,
        id: MemberId,
        now: DateTime<Utc>,
        reason: &str,
    ) -> Result<()> {
        let stmt = Query::update()
            .table("sessions")
            .value("revoked_at", now)
            .value("revoked_reason", reason)
            .and_where(Expr::col("org_id").eq(self.org.uuid()))
            .and_where(Expr::col("member_id").eq(id.uuid()))
            .and_where(Expr::col("revoked_at").is_null())
            .to_owned();
        self.exec.conn().execute(&stmt).await?;
        Ok(())
    }

    /// Rewrites every member's amounts with `convert` (used when the
    /// organization's currency changes to one with other minor units).
    pub async fn convert_member_amounts(&mut self, convert: impl Fn(i64) -> i64) -> Result<()> {
        #[derive(FromRow)]
        struct Amounts {
            id: Uuid,
            hourly_cost: Option<i64>,
            default_hourly_rate: Option<i64>,
        }
        let stmt = Query::select()
            .columns(["id", "hourly_cost", "default_hourly_rate"])
            .from(TABLE)
            .and_where(Expr::col("org_id").eq(self.org.uuid()))
            .cond_where(
                Cond::any()
                    .add(Expr::col("hourly_cost").is_not_null())
                    .add(Expr::col("default_hourly_rate").is_not_null()),
            )
            .to_owned();
        let rows: Vec<Amounts> = self.exec.conn().fetch_all(&stmt).await?;
        for row in rows {
            let stmt = Query::update()
                .table(TABLE)
                .value("hourly_cost", row.hourly_cost.map(&convert))
                .value("default_hourly_rate", row.default_hourly_rate.map(&convert))
                .and_where(Expr::col("org_id").eq(self.org.uuid()))
                .and_where(Expr::col("id").eq(row.id))
                .to_owned();
            self.exec.conn().execute(&stmt).await?;
        }
        Ok(())
    }
}

impl<E: Exec> Tenant<E> {
    /// Changes a member's status (`active`, `invited`, `inactive`)
    /// whatever its version; for tests and operators.
    pub async fn set_member_status(
        &mut self,
        id: MemberId,
        status: &str,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let stmt = Query::update()
            .table(TABLE)
            .value("status", status)
            .value("updated_at", now)
            .value("version", Expr::col("version").add(1))
            .and_where(Expr::col("org_id").eq(self.org.uuid()))
            .and_where(Expr::col("id").eq(id.uuid()))
            .to_owned();
        Ok(self.exec.conn().execute(&stmt).await? == 1)
    }
}
