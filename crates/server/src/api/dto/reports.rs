//! Reports on the wire.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Serialize, Serializer};
use utoipa::ToSchema;

use super::time_entries::TimeEntryOut;

/// A grouped record: its id and name.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NamedRef {
    #[schema(example = "cli_01jd8x2k4m6n8p9q0r1s2t3v4w")]
    pub id: String,
    #[schema(example = "Globex Corporation")]
    pub name: Option<String>,
}

/// A group key: absent when not grouped by it, null for entries without
/// such a record (no client, no task …).
#[derive(Debug, Clone, Default)]
pub enum Key<T> {
    #[default]
    Absent,
    None,
    Some(T),
}

impl<T> Key<T> {
    pub fn is_absent(&self) -> bool {
        matches!(self, Key::Absent)
    }
}

impl<T: Serialize> Serialize for Key<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Key::Some(v) => v.serialize(s),
            _ => s.serialize_none(),
        }
    }
}

/// Amounts by ISO 4217 currency, as decimal strings.
pub type Amounts = BTreeMap<String, String>;

/// One group of a time report.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TimeReportRow {
    #[serde(skip_serializing_if = "Key::is_absent")]
    #[schema(value_type = Option<NamedRef>)]
    pub client: Key<NamedRef>,
    #[serde(skip_serializing_if = "Key::is_absent")]
    #[schema(value_type = Option<NamedRef>)]
    pub project: Key<NamedRef>,
    #[serde(skip_serializing_if = "Key::is_absent")]
    #[schema(value_type = Option<NamedRef>)]
    pub member: Key<NamedRef>,
    #[serde(skip_serializing_if = "Key::is_absent")]
    #[schema(value_type = Option<NamedRef>)]
    pub task: Key<NamedRef>,
    #[serde(skip_serializing_if = "Key::is_absent")]
    #[schema(value_type = Option<NamedRef>)]
    pub service: Key<NamedRef>,
    #[serde(skip_serializing_if = "Key::is_absent")]
    #[schema(value_type = Option<NamedRef>)]
    pub topic: Key<NamedRef>,
    #[serde(skip_serializing_if = "Key::is_absent")]
    #[schema(value_type = Option<String>, format = Date)]
    pub day: Key<NaiveDate>,
    /// ISO week, such as `2026-W09`.
    #[serde(skip_serializing_if = "Key::is_absent")]
    #[schema(value_type = Option<String>, example = "2026-W09")]
    pub week: Key<String>,
    #[serde(skip_serializing_if = "Key::is_absent")]
    #[schema(value_type = Option<String>, example = "2026-03")]
    pub month: Key<String>,
    #[schema(example = 27000)]
    pub seconds: i64,
    #[schema(example = 27000)]
    pub billable_seconds: i64,
    /// Per currency.
    #[schema(example = json!({"EUR": "637.50"}))]
    pub billable_amount: Amounts,
    /// Number of time entries.
    #[schema(example = 6)]
    pub entries: i64,
}

/// Sums over every group.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct Totals {
    pub seconds: i64,
    pub billable_seconds: i64,
    #[schema(example = json!({"EUR": "637.50"}))]
    pub billable_amount: Amounts,
    pub entries: i64,
}

/// A time report.
#[derive(Debug, Serialize, ToSchema)]
pub struct TimeReportOut {
    /// The dimensions, in order.
    #[schema(example = json!(["client", "month"]))]
    pub group_by: Vec<String>,
    pub rows: Vec<TimeReportRow>,
    pub totals: Totals,
}

/// Seconds of the caller and, for owners, admins and API keys, of everyone.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Seconds {
    /// The caller's own time; null for API keys.
    pub own: Option<i64>,
    /// Everyone's time; null for members.
    pub everyone: Option<i64>,
}

/// A client's share of the month.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TopClient {
    pub client: NamedRef,
    pub seconds: i64,
    #[schema(example = json!({"EUR": "4250.00"}))]
    pub billable_amount: Amounts,
}

/// Time on one day.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DailySeconds {
    #[schema(value_type = String, format = Date)]
    pub date: NaiveDate,
    pub seconds: i64,
}

/// The dashboard.
#[derive(Debug, Serialize, ToSchema)]
pub struct DashboardOut {
    /// The dates used, in the caller's time zone.
    #[schema(value_type = String, format = Date)]
    pub today: NaiveDate,
    pub today_seconds: Seconds,
    pub this_week_seconds: Seconds,
    pub this_month_seconds: Seconds,
    /// This month's billable amount: everyone's for owners, admins and API keys, one's own for members.
    pub billable_amount_this_month: Amounts,
    pub running_timers: Vec<TimeEntryOut>,
    /// By billable amount in the organization's currency.
    pub top_clients_this_month: Vec<TopClient>,
    /// Every day of the month so far (everyone's for admins, one's own for members).
    pub daily_this_month: Vec<DailySeconds>,
}

/// Uninvoiced time of one client.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct UninvoicedTime {
    pub entries: i64,
    pub seconds: i64,
    pub billable_seconds: i64,
    pub billable_amount: Amounts,
}

/// Uninvoiced expenses of one client.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct UninvoicedExpenses {
    pub expenses: i64,
    pub amount: Amounts,
}

/// What can be invoiced to one client.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UninvoicedClient {
    /// Null for time and expenses without a client.
    pub client: Option<NamedRef>,
    pub time: UninvoicedTime,
    pub expenses: UninvoicedExpenses,
    /// Time and expenses together, per currency.
    pub total: Amounts,
}

/// Billable, completed, not yet invoiced time and expenses per client.
#[derive(Debug, Serialize, ToSchema)]
pub struct UninvoicedOut {
    pub clients: Vec<UninvoicedClient>,
    pub total: Amounts,
}
