//! `/events`: the organization's event log, oldest first, kept for
//! `webhooks.event_retention` so integrations can catch up after downtime.
//! Each item has the shape of a webhook delivery body. Owners, admins and
//! API keys (read scope suffices) may read it; plain members may not, as it
//! carries every change of the organization.

use axum::extract::State;
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use stint_core::ids::{EventId, OrgId};
use stint_store::event_log::EventLogFilter;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::{ApiError, Code, ErrorBody};
use super::extract::Query;
use super::pagination;
use super::response::{self, List};
use crate::auth::{Actor, Ctx};
use crate::services::webhooks::manage::{event_patterns, retained_after};
use crate::services::webhooks::payload;
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_events))
}

/// Filters of the event log.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct EventListQuery {
    /// Comma-separated event types: exact (`client.created`), `resource.*` or `*`.
    #[param(example = "client.*,time_entry.timer_stopped")]
    #[serde(rename = "type")]
    pub event_type: Option<String>,
    /// Only events at or after this instant (RFC 3339 with an offset).
    #[param(value_type = Option<String>, format = DateTime, example = "2026-03-01T00:00:00Z")]
    pub since: Option<DateTime<Utc>>,
    /// The `meta.next_cursor` of the previous page.
    #[param(pattern = "^YzE[A-Za-z0-9_-]{21}$")]
    pub cursor: Option<String>,
    /// Rows per page, 1 to 1000.
    #[param(minimum = 1, maximum = 1000, default = 50)]
    pub limit: Option<u32>,
}

/// What an event carries.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EventData {
    /// The record as the API shows it, after the change (as it was, for deletions).
    #[schema(value_type = Object)]
    pub object: Value,
    /// For changes: the old values of the fields that changed; otherwise null.
    #[schema(value_type = Option<Object>)]
    pub previous_attributes: Value,
}

/// One event; the same shape as a webhook delivery body.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EventOut {
    /// The event's id; also the `webhook-id` of its deliveries.
    pub id: EventId,
    /// Such as `client.updated`; see `GET /webhooks/event-types`.
    #[serde(rename = "type")]
    #[schema(example = "client.updated")]
    pub event_type: String,
    /// When the change happened.
    pub created_at: DateTime<Utc>,
    /// The organization it happened in.
    pub organization_id: OrgId,
    /// The object and what changed.
    pub data: EventData,
}

/// Owners, admins and API keys; not plain members.
fn require_reader(ctx: &Ctx) -> Result<(), ApiError> {
    match ctx.actor() {
        Actor::ApiKey { .. } => Ok(()),
        Actor::User { .. } if ctx.role().is_admin() => Ok(()),
        Actor::User { .. } => Err(ApiError::new(
            Code::InsufficientRole,
            "Only owners, admins and API keys can read the event log",
        )),
    }
}

/// List events
///
/// The event log, oldest first, for the retention period
/// (`webhooks.event_retention`, 30 days by default). Poll with `since` and
/// follow `next_cursor` to catch up after downtime.
#[utoipa::path(get, path = "/events", tag = "Events",
    params(EventListQuery),
    responses(
        (status = 200, description = "A page of events", body = List<EventOut>),
        (status = 403, description = "`insufficient_role`: members cannot read the event log", body = ErrorBody),
    ))]
pub async fn list_events(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<EventListQuery>,
) -> Result<Response, ApiError> {
    require_reader(&ctx)?;
    let request = pagination::page_request(query.limit, query.cursor.as_deref(), None)?;
    let types: Vec<String> = query
        .event_type
        .as_deref()
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect();
    let mut v = stint_core::Validation::new();
    let types = event_patterns(&types, &mut v);
    if let Err(mut details) = v.finish() {
        // An empty list means "all" here.
        details.retain(|d| d.field != "events");
        if !details.is_empty() {
            for d in &mut details {
                d.field = d.field.replacen("events", "type", 1);
            }
            return Err(
                ApiError::new(Code::InvalidQuery, "Unknown event type in `type`")
                    .with_details(details),
            );
        }
    }
    let filter = EventLogFilter {
        types,
        since: query.since,
        retained_after: retained_after(&state, state.now()),
    };
    let page = ctx.read().await?.list_event_log(&filter, &request).await?;
    let meta = pagination::meta(&page, &request, |e| e.id.uuid());
    let items = page
        .items
        .iter()
        .map(|e| {
            let body = payload::body(e.id, &e.event_type, e.occurred_at, e.org_id, &e.data.0);
            EventOut {
                id: e.id,
                event_type: e.event_type.clone(),
                created_at: e.occurred_at,
                organization_id: e.org_id,
                data: EventData {
                    object: body["data"]["object"].clone(),
                    previous_attributes: body["data"]["previous_attributes"].clone(),
                },
            }
        })
        .collect();
    Ok(response::list(items, meta))
}
