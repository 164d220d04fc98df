//! `Ctx`: who is calling, for which organization, with which rights. Only
//! this module builds one (its fields are private), and only through it does
//! a handler reach the organization's data, so a handler cannot read another
//! organization's rows by mistake.

use axum::extract::FromRequestParts;
use axum::http::Method;
use axum::http::request::Parts;
use stint_core::ids::{ApiKeyId, MemberId, OrgId, SessionId, UserId};
use stint_core::{Role, Scopes};
use stint_store::{Pooled, Scoped, Tenant, Tx};

use super::authenticate::authenticate;
use crate::api::error::{ApiError, Code};
use crate::state::AppState;

/// The caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    User {
        user: UserId,
        member: MemberId,
        session: SessionId,
    },
    ApiKey {
        key: ApiKeyId,
        /// The member who created the key, if still known.
        creator: Option<MemberId>,
    },
}

/// The authenticated context of one request.
#[derive(Clone)]
pub struct Ctx {
    org: OrgId,
    actor: Actor,
    role: Role,
    scopes: Scopes,
    plan: String,
    db: Scoped,
}

impl Ctx {
    /// Built by `authenticate` once the credential is proven.
    pub(super) fn new(
        state: &AppState,
        org: OrgId,
        actor: Actor,
        role: Role,
        scopes: Scopes,
        plan: String,
    ) -> Ctx {
        #[allow(clippy::disallowed_methods)] // the one place tenancy is granted
        let db = state.store.scoped(org);
        Ctx {
            org,
            actor,
            role,
            scopes,
            plan,
            db,
        }
    }

    pub fn org(&self) -> OrgId {
        self.org
    }

    pub fn actor(&self) -> Actor {
        self.actor
    }

    pub fn role(&self) -> Role {
        self.role
    }

    pub fn scopes(&self) -> Scopes {
        self.scopes
    }

    /// The calling member, for user credentials.
    pub fn member_id(&self) -> Option<MemberId> {
        match self.actor {
            Actor::User { member, .. } => Some(member),
            Actor::ApiKey { .. } => None,
        }
    }

    /// Whom a time entry, timer or expense is for when the request names
    /// no member: the calling member, or the member who created the API key
    /// (a key acts on its creator's behalf, as personal tokens do elsewhere).
    pub fn default_member(&self) -> Option<MemberId> {
        match self.actor {
            Actor::User { member, .. } => Some(member),
            Actor::ApiKey { creator, .. } => creator,
        }
    }

    /// The organization's data for reading.
    pub async fn read(&self) -> Result<Tenant<Pooled>, ApiError> {
        Ok(self.db.read().await?)
    }

    /// The organization's data inside a new transaction.
    pub async fn write(&self) -> Result<Tenant<Tx>, ApiError> {
        Ok(self.db.write().await?)
    }

    /// Writing organization-wide records: owners and admins, or API keys
    /// with the `write` scope.
    pub fn require_write(&self) -> Result<(), ApiError> {
        match self.actor {
            Actor::ApiKey { .. } if !self.scopes.write => Err(ApiError::new(
                Code::InsufficientScope,
                "This API key is read-only; create a key with the `write` scope to make changes",
            )),
            Actor::ApiKey { .. } => Ok(()),
            Actor::User { .. } if self.role.is_admin() => Ok(()),
            Actor::User { .. } => Err(ApiError::new(
                Code::InsufficientRole,
                "Only owners and admins can make this change",
            )),
        }
    }

    /// Administering the organization's access (API keys, the Public API
    /// app): an owner or admin signed in as a user. API keys cannot mint or
    /// switch off keys, so a leaked key cannot entrench itself.
    pub fn require_admin_user(&self) -> Result<(), ApiError> {
        match self.actor {
            Actor::User { .. } if self.role.is_admin() => Ok(()),
            Actor::User { .. } => Err(ApiError::new(
                Code::InsufficientRole,
                "Only owners and admins can do this",
            )),
            Actor::ApiKey { .. } => Err(ApiError::new(
                Code::InsufficientRole,
                "This requires an owner or admin signed in with email and password; API keys cannot do it",
            )),
        }
    }
}

impl Ctx {
    /// The organization's plan, as read when the credential was checked.
    pub fn plan(&self) -> &str {
        &self.plan
    }

    /// Scopes are enforced here, by method, for every operation at once: a
    /// read-only key can never change anything, whichever handler it hits.
    fn authorize_method(&self, method: &Method) -> Result<(), ApiError> {
        let writing = !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS);
        if writing && matches!(self.actor, Actor::ApiKey { .. }) && !self.scopes.write {
            return Err(ApiError::new(
                Code::InsufficientScope,
                "This API key is read-only; create a key with the `write` scope to make changes",
            ));
        }
        Ok(())
    }
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        // A middleware (rate limits, idempotency) may have authenticated
        // the request already; the scope check applies either way.
        let ctx = match parts.extensions.get::<Ctx>() {
            Some(ctx) => ctx.clone(),
            None => {
                let ctx = authenticate(state, &parts.headers).await?;
                parts.extensions.insert(ctx.clone());
                ctx
            }
        };
        ctx.authorize_method(&parts.method)?;
        Ok(ctx)
    }
}
