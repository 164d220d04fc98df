//! Output shapes shared by several operations: organizations, users and
//! members as the API shows them (members are defined with their resource
//! in `dto::members`).

use chrono::{DateTime, Utc};
use serde::Serialize;
use stint_core::ids::{OrgId, UserId};
use stint_store::organizations::Organization;
use stint_store::users::User;
use utoipa::ToSchema;

pub use super::dto::members::{MemberOut, MemberStatus};

/// Whether the organization's Public API app is on.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AppStatus {
    Active,
    Inactive,
}

/// The Public API app of an organization.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicApiOut {
    /// `active`: API keys work. `inactive`: every API key and every JWT made from one is refused.
    pub status: AppStatus,
    /// When it was last switched on; null if never.
    #[schema(example = "2026-03-01T09:30:00Z")]
    pub activated_at: Option<DateTime<Utc>>,
}

impl PublicApiOut {
    pub fn from_org(org: &Organization) -> Self {
        PublicApiOut {
            status: if org.public_api_active() {
                AppStatus::Active
            } else {
                AppStatus::Inactive
            },
            activated_at: org.public_api_activated_at,
        }
    }
}

/// An organization (a company using Stint).
#[derive(Debug, Serialize, ToSchema)]
pub struct OrganizationOut {
    pub id: OrgId,
    #[schema(example = "Acme Design Studio")]
    pub name: String,
    /// The plan set by the server's operator: free, pro, business or enterprise.
    #[schema(example = "free")]
    pub plan: String,
    /// IANA time zone in which dates of time entries are counted.
    #[schema(example = "Europe/Paris")]
    pub timezone: String,
    /// ISO 4217 default currency.
    #[schema(example = "EUR")]
    pub currency: String,
    pub public_api: PublicApiOut,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&Organization> for OrganizationOut {
    fn from(org: &Organization) -> Self {
        OrganizationOut {
            id: org.id,
            name: org.name.clone(),
            plan: org.plan.clone(),
            timezone: org.timezone.clone(),
            currency: org.currency.clone(),
            public_api: PublicApiOut::from_org(org),
            created_at: org.created_at,
            updated_at: org.updated_at,
        }
    }
}

/// A person who signs in.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserOut {
    pub id: UserId,
    #[schema(example = "ada@example.com")]
    pub email: String,
    #[schema(example = "Ada Lovelace")]
    pub name: String,
    pub created_at: DateTime<Utc>,
}

impl From<&User> for UserOut {
    fn from(user: &User) -> Self {
        UserOut {
            id: user.id,
            email: user.email.clone(),
            name: user.name.clone(),
            created_at: user.created_at,
        }
    }
}
