//! The webhook worker's cross-tenant queries: fan-out reads the outbox
//! exactly once, endpoints are claimed with expiring leases, attempts are
//! recorded, failing endpoints disabled and old events pruned.
//!
//! Claims are single `UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP
//! LOCKED) RETURNING …` statements. On PostgreSQL several processes run them
//! at once and each row goes to exactly one of them (a row another
//! transaction holds is skipped, and a row it changed is re-checked against
//! the condition before it is taken). SQLite renders no locking clause: its
//! one writer per database runs the statement alone, so the same statement
//! is just as exclusive there.

use chrono::{DateTime, Utc};
use sea_query::{Expr, ExprTrait, LockBehavior, LockType, NullOrdering, Order, Query};
use sqlx::FromRow;
use sqlx::types::Json;
use stint_core::ids::{DeliveryId, EventId, OrgId, WebhookId};
use uuid::Uuid;

use crate::events::NewEvent;
use crate::exec::Exec;
use crate::webhooks::{NewDelivery, Webhook, insert_deliveries};
use crate::{Result, System, Tx};

/// An event taken from the outbox for fan-out.
#[derive(Debug, Clone, FromRow)]
pub struct OutboxEvent {
    #[sqlx(try_from = "Uuid")]
    pub id: EventId,
    #[sqlx(try_from = "Uuid")]
    pub org_id: OrgId,
    #[sqlx(rename = "type")]
    pub event_type: String,
    pub occurred_at: DateTime<Utc>,
}

/// An enabled endpoint and what it subscribes to.
#[derive(Debug, Clone, FromRow)]
pub struct Subscription {
    #[sqlx(try_from = "Uuid")]
    pub id: WebhookId,
    #[sqlx(try_from = "Uuid")]
    pub org_id: OrgId,
    pub event_types: Json<Vec<String>>,
    pub created_at: DateTime<Utc>,
}

/// What a delivery needs from its endpoint, read again before each attempt
/// so an edited URL or a rotated secret applies at once.
#[derive(Debug, Clone, FromRow)]
pub struct Endpoint {
    #[sqlx(try_from = "Uuid")]
    pub id: WebhookId,
    #[sqlx(try_from = "Uuid")]
    pub org_id: OrgId,
    pub url: String,
    pub secret: String,
    pub previous_secret: Option<String>,
    pub previous_secret_expires_at: Option<DateTime<Utc>>,
}

/// A delivery that is due, with the event it carries.
#[derive(Debug, Clone, FromRow)]
pub struct DueDelivery {
    #[sqlx(try_from = "Uuid")]
    pub id: DeliveryId,
    #[sqlx(try_from = "Uuid")]
    pub event_id: EventId,
    pub retries_left: i64,
    pub attempt_count: i64,
    #[sqlx(rename = "type")]
    pub event_type: String,
    pub data: Json<serde_json::Value>,
    pub occurred_at: DateTime<Utc>,
}

/// The outcome of one attempt, to record.
#[derive(Debug, Clone)]
pub struct AttemptRecord {
    pub delivery: DeliveryId,
    pub org: OrgId,
    pub attempted_at: DateTime<Utc>,
    pub status_code: Option<i64>,
    pub latency_ms: i64,
    pub response_body: Option<String>,
    pub error: Option<String>,
    pub succeeded: bool,
    /// When failed: the next attempt's time, or `None` when retries are spent.
    pub retry_at: Option<DateTime<Utc>>,
}

#[derive(FromRow)]
struct IdRow {
    id: Uuid,
}

const ENDPOINT_COLUMNS: [&str; 6] = [
    "id",
    "org_id",
    "url",
    "secret",
    "previous_secret",
    "previous_secret_expires_at",
];

impl<E: Exec> System<E> {
    /// Whether any event waits for fan-out (a cheap read before a write).
    pub async fn has_undispatched_events(&mut self) -> Result<bool> {
        let stmt = Query::select()
            .column("id")
            .from("events")
            .and_where(Expr::col("dispatched_at").is_null())
            .limit(1)
            .to_owned();
        Ok(self
            .exec
            .conn()
            .fetch_optional::<IdRow>(&stmt)
            .await?
            .is_some())
    }

    /// Whether some enabled endpoint has a delivery due and no live lease.
    pub async fn has_due_endpoints(&mut self, now: DateTime<Utc>) -> Result<bool> {
        let stmt = Query::select()
            .column("id")
            .from("webhooks")
            .and_where(Expr::col("enabled").eq(true))
            .and_where(
                Expr::col("leased_until")
                    .is_null()
                    .or(Expr::col("leased_until").lte(now)),
            )
            .and_where(Expr::col("id").in_subquery(due_webhooks(now)))
            .limit(1)
            .to_owned();
        Ok(self
            .exec
            .conn()
            .fetch_optional::<IdRow>(&stmt)
            .await?
            .is_some())
    }

    /// The earliest-event due delivery of an endpoint, with its event.
    pub async fn next_due_delivery(
        &mut self,
        webhook: WebhookId,
        now: DateTime<Utc>,
    ) -> Result<Option<DueDelivery>> {
        let d = "webhook_deliveries";
        let stmt = Query::select()
            .columns([
                (d, "id"),
                (d, "event_id"),
                (d, "retries_left"),
                (d, "attempt_count"),
            ])
            .columns([
                ("events", "type"),
                ("events", "data"),
                ("events", "occurred_at"),
            ])
            .from(d)
            .inner_join(
                "events",
                Expr::col(("events", "id")).equals((d, "event_id")),
            )
            .and_where(Expr::col((d, "webhook_id")).eq(webhook.uuid()))
            .and_where(Expr::col((d, "status")).eq("pending"))
            .and_where(Expr::col((d, "next_attempt_at")).lte(now))
            .order_by((d, "event_id"), Order::Asc)
            .order_by((d, "id"), Order::Asc)
            .limit(1)
            .to_owned();
        self.exec.conn().fetch_optional(&stmt).await
    }

    /// Events past retention that have been fanned out (never one still
    /// waiting, so nothing is lost unseen), at most `limit`.
    pub async fn prunable_events(
        &mut self,
        cutoff: DateTime<Utc>,
        limit: u64,
    ) -> Result<Vec<Uuid>> {
        let stmt = Query::select()
            .column("id")
            .from("events")
            .and_where(Expr::col("occurred_at").lt(cutoff))
            .and_where(Expr::col("dispatched_at").is_not_null())
            .limit(limit)
            .to_owned();
        let rows: Vec<IdRow> = self.exec.conn().fetch_all(&stmt).await?;
        Ok(rows.into_iter().map(|r| r.id).collect())
    }

    /// A webhook by id, whichever organization it belongs to.
    pub async fn webhook_row(&mut self, id: WebhookId) -> Result<Option<(OrgId, Webhook)>> {
        #[derive(FromRow)]
        struct Org {
            org_id: Uuid,
        }
        let org = Query::select()
            .column("org_id")
            .from("webhooks")
            .and_where(Expr::col("id").eq(id.uuid()))
            .to_owned();
        let Some(org) = self.exec.conn().fetch_optional::<Org>(&org).await? else {
            return Ok(None);
        };
        let stmt = Query::select()
            .columns([
                "id",
                "url",
                "description",
                "event_types",
                "enabled",
                "disabled_reason",
                "disabled_at",
                "secret",
                "previous_secret",
                "previous_secret_expires_at",
                "failing_since",
                "created_at",
                "updated_at",
                "version",
            ])
            .from("webhooks")
            .and_where(Expr::col("id").eq(id.uuid()))
            .to_owned();
        let row: Option<Webhook> = self.exec.conn().fetch_optional(&stmt).await?;
        Ok(row.map(|w| (OrgId::from_uuid(org.org_id), w)))
    }
}

/// Ids of webhooks with a pending delivery due by `now`.
fn due_webhooks(now: DateTime<Utc>) -> sea_query::SelectStatement {
    Query::select()
        .column("webhook_id")
        .from("webhook_deliveries")
        .and_where(Expr::col("status").eq("pending"))
        .and_where(Expr::col("next_attempt_at").lte(now))
        .to_owned()
}

impl System<Tx> {
    /// Takes up to `limit` events that were never fanned out, oldest first,
    /// marking them fanned out; the caller writes their deliveries in the
    /// same transaction, so a crash before commit leaves them waiting.
    pub async fn claim_undispatched_events(
        &mut self,
        limit: u64,
        now: DateTime<Utc>,
    ) -> Result<Vec<OutboxEvent>> {
        let waiting = Query::select()
            .column("id")
            .from("events")
            .and_where(Expr::col("dispatched_at").is_null())
            .order_by("id", Order::Asc)
            .limit(limit)
            .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
            .to_owned();
        let stmt = Query::update()
            .table("events")
            .value("dispatched_at", now)
            .and_where(Expr::col("id").in_subquery(waiting))
            .and_where(Expr::col("dispatched_at").is_null())
            .returning(Query::returning().columns(["id", "org_id", "type", "occurred_at"]))
            .to_owned();
        let mut events: Vec<OutboxEvent> = self.exec.conn().fetch_all(&stmt).await?;
        events.sort_by_key(|e| e.id);
        Ok(events)
    }

    /// The enabled webhooks of these organizations.
    pub async fn subscriptions(&mut self, orgs: &[OrgId]) -> Result<Vec<Subscription>> {
        if orgs.is_empty() {
            return Ok(Vec::new());
        }
        let stmt = Query::select()
            .columns(["id", "org_id", "event_types", "created_at"])
            .from("webhooks")
            .and_where(Expr::col("enabled").eq(true))
            .and_where(Expr::col("org_id").is_in(orgs.iter().map(|o| o.uuid())))
            .order_by("id", Order::Asc)
            .to_owned();
        self.exec.conn().fetch_all(&stmt).await
    }

    pub async fn insert_org_deliveries(
        &mut self,
        org: OrgId,
        deliveries: &[NewDelivery],
        now: DateTime<Utc>,
    ) -> Result<()> {
        insert_deliveries(&mut self.exec, org.uuid(), deliveries, now).await
    }

    /// Leases up to `limit` enabled endpoints that have a delivery due and
    /// no live lease, longest-unleased first, skipping `exclude` (those
    /// this process is already working on).
    pub async fn claim_endpoints(
        &mut self,
        owner: Uuid,
        exclude: &[WebhookId],
        limit: u64,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> Result<Vec<WebhookId>> {
        let free = || {
            Expr::col("leased_until")
                .is_null()
                .or(Expr::col("leased_until").lte(now))
        };
        let mut candidates = Query::select()
            .column("id")
            .from("webhooks")
            .and_where(Expr::col("enabled").eq(true))
            .and_where(free())
            .and_where(Expr::col("id").in_subquery(due_webhooks(now)))
            .order_by_with_nulls("leased_until", Order::Asc, NullOrdering::First)
            .order_by("id", Order::Asc)
            .limit(limit)
            .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
            .to_owned();
        if !exclude.is_empty() {
            candidates.and_where(Expr::col("id").is_not_in(exclude.iter().map(|w| w.uuid())));
        }
        let stmt = Query::update()
            .table("webhooks")
            .value("lease_owner", owner)
            .value("leased_until", lease_until)
            .and_where(Expr::col("id").in_subquery(candidates))
            .and_where(free())
            .returning(Query::returning().column("id"))
            .to_owned();
        let rows: Vec<IdRow> = self.exec.conn().fetch_all(&stmt).await?;
        Ok(rows
            .into_iter()
            .map(|r| WebhookId::from_uuid(r.id))
            .collect())
    }

    /// Extends this process's lease on an endpoint and reads it; `None`
    /// when the lease was lost (expired and taken) or the endpoint was
    /// disabled or deleted.
    pub async fn renew_endpoint(
        &mut self,
        id: WebhookId,
        owner: Uuid,
        lease_until: DateTime<Utc>,
    ) -> Result<Option<Endpoint>> {
        let stmt = Query::update()
            .table("webhooks")
            .value("leased_until", lease_until)
            .and_where(Expr::col("id").eq(id.uuid()))
            .and_where(Expr::col("lease_owner").eq(owner))
            .and_where(Expr::col("enabled").eq(true))
            .returning(Query::returning().columns(ENDPOINT_COLUMNS))
            .to_owned();
        self.exec.conn().fetch_optional(&stmt).await
    }

    /// Gives an endpoint back so any process may claim it at once.
    pub async fn release_endpoint(&mut self, id: WebhookId, owner: Uuid) -> Result<()> {
        let stmt = Query::update()
            .table("webhooks")
            .value("lease_owner", Option::<Uuid>::None)
            .value("leased_until", Option::<DateTime<Utc>>::None)
            .and_where(Expr::col("id").eq(id.uuid()))
            .and_where(Expr::col("lease_owner").eq(owner))
            .to_owned();
        self.exec.conn().execute(&stmt).await?;
        Ok(())
    }

    /// Records one attempt and moves its delivery on; answers when the
    /// endpoint's current run of failures began (`None` after a success).
    pub async fn record_attempt(
        &mut self,
        webhook: WebhookId,
        attempt: &AttemptRecord,
    ) -> Result<Option<DateTime<Utc>>> {
        let now = attempt.attempted_at;
        let insert = Query::insert()
            .into_table("webhook_attempts")
            .columns([
                "id",
                "org_id",
                "delivery_id",
                "attempted_at",
                "status_code",
                "latency_ms",
                "response_body",
                "error",
            ])
            .values_panic([
                Uuid::now_v7().into(),
                attempt.org.uuid().into(),
                attempt.delivery.uuid().into(),
                now.into(),
                attempt.status_code.into(),
                attempt.latency_ms.into(),
                attempt.response_body.clone().into(),
                attempt.error.clone().into(),
            ])
            .to_owned();
        self.exec.conn().execute(&insert).await?;
        let (status, next, completed) = match (attempt.succeeded, attempt.retry_at) {
            (true, _) => ("succeeded", None, Some(now)),
            (false, Some(at)) => ("pending", Some(at), None),
            (false, None) => ("failed", None, Some(now)),
        };
        let mut update = Query::update();
        update
            .table("webhook_deliveries")
            .value("status", status)
            .value("attempt_count", Expr::col("attempt_count").add(1))
            .value("next_attempt_at", next)
            .value("last_attempt_at", now)
            .value("completed_at", completed)
            .value("updated_at", now)
            .and_where(Expr::col("id").eq(attempt.delivery.uuid()))
            .and_where(Expr::col("status").eq("pending"));
        if !attempt.succeeded && attempt.retry_at.is_some() {
            update.value("retries_left", Expr::col("retries_left").sub(1));
        }
        self.exec.conn().execute(&update).await?;
        let streak = if attempt.succeeded {
            Query::update()
                .table("webhooks")
                .value("failing_since", Option::<DateTime<Utc>>::None)
                .and_where(Expr::col("id").eq(webhook.uuid()))
                .to_owned()
        } else {
            Query::update()
                .table("webhooks")
                .value("failing_since", now)
                .and_where(Expr::col("id").eq(webhook.uuid()))
                .and_where(Expr::col("failing_since").is_null())
                .to_owned()
        };
        self.exec.conn().execute(&streak).await?;
        if attempt.succeeded {
            return Ok(None);
        }
        #[derive(FromRow)]
        struct Streak {
            failing_since: Option<DateTime<Utc>>,
        }
        let read = Query::select()
            .column("failing_since")
            .from("webhooks")
            .and_where(Expr::col("id").eq(webhook.uuid()))
            .to_owned();
        Ok(self
            .exec
            .conn()
            .fetch_optional::<Streak>(&read)
            .await?
            .and_then(|s| s.failing_since))
    }

    /// Switches a failing endpoint off with a reason; `false` when it was
    /// already off (another process got there first).
    pub async fn disable_webhook(
        &mut self,
        id: WebhookId,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let stmt = Query::update()
            .table("webhooks")
            .value("enabled", false)
            .value("disabled_reason", reason)
            .value("disabled_at", now)
            .value("lease_owner", Option::<Uuid>::None)
            .value("leased_until", Option::<DateTime<Utc>>::None)
            .value("updated_at", now)
            .value("version", Expr::col("version").add(1))
            .and_where(Expr::col("id").eq(id.uuid()))
            .and_where(Expr::col("enabled").eq(true))
            .to_owned();
        Ok(self.exec.conn().execute(&stmt).await? == 1)
    }

    /// Records an event caused by the system itself (actor `system`),
    /// such as `webhook.disabled`, to be fanned out like any other.
    pub async fn insert_system_event(&mut self, org: OrgId, event: &NewEvent) -> Result<()> {
        let stmt = Query::insert()
            .into_table("events")
            .columns([
                "id",
                "org_id",
                "type",
                "resource_type",
                "resource_id",
                "actor_type",
                "actor_id",
                "data",
                "occurred_at",
            ])
            .values_panic([
                event.id.uuid().into(),
                org.uuid().into(),
                event.event_type.clone().into(),
                event.resource_type.clone().into(),
                event.resource_id.into(),
                event.actor_type.into(),
                event.actor_id.into(),
                event.data.clone().into(),
                event.occurred_at.into(),
            ])
            .to_owned();
        self.exec.conn().execute(&stmt).await?;
        Ok(())
    }

    /// Deletes events (with their deliveries and attempts).
    pub async fn delete_events(&mut self, ids: &[Uuid]) -> Result<u64> {
        if ids.is_empty() {
            return Ok(0);
        }
        let stmt = Query::delete()
            .from_table("events")
            .and_where(Expr::col("id").is_in(ids.iter().copied()))
            .to_owned();
        self.exec.conn().execute(&stmt).await
    }
}
