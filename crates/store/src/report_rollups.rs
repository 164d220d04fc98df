//! Time reports from the monthly rollup (`time_rollups`, kept by triggers:
//! migration 0010) where a report allows it.
//!
//! A report grouped only by client and/or month, and filtered by nothing
//! the rollup does not keep (client, billability, status), reads its whole
//! months from the rollup — one row per client, month, status, currency and
//! billability instead of every entry — and only the days before the first
//! and after the last whole month from the entries themselves. The answer
//! is the same as summing every entry (the integration tests compare the
//! two); at a million entries a year of them is ~25 times fewer rows.

use std::collections::BTreeMap;

use chrono::{Datelike, Duration, Months, NaiveDate};
use sea_query::{Expr, ExprTrait, Query, SelectStatement};
use stint_core::time_tracking::month_label;

use crate::Backend;
use crate::reports::{Dimension, GroupRow};
use crate::time_entries::TimeEntryFilter;

/// How one report's date range splits between rollup and entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RollupPlan {
    /// Whole months read from the rollup, inclusive (`None`: unbounded).
    pub first_month: Option<NaiveDate>,
    pub last_month: Option<NaiveDate>,
    /// Days before the first whole month, read from entries.
    pub head: Option<(NaiveDate, NaiveDate)>,
    /// Days after the last whole month, read from entries.
    pub tail: Option<(NaiveDate, NaiveDate)>,
}

fn month_start(date: NaiveDate) -> NaiveDate {
    date.with_day(1).unwrap_or(date)
}

fn next_month_start(date: NaiveDate) -> NaiveDate {
    let start = month_start(date);
    start.checked_add_months(Months::new(1)).unwrap_or(start)
}

/// The plan for a report, or `None` when it must read every entry: a
/// dimension or filter the rollup does not keep, or no whole month in the
/// range.
pub(crate) fn plan(dimensions: &[Dimension], filter: &TimeEntryFilter) -> Option<RollupPlan> {
    let dimensions_kept = dimensions
        .iter()
        .all(|d| matches!(d, Dimension::Client | Dimension::Month));
    let filters_kept = filter.member_ids.is_empty()
        && filter.project_id.is_none()
        && filter.task_id.is_none()
        && filter.service_id.is_none()
        && filter.topic_id.is_none()
        && filter.tag.is_none()
        && filter.q.as_deref().is_none_or(|q| q.trim().is_empty());
    if !dimensions_kept || !filters_kept {
        return None;
    }
    let first_month = filter.from.map(|from| {
        if from.day() == 1 {
            from
        } else {
            next_month_start(from)
        }
    });
    let last_month = filter.to.map(|to| {
        let start = month_start(to);
        if to + Duration::days(1) == next_month_start(to) {
            start
        } else {
            // The month before `to`'s.
            month_start(start - Duration::days(1))
        }
    });
    if let (Some(first), Some(last)) = (first_month, last_month)
        && first > last
    {
        return None;
    }
    let head = match (filter.from, first_month) {
        (Some(from), Some(first)) if from < first => Some((from, first - Duration::days(1))),
        _ => None,
    };
    let tail = match (filter.to, last_month) {
        (Some(to), Some(last)) => {
            let after = next_month_start(last);
            (to >= after).then_some((after, to))
        }
        _ => None,
    };
    Some(RollupPlan {
        first_month,
        last_month,
        head,
        tail,
    })
}

/// The rollup's sums for the plan's whole months, in the shape of the
/// entries' report query (`r…` record ids, `k…` texts).
pub(crate) fn rollup_select(
    plan: &RollupPlan,
    dimensions: &[Dimension],
    filter: &TimeEntryFilter,
    org: uuid::Uuid,
    backend: Backend,
) -> SelectStatement {
    let (no_record, client) = match backend {
        Backend::Sqlite => ("NULL", "NULLIF(\"client_key\", zeroblob(16))"),
        Backend::Postgres => (
            "CAST(NULL AS UUID)",
            "NULLIF(\"client_key\", '00000000-0000-0000-0000-000000000000'::uuid)",
        ),
    };
    let mut stmt = Query::select();
    stmt.from("time_rollups");
    let mut keys = Vec::new();
    for slot in 0..3 {
        let (record, text) = match dimensions.get(slot) {
            Some(Dimension::Client) => {
                keys.push("\"client_key\"");
                (client, "CAST(NULL AS TEXT)")
            }
            Some(_) => {
                keys.push("\"month\"");
                (no_record, "\"month\"")
            }
            None => (no_record, "CAST(NULL AS TEXT)"),
        };
        stmt.expr_as(Expr::cust(record), format!("r{slot}"));
        stmt.expr_as(Expr::cust(text), format!("k{slot}"));
    }
    stmt.column("currency")
        .expr_as(Expr::cust("CAST(SUM(\"seconds\") AS BIGINT)"), "seconds")
        .expr_as(
            Expr::cust("CAST(SUM(\"billable_seconds\") AS BIGINT)"),
            "billable_seconds",
        )
        .expr_as(
            Expr::cust("CAST(SUM(\"billable_amount\") AS BIGINT)"),
            "billable_amount",
        )
        .expr_as(Expr::cust("CAST(SUM(\"entries\") AS BIGINT)"), "entries");
    stmt.and_where(Expr::col("org_id").eq(org));
    if let Some(first) = plan.first_month {
        stmt.and_where(Expr::col("month").gte(month_label(first)));
    }
    if let Some(last) = plan.last_month {
        stmt.and_where(Expr::col("month").lte(month_label(last)));
    }
    if let Some(client) = filter.client_id {
        stmt.and_where(Expr::col("client_key").eq(client.uuid()));
    }
    filter.apply_billing(&mut stmt, "time_rollups");
    for key in keys {
        stmt.add_group_by([Expr::cust(key)]);
    }
    stmt.add_group_by([Expr::col("currency")]);
    stmt
}

/// The entries' filter narrowed to `from..=to`.
pub(crate) fn days_filter(
    filter: &TimeEntryFilter,
    (from, to): (NaiveDate, NaiveDate),
) -> TimeEntryFilter {
    TimeEntryFilter {
        from: Some(from),
        to: Some(to),
        ..filter.clone()
    }
}

/// Adds up rows of the same keys and currency from several parts of one
/// report, ordered as the entries' query orders them (keys, then
/// currency; no key before any key).
pub(crate) fn merge(parts: impl IntoIterator<Item = GroupRow>) -> Vec<GroupRow> {
    type Keys = (Option<String>, Option<String>, Option<String>, String);
    let mut merged: BTreeMap<Keys, GroupRow> = BTreeMap::new();
    for row in parts {
        let keys = (
            row.k0.clone(),
            row.k1.clone(),
            row.k2.clone(),
            row.currency.clone(),
        );
        match merged.get_mut(&keys) {
            Some(sum) => {
                sum.seconds += row.seconds;
                sum.billable_seconds += row.billable_seconds;
                sum.billable_amount += row.billable_amount;
                sum.entries += row.entries;
            }
            None => {
                merged.insert(keys, row);
            }
        }
    }
    merged.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    fn range(from: &str, to: &str) -> TimeEntryFilter {
        TimeEntryFilter {
            from: Some(date(from)),
            to: Some(date(to)),
            ..TimeEntryFilter::default()
        }
    }

    #[test]
    fn a_year_splits_into_whole_months_and_the_days_around_them() {
        let plan = plan(
            &[Dimension::Client, Dimension::Month],
            &range("2025-11-25", "2026-11-24"),
        )
        .unwrap();
        assert_eq!(plan.first_month, Some(date("2025-12-01")));
        assert_eq!(plan.last_month, Some(date("2026-10-01")));
        assert_eq!(plan.head, Some((date("2025-11-25"), date("2025-11-30"))));
        assert_eq!(plan.tail, Some((date("2026-11-01"), date("2026-11-24"))));
    }

    #[test]
    fn whole_months_need_no_entries() {
        let plan = plan(&[], &range("2024-02-01", "2024-02-29")).unwrap();
        assert_eq!(plan.first_month, Some(date("2024-02-01")));
        assert_eq!(plan.last_month, Some(date("2024-02-01")));
        assert_eq!((plan.head, plan.tail), (None, None));
        let december = plan_of("2025-12-01", "2025-12-31");
        assert_eq!(december.last_month, Some(date("2025-12-01")));
        assert_eq!(december.tail, None);
    }

    fn plan_of(from: &str, to: &str) -> RollupPlan {
        plan(&[Dimension::Month], &range(from, to)).unwrap()
    }

    #[test]
    fn unbounded_ranges_read_every_month() {
        let plan = plan(&[Dimension::Client], &TimeEntryFilter::default()).unwrap();
        assert_eq!(
            plan,
            RollupPlan {
                first_month: None,
                last_month: None,
                head: None,
                tail: None
            }
        );
    }

    #[test]
    fn no_whole_month_or_another_dimension_or_filter_reads_entries() {
        assert_eq!(plan(&[], &range("2026-03-02", "2026-03-30")), None);
        assert_eq!(plan(&[], &range("2026-03-15", "2026-04-14")), None);
        assert_eq!(
            plan(&[Dimension::Day], &range("2026-01-01", "2026-12-31")),
            None
        );
        let mut filter = range("2026-01-01", "2026-12-31");
        filter.member_ids = vec![stint_core::ids::MemberId::generate()];
        assert_eq!(plan(&[Dimension::Client], &filter), None);
    }

    #[test]
    fn merged_rows_add_up_in_key_order() {
        let row = |k0: Option<&str>, currency: &str, seconds| GroupRow {
            k0: k0.map(str::to_owned),
            k1: None,
            k2: None,
            currency: currency.into(),
            seconds,
            billable_seconds: seconds,
            billable_amount: 1,
            entries: 1,
        };
        let merged = merge([
            row(Some("b"), "EUR", 5),
            row(None, "EUR", 1),
            row(Some("b"), "EUR", 7),
            row(Some("a"), "USD", 2),
        ]);
        let got: Vec<_> = merged
            .iter()
            .map(|r| (r.k0.as_deref(), r.seconds, r.entries))
            .collect();
        assert_eq!(
            got,
            vec![(None, 1, 1), (Some("a"), 2, 1), (Some("b"), 12, 2)]
        );
    }
}
