//! Webhooks, deliveries and event types on the wire. A webhook's secret is
//! never part of `WebhookOut` (so never in an event payload): it is shown
//! on creation, by `GET /webhooks/{id}/secret` and on rotation.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use stint_core::ids::{DeliveryId, EventId, WebhookId};
use stint_store::webhooks::{Attempt, Delivery, Webhook};
use utoipa::ToSchema;

use crate::api::instant::Instant;

/// One to 100 subscription patterns, each `*`, a `resource.*` or a type.
fn event_patterns() -> utoipa::openapi::Array {
    use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Type};
    ArrayBuilder::new()
        .items(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some(crate::services::webhooks::event_types::patterns())),
        )
        .min_items(Some(1))
        .max_items(Some(crate::services::webhooks::manage::MAX_PATTERNS))
        .description(Some(
            "Event types to receive: exact types from `GET /webhooks/event-types`, wildcards such as `invoice.*`, or `[\"*\"]` for everything.",
        ))
        .examples([serde_json::json!(["client.*", "time_entry.timer_stopped"])])
        .build()
}

/// A webhook to create. PATCH takes the same fields, each optional.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookIn {
    /// Where deliveries are POSTed: an `http://` or `https://` URL of a
    /// public address, without credentials or fragment. The pattern is the
    /// common shape (a host name, an optional port, a path or query); the
    /// server also takes IP literals of public addresses.
    #[schema(
        example = "https://hooks.example.com/stint",
        max_length = 2000,
        pattern = r"^https?://[A-Za-z](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*(?::[1-9][0-9]{0,3})?(?:[/?][^\s#]*)?$"
    )]
    pub url: String,
    /// Event types to receive: exact types from `GET /webhooks/event-types`,
    /// wildcards such as `invoice.*`, or `["*"]` for everything.
    #[schema(schema_with = event_patterns)]
    pub events: Vec<String>,
    /// A note for whoever maintains the receiver.
    #[schema(example = "Sync to the accounting system")]
    pub description: Option<String>,
    /// Whether deliveries are made (default `true`). Switching a disabled
    /// webhook back on clears `disabled_reason`.
    pub enabled: Option<bool>,
}

impl From<&Webhook> for WebhookIn {
    fn from(w: &Webhook) -> Self {
        WebhookIn {
            url: w.url.clone(),
            events: w.event_types.0.clone(),
            description: w.description.clone(),
            enabled: Some(w.enabled),
        }
    }
}

/// A partial update: only the fields sent change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // parsed for type checking and documentation; merged raw
pub struct WebhookPatch {
    /// Where deliveries are POSTed.
    pub url: Option<String>,
    /// Event types to receive (replaces the whole list).
    pub events: Option<Vec<String>>,
    /// A note; `null` clears it.
    pub description: Option<String>,
    /// `false` pauses deliveries (they wait); `true` resumes them.
    pub enabled: Option<bool>,
}

/// A webhook endpoint (its secret is not shown here).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WebhookOut {
    /// The webhook's id.
    pub id: WebhookId,
    /// Where deliveries are POSTed.
    #[schema(example = "https://hooks.example.com/stint")]
    pub url: String,
    /// A note for whoever maintains the receiver.
    #[schema(example = "Sync to the accounting system")]
    pub description: Option<String>,
    /// Event types (exact or wildcards) it receives.
    #[schema(example = json!(["client.*", "time_entry.timer_stopped"]))]
    pub events: Vec<String>,
    /// Whether deliveries are made; pending ones wait while it is off.
    #[schema(example = true)]
    pub enabled: bool,
    /// Why the server switched it off (every delivery failed for
    /// `webhooks.disable_after`); null when enabled or switched off by hand.
    #[schema(example = json!(null))]
    pub disabled_reason: Option<String>,
    /// When the server switched it off.
    pub disabled_at: Option<DateTime<Utc>>,
    /// After a secret rotation: until when deliveries also carry the
    /// previous secret's signature.
    pub previous_secret_expires_at: Option<DateTime<Utc>>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<&Webhook> for WebhookOut {
    fn from(w: &Webhook) -> Self {
        WebhookOut {
            id: w.id,
            url: w.url.clone(),
            description: w.description.clone(),
            events: w.event_types.0.clone(),
            enabled: w.enabled,
            disabled_reason: w.disabled_reason.clone(),
            disabled_at: w.disabled_at,
            previous_secret_expires_at: w.previous_secret_expires_at,
            created_at: w.created_at,
            updated_at: w.updated_at,
        }
    }
}

/// A new webhook with its signing secret (shown again by `GET /webhooks/{id}/secret`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WebhookCreatedOut {
    #[serde(flatten)]
    pub webhook: WebhookOut,
    /// The signing secret: `whsec_` + base64 of 32 random bytes. Verify
    /// deliveries with it (Standard Webhooks).
    #[schema(example = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwZc3uMIwVOZ0=")]
    pub secret: String,
}

/// A webhook's signing secret.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WebhookSecretOut {
    /// The current secret; new deliveries are signed with it.
    #[schema(example = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwZc3uMIwVOZ0=")]
    pub secret: String,
    /// After a rotation: until when deliveries also carry a signature made
    /// with the previous secret.
    pub previous_secret_expires_at: Option<DateTime<Utc>>,
}

impl From<&Webhook> for WebhookSecretOut {
    fn from(w: &Webhook) -> Self {
        WebhookSecretOut {
            secret: w.secret.clone(),
            previous_secret_expires_at: w.previous_secret_expires_at,
        }
    }
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Waiting for its first attempt or a retry.
    Pending,
    /// A receiver answered 2xx.
    Succeeded,
    /// Every attempt of the retry schedule failed.
    Failed,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Succeeded => "succeeded",
            DeliveryStatus::Failed => "failed",
        }
    }

    fn parse(text: &str) -> DeliveryStatus {
        match text {
            "succeeded" => DeliveryStatus::Succeeded,
            "failed" => DeliveryStatus::Failed,
            _ => DeliveryStatus::Pending,
        }
    }
}

/// Why a delivery exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryTrigger {
    /// An event the webhook subscribes to.
    Event,
    /// `POST /webhooks/{id}/test`.
    Test,
    /// `POST /webhooks/{id}/replay`.
    Replay,
}

/// One attempt to deliver.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AttemptOut {
    /// When the request was sent.
    pub attempted_at: DateTime<Utc>,
    /// The receiver's HTTP status; null when none came (timeout, refused, connection error).
    #[schema(example = 500)]
    pub status_code: Option<i64>,
    /// Time to the answer, in milliseconds.
    #[schema(example = 84)]
    pub latency_ms: i64,
    /// The first KiB of the receiver's answer.
    #[schema(example = "internal error")]
    pub response_body: Option<String>,
    /// What went wrong; null on success.
    #[schema(example = "HTTP 500")]
    pub error: Option<String>,
}

impl From<&Attempt> for AttemptOut {
    fn from(a: &Attempt) -> Self {
        AttemptOut {
            attempted_at: a.attempted_at,
            status_code: a.status_code,
            latency_ms: a.latency_ms,
            response_body: a.response_body.clone(),
            error: a.error.clone(),
        }
    }
}

/// One event on its way to one webhook, with every attempt so far.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeliveryOut {
    /// The delivery's id.
    pub id: DeliveryId,
    /// The webhook it goes to.
    pub webhook_id: WebhookId,
    /// The event it carries; also the `webhook-id` header, the same on every attempt.
    pub event_id: EventId,
    /// The event's type.
    #[schema(example = "client.created")]
    pub event_type: String,
    /// Why it was made.
    pub trigger: DeliveryTrigger,
    /// Where it stands.
    pub status: DeliveryStatus,
    /// Attempts made so far.
    #[schema(example = 3)]
    pub attempt_count: i64,
    /// When the next attempt is due, while pending.
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When it succeeded or finally failed.
    pub completed_at: Option<DateTime<Utc>>,
    /// Every attempt, oldest first.
    pub attempts: Vec<AttemptOut>,
}

impl From<&Delivery> for DeliveryOut {
    fn from(d: &Delivery) -> Self {
        DeliveryOut {
            id: d.id,
            webhook_id: d.webhook_id,
            event_id: d.event_id,
            event_type: d.event_type.clone(),
            trigger: match d.trigger.as_str() {
                "test" => DeliveryTrigger::Test,
                "replay" => DeliveryTrigger::Replay,
                _ => DeliveryTrigger::Event,
            },
            status: DeliveryStatus::parse(&d.status),
            attempt_count: d.attempt_count,
            next_attempt_at: d.next_attempt_at,
            created_at: d.created_at,
            completed_at: d.completed_at,
            attempts: d.attempts.iter().map(AttemptOut::from).collect(),
        }
    }
}

/// Which events to send again.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplayIn {
    /// Every event at or after this instant that the webhook subscribes
    /// to (and that is still within retention) is queued again.
    #[schema(value_type = String, format = DateTime, example = "2026-03-01T00:00:00Z")]
    pub since: Instant,
}

/// What a replay queued.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReplayOut {
    /// New deliveries queued, one per matching event.
    #[schema(example = 42)]
    pub queued: i64,
}

/// An event type the server emits.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EventTypeOut {
    /// The type, as in `type` of a delivery and in a webhook's `events`.
    #[serde(rename = "type")]
    #[schema(example = "client.created")]
    pub event_type: String,
    /// The resource it concerns; `resource.*` subscribes to all its types.
    #[schema(example = "client")]
    pub resource: String,
    /// When it is sent.
    #[schema(example = "A client was created.")]
    pub description: String,
    /// A whole delivery body of this type.
    #[schema(value_type = Object)]
    pub example: Value,
}
