//! Webhook endpoints as their organization manages them: the endpoint rows
//! with their signing secrets, and the deliveries (with every attempt) an
//! administrator lists, retries and replays. The worker's cross-tenant
//! queries live in `webhook_worker`.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_query::{Expr, ExprTrait, Order, Query, SelectStatement};
use sqlx::FromRow;
use sqlx::types::Json;
use stint_core::ids::{DeliveryId, EventId, WebhookId};
use uuid::Uuid;

use crate::event_log::type_condition;
use crate::events::NewEvent;
use crate::exec::Exec;
use crate::page::{Page, PageRequest};
use crate::{Result, Tenant, Tx};

const TABLE: &str = "webhooks";
const COLUMNS: [&str; 15] = [
    "id",
    "org_id",
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
];

/// A webhook endpoint as stored, secrets included (callers decide what to show).
#[derive(Debug, Clone, FromRow)]
pub struct Webhook {
    #[sqlx(try_from = "Uuid")]
    pub id: WebhookId,
    pub url: String,
    pub description: Option<String>,
    /// Exact types, `resource.*` wildcards or `*`.
    pub event_types: Json<Vec<String>>,
    pub enabled: bool,
    pub disabled_reason: Option<String>,
    pub disabled_at: Option<DateTime<Utc>>,
    pub secret: String,
    pub previous_secret: Option<String>,
    pub previous_secret_expires_at: Option<DateTime<Utc>>,
    /// When the current run of failed attempts began; `None` after a success.
    pub failing_since: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

/// Every field an administrator writes.
#[derive(Debug, Clone)]
pub struct WebhookValues {
    pub url: String,
    pub description: Option<String>,
    pub event_types: Vec<String>,
    pub enabled: bool,
}

/// What the worker reported after one attempt, kept with the delivery.
#[derive(Debug, Clone, FromRow)]
pub struct Attempt {
    pub delivery_id: Uuid,
    pub attempted_at: DateTime<Utc>,
    pub status_code: Option<i64>,
    pub latency_ms: i64,
    pub response_body: Option<String>,
    pub error: Option<String>,
}

const DELIVERY_COLUMNS: [&str; 13] = [
    "id",
    "webhook_id",
    "event_id",
    "event_type",
    "trigger",
    "status",
    "attempt_count",
    "retries_left",
    "next_attempt_at",
    "last_attempt_at",
    "completed_at",
    "created_at",
    "updated_at",
];

/// One event on its way to one endpoint, with its attempts.
#[derive(Debug, Clone, FromRow)]
pub struct Delivery {
    #[sqlx(try_from = "Uuid")]
    pub id: DeliveryId,
    #[sqlx(try_from = "Uuid")]
    pub webhook_id: WebhookId,
    #[sqlx(try_from = "Uuid")]
    pub event_id: EventId,
    pub event_type: String,
    /// `event`, `test` or `replay`.
    pub trigger: String,
    /// `pending`, `succeeded` or `failed`.
    pub status: String,
    pub attempt_count: i64,
    pub retries_left: i64,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_attempt_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[sqlx(skip)]
    pub attempts: Vec<Attempt>,
}

/// A delivery to write.
#[derive(Debug, Clone)]
pub struct NewDelivery {
    pub id: DeliveryId,
    pub webhook_id: WebhookId,
    pub event_id: EventId,
    pub event_type: String,
    pub trigger: &'static str,
    /// Automatic retries allowed after the first attempt (the schedule's length).
    pub retries: i64,
}

fn select() -> SelectStatement {
    Query::select()
        .columns(COLUMNS.map(|c| (TABLE, c)))
        .from(TABLE)
        .to_owned()
}

impl<E: Exec> Tenant<E> {
    pub async fn webhook(&mut self, id: WebhookId) -> Result<Option<Webhook>> {
        let stmt = select()
            .and_where(Expr::col((TABLE, "org_id")).eq(self.org.uuid()))
            .and_where(Expr::col((TABLE, "id")).eq(id.uuid()))
            .to_owned();
        self.exec.conn().fetch_optional(&stmt).await
    }

    /// Webhooks oldest first; `enabled` filters on the flag.
    pub async fn list_webhooks(
        &mut self,
        enabled: Option<bool>,
        page: &PageRequest,
    ) -> Result<Page<Webhook>> {
        let mut stmt = select()
            .and_where(Expr::col((TABLE, "org_id")).eq(self.org.uuid()))
            .to_owned();
        if let Some(enabled) = enabled {
            stmt.and_where(Expr::col((TABLE, "enabled")).eq(enabled));
        }
        page.apply(&mut stmt, TABLE);
        let rows = self.exec.conn().fetch_all(&stmt).await?;
        Ok(Page::from_rows(rows, page))
    }

    /// How many webhooks the organization has, enabled or not.
    pub async fn count_webhooks(&mut self) -> Result<i64> {
        #[derive(FromRow)]
        struct Count {
            n: i64,
        }
        let stmt = Query::select()
            .expr_as(Expr::col("id").count(), "n")
            .from(TABLE)
            .and_where(Expr::col("org_id").eq(self.org.uuid()))
            .to_owned();
        Ok(self.exec.conn().fetch_one::<Count>(&stmt).await?.n)
    }

    pub async fn delivery(
        &mut self,
        webhook: WebhookId,
        id: DeliveryId,
    ) -> Result<Option<Delivery>> {
        let stmt = Query::select()
            .columns(DELIVERY_COLUMNS)
            .from("webhook_deliveries")
            .and_where(Expr::col("org_id").eq(self.org.uuid()))
            .and_where(Expr::col("webhook_id").eq(webhook.uuid()))
            .and_where(Expr::col("id").eq(id.uuid()))
            .to_owned();
        let Some(mut delivery) = self.exec.conn().fetch_optional::<Delivery>(&stmt).await? else {
            return Ok(None);
        };
        delivery.attempts = self
            .attempts_of(&[delivery.id.uuid()])
            .await?
            .remove(&delivery.id.uuid())
            .unwrap_or_default();
        Ok(Some(delivery))
    }

    /// A webhook's deliveries oldest first, each with its attempts (loaded
    /// for the whole page in one query).
    pub async fn list_deliveries(
        &mut self,
        webhook: WebhookId,
        status: Option<&str>,
        page: &PageRequest,
    ) -> Result<Page<Delivery>> {
        let mut stmt = Query::select()
            .columns(DELIVERY_COLUMNS.map(|c| ("webhook_deliveries", c)))
            .from("webhook_deliveries")
            .and_where(Expr::col(("webhook_deliveries", "org_id")).eq(self.org.uuid()))
            .and_where(Expr::col(("webhook_deliveries", "webhook_id")).eq(webhook.uuid()))
            .to_owned();
        if let Some(status) = status {
            stmt.and_where(Expr::col(("webhook_deliveries", "status")).eq(status));
        }
        page.apply(&mut stmt, "webhook_deliveries");
        let rows: Vec<Delivery> = self.exec.conn().fetch_all(&stmt).await?;
        let mut page = Page::from_rows(rows, page);
        let ids: Vec<Uuid> = page.items.iter().map(|d| d.id.uuid()).collect();
        let mut attempts = self.attempts_of(&ids).await?;
        for delivery in &mut page.items {
            delivery.attempts = attempts.remove(&delivery.id.uuid()).unwrap_or_default();
        }
        Ok(page)
    }

    async fn attempts_of(&mut self, deliveries: &[Uuid]) -> Result<HashMap<Uuid, Vec<Attempt>>> {
        if deliveries.is_empty() {
            return Ok(HashMap::new());
        }
        let stmt = Query::select()
            .columns([
                "delivery_id",
                "attempted_at",
                "status_code",
                "latency_ms",
                "response_body",
                "error",
            ])
            .from("webhook_attempts")
            .and_where(Expr::col("org_id").eq(self.org.uuid()))
            .and_where(Expr::col("delivery_id").is_in(deliveries.iter().copied()))
            .order_by("id", Order::Asc)
            .to_owned();
        let rows: Vec<Attempt> = self.exec.conn().fetch_all(&stmt).await?;
        let mut out: HashMap<Uuid, Vec<Attempt>> = HashMap::new();
        for attempt in rows {
            out.entry(attempt.delivery_id).or_default().push(attempt);
        }
        Ok(out)
    }
}

impl Tenant<Tx> {
    pub async fn insert_webhook(
        &mut self,
        id: WebhookId,
        values: &WebhookValues,
        secret: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let stmt = Query::insert()
            .into_table(TABLE)
            .columns([
                "id",
                "org_id",
                "url",
                "description",
                "event_types",
                "enabled",
                "secret",
                "created_at",
                "updated_at",
                "version",
            ])
            .values_panic([
                id.uuid().into(),
                self.org.uuid().into(),
                values.url.clone().into(),
                values.description.clone().into(),
                serde_json::json!(values.event_types).into(),
                values.enabled.into(),
                secret.into(),
                now.into(),
                now.into(),
                1i64.into(),
            ])
            .to_owned();
        self.exec.conn().execute(&stmt).await?;
        Ok(())
    }

    /// Writes the administrator's fields if the row is still at `version`.
    /// With `fresh_start` (switched back on, or pointed at a new URL) it
    /// also clears why it was switched off and its failure streak, so it
    /// gets a whole `disable_after` period again.
    pub async fn update_webhook(
        &mut self,
        id: WebhookId,
        values: &WebhookValues,
        version: i64,
        now: DateTime<Utc>,
        fresh_start: bool,
    ) -> Result<bool> {
        let mut stmt = Query::update();
        stmt.table(TABLE)
            .value("url", values.url.clone())
            .value("description", values.description.clone())
            .value("event_types", serde_json::json!(values.event_types))
            .value("enabled", values.enabled)
            .value("updated_at", now)
            .value("version", version + 1)
            .and_where(Expr::col("org_id").eq(self.org.uuid()))
            .and_where(Expr::col("id").eq(id.uuid()))
            .and_where(Expr::col("version").eq(version));
        if fresh_start {
            stmt.value("disabled_reason", Option::<String>::None)
                .value("disabled_at", Option::<DateTime<Utc>>::None)
                .value("failing_since", Option::<DateTime<Utc>>::None);
        }
        Ok(self.exec.conn().execute(&stmt).await? == 1)
    }

    /// Replaces the secret, keeping the old one valid until `keep_until`.
    pub async fn rotate_webhook_secret(
        &mut self,
        current: &Webhook,
        new_secret: &str,
        keep_until: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let stmt = Query::update()
            .table(TABLE)
            .value("secret", new_secret)
            .value("previous_secret", current.secret.clone())
            .value("previous_secret_expires_at", keep_until)
            .value("updated_at", now)
            .value("version", current.version + 1)
            .and_where(Expr::col("org_id").eq(self.org.uuid()))
            .and_where(Expr::col("id").eq(current.id.uuid()))
            .and_where(Expr::col("version").eq(current.version))
            .to_owned();
        Ok(self.exec.conn().execute(&stmt).await? == 1)
    }

    /// Deletes a webhook with its deliveries and their attempts.
    ///
    /// The deliveries go first, explicitly, though the foreign key would
    /// cascade: on PostgreSQL the worker's attempt transaction locks a
    /// delivery and then its webhook, and a delete that locked the webhook
    /// first and then cascaded to that delivery deadlocked with it (seen as
    /// a 500 in CI). Taking the rows in the worker's order makes either one
    /// wait for the other instead.
    pub async fn delete_webhook(&mut self, id: WebhookId) -> Result<bool> {
        let deliveries = Query::delete()
            .from_table("webhook_deliveries")
            .and_where(Expr::col("org_id").eq(self.org.uuid()))
            .and_where(Expr::col("webhook_id").eq(id.uuid()))
            .to_owned();
        self.exec.conn().execute(&deliveries).await?;
        let stmt = Query::delete()
            .from_table(TABLE)
            .and_where(Expr::col("org_id").eq(self.org.uuid()))
            .and_where(Expr::col("id").eq(id.uuid()))
            .to_owned();
        Ok(self.exec.conn().execute(&stmt).await? == 1)
    }

    /// Writes an event that bypasses fan-out (it is already addressed, such
    /// as `webhook.test`): marked dispatched as it is written.
    pub async fn insert_addressed_event(
        &mut self,
        event: &NewEvent,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.insert_event(event).await?;
        let stmt = Query::update()
            .table("events")
            .value("dispatched_at", now)
            .and_where(Expr::col("org_id").eq(self.org.uuid()))
            .and_where(Expr::col("id").eq(event.id.uuid()))
            .to_owned();
        self.exec.conn().execute(&stmt).await?;
        Ok(())
    }

    pub async fn insert_deliveries(
        &mut self,
        deliveries: &[NewDelivery],
        now: DateTime<Utc>,
    ) -> Result<()> {
        insert_deliveries(&mut self.exec, self.org.uuid(), deliveries, now).await
    }

    /// Queues one more attempt of a delivery, now, whatever its state; it
    /// is not retried on the schedule again if that attempt fails.
    pub async fn requeue_delivery(&mut self, id: DeliveryId, now: DateTime<Utc>) -> Result<bool> {
        let stmt = Query::update()
            .table("webhook_deliveries")
            .value("status", "pending")
            .value("retries_left", 0i64)
            .value("next_attempt_at", now)
            .value("completed_at", Option::<DateTime<Utc>>::None)
            .value("updated_at", now)
            .and_where(Expr::col("org_id").eq(self.org.uuid()))
            .and_where(Expr::col("id").eq(id.uuid()))
            .to_owned();
        Ok(self.exec.conn().execute(&stmt).await? == 1)
    }

    /// Ids and types of the events since `since` matching `patterns`, oldest
    /// first, that a replay re-sends (test events are never replayed).
    pub async fn replayable_events(
        &mut self,
        patterns: &[String],
        since: DateTime<Utc>,
    ) -> Result<Vec<(EventId, String)>> {
        #[derive(FromRow)]
        struct Row {
            id: Uuid,
            #[sqlx(rename = "type")]
            event_type: String,
        }
        let mut stmt = Query::select()
            .columns(["id", "type"])
            .from("events")
            .and_where(Expr::col("org_id").eq(self.org.uuid()))
            .and_where(Expr::col("occurred_at").gte(since))
            .and_where(Expr::col("type").ne("webhook.test"))
            .order_by("id", Order::Asc)
            .to_owned();
        if let Some(condition) = type_condition("events", patterns) {
            stmt.cond_where(condition);
        }
        let rows: Vec<Row> = self.exec.conn().fetch_all(&stmt).await?;
        Ok(rows
            .into_iter()
            .map(|r| (EventId::from_uuid(r.id), r.event_type))
            .collect())
    }
}

/// Batch insert of deliveries, shared by the API (tests, replays) and fan-out.
pub(crate) async fn insert_deliveries<E: Exec>(
    exec: &mut E,
    org: Uuid,
    deliveries: &[NewDelivery],
    now: DateTime<Utc>,
) -> Result<()> {
    // Bounded statements: PostgreSQL allows 65535 bound values, SQLite 32766.
    for chunk in deliveries.chunks(500) {
        let mut stmt = Query::insert();
        stmt.into_table("webhook_deliveries").columns([
            "id",
            "org_id",
            "webhook_id",
            "event_id",
            "event_type",
            "trigger",
            "status",
            "attempt_count",
            "retries_left",
            "next_attempt_at",
            "created_at",
            "updated_at",
        ]);
        for d in chunk {
            stmt.values_panic([
                d.id.uuid().into(),
                org.into(),
                d.webhook_id.uuid().into(),
                d.event_id.uuid().into(),
                d.event_type.clone().into(),
                d.trigger.into(),
                "pending".into(),
                0i64.into(),
                d.retries.into(),
                now.into(),
                now.into(),
                now.into(),
            ]);
        }
        exec.conn().execute(&stmt).await?;
    }
    Ok(())
}
