//! `/me`: who is calling, for which organization, and every organization
//! the user belongs to with its teams.

use std::collections::HashMap;

use axum::extract::State;
use axum::response::Response;
use serde::Serialize;
use stint_core::ids::{ApiKeyId, MemberGroupId, MemberId, OrgId};
use stint_core::{Role, Scope};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::ApiError;
use super::response::{self, Data};
use super::views::{MemberOut, MemberStatus, OrganizationOut, UserOut};
use crate::auth::{Actor, Ctx};
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(me))
}

/// The API key making the call.
#[derive(Serialize, ToSchema)]
pub struct MeApiKey {
    pub id: ApiKeyId,
    #[schema(example = "Zapier")]
    pub name: String,
    pub scopes: Vec<Scope>,
}

/// Who is calling: a signed-in user (with their membership) or an API key.
#[derive(Serialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum MeActor {
    // Boxed: a member is much larger than an API key.
    User {
        user: UserOut,
        member: Box<MemberOut>,
    },
    ApiKey {
        api_key: MeApiKey,
    },
}

/// A team of an organization.
#[derive(Serialize, ToSchema)]
pub struct MeTeam {
    pub id: MemberGroupId,
    #[schema(example = "Design")]
    pub name: String,
    /// Whether the caller's member belongs to it.
    pub is_member: bool,
}

/// An organization the caller can act for.
#[derive(Serialize, ToSchema)]
pub struct MeOrganization {
    pub id: OrgId,
    #[schema(example = "Acme Design Studio")]
    pub name: String,
    /// The user's member id there; null for API keys.
    pub member_id: Option<MemberId>,
    /// The user's role there; null for API keys.
    pub role: Option<Role>,
    /// The membership's status there; null for API keys.
    pub status: Option<MemberStatus>,
    /// Whether this is the organization of the current credentials.
    pub current: bool,
    pub teams: Vec<MeTeam>,
}

#[derive(Serialize, ToSchema)]
pub struct MeOut {
    pub actor: MeActor,
    /// The organization the credentials act for.
    pub organization: OrganizationOut,
    /// Every organization the user belongs to (for an API key, its own).
    pub organizations: Vec<MeOrganization>,
    /// The current organization's plan: its limits and what is used.
    pub plan: crate::limits::plans::PlanOut,
}

/// Who am I
///
/// The caller (user or API key), the current organization, and every
/// organization the user belongs to with its teams, with ids.
#[utoipa::path(get, path = "/me", tag = "Me",
    responses((status = 200, description = "The caller", body = Data<MeOut>)))]
pub async fn me(State(state): State<AppState>, ctx: Ctx) -> Result<Response, ApiError> {
    let mut db = ctx.read().await?;
    let current = db.organization().await?;
    let (actor, memberships) = match ctx.actor() {
        Actor::User { user, member, .. } => {
            let member = db
                .member(member)
                .await?
                .ok_or_else(|| ApiError::not_found("member"))?;
            drop(db);
            let mut system = state.store.system().read().await?;
            let user = system
                .user_by_id(user)
                .await?
                .ok_or_else(|| ApiError::not_found("user"))?;
            let memberships = system.memberships_of_user(user.id).await?;
            (
                MeActor::User {
                    user: UserOut::from(&user),
                    member: Box::new(MemberOut::from(&member)),
                },
                memberships,
            )
        }
        Actor::ApiKey { key, .. } => {
            let key = db
                .api_key(key)
                .await?
                .ok_or_else(|| ApiError::not_found("API key"))?;
            drop(db);
            let actor = MeActor::ApiKey {
                api_key: MeApiKey {
                    id: key.id,
                    name: key.name,
                    scopes: stint_core::Scopes::from_db(&key.scopes).to_list(),
                },
            };
            (actor, Vec::new())
        }
    };

    // One pooled connection at a time: holding one while waiting for
    // another can exhaust the pool under load.
    let mut system = state.store.system().read().await?;
    let pairs: Vec<(OrgId, MemberId)> = memberships.iter().map(|m| (m.org_id, m.id)).collect();
    let org_ids: Vec<OrgId> = if pairs.is_empty() {
        vec![current.id]
    } else {
        pairs.iter().map(|(o, _)| *o).collect()
    };
    let orgs = system.organizations_by_ids(&org_ids).await?;
    let teams = if pairs.is_empty() {
        // An API key sees its organization's teams, none of them "its own".
        system
            .teams_of_memberships(&[(current.id, MemberId::from_uuid(uuid::Uuid::nil()))])
            .await?
    } else {
        system.teams_of_memberships(&pairs).await?
    };
    let mut teams_by_org: HashMap<OrgId, Vec<MeTeam>> = HashMap::new();
    for t in teams {
        teams_by_org.entry(t.org_id).or_default().push(MeTeam {
            id: t.id,
            name: t.name,
            is_member: t.is_member,
        });
    }
    let organizations = orgs
        .iter()
        .map(|org| {
            let membership = memberships.iter().find(|m| m.org_id == org.id);
            MeOrganization {
                id: org.id,
                name: org.name.clone(),
                member_id: membership.map(|m| m.id),
                role: membership.and_then(|m| m.role.parse().ok()),
                status: membership.map(|m| MemberStatus::parse(&m.status)),
                current: org.id == current.id,
                teams: teams_by_org.remove(&org.id).unwrap_or_default(),
            }
        })
        .collect();
    drop(system);
    let plan = crate::services::plans::plan_of(&state, &mut ctx.read().await?).await?;
    Ok(response::ok(MeOut {
        actor,
        organization: OrganizationOut::from(&current),
        organizations,
        plan,
    }))
}
