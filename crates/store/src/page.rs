//! Keyset pagination. Rows are walked in id order (UUIDv7, so creation
//! order); a page asks for one row more than it returns to learn whether
//! another page follows. Rows inserted while a client pages appear after the
//! rows it has seen, so a walk never returns a row twice.

use chrono::{DateTime, Utc};
use sea_query::{Expr, ExprTrait, Order, SelectStatement};
use uuid::Uuid;

/// What a list request asks for.
#[derive(Debug, Clone, Copy)]
pub struct PageRequest {
    /// Rows per page, already bounded by the API (1–1000).
    pub limit: u32,
    /// Return rows after this id (the decoded cursor).
    pub after: Option<Uuid>,
    /// Only rows changed at or after this instant.
    pub updated_since: Option<DateTime<Utc>>,
}

impl PageRequest {
    pub fn first(limit: u32) -> Self {
        Self {
            limit,
            after: None,
            updated_since: None,
        }
    }

    /// Adds the keyset condition, order and limit to a select over `table`
    /// (every table has `id` and `updated_at`).
    pub(crate) fn apply(&self, stmt: &mut SelectStatement, table: &'static str) {
        self.apply_on(stmt, table, "updated_at");
    }

    /// Like `apply`, for tables whose change column is not `updated_at`.
    pub(crate) fn apply_on(
        &self,
        stmt: &mut SelectStatement,
        table: &'static str,
        changed: &'static str,
    ) {
        if let Some(after) = self.after {
            stmt.and_where(Expr::col((table, "id")).gt(after));
        }
        if let Some(since) = self.updated_since {
            stmt.and_where(Expr::col((table, changed)).gte(since));
        }
        stmt.order_by((table, "id"), Order::Asc)
            .limit(u64::from(self.limit) + 1);
    }
}

/// One page of rows.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub has_more: bool,
}

impl<T> Page<T> {
    /// Trims the extra row fetched by `PageRequest::apply`.
    pub(crate) fn from_rows(mut rows: Vec<T>, request: &PageRequest) -> Page<T> {
        let has_more = rows.len() > request.limit as usize;
        rows.truncate(request.limit as usize);
        Page {
            items: rows,
            has_more,
        }
    }

    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            has_more: self.has_more,
        }
    }
}
