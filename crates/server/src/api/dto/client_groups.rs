//! Client groups on the wire.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use stint_core::ids::ClientGroupId;
use stint_store::client_groups::ClientGroup;
use utoipa::ToSchema;

use super::common::RecordStatus;

/// A group to create (POST) or replace (PUT).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClientGroupIn {
    /// What the group is called.
    #[schema(example = "Key accounts")]
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"[^\x00-\x20\x7F-\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]"
    )]
    pub name: String,
    /// Up to 10 characters; derived from the name when absent.
    #[schema(example = "KA", max_length = 10)]
    pub initials: Option<String>,
    /// `active` (default) or `archived`.
    #[serde(default)]
    pub status: RecordStatus,
}

/// A partial update: only the fields sent change; `null` clears a field
/// (cleared initials are derived from the name again).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // parsed for type checking and documentation; merged raw
pub struct ClientGroupPatch {
    /// What the group is called; cannot be cleared.
    pub name: Option<String>,
    /// Up to 10 characters.
    pub initials: Option<String>,
    /// `active` or `archived`.
    pub status: Option<RecordStatus>,
}

/// A group of clients.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ClientGroupOut {
    /// The group's id.
    pub id: ClientGroupId,
    /// What the group is called.
    #[schema(example = "Key accounts")]
    pub name: String,
    /// Short form for badges.
    #[schema(example = "KA")]
    pub initials: String,
    /// `active` or `archived`.
    pub status: RecordStatus,
    /// How many clients are in the group, archived ones included. Clients
    /// join and leave groups through their own `group_ids`.
    #[schema(example = 12)]
    pub clients_count: i64,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<&ClientGroup> for ClientGroupOut {
    fn from(g: &ClientGroup) -> Self {
        ClientGroupOut {
            id: g.id,
            name: g.name.clone(),
            initials: g.initials.clone(),
            status: RecordStatus::parse(&g.status),
            clients_count: g.clients_count,
            created_at: g.created_at,
            updated_at: g.updated_at,
        }
    }
}

/// The current group as an input, for merge patches.
impl From<&ClientGroup> for ClientGroupIn {
    fn from(g: &ClientGroup) -> Self {
        ClientGroupIn {
            name: g.name.clone(),
            initials: Some(g.initials.clone()),
            status: RecordStatus::parse(&g.status),
        }
    }
}
