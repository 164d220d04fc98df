//! The delivery worker every `stint serve` process runs (and every
//! in-process test server, through `app::spawn`).
//!
//! Each tick (`webhooks.poll_interval`) it fans new events out of the outbox
//! into deliveries, claims endpoints that have deliveries due, and prunes
//! events past retention. A claimed endpoint is served by its own task,
//! which delivers that endpoint's due deliveries one at a time in event
//! order, renewing its lease before each attempt; at most
//! `webhooks.concurrency` endpoints are served at once per process, so a
//! slow receiver holds one slot and never the others. A lease that is not
//! renewed (the process died) expires after `webhooks.lease` and another
//! process takes the endpoint over: delivery is at-least-once.

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use stint_core::ids::{DeliveryId, EventId, OrgId, WebhookId};
use stint_store::events::NewEvent;
use stint_store::webhook_worker::{AttemptRecord, DueDelivery, Endpoint};
use stint_store::webhooks::NewDelivery;
use tokio::sync::{Semaphore, watch};
use tokio::task::{JoinHandle, JoinSet};
use url::Url;
use uuid::Uuid;

use super::event_types::matches;
use super::manage::retained_after;
use super::payload;
use super::sender::{Outcome, Sender};
use super::signature::signature_header;
use crate::api::webhooks::dto::WebhookOut;
use crate::auth::crypto::random_bytes;
use crate::services::events::previous_attributes;
use crate::state::AppState;

/// Events fanned out per transaction.
const FAN_OUT_BATCH: u64 = 200;
/// Deliveries one endpoint task makes before giving its slot back, so
/// endpoints take turns when there are more than slots.
const TURN: usize = 100;
/// Events pruned per statement.
const PRUNE_BATCH: u64 = 500;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The running worker; stop it with `shutdown`.
pub struct WorkerHandle {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl WorkerHandle {
    /// Stops claiming work, lets attempts in flight finish within `grace`
    /// (their endpoints are released), and answers whether they all did.
    /// Whatever is cut short is retried by the next process: its lease expires.
    pub async fn shutdown(self, grace: StdDuration) -> bool {
        let _ = self.stop.send(true);
        let mut task = self.task;
        match tokio::time::timeout(grace, &mut task).await {
            Ok(_) => true,
            Err(_) => {
                task.abort();
                false
            }
        }
    }
}

/// Starts the worker on the current runtime.
pub fn spawn(state: AppState) -> anyhow::Result<WorkerHandle> {
    let settings = &state.settings.webhooks;
    let sender = Sender::new(settings.allow_private_targets, settings.timeout)?;
    // A lease must outlive one attempt, or a live process could lose its
    // claim mid-request and another would send the same attempt again.
    let minimum = settings.timeout + StdDuration::from_secs(1);
    if settings.lease < minimum {
        tracing::warn!(
            lease = ?settings.lease,
            timeout = ?settings.timeout,
            "webhooks.lease is shorter than webhooks.timeout; using timeout + 1s"
        );
    }
    let lease = Duration::from_std(settings.lease.max(minimum)).unwrap_or(Duration::hours(1));
    let (stop, stopped) = watch::channel(false);
    let worker = Arc::new(Worker {
        slots: Arc::new(Semaphore::new(settings.concurrency)),
        state,
        sender,
        owner: Uuid::now_v7(),
        lease,
        in_flight: Mutex::new(HashSet::new()),
        stopped: stopped.clone(),
    });
    let task = tokio::spawn(worker.run(stopped));
    Ok(WorkerHandle { stop, task })
}

struct Worker {
    state: AppState,
    sender: Sender,
    /// This process's name in leases.
    owner: Uuid,
    lease: Duration,
    slots: Arc<Semaphore>,
    /// Endpoints this process is serving.
    in_flight: Mutex<HashSet<WebhookId>>,
    stopped: watch::Receiver<bool>,
}

impl Worker {
    fn now(&self) -> DateTime<Utc> {
        self.state.now()
    }

    fn stopping(&self) -> bool {
        *self.stopped.borrow()
    }

    fn in_flight(&self) -> std::sync::MutexGuard<'_, HashSet<WebhookId>> {
        self.in_flight.lock().unwrap_or_else(|e| e.into_inner())
    }

    async fn run(self: Arc<Self>, mut stopped: watch::Receiver<bool>) {
        // A zero interval would spin; a few milliseconds is as eager as useful.
        let poll = self
            .state
            .settings
            .webhooks
            .poll_interval
            .max(StdDuration::from_millis(5));
        let mut endpoints = JoinSet::new();
        loop {
            tokio::select! {
                _ = tokio::time::sleep(poll) => {}
                changed = stopped.changed() => if changed.is_err() { break },
            }
            if self.stopping() {
                break;
            }
            while endpoints.try_join_next().is_some() {}
            if let Err(error) = self.fan_out().await {
                tracing::warn!(error = %error, "webhook fan-out failed; retrying next tick");
            }
            if let Err(error) = self.dispatch(&mut endpoints).await {
                tracing::warn!(error = %error, "claiming webhook endpoints failed; retrying next tick");
            }
            if let Err(error) = self.prune().await {
                tracing::warn!(error = %error, "pruning old events failed; retrying next tick");
            }
        }
        // Endpoint tasks see the stop between attempts and release their leases.
        while endpoints.join_next().await.is_some() {}
    }

    /// Turns new outbox events into deliveries, exactly once: the events are
    /// marked in the transaction that writes their deliveries.
    async fn fan_out(&self) -> Result<(), BoxError> {
        let system = self.state.store.system();
        if !system.read().await?.has_undispatched_events().await? {
            return Ok(());
        }
        let retries = i64::try_from(self.state.settings.webhooks.retry_schedule.len())?;
        loop {
            let now = self.now();
            let mut tx = system.write().await?;
            let events = tx.claim_undispatched_events(FAN_OUT_BATCH, now).await?;
            let mut orgs: Vec<OrgId> = events.iter().map(|e| e.org_id).collect();
            orgs.sort();
            orgs.dedup();
            let subscriptions = tx.subscriptions(&orgs).await?;
            let mut by_org: BTreeMap<OrgId, Vec<NewDelivery>> = BTreeMap::new();
            for event in &events {
                // Test events are addressed to one webhook when written.
                if event.event_type == "webhook.test" {
                    continue;
                }
                for sub in subscriptions.iter().filter(|s| {
                    s.org_id == event.org_id
                        && s.created_at <= event.occurred_at
                        && s.event_types
                            .0
                            .iter()
                            .any(|p| matches(p, &event.event_type))
                }) {
                    by_org.entry(event.org_id).or_default().push(NewDelivery {
                        id: DeliveryId::generate(),
                        webhook_id: sub.id,
                        event_id: event.id,
                        event_type: event.event_type.clone(),
                        trigger: "event",
                        retries,
                    });
                }
            }
            for (org, deliveries) in &by_org {
                tx.insert_org_deliveries(*org, deliveries, now).await?;
            }
            tx.commit().await?;
            if (events.len() as u64) < FAN_OUT_BATCH {
                return Ok(());
            }
        }
    }

    /// Claims endpoints with deliveries due, as many as there are free
    /// slots, and starts a task for each.
    async fn dispatch(self: &Arc<Self>, endpoints: &mut JoinSet<()>) -> Result<(), BoxError> {
        let free = self.slots.available_permits();
        if free == 0 {
            return Ok(());
        }
        let now = self.now();
        let system = self.state.store.system();
        if !system.read().await?.has_due_endpoints(now).await? {
            return Ok(());
        }
        let exclude: Vec<WebhookId> = self.in_flight().iter().copied().collect();
        let mut tx = system.write().await?;
        let claimed = tx
            .claim_endpoints(self.owner, &exclude, free as u64, now, now + self.lease)
            .await?;
        tx.commit().await?;
        for id in claimed {
            let Ok(permit) = self.slots.clone().try_acquire_owned() else {
                self.release(id).await;
                continue;
            };
            self.in_flight().insert(id);
            let worker = Arc::clone(self);
            endpoints.spawn(async move {
                worker.serve(id).await;
                worker.release(id).await;
                worker.in_flight().remove(&id);
                drop(permit);
            });
        }
        Ok(())
    }

    /// Delivers one endpoint's due deliveries in event order until none is
    /// due, its turn is over, the lease is lost or the process stops.
    async fn serve(&self, id: WebhookId) {
        if let Err(error) = self.serve_turn(id).await {
            tracing::warn!(webhook = %id, error = %error, "webhook delivery step failed");
        }
    }

    async fn serve_turn(&self, id: WebhookId) -> Result<(), BoxError> {
        let system = self.state.store.system();
        let mut tx = system.write().await?;
        let mut endpoint = tx
            .renew_endpoint(id, self.owner, self.now() + self.lease)
            .await?;
        tx.commit().await?;
        for _ in 0..TURN {
            // `None`: the lease was lost, or the endpoint disabled or deleted.
            let Some(current) = endpoint else {
                return Ok(());
            };
            if self.stopping() {
                return Ok(());
            }
            let sent_at = self.now();
            let Some(due) = system.read().await?.next_due_delivery(id, sent_at).await? else {
                return Ok(());
            };
            let outcome = self.send(&current, &due, sent_at).await?;
            // Recording the outcome renews the lease in the same transaction.
            endpoint = self.record(&current, &due, outcome, sent_at).await?;
        }
        Ok(())
    }

    async fn send(
        &self,
        endpoint: &Endpoint,
        due: &DueDelivery,
        now: DateTime<Utc>,
    ) -> Result<Outcome, BoxError> {
        let body = payload::body(
            due.event_id,
            &due.event_type,
            due.occurred_at,
            endpoint.org_id,
            &due.data.0,
        );
        let bytes = serde_json::to_vec(&body)?;
        let message_id = due.event_id.to_string();
        let timestamp = now.timestamp();
        let mut secrets = vec![endpoint.secret.as_str()];
        if let (Some(previous), Some(until)) = (
            endpoint.previous_secret.as_deref(),
            endpoint.previous_secret_expires_at,
        ) && until > now
        {
            secrets.push(previous);
        }
        let signature = signature_header(&secrets, &message_id, timestamp, &bytes);
        let headers = [
            ("webhook-id", message_id),
            ("webhook-timestamp", timestamp.to_string()),
            ("webhook-signature", signature),
        ];
        Ok(match Url::parse(&endpoint.url) {
            Ok(url) => self.sender.post(&url, &headers, bytes.into()).await,
            Err(e) => Outcome {
                status_code: None,
                response_body: None,
                error: Some(format!("invalid URL: {e}")),
                latency_ms: 0,
            },
        })
    }

    /// When to try again after a failure, or `None` when retries are spent.
    fn retry_at(&self, due: &DueDelivery, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let schedule = &self.state.settings.webhooks.retry_schedule;
        if due.retries_left <= 0 || schedule.is_empty() {
            return None;
        }
        let left = usize::try_from(due.retries_left).unwrap_or(schedule.len());
        let index = schedule.len().saturating_sub(left).min(schedule.len() - 1);
        let delay = schedule[index];
        // Up to 10% later, so receivers coming back up are not hit by every
        // retry in the same instant.
        let spread = u128::from(u32::from_le_bytes(random_bytes::<4>()) % 101);
        let jitter =
            StdDuration::from_millis(u64::try_from(delay.as_millis() * spread / 1000).unwrap_or(0));
        Duration::from_std(delay + jitter)
            .ok()
            .and_then(|d| now.checked_add_signed(d))
    }

    async fn record(
        &self,
        endpoint: &Endpoint,
        due: &DueDelivery,
        outcome: Outcome,
        sent_at: DateTime<Utc>,
    ) -> Result<Option<Endpoint>, BoxError> {
        // Retries count from the answer; the attempt is dated when it was sent.
        let now = self.now();
        let succeeded = outcome.succeeded();
        let record = AttemptRecord {
            delivery: due.id,
            org: endpoint.org_id,
            attempted_at: sent_at,
            status_code: outcome.status_code.map(i64::from),
            latency_ms: outcome.latency_ms,
            response_body: outcome.response_body,
            error: outcome.error.clone(),
            succeeded,
            retry_at: if succeeded {
                None
            } else {
                self.retry_at(due, now)
            },
        };
        tracing::debug!(
            webhook = %endpoint.id,
            delivery = %due.id,
            status = ?record.status_code,
            error = record.error.as_deref().unwrap_or(""),
            "webhook attempt"
        );
        let mut tx = self.state.store.system().write().await?;
        let failing_since = tx.record_attempt(endpoint.id, &record).await?;
        let disable_after =
            Duration::from_std(self.state.settings.webhooks.disable_after).unwrap_or(Duration::MAX);
        if let Some(since) = failing_since
            && now.signed_duration_since(since) >= disable_after
        {
            let reason = format!(
                "Every delivery attempt since {} failed (webhooks.disable_after = {}); the last error was: {}",
                since.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                humantime::format_duration(self.state.settings.webhooks.disable_after),
                outcome.error.as_deref().unwrap_or("unknown"),
            );
            self.disable(&mut tx, endpoint.id, &reason, now).await?;
        }
        let renewed = tx
            .renew_endpoint(endpoint.id, self.owner, now + self.lease)
            .await?;
        tx.commit().await?;
        Ok(renewed)
    }

    /// Switches an endpoint off and records `webhook.disabled` (by the system).
    async fn disable(
        &self,
        tx: &mut stint_store::System<stint_store::Tx>,
        id: WebhookId,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<(), BoxError> {
        let Some((org, before)) = tx.webhook_row(id).await? else {
            return Ok(());
        };
        if !tx.disable_webhook(id, reason, now).await? {
            return Ok(());
        }
        let Some((_, after)) = tx.webhook_row(id).await? else {
            return Ok(());
        };
        let before = serde_json::to_value(WebhookOut::from(&before))?;
        let after = serde_json::to_value(WebhookOut::from(&after))?;
        let data = json!({
            "object": after,
            "previous_attributes": previous_attributes(&before, &after),
        });
        tx.insert_system_event(
            org,
            &NewEvent {
                id: EventId::generate(),
                event_type: "webhook.disabled".into(),
                resource_type: "webhook".into(),
                resource_id: Some(id.uuid()),
                actor_type: "system",
                actor_id: None,
                data,
                occurred_at: now,
            },
        )
        .await?;
        tracing::warn!(webhook = %id, organization = %org, "webhook disabled: {reason}");
        Ok(())
    }

    async fn release(&self, id: WebhookId) {
        let result = async {
            let mut tx = self.state.store.system().write().await?;
            tx.release_endpoint(id, self.owner).await?;
            tx.commit().await
        }
        .await;
        if let Err(error) = result {
            // The lease expires by itself.
            tracing::warn!(webhook = %id, error = %error, "could not release a webhook endpoint");
        }
    }

    /// Deletes events past retention (with their deliveries and attempts).
    async fn prune(&self) -> Result<(), BoxError> {
        let cutoff = retained_after(&self.state, self.now());
        let system = self.state.store.system();
        for _ in 0..10 {
            let ids = system
                .read()
                .await?
                .prunable_events(cutoff, PRUNE_BATCH)
                .await?;
            if ids.is_empty() {
                return Ok(());
            }
            let mut tx = system.write().await?;
            let deleted = tx.delete_events(&ids).await?;
            tx.commit().await?;
            tracing::debug!(deleted, "pruned events past retention");
            if (ids.len() as u64) < PRUNE_BATCH {
                return Ok(());
            }
        }
        Ok(())
    }
}
