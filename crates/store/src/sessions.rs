//! Sign-in sessions and their rotating refresh tokens. A session is one
//! refresh-token family: spending a token issues its successor in the same
//! session; presenting a spent token again revokes the session.

use chrono::{DateTime, Utc};
use sea_query::{Expr, ExprTrait, Query};
use sqlx::FromRow;
use stint_core::ids::{MemberId, OrgId, SessionId, UserId};

use crate::exec::Exec;
use crate::{Result, System};

/// A session to open.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub id: SessionId,
    pub org_id: OrgId,
    pub member_id: MemberId,
    pub now: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// A stored refresh token with what is needed to judge it.
#[derive(Debug, Clone, FromRow)]
pub struct RefreshTokenRecord {
    #[sqlx(try_from = "uuid::Uuid")]
    pub session_id: SessionId,
    pub expires_at: DateTime<Utc>,
    pub spent_at: Option<DateTime<Utc>>,
    pub session_revoked_at: Option<DateTime<Utc>>,
    #[sqlx(try_from = "uuid::Uuid")]
    pub org_id: OrgId,
    #[sqlx(try_from = "uuid::Uuid")]
    pub member_id: MemberId,
}

/// Who a session speaks for, checked on every request made with its tokens.
#[derive(Debug, Clone, FromRow)]
pub struct SessionPrincipal {
    #[sqlx(try_from = "uuid::Uuid")]
    pub org_id: OrgId,
    #[sqlx(try_from = "uuid::Uuid")]
    pub member_id: MemberId,
    #[sqlx(try_from = "uuid::Uuid")]
    pub user_id: UserId,
    pub role: String,
    pub member_status: String,
    pub revoked_at: Option<DateTime<Utc>>,
    pub expires_at: DateTime<Utc>,
    /// The organization's plan.
    pub plan: String,
}

impl<E: Exec> System<E> {
    pub async fn insert_session(&mut self, session: &NewSession) -> Result<()> {
        let stmt = Query::insert()
            .into_table("sessions")
            .columns(["id", "org_id", "member_id", "created_at", "expires_at"])
            .values_panic([
                session.id.uuid().into(),
                session.org_id.uuid().into(),
                session.member_id.uuid().into(),
                session.now.into(),
                session.expires_at.into(),
            ])
            .to_owned();
        self.exec.conn().execute(&stmt).await?;
        Ok(())
    }

    pub async fn insert_refresh_token(
        &mut self,
        token_hash: &[u8],
        session: SessionId,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<()> {
        let stmt = Query::insert()
            .into_table("refresh_tokens")
            .columns(["token_hash", "session_id", "issued_at", "expires_at"])
            .values_panic([
                token_hash.to_vec().into(),
                session.uuid().into(),
                now.into(),
                expires_at.into(),
            ])
            .to_owned();
        self.exec.conn().execute(&stmt).await?;
        Ok(())
    }

    pub async fn refresh_token(&mut self, token_hash: &[u8]) -> Result<Option<RefreshTokenRecord>> {
        let stmt = Query::select()
            .columns([
                ("refresh_tokens", "session_id"),
                ("refresh_tokens", "expires_at"),
                ("refresh_tokens", "spent_at"),
            ])
            .expr_as(Expr::col(("sessions", "revoked_at")), "session_revoked_at")
            .columns([("sessions", "org_id"), ("sessions", "member_id")])
            .from("refresh_tokens")
            .inner_join(
                "sessions",
                Expr::col(("sessions", "id")).equals(("refresh_tokens", "session_id")),
            )
            .and_where(Expr::col(("refresh_tokens", "token_hash")).eq(token_hash.to_vec()))
            .to_owned();
        self.exec.conn().fetch_optional(&stmt).await
    }

    /// Marks a token spent. `false` when it already was: two requests racing
    /// with one token cannot both succeed.
    pub async fn spend_refresh_token(
        &mut self,
        token_hash: &[u8],
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let stmt = Query::update()
            .table("refresh_tokens")
            .value("spent_at", now)
            .and_where(Expr::col("token_hash").eq(token_hash.to_vec()))
            .and_where(Expr::col("spent_at").is_null())
            .to_owned();
        Ok(self.exec.conn().execute(&stmt).await? == 1)
    }

    /// Revokes a session and with it every token of its family.
    pub async fn revoke_session(
        &mut self,
        id: SessionId,
        now: DateTime<Utc>,
        reason: &str,
    ) -> Result<()> {
        let stmt = Query::update()
            .table("sessions")
            .value("revoked_at", now)
            .value("revoked_reason", reason)
            .and_where(Expr::col("id").eq(id.uuid()))
            .and_where(Expr::col("revoked_at").is_null())
            .to_owned();
        self.exec.conn().execute(&stmt).await?;
        Ok(())
    }

    pub async fn session_principal(&mut self, id: SessionId) -> Result<Option<SessionPrincipal>> {
        let stmt = Query::select()
            .columns([("sessions", "org_id"), ("sessions", "member_id")])
            .columns([("members", "user_id"), ("members", "role")])
            .expr_as(Expr::col(("members", "status")), "member_status")
            .columns([("sessions", "revoked_at"), ("sessions", "expires_at")])
            .column(("organizations", "plan"))
            .from("sessions")
            .inner_join(
                "members",
                Expr::col(("members", "id")).equals(("sessions", "member_id")),
            )
            .inner_join(
                "organizations",
                Expr::col(("organizations", "id")).equals(("sessions", "org_id")),
            )
            .and_where(Expr::col(("sessions", "id")).eq(id.uuid()))
            .to_owned();
        self.exec.conn().fetch_optional(&stmt).await
    }
}
