//! The body of a delivery, which is also an item of `GET /events`:
//! `{"id", "type", "created_at", "organization_id", "data": {"object",
//! "previous_attributes"}}`. `previous_attributes` is null except for
//! changes.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use stint_core::ids::{EventId, OrgId};

pub fn body(
    id: EventId,
    event_type: &str,
    created_at: DateTime<Utc>,
    organization: OrgId,
    data: &Value,
) -> Value {
    json!({
        "id": id,
        "type": event_type,
        "created_at": created_at,
        "organization_id": organization,
        "data": {
            "object": data.get("object").cloned().unwrap_or(Value::Null),
            "previous_attributes": data.get("previous_attributes").cloned().unwrap_or(Value::Null),
        },
    })
}
