//! Products on the wire.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use stint_core::ids::ProductId;
use stint_core::money::Percent;
use stint_store::products::Product;
use utoipa::ToSchema;

use super::common::RecordStatus;
use super::services::amount_text;
use crate::api::decimal::DecimalText;

/// VAT category of EN 16931 (UNTDID 5305 subset, BT-151). `S` needs a VAT
/// rate above 0; every other category needs a rate of 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
pub enum VatCategory {
    /// Standard rate.
    #[default]
    S,
    /// Zero rated goods.
    Z,
    /// Exempt from VAT.
    E,
    /// VAT reverse charge.
    AE,
    /// Intra-community supply (VAT exempt for EEA intra-community supply).
    K,
    /// Free export item, VAT not charged.
    G,
    /// Services outside the scope of VAT.
    O,
}

impl VatCategory {
    pub fn as_str(&self) -> &'static str {
        match self {
            VatCategory::S => "S",
            VatCategory::Z => "Z",
            VatCategory::E => "E",
            VatCategory::AE => "AE",
            VatCategory::K => "K",
            VatCategory::G => "G",
            VatCategory::O => "O",
        }
    }

    pub fn parse(text: &str) -> VatCategory {
        match text {
            "Z" => VatCategory::Z,
            "E" => VatCategory::E,
            "AE" => VatCategory::AE,
            "K" => VatCategory::K,
            "G" => VatCategory::G,
            "O" => VatCategory::O,
            _ => VatCategory::S,
        }
    }
}

/// A product to create (POST) or replace (PUT). Absent optional fields take
/// their defaults; on PUT that resets them.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductIn {
    /// What the product is called on invoices.
    #[schema(example = "USB-C cable, 2 m")]
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"[^\x00-\x20\x7F-\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]"
    )]
    pub name: String,
    /// Stock keeping unit; unique within the organization when present.
    #[schema(example = "CAB-USBC-2M")]
    pub sku: Option<String>,
    /// Longer text for invoice lines.
    pub description: Option<String>,
    /// The net price of one unit, in `currency`; at least 0 (EN 16931
    /// BR-27). Defaults to 0.
    #[schema(example = "12.50")]
    #[schema(value_type = Option<super::formats::NonNegativeAmount>)]
    pub unit_price: Option<DecimalText>,
    /// ISO 4217; the organization's currency when absent.
    #[schema(example = "EUR")]
    #[schema(value_type = Option<super::formats::CurrencyCode>)]
    pub currency: Option<String>,
    /// UN/ECE Recommendation 20 unit code; `C62` (one) when absent.
    #[schema(example = "H87")]
    #[schema(value_type = Option<super::formats::UnitCode>)]
    pub unit_code: Option<String>,
    /// VAT percentage with at most 2 decimals, 0 to 100. Required above 0
    /// for category `S`; 0 (the default) for every other category.
    #[schema(example = "20.00")]
    #[schema(value_type = Option<super::formats::Percentage>)]
    pub vat_rate: Option<DecimalText>,
    /// EN 16931 VAT category; `S` (standard rate) when absent.
    #[serde(default)]
    pub vat_category: VatCategory,
    #[serde(default)]
    pub status: RecordStatus,
}

/// A partial update: only the fields sent change; `null` resets an
/// optional field (`sku`, `description`, `unit_price`, `currency`,
/// `unit_code`, `vat_rate`) to its default.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // parsed for type checking and documentation; merged raw
pub struct ProductPatch {
    /// What the product is called.
    pub name: Option<String>,
    /// Stock keeping unit, unique within the organization.
    pub sku: Option<String>,
    /// Longer text for invoice lines.
    pub description: Option<String>,
    /// The net price of one unit, in `currency`.
    #[schema(example = "12.50")]
    #[schema(value_type = Option<super::formats::NonNegativeAmount>)]
    pub unit_price: Option<DecimalText>,
    /// ISO 4217.
    pub currency: Option<String>,
    /// UN/ECE Recommendation 20 unit code.
    pub unit_code: Option<String>,
    /// VAT percentage, 0 to 100.
    #[schema(example = "20.00")]
    #[schema(value_type = Option<super::formats::Percentage>)]
    pub vat_rate: Option<DecimalText>,
    /// EN 16931 VAT category.
    pub vat_category: Option<VatCategory>,
    /// `active` or `archived`.
    pub status: Option<RecordStatus>,
}

/// A product sold on invoices.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProductOut {
    pub id: ProductId,
    /// What the product is called.
    #[schema(example = "USB-C cable, 2 m")]
    pub name: String,
    /// Stock keeping unit, unique within the organization.
    #[schema(example = "CAB-USBC-2M")]
    pub sku: Option<String>,
    /// Longer text for invoice lines.
    pub description: Option<String>,
    /// The net price of one unit, in `currency`, with its decimals.
    #[schema(example = "12.50")]
    pub unit_price: String,
    /// ISO 4217.
    #[schema(example = "EUR")]
    pub currency: String,
    /// UN/ECE Recommendation 20 unit code.
    #[schema(example = "H87")]
    pub unit_code: String,
    /// VAT percentage with two decimals.
    #[schema(example = "20.00")]
    pub vat_rate: String,
    /// EN 16931 VAT category.
    pub vat_category: VatCategory,
    /// `active` or `archived`.
    pub status: RecordStatus,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&Product> for ProductOut {
    fn from(p: &Product) -> Self {
        ProductOut {
            id: p.id,
            name: p.name.clone(),
            sku: p.sku.clone(),
            description: p.description.clone(),
            unit_price: amount_text(p.unit_price, &p.currency),
            currency: p.currency.clone(),
            unit_code: p.unit_code.clone(),
            vat_rate: Percent(p.vat_rate).to_string(),
            vat_category: VatCategory::parse(&p.vat_category),
            status: RecordStatus::parse(&p.status),
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

/// The current product as an input, for merge patches.
impl From<&Product> for ProductIn {
    fn from(p: &Product) -> Self {
        ProductIn {
            name: p.name.clone(),
            sku: p.sku.clone(),
            description: p.description.clone(),
            unit_price: Some(DecimalText(amount_text(p.unit_price, &p.currency))),
            currency: Some(p.currency.clone()),
            unit_code: Some(p.unit_code.clone()),
            vat_rate: Some(DecimalText(Percent(p.vat_rate).to_string())),
            vat_category: VatCategory::parse(&p.vat_category),
            status: RecordStatus::parse(&p.status),
        }
    }
}
