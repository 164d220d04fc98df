//! Webhook use cases for administrators: create (within the plan's limit),
//! change, delete, show and rotate the secret, send a test event, retry a
//! delivery and replay past events. Every one needs an owner or admin, or an
//! API key with the `write` scope: endpoint URLs often carry tokens and the
//! secrets can forge deliveries, so plain members see nothing of webhooks.

use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use stint_core::Validation;
use stint_core::ids::{DeliveryId, EventId, WebhookId};
use stint_core::validation::optional_text;
use stint_store::events::NewEvent;
use stint_store::webhooks::{Delivery, NewDelivery, Webhook, WebhookValues};
use stint_store::{Tenant, Tx};

use super::event_types;
use super::signature::generate_secret;
use super::target::{UrlProblem, check_url};
use crate::api::conditional::{IfMatch, stale};
use crate::api::error::{ApiError, Code};
use crate::api::webhooks::dto::{WebhookIn, WebhookOut};
use crate::auth::Ctx;
use crate::services::events;
use crate::state::AppState;

const RESOURCE: &str = "webhook";
/// How long a rotated-out secret still signs deliveries.
pub const ROTATION_OVERLAP_HOURS: i64 = 24;
pub const MAX_PATTERNS: usize = 100;

fn not_found() -> ApiError {
    ApiError::not_found("webhook")
}

/// Checks an input; a URL with a refused literal address is its own error.
fn validate(state: &AppState, input: WebhookIn) -> Result<WebhookValues, ApiError> {
    let mut v = Validation::new();
    let url =
        match check_url(&input.url, state.settings.webhooks.allow_private_targets) {
            Ok(url) => Some(url.to_string()),
            Err(UrlProblem::Invalid(problem)) => {
                v.add("url", problem);
                None
            }
            Err(UrlProblem::NotAllowed(message)) => {
                return Err(ApiError::new(Code::WebhookUrlNotAllowed, message.clone())
                    .with_details(vec![stint_core::FieldError {
                        field: "url".into(),
                        message,
                    }]));
            }
        };
    let description = optional_text(&input.description, 500).unwrap_or_else(|e| {
        v.add("description", e);
        None
    });
    let event_types = event_patterns(&input.events, &mut v);
    v.finish().map_err(ApiError::validation)?;
    Ok(WebhookValues {
        url: url.unwrap_or_default(),
        description,
        event_types,
        enabled: input.enabled.unwrap_or(true),
    })
}

/// Subscription patterns, deduplicated in order: each is `*`, a
/// `resource.*` of a resource that emits events, or a registered type.
pub fn event_patterns(patterns: &[String], v: &mut Validation) -> Vec<String> {
    if patterns.is_empty() {
        v.add(
            "events",
            "must list at least one event type, `resource.*` or `*`",
        );
    }
    if patterns.len() > MAX_PATTERNS {
        v.add(
            "events",
            format!("must list at most {MAX_PATTERNS} entries"),
        );
    }
    let mut out: Vec<String> = Vec::new();
    for (i, raw) in patterns.iter().enumerate() {
        // Exactly as the document lists them.
        let pattern = raw.as_str();
        let known = match pattern.strip_suffix(".*") {
            _ if pattern == "*" => true,
            Some(resource) => event_types::is_resource(resource),
            None => event_types::is_registered(pattern),
        };
        if !known {
            v.add(
                format!("events[{i}]"),
                format!(
                    "`{pattern}` is not an event type; see GET /api/v1/webhooks/event-types (wildcards: `resource.*`, `*`)"
                ),
            );
        } else if !out.iter().any(|p| p == pattern) {
            out.push(pattern.to_owned());
        }
    }
    out
}

async fn reload(tx: &mut Tenant<Tx>, id: WebhookId) -> Result<Webhook, ApiError> {
    tx.webhook(id)
        .await?
        .ok_or_else(|| ApiError::internal(std::io::Error::other("webhook vanished mid-write")))
}

pub async fn get(ctx: &Ctx, id: WebhookId) -> Result<Webhook, ApiError> {
    ctx.require_write()?;
    ctx.read().await?.webhook(id).await?.ok_or_else(not_found)
}

pub async fn create(state: &AppState, ctx: &Ctx, input: WebhookIn) -> Result<Webhook, ApiError> {
    ctx.require_write()?;
    let values = validate(state, input)?;
    let now = state.now();
    let id = WebhookId::generate();
    let mut tx = ctx.write().await?;
    // Two creations racing past the count would both fit otherwise.
    tx.lock_organization().await?;
    let organization = tx.organization().await?;
    let limit = state.settings.plan(&organization.plan).max_webhooks;
    let count = u64::try_from(tx.count_webhooks().await?).unwrap_or(0);
    if count >= limit {
        return Err(ApiError::new(
            Code::PlanLimitReached,
            format!(
                "The {} plan allows {limit} webhooks (plans.{}.max_webhooks = {limit}); delete one or change plan",
                organization.plan, organization.plan
            ),
        ));
    }
    tx.insert_webhook(id, &values, &generate_secret(), now)
        .await?;
    let webhook = reload(&mut tx, id).await?;
    events::created(
        &mut tx,
        ctx,
        now,
        RESOURCE,
        id.uuid(),
        &WebhookOut::from(&webhook),
    )
    .await?;
    tx.commit().await?;
    Ok(webhook)
}

/// Changes a webhook with the input `build` makes from the current one.
pub async fn update(
    state: &AppState,
    ctx: &Ctx,
    id: WebhookId,
    if_match: IfMatch,
    build: impl FnOnce(&Webhook) -> Result<WebhookIn, ApiError>,
) -> Result<Webhook, ApiError> {
    ctx.require_write()?;
    let now = state.now();
    let mut tx = ctx.write().await?;
    let current = tx.webhook(id).await?.ok_or_else(not_found)?;
    let values = validate(state, build(&current)?)?;
    // Preconditions count only for a request that is otherwise valid
    // (RFC 9110 13.2.1): a malformed body is 400 even when stale.
    if_match.check(current.version)?;
    let fresh_start = (values.enabled && !current.enabled) || values.url != current.url;
    if !tx
        .update_webhook(id, &values, current.version, now, fresh_start)
        .await?
    {
        return Err(stale());
    }
    let updated = reload(&mut tx, id).await?;
    if !events::updated(
        &mut tx,
        ctx,
        now,
        RESOURCE,
        id.uuid(),
        &WebhookOut::from(&current),
        &WebhookOut::from(&updated),
    )
    .await?
    {
        return Ok(current);
    }
    tx.commit().await?;
    Ok(updated)
}

/// Deletes a webhook with its delivery log; deliveries in flight finish.
pub async fn delete(
    state: &AppState,
    ctx: &Ctx,
    id: WebhookId,
    if_match: IfMatch,
) -> Result<(), ApiError> {
    ctx.require_write()?;
    let now = state.now();
    let mut tx = ctx.write().await?;
    let current = tx.webhook(id).await?.ok_or_else(not_found)?;
    if_match.check(current.version)?;
    tx.delete_webhook(id).await?;
    events::deleted(
        &mut tx,
        ctx,
        now,
        RESOURCE,
        id.uuid(),
        &WebhookOut::from(&current),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A new secret; the old one keeps signing (as a second signature) for 24 h
/// so receivers can switch without losing a delivery.
pub async fn rotate_secret(
    state: &AppState,
    ctx: &Ctx,
    id: WebhookId,
    if_match: IfMatch,
) -> Result<Webhook, ApiError> {
    ctx.require_write()?;
    let now = state.now();
    let mut tx = ctx.write().await?;
    let current = tx.webhook(id).await?.ok_or_else(not_found)?;
    if_match.check(current.version)?;
    let until = now + Duration::hours(ROTATION_OVERLAP_HOURS);
    if !tx
        .rotate_webhook_secret(&current, &generate_secret(), until, now)
        .await?
    {
        return Err(stale());
    }
    let updated = reload(&mut tx, id).await?;
    events::updated(
        &mut tx,
        ctx,
        now,
        RESOURCE,
        id.uuid(),
        &WebhookOut::from(&current),
        &WebhookOut::from(&updated),
    )
    .await?;
    tx.commit().await?;
    Ok(updated)
}

fn require_enabled(webhook: &Webhook) -> Result<(), ApiError> {
    if webhook.enabled {
        return Ok(());
    }
    Err(ApiError::new(
        Code::Conflict,
        "This webhook is disabled; enable it with PATCH {\"enabled\": true} first",
    ))
}

fn retries(state: &AppState) -> i64 {
    i64::try_from(state.settings.webhooks.retry_schedule.len()).unwrap_or(i64::MAX)
}

/// Queues a `webhook.test` event for this webhook alone.
pub async fn send_test(state: &AppState, ctx: &Ctx, id: WebhookId) -> Result<Delivery, ApiError> {
    ctx.require_write()?;
    let now = state.now();
    let mut tx = ctx.write().await?;
    let webhook = tx.webhook(id).await?.ok_or_else(not_found)?;
    require_enabled(&webhook)?;
    let (actor_type, actor_id) = events::actor_of(ctx);
    let event = NewEvent {
        id: EventId::generate(),
        event_type: "webhook.test".into(),
        resource_type: RESOURCE.into(),
        resource_id: Some(id.uuid()),
        actor_type,
        actor_id,
        data: json!({"object": WebhookOut::from(&webhook)}),
        occurred_at: now,
    };
    tx.insert_addressed_event(&event, now).await?;
    let delivery = DeliveryId::generate();
    tx.insert_deliveries(
        &[NewDelivery {
            id: delivery,
            webhook_id: id,
            event_id: event.id,
            event_type: event.event_type.clone(),
            trigger: "test",
            retries: retries(state),
        }],
        now,
    )
    .await?;
    let queued = tx
        .delivery(id, delivery)
        .await?
        .ok_or_else(|| ApiError::internal(std::io::Error::other("delivery vanished")))?;
    tx.commit().await?;
    Ok(queued)
}

/// One more attempt of a delivery, now (not retried again on failure).
pub async fn retry_delivery(
    state: &AppState,
    ctx: &Ctx,
    webhook: WebhookId,
    id: DeliveryId,
) -> Result<Delivery, ApiError> {
    ctx.require_write()?;
    let now = state.now();
    let mut tx = ctx.write().await?;
    let endpoint = tx.webhook(webhook).await?.ok_or_else(not_found)?;
    tx.delivery(webhook, id)
        .await?
        .ok_or_else(|| ApiError::not_found("delivery"))?;
    require_enabled(&endpoint)?;
    tx.requeue_delivery(id, now).await?;
    let queued = tx
        .delivery(webhook, id)
        .await?
        .ok_or_else(|| ApiError::not_found("delivery"))?;
    tx.commit().await?;
    Ok(queued)
}

/// Queues every event since `since` that the webhook subscribes to again;
/// answers how many.
pub async fn replay(
    state: &AppState,
    ctx: &Ctx,
    id: WebhookId,
    since: DateTime<Utc>,
) -> Result<i64, ApiError> {
    ctx.require_write()?;
    let now = state.now();
    let retained = retained_after(state, now);
    let mut tx = ctx.write().await?;
    let webhook = tx.webhook(id).await?.ok_or_else(not_found)?;
    require_enabled(&webhook)?;
    let events = tx
        .replayable_events(&webhook.event_types.0, since.max(retained))
        .await?;
    let deliveries: Vec<NewDelivery> = events
        .into_iter()
        .map(|(event_id, event_type)| NewDelivery {
            id: DeliveryId::generate(),
            webhook_id: id,
            event_id,
            event_type,
            trigger: "replay",
            retries: retries(state),
        })
        .collect();
    tx.insert_deliveries(&deliveries, now).await?;
    tx.commit().await?;
    Ok(i64::try_from(deliveries.len()).unwrap_or(i64::MAX))
}

/// The oldest instant still within the event retention.
pub fn retained_after(state: &AppState, now: DateTime<Utc>) -> DateTime<Utc> {
    Duration::from_std(state.settings.webhooks.event_retention)
        .ok()
        .and_then(|r| now.checked_sub_signed(r))
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}
