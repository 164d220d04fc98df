//! Projects on the wire.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use stint_core::currency::Currency;
use stint_core::ids::{ClientId, MemberId, ProjectId};
use stint_core::money::format_amount;
use stint_store::projects::Project;
use utoipa::ToSchema;

use crate::api::decimal::DecimalText;

/// Where a project stands. `completed` projects still show in the default
/// list; `archived` ones are hidden from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProjectStatus {
    #[default]
    Active,
    Completed,
    Archived,
}

impl ProjectStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            ProjectStatus::Active => "active",
            ProjectStatus::Completed => "completed",
            ProjectStatus::Archived => "archived",
        }
    }

    pub fn parse(text: &str) -> ProjectStatus {
        match text {
            "completed" => ProjectStatus::Completed,
            "archived" => ProjectStatus::Archived,
            _ => ProjectStatus::Active,
        }
    }
}

/// How a project's work is billed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BillingMethod {
    /// Time is billed at an hourly rate.
    #[default]
    Hourly,
    /// One agreed price for the whole project (`fixed_fee`).
    FixedFee,
    /// Time is tracked but never billed.
    NonBillable,
}

impl BillingMethod {
    pub fn as_str(&self) -> &'static str {
        match self {
            BillingMethod::Hourly => "hourly",
            BillingMethod::FixedFee => "fixed_fee",
            BillingMethod::NonBillable => "non_billable",
        }
    }

    pub fn parse(text: &str) -> BillingMethod {
        match text {
            "fixed_fee" => BillingMethod::FixedFee,
            "non_billable" => BillingMethod::NonBillable,
            _ => BillingMethod::Hourly,
        }
    }
}

/// A project to create (POST) or replace (PUT). Absent optional fields are
/// empty; on PUT that clears them.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectIn {
    /// The client the project is for; absent for internal projects.
    pub client_id: Option<ClientId>,
    /// The project's name.
    #[schema(example = "Website redesign")]
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"[^\x00-\x20\x7F-\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]"
    )]
    pub name: String,
    /// A short reference, such as a purchase order or job number.
    #[schema(example = "WEB-2026")]
    pub code: Option<String>,
    /// `active` (default), `completed` or `archived`.
    #[serde(default)]
    pub status: ProjectStatus,
    /// `hourly` (default), `fixed_fee` or `non_billable`.
    #[serde(default)]
    pub billing_method: BillingMethod,
    /// ISO 4217; the client's currency when absent, else the organization's.
    /// Every amount of the project is in this currency.
    #[schema(example = "EUR")]
    #[schema(value_type = Option<super::formats::CurrencyCode>)]
    pub currency: Option<String>,
    /// The rate billed per hour, used by `hourly` projects only (kept but
    /// ignored otherwise). When absent, rates come from members or services.
    #[schema(example = "95.00")]
    #[schema(value_type = Option<super::formats::NonNegativeAmount>)]
    pub hourly_rate: Option<DecimalText>,
    /// The agreed price, used by `fixed_fee` projects only (kept but ignored
    /// otherwise); optional, as the fee may not be agreed yet.
    #[schema(example = "12000.00")]
    #[schema(value_type = Option<super::formats::NonNegativeAmount>)]
    pub fixed_fee: Option<DecimalText>,
    /// Budgeted time in hours, to the minute (hours × 60 must be whole:
    /// `"1.5"` and `"0.05"` are fine, `"0.01"` is refused).
    #[schema(example = "120.5")]
    #[schema(value_type = Option<super::formats::BudgetHours>)]
    pub budget_hours: Option<DecimalText>,
    /// Budgeted amount in the project's currency.
    #[schema(example = "15000.00")]
    #[schema(value_type = Option<super::formats::NonNegativeAmount>)]
    pub budget_amount: Option<DecimalText>,
    /// First day of the project.
    #[schema(example = "2026-03-01")]
    pub starts_on: Option<NaiveDate>,
    /// Last day of the project; on or after `starts_on`.
    #[schema(example = "2026-06-30")]
    pub ends_on: Option<NaiveDate>,
    /// Free text for the team.
    pub notes: Option<String>,
    /// Members working on the project.
    #[serde(default)]
    pub member_ids: Vec<MemberId>,
    /// Values of the organization's project custom fields, by key.
    #[serde(default)]
    #[schema(schema_with = super::formats::custom_field_values)]
    pub custom_fields: Map<String, Value>,
}

/// A partial update: only the fields sent change; `null` clears a field.
/// `custom_fields` merges key by key.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // parsed for type checking and documentation; merged raw
pub struct ProjectPatch {
    /// The client the project is for; `null` makes it internal.
    pub client_id: Option<ClientId>,
    /// The project's name.
    pub name: Option<String>,
    /// A short reference.
    pub code: Option<String>,
    /// `active`, `completed` or `archived`.
    pub status: Option<ProjectStatus>,
    /// `hourly`, `fixed_fee` or `non_billable`.
    pub billing_method: Option<BillingMethod>,
    /// ISO 4217.
    pub currency: Option<String>,
    /// Hourly projects only.
    #[schema(value_type = Option<super::formats::NonNegativeAmount>)]
    pub hourly_rate: Option<DecimalText>,
    /// Fixed-fee projects only.
    #[schema(value_type = Option<super::formats::NonNegativeAmount>)]
    pub fixed_fee: Option<DecimalText>,
    /// Budgeted time in hours, to the minute.
    #[schema(value_type = Option<super::formats::BudgetHours>)]
    pub budget_hours: Option<DecimalText>,
    /// Budgeted amount in the project's currency.
    #[schema(value_type = Option<super::formats::NonNegativeAmount>)]
    pub budget_amount: Option<DecimalText>,
    /// First day of the project.
    pub starts_on: Option<NaiveDate>,
    /// Last day of the project.
    pub ends_on: Option<NaiveDate>,
    /// Free text for the team.
    pub notes: Option<String>,
    /// Members working on the project (the whole list).
    pub member_ids: Option<Vec<MemberId>>,
    /// Custom field values to set; `null` removes one.
    #[schema(value_type = Option<Object>)]
    pub custom_fields: Option<Map<String, Value>>,
}

/// A project.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProjectOut {
    /// The project's id.
    pub id: ProjectId,
    /// The client the project is for; null for internal projects.
    pub client_id: Option<ClientId>,
    /// The project's name.
    #[schema(example = "Website redesign")]
    pub name: String,
    /// A short reference.
    #[schema(example = "WEB-2026")]
    pub code: Option<String>,
    /// `active`, `completed` or `archived`.
    pub status: ProjectStatus,
    /// `hourly`, `fixed_fee` or `non_billable`.
    pub billing_method: BillingMethod,
    /// ISO 4217 currency of every amount of the project.
    #[schema(example = "EUR")]
    pub currency: String,
    /// Rate per hour, for hourly projects.
    #[schema(example = "95.00")]
    pub hourly_rate: Option<String>,
    /// The agreed price, for fixed-fee projects.
    #[schema(example = "12000.00")]
    pub fixed_fee: Option<String>,
    /// Budgeted time in hours, with two decimals.
    #[schema(example = "120.50")]
    pub budget_hours: Option<String>,
    /// Budgeted amount.
    #[schema(example = "15000.00")]
    pub budget_amount: Option<String>,
    /// First day of the project.
    #[schema(example = "2026-03-01")]
    pub starts_on: Option<NaiveDate>,
    /// Last day of the project.
    #[schema(example = "2026-06-30")]
    pub ends_on: Option<NaiveDate>,
    /// Free text for the team.
    pub notes: Option<String>,
    /// Members working on the project, in id order.
    pub member_ids: Vec<MemberId>,
    /// Custom field values, by key.
    #[schema(value_type = Object, example = json!({"department": "Design"}))]
    pub custom_fields: Map<String, Value>,
    /// When the project was created.
    pub created_at: DateTime<Utc>,
    /// When the project last changed.
    pub updated_at: DateTime<Utc>,
}

/// Minor units as the decimal text of the currency (an unknown stored code,
/// which validation never lets in, falls back to the bare integer).
fn money(minor: Option<i64>, currency: &str) -> Option<String> {
    minor.map(|m| match Currency::from_code(currency) {
        Some(c) => format_amount(m, c),
        None => m.to_string(),
    })
}

/// Minutes as hours with two decimals. Exact for every budget the API
/// accepts (a whole number of minutes written as decimal hours is always a
/// multiple of 3 minutes, i.e. of 0.05 h); anything else rounds half up.
pub fn hours_text(minutes: i64) -> String {
    let hundredths = (minutes * 100 + 30) / 60;
    format!("{}.{:02}", hundredths / 100, hundredths % 100)
}

impl From<&Project> for ProjectOut {
    fn from(p: &Project) -> Self {
        ProjectOut {
            id: p.id,
            client_id: p.client_id(),
            name: p.name.clone(),
            code: p.code.clone(),
            status: ProjectStatus::parse(&p.status),
            billing_method: BillingMethod::parse(&p.billing_method),
            currency: p.currency.clone(),
            hourly_rate: money(p.hourly_rate, &p.currency),
            fixed_fee: money(p.fixed_fee, &p.currency),
            budget_hours: p.budget_minutes.map(hours_text),
            budget_amount: money(p.budget_amount, &p.currency),
            starts_on: p.starts_on,
            ends_on: p.ends_on,
            notes: p.notes.clone(),
            member_ids: p.member_ids.clone(),
            custom_fields: p.custom_fields.0.clone(),
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

/// The current project as an input, for merge patches.
impl From<&Project> for ProjectIn {
    fn from(p: &Project) -> Self {
        let text = |value: Option<String>| value.map(DecimalText);
        ProjectIn {
            client_id: p.client_id(),
            name: p.name.clone(),
            code: p.code.clone(),
            status: ProjectStatus::parse(&p.status),
            billing_method: BillingMethod::parse(&p.billing_method),
            currency: Some(p.currency.clone()),
            hourly_rate: text(money(p.hourly_rate, &p.currency)),
            fixed_fee: text(money(p.fixed_fee, &p.currency)),
            budget_hours: text(p.budget_minutes.map(hours_text)),
            budget_amount: text(money(p.budget_amount, &p.currency)),
            starts_on: p.starts_on,
            ends_on: p.ends_on,
            notes: p.notes.clone(),
            member_ids: p.member_ids.clone(),
            custom_fields: p.custom_fields.0.clone(),
        }
    }
}
