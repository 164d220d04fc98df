//! Recording events in the outbox, inside the transaction of the change.
//! The payload is `{"object": <the record as the API shows it>,
//! "previous_attributes": <for updates, the changed fields' old values>}`.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Map, Value, json};
use stint_core::ids::EventId;
use stint_store::events::NewEvent;
use stint_store::{Tenant, Tx};
use uuid::Uuid;

use crate::api::error::ApiError;
use crate::auth::{Actor, Ctx};

/// Who caused an event, as stored.
pub fn actor_of(ctx: &Ctx) -> (&'static str, Option<Uuid>) {
    match ctx.actor() {
        Actor::User { member, .. } => ("user", Some(member.uuid())),
        Actor::ApiKey { key, .. } => ("api_key", Some(key.uuid())),
    }
}

fn to_json(value: &impl Serialize) -> Result<Value, ApiError> {
    serde_json::to_value(value).map_err(ApiError::internal)
}

/// The fields of `after` whose values differ in `before`, with `before`'s
/// values (nested objects compared whole). Empty when nothing changed.
pub fn previous_attributes(before: &Value, after: &Value) -> Map<String, Value> {
    let mut changed = Map::new();
    let (Some(before), Some(after)) = (before.as_object(), after.as_object()) else {
        return changed;
    };
    for (key, new_value) in after {
        // Bookkeeping fields change on every write and say nothing.
        if matches!(key.as_str(), "updated_at" | "version") {
            continue;
        }
        let old_value = before.get(key).unwrap_or(&Value::Null);
        if old_value != new_value {
            changed.insert(key.clone(), old_value.clone());
        }
    }
    changed
}

/// Writes one event row.
#[allow(clippy::too_many_arguments)]
pub async fn record(
    tx: &mut Tenant<Tx>,
    ctx: &Ctx,
    now: DateTime<Utc>,
    event_type: String,
    resource_type: &str,
    resource_id: Option<Uuid>,
    data: Value,
) -> Result<(), ApiError> {
    // Every emitted type must be in the webhook registry (its description
    // and example are public); in debug builds, and so in every test, an
    // unregistered type fails loudly here.
    debug_assert!(
        crate::services::webhooks::event_types::is_registered(&event_type),
        "event type `{event_type}` is not in the registry; add it to services/webhooks/event_types.rs"
    );
    let (actor_type, actor_id) = actor_of(ctx);
    tx.insert_event(&NewEvent {
        id: EventId::generate(),
        event_type,
        resource_type: resource_type.to_owned(),
        resource_id,
        actor_type,
        actor_id,
        data,
        occurred_at: now,
    })
    .await?;
    Ok(())
}

/// `<resource>.created` with the new object.
pub async fn created(
    tx: &mut Tenant<Tx>,
    ctx: &Ctx,
    now: DateTime<Utc>,
    resource: &str,
    id: Uuid,
    object: &impl Serialize,
) -> Result<(), ApiError> {
    let data = json!({"object": to_json(object)?});
    record(
        tx,
        ctx,
        now,
        format!("{resource}.created"),
        resource,
        Some(id),
        data,
    )
    .await
}

/// `<resource>.updated` with the new object and the changed fields' old
/// values. Answers `false` (and records nothing) when nothing changed.
pub async fn updated(
    tx: &mut Tenant<Tx>,
    ctx: &Ctx,
    now: DateTime<Utc>,
    resource: &str,
    id: Uuid,
    before: &impl Serialize,
    after: &impl Serialize,
) -> Result<bool, ApiError> {
    let after = to_json(after)?;
    let previous = previous_attributes(&to_json(before)?, &after);
    if previous.is_empty() {
        return Ok(false);
    }
    let data = json!({"object": after, "previous_attributes": previous});
    record(
        tx,
        ctx,
        now,
        format!("{resource}.updated"),
        resource,
        Some(id),
        data,
    )
    .await?;
    Ok(true)
}

/// `<resource>.deleted` with the object as it was.
pub async fn deleted(
    tx: &mut Tenant<Tx>,
    ctx: &Ctx,
    now: DateTime<Utc>,
    resource: &str,
    id: Uuid,
    object: &impl Serialize,
) -> Result<(), ApiError> {
    let data = json!({"object": to_json(object)?});
    record(
        tx,
        ctx,
        now,
        format!("{resource}.deleted"),
        resource,
        Some(id),
        data,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn previous_attributes_lists_only_changed_fields() {
        let before = json!({"name": "A", "email": null, "address": {"city": "Paris"}, "updated_at": "1", "version": 1});
        let after = json!({"name": "B", "email": null, "address": {"city": "Lyon"}, "updated_at": "2", "version": 2});
        let changed = previous_attributes(&before, &after);
        assert_eq!(
            Value::Object(changed),
            json!({"name": "A", "address": {"city": "Paris"}})
        );
        assert!(previous_attributes(&before, &before).is_empty());
    }
}
