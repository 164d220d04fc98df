//! The event outbox. Every change to a record writes one row here in the
//! same transaction as the change, so an event exists exactly when its
//! change was committed. Webhook delivery and the events API read from it.

use chrono::{DateTime, Utc};
use sea_query::{Expr, ExprTrait, Query};
use sqlx::FromRow;
use sqlx::types::Json;
use stint_core::ids::{EventId, OrgId};
use uuid::Uuid;

use crate::exec::Exec;
use crate::page::{Page, PageRequest};
use crate::{Result, Tenant, Tx};

const COLUMNS: [&str; 9] = [
    "id",
    "org_id",
    "type",
    "resource_type",
    "resource_id",
    "actor_type",
    "actor_id",
    "data",
    "occurred_at",
];

/// An event to record.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub id: EventId,
    /// Such as `client.updated`.
    pub event_type: String,
    /// Such as `client`.
    pub resource_type: String,
    pub resource_id: Option<Uuid>,
    /// `user`, `api_key` or `system`.
    pub actor_type: &'static str,
    pub actor_id: Option<Uuid>,
    /// `{"object": …, "previous_attributes": …}`.
    pub data: serde_json::Value,
    pub occurred_at: DateTime<Utc>,
}

/// A recorded event.
#[derive(Debug, Clone, FromRow)]
pub struct Event {
    #[sqlx(try_from = "Uuid")]
    pub id: EventId,
    #[sqlx(try_from = "Uuid")]
    pub org_id: OrgId,
    #[sqlx(rename = "type")]
    pub event_type: String,
    pub resource_type: String,
    pub resource_id: Option<Uuid>,
    pub actor_type: String,
    pub actor_id: Option<Uuid>,
    pub data: Json<serde_json::Value>,
    pub occurred_at: DateTime<Utc>,
}

/// Which events to list.
#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    /// Exact types; empty means all.
    pub types: Vec<String>,
    pub resource_id: Option<Uuid>,
}

impl Tenant<Tx> {
    pub async fn insert_event(&mut self, event: &NewEvent) -> Result<()> {
        let stmt = Query::insert()
            .into_table("events")
            .columns(COLUMNS)
            .values_panic([
                event.id.uuid().into(),
                self.org.uuid().into(),
                event.event_type.clone().into(),
                event.resource_type.clone().into(),
                event.resource_id.into(),
                event.actor_type.into(),
                event.actor_id.into(),
                event.data.clone().into(),
                event.occurred_at.into(),
            ])
            .to_owned();
        // Nothing reads it back in the transaction that writes it: on
        // SQLite it goes out with the write's next statement or COMMIT.
        self.exec.conn().defer(&stmt).await
    }
}

impl<E: Exec> Tenant<E> {
    /// Events oldest first; `updated_since` filters on the event time.
    pub async fn list_events(
        &mut self,
        filter: &EventFilter,
        page: &PageRequest,
    ) -> Result<Page<Event>> {
        let mut stmt = Query::select()
            .columns(COLUMNS.map(|c| ("events", c)))
            .from("events")
            .and_where(Expr::col(("events", "org_id")).eq(self.org.uuid()))
            .to_owned();
        if !filter.types.is_empty() {
            stmt.and_where(Expr::col(("events", "type")).is_in(filter.types.clone()));
        }
        if let Some(resource) = filter.resource_id {
            stmt.and_where(Expr::col(("events", "resource_id")).eq(resource));
        }
        page.apply_on(&mut stmt, "events", "occurred_at");
        let rows = self.exec.conn().fetch_all(&stmt).await?;
        Ok(Page::from_rows(rows, page))
    }
}
