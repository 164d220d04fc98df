//! Filters shared by every list: lifecycle status, text search, and
//! conditions on custom-field values (which need backend-specific JSON SQL).

use sea_query::{Cond, Expr, ExprTrait, Func, LikeExpr, SelectStatement};

use crate::db::Backend;

/// Which rows to list by lifecycle status. `Active` (the default) means
/// "not archived"; `Only` names exact statuses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum StatusFilter {
    #[default]
    Active,
    Archived,
    All,
    Only(Vec<String>),
}

impl StatusFilter {
    /// Adds the condition on `table.status`; `archived` lists the statuses
    /// that count as archived for this resource.
    pub(crate) fn apply(
        &self,
        stmt: &mut SelectStatement,
        table: &'static str,
        archived: &[&'static str],
    ) {
        let column = Expr::col((table, "status"));
        match self {
            StatusFilter::Active => {
                stmt.and_where(column.is_not_in(archived.iter().copied()));
            }
            StatusFilter::Archived => {
                stmt.and_where(column.is_in(archived.iter().copied()));
            }
            StatusFilter::All => {}
            StatusFilter::Only(values) => {
                stmt.and_where(column.is_in(values.clone()));
            }
        }
    }
}

/// `invoiced=true|false` on a billable record (time entry, expense):
/// invoiced is a status of its own, so "not invoiced" is every other one.
pub(crate) fn invoiced_filter(
    stmt: &mut SelectStatement,
    table: &'static str,
    invoiced: Option<bool>,
) {
    let status = Expr::col((table, "status"));
    match invoiced {
        Some(true) => {
            stmt.and_where(status.eq("invoiced"));
        }
        Some(false) => {
            stmt.and_where(status.ne("invoiced"));
        }
        None => {}
    }
}

/// Case-insensitive substring search over `columns` of `table`.
pub(crate) fn text_search(
    stmt: &mut SelectStatement,
    table: &'static str,
    columns: &[&'static str],
    q: &str,
) {
    let escaped: String = q
        .trim()
        .to_lowercase()
        .chars()
        .flat_map(|c| match c {
            '%' | '_' | '\\' => vec!['\\', c],
            other => vec![other],
        })
        .collect();
    let pattern = format!("%{escaped}%");
    let mut any = Cond::any();
    for column in columns {
        any = any.add(
            Expr::expr(Func::lower(Expr::col((table, *column))))
                .like(LikeExpr::new(pattern.clone()).escape('\\')),
        );
    }
    stmt.cond_where(any);
}

/// A condition on one custom field's value (`custom_fields[KEY]=VALUE`).
/// The key has been checked against the definitions (a slug), so it is
/// safe to write into the JSON path; the value is always bound.
#[derive(Debug, Clone)]
pub struct CustomFieldCondition {
    pub key: String,
    /// The definition's type: text, number, date, boolean, select, multi_select.
    pub field_type: String,
    pub value: String,
}

pub(crate) fn custom_field_condition(
    backend: Backend,
    table: &'static str,
    c: &CustomFieldCondition,
) -> Expr {
    let key = &c.key;
    let column = format!("\"{table}\".\"custom_fields\"");
    match (backend, c.field_type.as_str()) {
        (Backend::Sqlite, "multi_select") => Expr::cust_with_values(
            format!(
                "EXISTS (SELECT 1 FROM json_each({column}, '$.\"{key}\"') WHERE json_each.value = ?)"
            ),
            [c.value.clone()],
        ),
        (Backend::Sqlite, "boolean") => Expr::cust_with_values(
            format!("json_extract({column}, '$.\"{key}\"') = ?"),
            [i64::from(c.value == "true")],
        ),
        (Backend::Sqlite, "number") => Expr::cust_with_values(
            format!("json_extract({column}, '$.\"{key}\"') = CAST(? AS REAL)"),
            [c.value.clone()],
        ),
        (Backend::Sqlite, _) => Expr::cust_with_values(
            format!("json_extract({column}, '$.\"{key}\"') = ?"),
            [c.value.clone()],
        ),
        (Backend::Postgres, "multi_select") => Expr::cust_with_values(
            format!("({column} -> '{key}') @> jsonb_build_array($1::text)"),
            [c.value.clone()],
        ),
        (Backend::Postgres, "boolean") => Expr::cust_with_values(
            format!("({column} -> '{key}') = to_jsonb($1::boolean)"),
            [c.value == "true"],
        ),
        (Backend::Postgres, "number") => Expr::cust_with_values(
            format!(
                "jsonb_typeof({column} -> '{key}') = 'number' AND ({column} ->> '{key}')::numeric = $1::numeric"
            ),
            [c.value.clone()],
        ),
        (Backend::Postgres, _) => {
            Expr::cust_with_values(format!("({column} ->> '{key}') = $1"), [c.value.clone()])
        }
    }
}
