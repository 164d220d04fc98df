//! `/webhooks`: endpoints (list, show, create, patch, delete), their secret
//! and its rotation, test events, the delivery log with retries, replays,
//! and the registry of event types. Owners, admins and `write` API keys
//! only (the registry excepted): see `services::webhooks::manage`.

pub mod dto;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use stint_core::ids::{DeliveryId, WebhookId};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use self::dto::{
    DeliveryOut, DeliveryStatus, EventTypeOut, ReplayIn, ReplayOut, WebhookCreatedOut, WebhookIn,
    WebhookOut, WebhookPatch, WebhookSecretOut,
};
use super::conditional::IfMatch;
use super::error::{ApiError, ErrorBody};
use super::extract::{Json, Path, Query};
use super::pagination;
use super::patch::{PatchJson, merge};
use super::response::{self, Data, List};
use crate::auth::Ctx;
use crate::list_query;
use crate::services::webhooks::{event_types, manage};
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_webhooks, create_webhook))
        .routes(routes!(list_event_types))
        .routes(routes!(get_webhook, patch_webhook, delete_webhook))
        .routes(routes!(get_webhook_secret))
        .routes(routes!(rotate_webhook_secret))
        .routes(routes!(send_test_event))
        .routes(routes!(list_deliveries))
        .routes(routes!(retry_delivery))
        .routes(routes!(replay_events))
}

fn location(id: WebhookId) -> String {
    format!("/api/v1/webhooks/{id}")
}

fn accepted<T: serde::Serialize>(data: T) -> Response {
    (StatusCode::ACCEPTED, axum::Json(Data { data })).into_response()
}

list_query! {
    /// Filters of the webhook list.
    pub struct WebhookListQuery {
        /// Only enabled (`true`) or disabled (`false`) webhooks.
        pub enabled: Option<bool>,
    }
}

/// List webhooks
///
/// Oldest first. Owners, admins and `write` API keys only.
#[utoipa::path(get, path = "/webhooks", tag = "Webhooks",
    params(WebhookListQuery),
    responses(
        (status = 200, description = "A page of webhooks", body = List<WebhookOut>),
        (status = 403, description = "`insufficient_role` (members) or `insufficient_scope` (read-only keys)", body = ErrorBody),
    ))]
pub async fn list_webhooks(
    ctx: Ctx,
    Query(query): Query<WebhookListQuery>,
) -> Result<Response, ApiError> {
    ctx.require_write()?;
    let request = query.page()?;
    let page = ctx
        .read()
        .await?
        .list_webhooks(query.enabled, &request)
        .await?;
    let meta = pagination::meta(&page, &request, |w| w.id.uuid());
    Ok(response::list(
        page.items.iter().map(WebhookOut::from).collect(),
        meta,
    ))
}

/// Create a webhook
///
/// Answers the webhook with its signing `secret`. Every delivery is a POST
/// signed per the Standard Webhooks specification; see docs/webhooks.md.
/// A URL whose host is a loopback, private, link-local, multicast or
/// unspecified address is refused (`webhook_url_not_allowed`) unless the
/// server allows private targets; host names are checked at each delivery.
#[utoipa::path(post, path = "/webhooks", tag = "Webhooks",
    params(("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key return the first response")),
    request_body = WebhookIn,
    responses(
        (status = 201, description = "Created", body = Data<WebhookCreatedOut>,
            headers(("Location" = String, description = "The new webhook"), ("ETag" = String, description = "Its version"))),
        (status = 400, description = "`validation_failed` (details name `url`, `events[i]`, `description`) or `webhook_url_not_allowed`", body = ErrorBody),
        (status = 403, description = "`insufficient_role`, `insufficient_scope` or `plan_limit_reached` (the message names the plan's `max_webhooks`)", body = ErrorBody),
        (status = 409, description = "`idempotency_key_reused` or `idempotency_key_in_use`", body = ErrorBody),
    ))]
pub async fn create_webhook(
    State(state): State<AppState>,
    ctx: Ctx,
    Json(input): Json<WebhookIn>,
) -> Result<Response, ApiError> {
    let webhook = manage::create(&state, &ctx, input).await?;
    Ok(response::created(
        &location(webhook.id),
        WebhookCreatedOut {
            webhook: WebhookOut::from(&webhook),
            secret: webhook.secret.clone(),
        },
        Some(webhook.version),
    ))
}

/// List event types
///
/// Every event type the server emits, with a description and an example
/// delivery body, generated from the code. Subscribe to exact types,
/// `resource.*` wildcards or `*`. Open to every member.
#[utoipa::path(get, path = "/webhooks/event-types", tag = "Webhooks",
    responses((status = 200, description = "Every event type", body = Data<Vec<EventTypeOut>>)))]
pub async fn list_event_types(_ctx: Ctx) -> Result<Response, ApiError> {
    let types: Vec<EventTypeOut> = event_types::all()
        .iter()
        .map(|t| EventTypeOut {
            event_type: t.name.clone(),
            resource: t.resource.to_owned(),
            description: t.description.clone(),
            example: t.example.clone(),
        })
        .collect();
    Ok(response::ok(types))
}

/// Show a webhook
#[utoipa::path(get, path = "/webhooks/{id}", tag = "Webhooks",
    params(("id" = WebhookId, Path, description = "The webhook's id")),
    responses(
        (status = 200, description = "The webhook", body = Data<WebhookOut>,
            headers(("ETag" = String, description = "The webhook's version, for If-Match"))),
        (status = 403, description = "`insufficient_role` or `insufficient_scope`", body = ErrorBody),
    ))]
pub async fn get_webhook(ctx: Ctx, Path(id): Path<WebhookId>) -> Result<Response, ApiError> {
    let webhook = manage::get(&ctx, id).await?;
    Ok(response::ok_versioned(
        WebhookOut::from(&webhook),
        webhook.version,
    ))
}

/// Update a webhook
///
/// Only the fields sent change (a JSON merge patch). `{"enabled": false}`
/// pauses deliveries (they wait, and resume when enabled again);
/// re-enabling a webhook the server disabled clears `disabled_reason`.
#[utoipa::path(patch, path = "/webhooks/{id}", tag = "Webhooks",
    params(
        ("id" = WebhookId, Path, description = "The webhook's id"),
        ("If-Match" = Option<String>, Header, description = "Only apply if the webhook is still at this ETag"),
    ),
    request_body = WebhookPatch,
    responses(
        (status = 200, description = "Updated", body = Data<WebhookOut>),
        (status = 400, description = "`validation_failed` or `webhook_url_not_allowed`", body = ErrorBody),
        (status = 403, description = "`insufficient_role` or `insufficient_scope`", body = ErrorBody),
        (status = 412, description = "`precondition_failed`: the webhook changed since that ETag", body = ErrorBody),
    ))]
pub async fn patch_webhook(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<WebhookId>,
    if_match: IfMatch,
    patch: PatchJson<WebhookPatch>,
) -> Result<Response, ApiError> {
    let webhook = manage::update(&state, &ctx, id, if_match, |current| {
        merge(&WebhookIn::from(current), &patch.raw)
    })
    .await?;
    Ok(response::ok_versioned(
        WebhookOut::from(&webhook),
        webhook.version,
    ))
}

/// Delete a webhook
///
/// Deletes the webhook and its delivery log; no further delivery is made.
#[utoipa::path(delete, path = "/webhooks/{id}", tag = "Webhooks",
    params(
        ("id" = WebhookId, Path, description = "The webhook's id"),
        ("If-Match" = Option<String>, Header, description = "Only delete if the webhook is still at this ETag"),
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "`insufficient_role` or `insufficient_scope`", body = ErrorBody),
        (status = 412, description = "`precondition_failed`", body = ErrorBody),
    ))]
pub async fn delete_webhook(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<WebhookId>,
    if_match: IfMatch,
) -> Result<Response, ApiError> {
    manage::delete(&state, &ctx, id, if_match).await?;
    Ok(response::no_content())
}

/// Show a webhook's secret
#[utoipa::path(get, path = "/webhooks/{id}/secret", tag = "Webhooks",
    params(("id" = WebhookId, Path, description = "The webhook's id")),
    responses(
        (status = 200, description = "The signing secret", body = Data<WebhookSecretOut>),
        (status = 403, description = "`insufficient_role` or `insufficient_scope`", body = ErrorBody),
    ))]
pub async fn get_webhook_secret(ctx: Ctx, Path(id): Path<WebhookId>) -> Result<Response, ApiError> {
    let webhook = manage::get(&ctx, id).await?;
    Ok(response::ok(WebhookSecretOut::from(&webhook)))
}

/// Rotate a webhook's secret
///
/// Answers the new secret. For 24 hours every delivery carries two
/// signatures in `webhook-signature`, space separated: the new secret's and
/// the previous one's, so the receiver can switch at its own pace.
#[utoipa::path(post, path = "/webhooks/{id}/rotate-secret", tag = "Webhooks",
    params(
        ("id" = WebhookId, Path, description = "The webhook's id"),
        ("If-Match" = Option<String>, Header, description = "Only rotate if the webhook is still at this ETag"),
        ("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key return the first response"),
    ),
    responses(
        (status = 200, description = "The new secret", body = Data<WebhookSecretOut>),
        (status = 403, description = "`insufficient_role` or `insufficient_scope`", body = ErrorBody),
        (status = 412, description = "`precondition_failed`", body = ErrorBody),
    ))]
pub async fn rotate_webhook_secret(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<WebhookId>,
    if_match: IfMatch,
) -> Result<Response, ApiError> {
    let webhook = manage::rotate_secret(&state, &ctx, id, if_match).await?;
    Ok(response::ok(WebhookSecretOut::from(&webhook)))
}

/// Send a test event
///
/// Queues a `webhook.test` event for this webhook alone and answers the
/// delivery; follow it in the delivery log.
#[utoipa::path(post, path = "/webhooks/{id}/test", tag = "Webhooks",
    params(
        ("id" = WebhookId, Path, description = "The webhook's id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key return the first response"),
    ),
    responses(
        (status = 202, description = "Queued", body = Data<DeliveryOut>),
        (status = 403, description = "`insufficient_role` or `insufficient_scope`", body = ErrorBody),
        (status = 409, description = "`conflict`: the webhook is disabled", body = ErrorBody),
    ))]
pub async fn send_test_event(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<WebhookId>,
) -> Result<Response, ApiError> {
    let delivery = manage::send_test(&state, &ctx, id).await?;
    Ok(accepted(DeliveryOut::from(&delivery)))
}

list_query! {
    /// Filters of the delivery log.
    pub struct DeliveryListQuery {
        /// `pending`, `succeeded` or `failed`.
        pub status: Option<DeliveryStatus>,
    }
}

/// List a webhook's deliveries
///
/// Oldest first, each with every attempt (time, status code, latency, the
/// first KiB of the answer, error).
#[utoipa::path(get, path = "/webhooks/{id}/deliveries", tag = "Webhooks",
    params(("id" = WebhookId, Path, description = "The webhook's id"), DeliveryListQuery),
    responses(
        (status = 200, description = "A page of deliveries", body = List<DeliveryOut>),
        (status = 403, description = "`insufficient_role` or `insufficient_scope`", body = ErrorBody),
    ))]
pub async fn list_deliveries(
    ctx: Ctx,
    Path(id): Path<WebhookId>,
    Query(query): Query<DeliveryListQuery>,
) -> Result<Response, ApiError> {
    manage::get(&ctx, id).await?;
    let request = query.page()?;
    let page = ctx
        .read()
        .await?
        .list_deliveries(id, query.status.map(DeliveryStatus::as_str), &request)
        .await?;
    let meta = pagination::meta(&page, &request, |d| d.id.uuid());
    Ok(response::list(
        page.items.iter().map(DeliveryOut::from).collect(),
        meta,
    ))
}

/// Retry a delivery
///
/// Queues one more attempt now, whatever the delivery's state (a succeeded
/// one is sent again, with the same `webhook-id`). If it fails it is not
/// retried on the schedule again.
#[utoipa::path(post, path = "/webhooks/{id}/deliveries/{delivery_id}/retry", tag = "Webhooks",
    params(
        ("id" = WebhookId, Path, description = "The webhook's id"),
        ("delivery_id" = DeliveryId, Path, description = "The delivery's id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key return the first response"),
    ),
    responses(
        (status = 202, description = "Queued", body = Data<DeliveryOut>),
        (status = 403, description = "`insufficient_role` or `insufficient_scope`", body = ErrorBody),
        (status = 409, description = "`conflict`: the webhook is disabled", body = ErrorBody),
    ))]
pub async fn retry_delivery(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, delivery)): Path<(WebhookId, DeliveryId)>,
) -> Result<Response, ApiError> {
    let delivery = manage::retry_delivery(&state, &ctx, id, delivery).await?;
    Ok(accepted(DeliveryOut::from(&delivery)))
}

/// Replay events
///
/// Queues a new delivery of every event since `since` that the webhook
/// subscribes to (within the event retention). Deliveries carry the
/// original `webhook-id`, so a receiver that deduplicates ignores what it
/// already had.
#[utoipa::path(post, path = "/webhooks/{id}/replay", tag = "Webhooks",
    params(
        ("id" = WebhookId, Path, description = "The webhook's id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key return the first response"),
    ),
    request_body = ReplayIn,
    responses(
        (status = 202, description = "Queued", body = Data<ReplayOut>),
        (status = 403, description = "`insufficient_role` or `insufficient_scope`", body = ErrorBody),
        (status = 409, description = "`conflict`: the webhook is disabled", body = ErrorBody),
    ))]
pub async fn replay_events(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<WebhookId>,
    Json(input): Json<ReplayIn>,
) -> Result<Response, ApiError> {
    let queued = manage::replay(&state, &ctx, id, input.since.utc()).await?;
    Ok(accepted(ReplayOut { queued }))
}
