//! Services and client service rates on the wire.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use stint_core::currency::Currency;
use stint_core::ids::{ClientId, ServiceId};
use stint_core::money::{Percent, format_amount};
use stint_store::services::{ClientServiceRate, Service};
use utoipa::ToSchema;

use super::common::RecordStatus;
use crate::api::decimal::DecimalText;

/// How a service is sold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ServiceKind {
    /// Billed by time: the rate is per hour.
    #[default]
    Hourly,
    /// Billed per unit: the rate is per unit of `unit_code`.
    Fixed,
}

impl ServiceKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            ServiceKind::Hourly => "hourly",
            ServiceKind::Fixed => "fixed",
        }
    }

    pub fn parse(text: &str) -> ServiceKind {
        if text == "fixed" {
            ServiceKind::Fixed
        } else {
            ServiceKind::Hourly
        }
    }
}

/// What billable time on the service is rounded up to: `none`, or a number
/// of minutes (`5`, `15`, `30`). The numbers 0, 5, 15 and 30 are accepted
/// on input too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub enum Rounding {
    #[default]
    #[serde(rename = "none")]
    None,
    #[serde(rename = "5")]
    Minutes5,
    #[serde(rename = "15")]
    Minutes15,
    #[serde(rename = "30")]
    Minutes30,
}

impl Rounding {
    /// Minutes, as stored (0 for none).
    pub fn minutes(&self) -> i64 {
        match self {
            Rounding::None => 0,
            Rounding::Minutes5 => 5,
            Rounding::Minutes15 => 15,
            Rounding::Minutes30 => 30,
        }
    }

    pub fn from_minutes(minutes: i64) -> Option<Rounding> {
        match minutes {
            0 => Some(Rounding::None),
            5 => Some(Rounding::Minutes5),
            15 => Some(Rounding::Minutes15),
            30 => Some(Rounding::Minutes30),
            _ => None,
        }
    }
}

impl<'de> Deserialize<'de> for Rounding {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = serde_json::Value::deserialize(d)?;
        super::formats::rounding_minutes(&value)
            .and_then(Rounding::from_minutes)
            .ok_or_else(|| {
                serde::de::Error::custom("must be one of \"none\", \"5\", \"15\", \"30\"")
            })
    }
}

impl utoipa::PartialSchema for Rounding {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        super::formats::rounding(
            "What billable time is rounded up to: `none` or minutes; the numbers 0, 5, 15 and 30 are accepted too.",
        )
    }
}

impl utoipa::ToSchema for Rounding {}

/// A service to create (POST) or replace (PUT). Absent optional fields take
/// their defaults; on PUT that resets them.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceIn {
    /// What the service is called on time entries and invoices.
    #[schema(example = "Design")]
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"[^\x00-\x20\x7F-\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]"
    )]
    pub name: String,
    /// Longer text for invoice lines.
    #[schema(example = "Interface and visual design")]
    pub description: Option<String>,
    /// `hourly` (default) or `fixed`.
    #[serde(default)]
    pub kind: ServiceKind,
    /// The price per unit (per hour for hourly services), in `currency`; at
    /// least 0. Defaults to 0.
    #[schema(example = "85.00")]
    #[schema(value_type = Option<super::formats::NonNegativeAmount>)]
    pub rate: Option<DecimalText>,
    /// ISO 4217; the organization's currency when absent. Client rates of
    /// the service are in this currency too.
    #[schema(example = "EUR")]
    #[schema(value_type = Option<super::formats::CurrencyCode>)]
    pub currency: Option<String>,
    /// UN/ECE Recommendation 20 unit code; `HUR` for hourly and `C62` (one)
    /// for fixed services when absent.
    #[schema(example = "HUR")]
    #[schema(value_type = Option<super::formats::UnitCode>)]
    pub unit_code: Option<String>,
    /// VAT percentage with at most 2 decimals, 0 to 100; 0 when absent.
    #[schema(example = "20.00")]
    #[schema(value_type = Option<super::formats::Percentage>)]
    pub vat_rate: Option<DecimalText>,
    /// Billable time is rounded up to this many minutes.
    #[serde(default)]
    pub rounding: Rounding,
    #[serde(default)]
    pub status: RecordStatus,
}

/// A partial update: only the fields sent change; `null` resets an
/// optional field (`description`, `rate`, `currency`, `unit_code`,
/// `vat_rate`) to its default.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // parsed for type checking and documentation; merged raw
pub struct ServicePatch {
    /// What the service is called.
    pub name: Option<String>,
    /// Longer text for invoice lines.
    pub description: Option<String>,
    /// `hourly` or `fixed`.
    pub kind: Option<ServiceKind>,
    /// The price per unit, in `currency`.
    #[schema(example = "90.00")]
    #[schema(value_type = Option<super::formats::NonNegativeAmount>)]
    pub rate: Option<DecimalText>,
    /// ISO 4217. Refused while the service has client rates.
    pub currency: Option<String>,
    /// UN/ECE Recommendation 20 unit code.
    pub unit_code: Option<String>,
    /// VAT percentage, 0 to 100.
    #[schema(example = "20.00")]
    #[schema(value_type = Option<super::formats::Percentage>)]
    pub vat_rate: Option<DecimalText>,
    /// `none`, `5`, `15` or `30` minutes.
    pub rounding: Option<Rounding>,
    /// `active` or `archived`.
    pub status: Option<RecordStatus>,
}

/// A service: what time (or a fixed item) is sold as.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ServiceOut {
    pub id: ServiceId,
    /// What the service is called.
    #[schema(example = "Design")]
    pub name: String,
    /// Longer text for invoice lines.
    pub description: Option<String>,
    /// `hourly` or `fixed`.
    pub kind: ServiceKind,
    /// The price per unit, in `currency`, with its decimals.
    #[schema(example = "85.00")]
    pub rate: String,
    /// ISO 4217.
    #[schema(example = "EUR")]
    pub currency: String,
    /// UN/ECE Recommendation 20 unit code.
    #[schema(example = "HUR")]
    pub unit_code: String,
    /// VAT percentage with two decimals.
    #[schema(example = "20.00")]
    pub vat_rate: String,
    /// Billable time is rounded up to this many minutes.
    pub rounding: Rounding,
    /// `active` or `archived`.
    pub status: RecordStatus,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Minor units as a decimal string in the currency's decimals.
pub fn amount_text(minor: i64, currency: &str) -> String {
    match Currency::from_code(currency) {
        Some(c) => format_amount(minor, c),
        // Stored currencies were validated; never guess decimals for one that was not.
        None => minor.to_string(),
    }
}

impl From<&Service> for ServiceOut {
    fn from(s: &Service) -> Self {
        ServiceOut {
            id: s.id,
            name: s.name.clone(),
            description: s.description.clone(),
            kind: ServiceKind::parse(&s.kind),
            rate: amount_text(s.rate, &s.currency),
            currency: s.currency.clone(),
            unit_code: s.unit_code.clone(),
            vat_rate: Percent(s.vat_rate).to_string(),
            rounding: Rounding::from_minutes(s.rounding).unwrap_or_default(),
            status: RecordStatus::parse(&s.status),
            created_at: s.created_at,
            updated_at: s.updated_at,
        }
    }
}

/// The current service as an input, for merge patches.
impl From<&Service> for ServiceIn {
    fn from(s: &Service) -> Self {
        ServiceIn {
            name: s.name.clone(),
            description: s.description.clone(),
            kind: ServiceKind::parse(&s.kind),
            rate: Some(DecimalText(amount_text(s.rate, &s.currency))),
            currency: Some(s.currency.clone()),
            unit_code: Some(s.unit_code.clone()),
            vat_rate: Some(DecimalText(Percent(s.vat_rate).to_string())),
            rounding: Rounding::from_minutes(s.rounding).unwrap_or_default(),
            status: RecordStatus::parse(&s.status),
        }
    }
}

/// A client's own rate for a service.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClientServiceRateIn {
    /// The price per unit for this client, in the service's currency; at
    /// least 0.
    // Optional in Rust only so a missing rate is reported on its field:
    // `DecimalText` turns serde's "missing field" into its own message.
    #[schema(value_type = super::formats::NonNegativeAmount, required = true, example = "95.00")]
    pub rate: Option<DecimalText>,
}

/// A client's own rate for a service, which replaces the service's rate for
/// that client.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ClientServiceRateOut {
    pub client_id: ClientId,
    pub service_id: ServiceId,
    /// The service's name, for display.
    #[schema(example = "Design")]
    pub service_name: String,
    /// The price per unit for this client, in `currency`.
    #[schema(example = "95.00")]
    pub rate: String,
    /// The service's currency (ISO 4217).
    #[schema(example = "EUR")]
    pub currency: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&ClientServiceRate> for ClientServiceRateOut {
    fn from(r: &ClientServiceRate) -> Self {
        ClientServiceRateOut {
            client_id: r.client_id,
            service_id: r.service_id,
            service_name: r.service_name.clone(),
            rate: amount_text(r.rate, &r.currency),
            currency: r.currency.clone(),
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}
