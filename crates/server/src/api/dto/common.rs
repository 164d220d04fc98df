//! Shapes shared by several resources.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Lifecycle of records that are archived rather than deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RecordStatus {
    #[default]
    Active,
    Archived,
}

impl RecordStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            RecordStatus::Active => "active",
            RecordStatus::Archived => "archived",
        }
    }

    pub fn parse(text: &str) -> RecordStatus {
        if text == "archived" {
            RecordStatus::Archived
        } else {
            RecordStatus::Active
        }
    }
}

/// A postal address.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Address {
    #[schema(example = "12 rue de la Paix")]
    pub street: Option<String>,
    #[schema(example = "75002")]
    pub postal_code: Option<String>,
    #[schema(example = "Paris")]
    pub city: Option<String>,
    #[schema(example = "Île-de-France")]
    pub region: Option<String>,
    /// ISO 3166-1 alpha-2, upper case.
    #[schema(example = "FR")]
    #[schema(value_type = Option<super::formats::CountryCode>)]
    pub country_code: Option<String>,
}
