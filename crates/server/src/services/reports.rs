//! Reports: time grouped by up to three dimensions, the dashboard, and what
//! is ready to invoice. The database aggregates; this module only names the
//! groups and formats the money.

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, Duration, NaiveDate};
use stint_core::currency::Currency;
use stint_core::ids::{ClientId, MemberId, ProjectId, ServiceId, TaskId, TopicId};
use stint_core::money::format_amount;
use stint_core::time_tracking::local_date;
use stint_store::reports::{Dimension, GroupRow, key_uuid};
use stint_store::time_entries::TimeEntryFilter;
use stint_store::{Pooled, Tenant};
use uuid::Uuid;

use super::time_entries::visible_member;
use crate::api::dto::reports::{
    Amounts, DailySeconds, DashboardOut, Key, NamedRef, Seconds, TimeReportOut, TimeReportRow,
    TopClient, Totals, UninvoicedClient, UninvoicedExpenses, UninvoicedOut, UninvoicedTime,
};
use crate::api::dto::time_entries::TimeEntryOut;
use crate::api::error::ApiError;
use crate::auth::Ctx;
use crate::state::AppState;

fn prefixed(dimension: Dimension, id: Uuid) -> String {
    match dimension {
        Dimension::Client => ClientId::from_uuid(id).to_string(),
        Dimension::Project => ProjectId::from_uuid(id).to_string(),
        Dimension::Member => MemberId::from_uuid(id).to_string(),
        Dimension::Task => TaskId::from_uuid(id).to_string(),
        Dimension::Service => ServiceId::from_uuid(id).to_string(),
        Dimension::Topic => TopicId::from_uuid(id).to_string(),
        _ => id.to_string(),
    }
}

fn add_amount(into: &mut BTreeMap<String, i64>, currency: &str, minor: i64) {
    *into.entry(currency.to_owned()).or_default() += minor;
}

fn format_amounts(minor: &BTreeMap<String, i64>) -> Amounts {
    minor
        .iter()
        .map(|(code, amount)| {
            let currency = Currency::from_code(code).unwrap_or(Currency::EUR);
            (code.clone(), format_amount(*amount, currency))
        })
        .collect()
}

type Names = HashMap<Dimension, HashMap<Uuid, String>>;

async fn names_for(
    db: &mut Tenant<Pooled>,
    dimensions: &[Dimension],
    rows: &[GroupRow],
) -> Result<Names, ApiError> {
    let mut names = HashMap::new();
    for (slot, dimension) in dimensions.iter().enumerate().filter(|(_, d)| d.is_record()) {
        // Each record once, however many groups it heads.
        let mut ids: Vec<Uuid> = rows
            .iter()
            .filter_map(|r| [&r.k0, &r.k1, &r.k2][slot].as_deref().and_then(key_uuid))
            .collect();
        ids.sort_unstable();
        ids.dedup();
        names.insert(*dimension, db.dimension_names(*dimension, &ids).await?);
    }
    Ok(names)
}

/// One group key, in whichever shape its dimension has.
#[derive(Default)]
struct KeyParts {
    record: Key<NamedRef>,
    day: Key<NaiveDate>,
    label: Key<String>,
}

/// The three text keys of a database group.
type GroupKeys = (Option<String>, Option<String>, Option<String>);

fn key_of(dimension: Dimension, key: Option<&str>, names: &Names) -> Result<KeyParts, ApiError> {
    Ok(match (dimension, key) {
        (d, None) if d.is_record() => KeyParts {
            record: Key::None,
            ..Default::default()
        },
        (d, Some(k)) if d.is_record() => {
            let id = key_uuid(k).ok_or_else(|| {
                ApiError::internal(std::io::Error::other(format!("report key {k}")))
            })?;
            let name = names.get(&d).and_then(|n| n.get(&id)).cloned();
            KeyParts {
                record: Key::Some(NamedRef {
                    id: prefixed(d, id),
                    name,
                }),
                ..Default::default()
            }
        }
        (Dimension::Day, Some(k)) => {
            let date = NaiveDate::parse_from_str(k, "%Y-%m-%d").map_err(ApiError::internal)?;
            KeyParts {
                day: Key::Some(date),
                ..Default::default()
            }
        }
        (Dimension::Week | Dimension::Month, Some(k)) => KeyParts {
            label: Key::Some(k.to_owned()),
            ..Default::default()
        },
        _ => KeyParts::default(),
    })
}

/// Time grouped by `dimensions` (1–3), with totals.
pub async fn time_report(
    ctx: &Ctx,
    dimensions: &[Dimension],
    filter: &TimeEntryFilter,
) -> Result<TimeReportOut, ApiError> {
    let mut db = ctx.read().await?;
    let rows = db.time_report(dimensions, filter).await?;
    let names = names_for(&mut db, dimensions, &rows).await?;

    // Rows arrive ordered by keys then currency: fold currencies together.
    let mut groups: Vec<(GroupKeys, TimeReportRow, BTreeMap<String, i64>)> = Vec::new();
    let mut totals = Totals::default();
    let mut total_minor = BTreeMap::new();
    for row in &rows {
        let keys = (row.k0.clone(), row.k1.clone(), row.k2.clone());
        if groups.last().is_none_or(|(k, _, _)| *k != keys) {
            let mut out = TimeReportRow {
                client: Key::Absent,
                project: Key::Absent,
                member: Key::Absent,
                task: Key::Absent,
                service: Key::Absent,
                topic: Key::Absent,
                day: Key::Absent,
                week: Key::Absent,
                month: Key::Absent,
                seconds: 0,
                billable_seconds: 0,
                billable_amount: Amounts::new(),
                entries: 0,
            };
            for (slot, dimension) in dimensions.iter().enumerate() {
                let key = [&row.k0, &row.k1, &row.k2][slot].as_deref();
                let KeyParts { record, day, label } = key_of(*dimension, key, &names)?;
                match dimension {
                    Dimension::Client => out.client = record,
                    Dimension::Project => out.project = record,
                    Dimension::Member => out.member = record,
                    Dimension::Task => out.task = record,
                    Dimension::Service => out.service = record,
                    Dimension::Topic => out.topic = record,
                    Dimension::Day => out.day = day,
                    Dimension::Week => out.week = label,
                    Dimension::Month => out.month = label,
                }
            }
            groups.push((keys, out, BTreeMap::new()));
        }
        if let Some((_, out, minor)) = groups.last_mut() {
            out.seconds += row.seconds;
            out.billable_seconds += row.billable_seconds;
            out.entries += row.entries;
            add_amount(minor, &row.currency, row.billable_amount);
        }
        totals.seconds += row.seconds;
        totals.billable_seconds += row.billable_seconds;
        totals.entries += row.entries;
        add_amount(&mut total_minor, &row.currency, row.billable_amount);
    }
    totals.billable_amount = format_amounts(&total_minor);
    let rows = groups
        .into_iter()
        .map(|(_, mut out, minor)| {
            out.billable_amount = format_amounts(&minor);
            out
        })
        .collect();
    Ok(TimeReportOut {
        group_by: dimensions.iter().map(|d| d.as_str().to_owned()).collect(),
        rows,
        totals,
    })
}

/// Sum of seconds of completed time in a date range (plus running timers,
/// counted up to now) for the given members (empty: everyone).
async fn seconds_between(
    db: &mut Tenant<Pooled>,
    members: Vec<MemberId>,
    from: NaiveDate,
    to: NaiveDate,
    running: &[stint_store::time_entries::TimeEntry],
    now: chrono::DateTime<chrono::Utc>,
) -> Result<i64, ApiError> {
    let filter = TimeEntryFilter {
        from: Some(from),
        to: Some(to),
        member_ids: members.clone(),
        ..Default::default()
    };
    let done: i64 = db
        .time_report(&[], &filter)
        .await?
        .iter()
        .map(|r| r.seconds)
        .sum();
    let live: i64 = running
        .iter()
        .filter(|e| {
            (members.is_empty() || members.contains(&e.member_id)) && e.date >= from && e.date <= to
        })
        .filter_map(|e| e.started_at.map(|s| (now - s).num_seconds().max(0)))
        .sum();
    Ok(done + live)
}

pub async fn dashboard(state: &AppState, ctx: &Ctx) -> Result<DashboardOut, ApiError> {
    let now = state.now();
    let mut db = ctx.read().await?;
    let org = db.organization_time().await?;
    let own = ctx.member_id();
    let zone = match own {
        Some(m) => db
            .member_time(m)
            .await?
            .and_then(|m| m.timezone)
            .unwrap_or(org.timezone.clone()),
        None => org.timezone.clone(),
    };
    let tz: chrono_tz::Tz = zone.parse().unwrap_or(chrono_tz::UTC);
    let today = local_date(now, tz);
    let week_start = today - Duration::days(i64::from(today.weekday().num_days_from_monday()));
    let month_start = today.with_day(1).unwrap_or(today);
    let sees_everyone = visible_member(ctx).is_none();
    let scope: Vec<MemberId> = if sees_everyone {
        Vec::new()
    } else {
        own.into_iter().collect()
    };
    let running = db
        .running_time_entries(if sees_everyone { None } else { own })
        .await?;

    let mut periods = Vec::new();
    for from in [today, week_start, month_start] {
        let own_seconds = match own {
            Some(m) => Some(seconds_between(&mut db, vec![m], from, today, &running, now).await?),
            None => None,
        };
        let everyone = if sees_everyone {
            Some(seconds_between(&mut db, Vec::new(), from, today, &running, now).await?)
        } else {
            None
        };
        periods.push(Seconds {
            own: own_seconds,
            everyone,
        });
    }

    let month = TimeEntryFilter {
        from: Some(month_start),
        to: Some(today),
        member_ids: scope.clone(),
        ..Default::default()
    };
    let mut month_minor = BTreeMap::new();
    for row in db.time_report(&[], &month).await? {
        add_amount(&mut month_minor, &row.currency, row.billable_amount);
    }

    let by_client = db.time_report(&[Dimension::Client], &month).await?;
    let client_names = names_for(&mut db, &[Dimension::Client], &by_client).await?;
    let mut clients: BTreeMap<Uuid, (i64, BTreeMap<String, i64>)> = BTreeMap::new();
    for row in by_client.iter() {
        if let Some(id) = row.k0.as_deref().and_then(key_uuid) {
            let entry = clients.entry(id).or_default();
            entry.0 += row.seconds;
            add_amount(&mut entry.1, &row.currency, row.billable_amount);
        }
    }
    let mut top: Vec<(Uuid, i64, BTreeMap<String, i64>)> =
        clients.into_iter().map(|(id, (s, m))| (id, s, m)).collect();
    top.sort_by_key(|(id, seconds, minor)| {
        (
            std::cmp::Reverse(minor.get(&org.currency).copied().unwrap_or(0)),
            std::cmp::Reverse(*seconds),
            *id,
        )
    });
    let top_clients_this_month = top
        .into_iter()
        .take(5)
        .map(|(id, seconds, minor)| TopClient {
            client: NamedRef {
                id: prefixed(Dimension::Client, id),
                name: client_names
                    .get(&Dimension::Client)
                    .and_then(|n| n.get(&id))
                    .cloned(),
            },
            seconds,
            billable_amount: format_amounts(&minor),
        })
        .collect();

    let by_day = db.time_report(&[Dimension::Day], &month).await?;
    let mut daily: BTreeMap<NaiveDate, i64> = BTreeMap::new();
    let mut day = month_start;
    while day <= today {
        daily.insert(day, 0);
        day += Duration::days(1);
    }
    for row in &by_day {
        if let Some(date) = row
            .k0
            .as_deref()
            .and_then(|k| NaiveDate::parse_from_str(k, "%Y-%m-%d").ok())
        {
            *daily.entry(date).or_default() += row.seconds;
        }
    }
    let mut periods = periods.into_iter();
    let today_seconds = periods.next().unwrap_or(Seconds {
        own: None,
        everyone: None,
    });
    let this_week_seconds = periods.next().unwrap_or(Seconds {
        own: None,
        everyone: None,
    });
    let this_month_seconds = periods.next().unwrap_or(Seconds {
        own: None,
        everyone: None,
    });
    Ok(DashboardOut {
        today,
        today_seconds,
        this_week_seconds,
        this_month_seconds,
        billable_amount_this_month: format_amounts(&month_minor),
        running_timers: running
            .iter()
            .map(|e| TimeEntryOut::render(e, now))
            .collect(),
        top_clients_this_month,
        daily_this_month: daily
            .into_iter()
            .map(|(date, seconds)| DailySeconds { date, seconds })
            .collect(),
    })
}

/// Billable, completed, not yet invoiced time and expenses per client.
pub async fn uninvoiced(
    ctx: &Ctx,
    client: Option<ClientId>,
    to: Option<NaiveDate>,
) -> Result<UninvoicedOut, ApiError> {
    let mut db = ctx.read().await?;
    let filter = TimeEntryFilter {
        to,
        client_id: client,
        billable: Some(true),
        statuses: vec!["completed".into()],
        member_ids: visible_member(ctx).into_iter().collect(),
        ..Default::default()
    };
    let time = db.time_report(&[Dimension::Client], &filter).await?;
    let expenses = db
        .uninvoiced_expenses(client, visible_member(ctx), to)
        .await?;
    let mut ids: Vec<Uuid> = time
        .iter()
        .filter_map(|r| r.k0.as_deref().and_then(key_uuid))
        .collect();
    ids.extend(
        expenses
            .iter()
            .filter_map(|r| r.client.as_deref().and_then(key_uuid)),
    );
    let names = db.dimension_names(Dimension::Client, &ids).await?;

    #[derive(Default)]
    struct Acc {
        time: UninvoicedTime,
        time_minor: BTreeMap<String, i64>,
        expenses: i64,
        expense_minor: BTreeMap<String, i64>,
    }
    let mut by_client: BTreeMap<Option<Uuid>, Acc> = BTreeMap::new();
    for row in &time {
        let acc = by_client
            .entry(row.k0.as_deref().and_then(key_uuid))
            .or_default();
        acc.time.entries += row.entries;
        acc.time.seconds += row.seconds;
        acc.time.billable_seconds += row.billable_seconds;
        add_amount(&mut acc.time_minor, &row.currency, row.billable_amount);
    }
    for row in &expenses {
        let acc = by_client
            .entry(row.client.as_deref().and_then(key_uuid))
            .or_default();
        acc.expenses += row.expenses;
        add_amount(&mut acc.expense_minor, &row.currency, row.amount);
    }
    let mut grand = BTreeMap::new();
    let clients = by_client
        .into_iter()
        .map(|(id, mut acc)| {
            let mut total = acc.time_minor.clone();
            for (code, amount) in &acc.expense_minor {
                add_amount(&mut total, code, *amount);
                add_amount(&mut grand, code, *amount);
            }
            for (code, amount) in &acc.time_minor {
                add_amount(&mut grand, code, *amount);
            }
            acc.time.billable_amount = format_amounts(&acc.time_minor);
            UninvoicedClient {
                client: id.map(|id| NamedRef {
                    id: prefixed(Dimension::Client, id),
                    name: names.get(&id).cloned(),
                }),
                time: acc.time,
                expenses: UninvoicedExpenses {
                    expenses: acc.expenses,
                    amount: format_amounts(&acc.expense_minor),
                },
                total: format_amounts(&total),
            }
        })
        .collect();
    Ok(UninvoicedOut {
        clients,
        total: format_amounts(&grand),
    })
}
