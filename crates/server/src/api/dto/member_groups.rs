//! Member groups (teams) on the wire.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use stint_core::ids::{MemberGroupId, MemberId};
use stint_store::member_groups::MemberGroup;
use utoipa::ToSchema;

use super::common::RecordStatus;

/// A team to create (POST) or replace (PUT).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberGroupIn {
    #[schema(example = "Design")]
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"[^\x00-\x20\x7F-\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]"
    )]
    pub name: String,
    /// Members of this organization, in any status.
    #[serde(default)]
    pub member_ids: Vec<MemberId>,
    #[serde(default)]
    pub status: RecordStatus,
}

/// A partial update: only the fields sent change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // parsed for type checking and documentation; merged raw
pub struct MemberGroupPatch {
    pub name: Option<String>,
    pub member_ids: Option<Vec<MemberId>>,
    pub status: Option<RecordStatus>,
}

/// A team.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MemberGroupOut {
    pub id: MemberGroupId,
    #[schema(example = "Design")]
    pub name: String,
    pub member_ids: Vec<MemberId>,
    /// How many members it has.
    #[schema(example = 3)]
    pub members_count: i64,
    pub status: RecordStatus,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&MemberGroup> for MemberGroupOut {
    fn from(g: &MemberGroup) -> Self {
        MemberGroupOut {
            id: g.id,
            name: g.name.clone(),
            member_ids: g.member_ids.clone(),
            members_count: g.members_count,
            status: RecordStatus::parse(&g.status),
            created_at: g.created_at,
            updated_at: g.updated_at,
        }
    }
}

/// The current team as an input, for merge patches.
impl From<&MemberGroup> for MemberGroupIn {
    fn from(g: &MemberGroup) -> Self {
        MemberGroupIn {
            name: g.name.clone(),
            member_ids: g.member_ids.clone(),
            status: RecordStatus::parse(&g.status),
        }
    }
}
