//! Topics on the wire.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use stint_core::ids::TopicId;
use stint_store::topics::Topic;
use utoipa::ToSchema;

use super::common::RecordStatus;

/// A topic to create (POST) or replace (PUT).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TopicIn {
    /// The topic's name.
    #[schema(example = "Accounting")]
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"[^\x00-\x20\x7F-\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]"
    )]
    pub name: String,
    /// `active` (default) or `archived`.
    #[serde(default)]
    pub status: RecordStatus,
}

/// A partial update: only the fields sent change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // parsed for type checking and documentation; merged raw
pub struct TopicPatch {
    /// The topic's name.
    pub name: Option<String>,
    /// `active` or `archived`.
    pub status: Option<RecordStatus>,
}

/// A topic.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TopicOut {
    /// The topic's id.
    pub id: TopicId,
    /// The topic's name.
    #[schema(example = "Accounting")]
    pub name: String,
    /// `active` or `archived`.
    pub status: RecordStatus,
    /// When the topic was created.
    pub created_at: DateTime<Utc>,
    /// When the topic last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<&Topic> for TopicOut {
    fn from(t: &Topic) -> Self {
        TopicOut {
            id: t.id,
            name: t.name.clone(),
            status: RecordStatus::parse(&t.status),
            created_at: t.created_at,
            updated_at: t.updated_at,
        }
    }
}

/// The current topic as an input, for merge patches.
impl From<&Topic> for TopicIn {
    fn from(t: &Topic) -> Self {
        TopicIn {
            name: t.name.clone(),
            status: RecordStatus::parse(&t.status),
        }
    }
}
