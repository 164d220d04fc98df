//! Organization settings on the wire: one object in three sections —
//! `profile` (who the organization is, as printed on invoices),
//! `defaults` (what new records start from) and `invoicing` (numbering and
//! texts). The same section shapes are read (GET) and written (the PATCH
//! merge base); the `…Patch` shapes only document that every field is
//! optional in a PATCH.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use utoipa::ToSchema;
use utoipa::openapi::{RefOr, Schema};

use super::common::Address;
use crate::api::decimal::DecimalText;

/// How tracked time is rounded: not at all, or up to 5, 15 or 30 minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TimeRounding {
    #[default]
    None,
    Minutes5,
    Minutes15,
    Minutes30,
}

impl TimeRounding {
    /// Minutes to round to; 0 for none.
    pub fn minutes(self) -> i64 {
        match self {
            TimeRounding::None => 0,
            TimeRounding::Minutes5 => 5,
            TimeRounding::Minutes15 => 15,
            TimeRounding::Minutes30 => 30,
        }
    }

    pub fn from_minutes(minutes: i64) -> Option<TimeRounding> {
        match minutes {
            0 => Some(TimeRounding::None),
            5 => Some(TimeRounding::Minutes5),
            15 => Some(TimeRounding::Minutes15),
            30 => Some(TimeRounding::Minutes30),
            _ => None,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            TimeRounding::None => "none",
            TimeRounding::Minutes5 => "5",
            TimeRounding::Minutes15 => "15",
            TimeRounding::Minutes30 => "30",
        }
    }
}

impl Serialize for TimeRounding {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for TimeRounding {
    // "15" and 15 mean the same; "none" (or 0) switches rounding off.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = serde_json::Value::deserialize(d)?;
        super::formats::rounding_minutes(&value)
            .and_then(TimeRounding::from_minutes)
            .ok_or_else(|| {
                serde::de::Error::custom("must be one of \"none\", \"5\", \"15\", \"30\"")
            })
    }
}

impl utoipa::PartialSchema for TimeRounding {
    fn schema() -> RefOr<Schema> {
        super::formats::rounding(
            "Rounding of tracked time in minutes, or `none`; numbers are accepted on input.",
        )
    }
}

impl ToSchema for TimeRounding {}

/// Who the organization is, as printed on its invoices.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfileSettings {
    /// The organization's name (also shown by `/me`).
    #[schema(example = "Acme Design Studio")]
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"[^\x00-\x20\x7F-\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]"
    )]
    pub name: String,
    /// Registered legal name, when it differs.
    #[schema(example = "Acme Design Studio SAS")]
    pub legal_name: Option<String>,
    /// Always present in answers; `null` in a PATCH clears every line.
    #[serde(default)]
    pub address: Option<Address>,
    #[schema(example = "FR40303265045")]
    pub vat_number: Option<String>,
    /// Company registration number (SIREN, Companies House …).
    #[schema(example = "303 265 045")]
    pub company_number: Option<String>,
    #[schema(example = "billing@acme.example")]
    #[schema(value_type = Option<super::formats::EmailAddress>)]
    pub email: Option<String>,
    #[schema(example = "+33 1 23 45 67 89")]
    pub phone: Option<String>,
    #[schema(example = "https://acme.example")]
    pub website: Option<String>,
    /// ISO 13616, checksum verified; spaces are accepted on input and
    /// dropped, letters upper-cased.
    #[schema(example = "FR7630006000011234567890189")]
    pub iban: Option<String>,
    /// SWIFT/BIC, 8 or 11 characters.
    #[schema(example = "BNPAFRPPXXX")]
    pub bic: Option<String>,
    #[schema(example = "BNP Paribas")]
    pub bank_name: Option<String>,
}

/// What new records start from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DefaultsSettings {
    /// ISO 4217; members' hourly amounts are in this currency.
    #[schema(example = "EUR")]
    #[schema(value_type = super::formats::CurrencyCode)]
    pub currency: String,
    /// IANA time zone in which dates of time entries are counted.
    #[schema(example = "Europe/Paris")]
    #[schema(value_type = super::formats::TimeZoneName)]
    pub timezone: String,
    /// BCP 47 language of documents.
    #[schema(example = "fr-FR")]
    #[schema(value_type = Option<super::formats::LanguageTag>)]
    pub locale: Option<String>,
    /// VAT percentage applied when nothing more specific says otherwise.
    #[schema(example = "20.00")]
    #[schema(value_type = Option<super::formats::Percentage>)]
    pub default_vat_rate: Option<DecimalText>,
    /// Days between an invoice's date and its due date; 30 unless set.
    #[schema(example = 30, minimum = 0, maximum = 365)]
    pub payment_terms_days: i64,
    pub time_rounding: TimeRounding,
}

/// How invoices are numbered and what they say.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvoicingSettings {
    /// Inserted by `{prefix}` in the number format.
    #[schema(example = "INV-")]
    pub prefix: Option<String>,
    /// The sequence number the next invoice gets (at least 1).
    #[schema(example = 1, minimum = 1, maximum = 999_999_999_999_i64)]
    pub next_number: i64,
    /// Placeholders: `{prefix}`, `{yyyy}`, `{yy}`, `{mm}` (of the invoice
    /// date), and exactly one `{seq}` or `{seq:N}` (zero-padded to N
    /// digits, N from 1 to 12). Other text is kept as is.
    #[schema(
        example = "{prefix}{yyyy}-{seq:4}",
        max_length = 100,
        pattern = r"^(?:[^{}]|\{(?:prefix|yyyy|yy|mm)\})*\{seq(?::(?:[1-9]|1[0-2]))?\}(?:[^{}]|\{(?:prefix|yyyy|yy|mm)\})*$"
    )]
    pub number_format: String,
    /// Printed at the bottom of every invoice.
    #[schema(example = "Acme Design Studio SAS, capital 10 000 €")]
    pub footer: Option<String>,
    /// Default notes on new invoices.
    #[schema(example = "Thank you for your business.")]
    pub notes: Option<String>,
}

/// Time tracking rules.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TimeTrackingSettings {
    /// Time entries and expenses dated before this date are locked: they can
    /// no longer be created, changed or deleted (`409 period_locked`). Null
    /// means nothing is locked.
    #[schema(value_type = Option<String>, format = Date, example = "2026-01-01")]
    pub lock_before: Option<chrono::NaiveDate>,
}

/// The settings as a whole, the merge base of a PATCH.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SettingsIn {
    pub profile: ProfileSettings,
    pub defaults: DefaultsSettings,
    pub invoicing: InvoicingSettings,
    #[serde(default)]
    pub time_tracking: TimeTrackingSettings,
}

/// The organization's settings.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SettingsOut {
    pub profile: ProfileSettings,
    pub defaults: DefaultsSettings,
    pub invoicing: InvoicingSettings,
    pub time_tracking: TimeTrackingSettings,
    pub updated_at: DateTime<Utc>,
}

/// Profile fields to change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // parsed for type checking and documentation; merged raw
pub struct ProfilePatch {
    pub name: Option<String>,
    pub legal_name: Option<String>,
    pub address: Option<Address>,
    pub vat_number: Option<String>,
    pub company_number: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub website: Option<String>,
    #[schema(example = "FR76 3000 6000 0112 3456 7890 189")]
    pub iban: Option<String>,
    pub bic: Option<String>,
    pub bank_name: Option<String>,
}

/// Defaults to change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct DefaultsPatch {
    pub currency: Option<String>,
    pub timezone: Option<String>,
    pub locale: Option<String>,
    #[schema(value_type = Option<super::formats::Percentage>, example = "20.00")]
    pub default_vat_rate: Option<DecimalText>,
    pub payment_terms_days: Option<i64>,
    pub time_rounding: Option<TimeRounding>,
}

/// Invoicing settings to change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct InvoicingPatch {
    pub prefix: Option<String>,
    pub next_number: Option<i64>,
    pub number_format: Option<String>,
    pub footer: Option<String>,
    pub notes: Option<String>,
}

/// A partial update: only the fields sent change, section by section;
/// `null` clears an optional field.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct SettingsPatch {
    pub profile: Option<ProfilePatch>,
    pub defaults: Option<DefaultsPatch>,
    pub invoicing: Option<InvoicingPatch>,
    pub time_tracking: Option<TimeTrackingSettings>,
}
