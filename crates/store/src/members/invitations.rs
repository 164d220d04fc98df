//! Invitations: one-time tokens (stored only as SHA-256) that turn an
//! invited membership into an active one. A valid token is itself the proof
//! that lets its holder act on that one membership, so accepting one is the
//! only way besides `auth` to reach an organization's data.

use chrono::{DateTime, Utc};
use sea_query::{Expr, ExprTrait, Query};
use sqlx::FromRow;
use stint_core::ids::{MemberId, OrgId, UserId};
use uuid::Uuid;

use crate::exec::Exec;
use crate::{Result, System, Tenant, Tx};

const TABLE: &str = "invitations";

/// An invitation to record.
#[derive(Debug, Clone)]
pub struct NewInvitation {
    /// SHA-256 of the token; the token itself is never stored.
    pub token_hash: Vec<u8>,
    pub member_id: MemberId,
    /// The inviting member; `None` when an API key invited.
    pub created_by: Option<MemberId>,
    pub now: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// An unexpired, unaccepted invitation of a still-invited member, found by
/// its token. Only the store makes one.
#[derive(Clone, FromRow)]
pub struct PendingInvitation {
    token_hash: Vec<u8>,
    #[sqlx(try_from = "Uuid")]
    pub org_id: OrgId,
    #[sqlx(try_from = "Uuid")]
    pub member_id: MemberId,
    #[sqlx(try_from = "Uuid")]
    pub user_id: UserId,
    /// The invitee's current password hash; `None` until they choose one.
    pub password_hash: Option<String>,
}

impl std::fmt::Debug for PendingInvitation {
    // Neither the token hash nor the password hash belongs in logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingInvitation")
            .field("org_id", &self.org_id)
            .field("member_id", &self.member_id)
            .finish()
    }
}

impl Tenant<Tx> {
    pub async fn insert_invitation(&mut self, invitation: &NewInvitation) -> Result<()> {
        let stmt = Query::insert()
            .into_table(TABLE)
            .columns([
                "token_hash",
                "org_id",
                "member_id",
                "created_by",
                "created_at",
                "expires_at",
            ])
            .values_panic([
                invitation.token_hash.clone().into(),
                self.org.uuid().into(),
                invitation.member_id.uuid().into(),
                invitation.created_by.map(|m| m.uuid()).into(),
                invitation.now.into(),
                invitation.expires_at.into(),
            ])
            .to_owned();
        self.exec.conn().execute(&stmt).await?;
        Ok(())
    }

    /// Forgets a member's unaccepted invitations, so an older token can
    /// never (re)activate the membership.
    pub async fn delete_pending_invitations(&mut self, member: MemberId) -> Result<()> {
        let stmt = Query::delete()
            .from_table(TABLE)
            .and_where(Expr::col("org_id").eq(self.org.uuid()))
            .and_where(Expr::col("member_id").eq(member.uuid()))
            .and_where(Expr::col("accepted_at").is_null())
            .to_owned();
        self.exec.conn().execute(&stmt).await?;
        Ok(())
    }
}

impl<E: Exec> System<E> {
    /// The invitation of a token hash, if it can still be accepted.
    pub async fn pending_invitation(
        &mut self,
        token_hash: &[u8],
        now: DateTime<Utc>,
    ) -> Result<Option<PendingInvitation>> {
        let stmt = Query::select()
            .columns([
                (TABLE, "token_hash"),
                (TABLE, "org_id"),
                (TABLE, "member_id"),
            ])
            .column(("members", "user_id"))
            .column(("users", "password_hash"))
            .from(TABLE)
            .inner_join(
                "members",
                Expr::col(("members", "id"))
                    .equals((TABLE, "member_id"))
                    .and(Expr::col(("members", "org_id")).equals((TABLE, "org_id"))),
            )
            .inner_join(
                "users",
                Expr::col(("users", "id")).equals(("members", "user_id")),
            )
            .and_where(Expr::col((TABLE, "token_hash")).eq(token_hash.to_vec()))
            .and_where(Expr::col((TABLE, "accepted_at")).is_null())
            .and_where(Expr::col((TABLE, "expires_at")).gt(now))
            .and_where(Expr::col(("members", "status")).eq("invited"))
            .to_owned();
        self.exec.conn().fetch_optional(&stmt).await
    }
}

impl System<Tx> {
    /// Spends the invitation and activates its membership. `false` when a
    /// concurrent request got there first (or the member was deactivated).
    pub async fn accept_invitation(
        &mut self,
        invitation: &PendingInvitation,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let spend = Query::update()
            .table(TABLE)
            .value("accepted_at", now)
            .and_where(Expr::col("token_hash").eq(invitation.token_hash.clone()))
            .and_where(Expr::col("accepted_at").is_null())
            .to_owned();
        if self.exec.conn().execute(&spend).await? != 1 {
            return Ok(false);
        }
        let activate = Query::update()
            .table("members")
            .value("status", "active")
            .value("updated_at", now)
            .value("version", Expr::col("version").add(1))
            .and_where(Expr::col("org_id").eq(invitation.org_id.uuid()))
            .and_where(Expr::col("id").eq(invitation.member_id.uuid()))
            .and_where(Expr::col("status").eq("invited"))
            .to_owned();
        Ok(self.exec.conn().execute(&activate).await? == 1)
    }

    /// This transaction as the invitation's organization's view, to record
    /// the acceptance there: the token proved the right to act on it.
    pub fn into_tenant_of(self, invitation: &PendingInvitation) -> Tenant<Tx> {
        Tenant {
            exec: self.exec,
            org: invitation.org_id,
        }
    }
}
