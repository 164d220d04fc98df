//! The event log as integrations read it (`GET /events`): the outbox
//! filtered by type patterns (exact, `resource.*` or `*`) and time, within
//! the retention period.

use chrono::{DateTime, Utc};
use sea_query::{Cond, Expr, ExprTrait, LikeExpr, Query};

use crate::events::Event;
use crate::exec::Exec;
use crate::page::{Page, PageRequest};
use crate::{Result, Tenant};

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

/// Which events to list.
#[derive(Debug, Clone, Default)]
pub struct EventLogFilter {
    /// Exact types, `resource.*` prefixes or `*`; empty means all.
    pub types: Vec<String>,
    /// Only events at or after this instant.
    pub since: Option<DateTime<Utc>>,
    /// Events before this instant are past retention and not shown.
    pub retained_after: DateTime<Utc>,
}

/// The condition "`table.type` matches one of `patterns`"; `None` when any
/// type matches (no patterns, or `*` among them).
pub(crate) fn type_condition(table: &'static str, patterns: &[String]) -> Option<Cond> {
    if patterns.is_empty() || patterns.iter().any(|p| p == "*") {
        return None;
    }
    let column = || Expr::col((table, "type"));
    let exact: Vec<String> = patterns
        .iter()
        .filter(|p| !p.ends_with(".*"))
        .cloned()
        .collect();
    let mut any = Cond::any();
    if !exact.is_empty() {
        any = any.add(column().is_in(exact));
    }
    for prefix in patterns.iter().filter_map(|p| p.strip_suffix('*')) {
        // `_` is a LIKE wildcard and resource names have underscores.
        let escaped: String = prefix
            .chars()
            .flat_map(|c| match c {
                '%' | '_' | '\\' => vec!['\\', c],
                other => vec![other],
            })
            .collect();
        any = any.add(column().like(LikeExpr::new(format!("{escaped}%")).escape('\\')));
    }
    Some(any)
}

impl<E: Exec> Tenant<E> {
    /// Events oldest first.
    pub async fn list_event_log(
        &mut self,
        filter: &EventLogFilter,
        page: &PageRequest,
    ) -> Result<Page<Event>> {
        let mut stmt = Query::select()
            .columns(COLUMNS.map(|c| ("events", c)))
            .from("events")
            .and_where(Expr::col(("events", "org_id")).eq(self.org.uuid()))
            .and_where(Expr::col(("events", "occurred_at")).gte(filter.retained_after))
            .to_owned();
        if let Some(since) = filter.since {
            stmt.and_where(Expr::col(("events", "occurred_at")).gte(since));
        }
        if let Some(condition) = type_condition("events", &filter.types) {
            stmt.cond_where(condition);
        }
        page.apply_on(&mut stmt, "events", "occurred_at");
        let rows = self.exec.conn().fetch_all(&stmt).await?;
        Ok(Page::from_rows(rows, page))
    }
}
