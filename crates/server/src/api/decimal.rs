//! Decimal values on the wire (amounts, rates, percentages, hours): strings
//! such as `"1250.00"`. A JSON number is accepted too and read from its
//! text, so `85.5` means exactly 85.5; the value is checked against its
//! currency or range where it is used, never turned into a float.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{RefOr, Schema};

/// A decimal number as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecimalText(pub String);

impl DecimalText {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Serialize for DecimalText {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for DecimalText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // Through a JSON value, so a missing field keeps serde's own
        // "missing field" error (and its field name).
        match serde_json::Value::deserialize(d)? {
            serde_json::Value::String(t) => Ok(DecimalText(t)),
            serde_json::Value::Number(n) => Ok(DecimalText(n.to_string())),
            _ => Err(serde::de::Error::custom(
                "must be a decimal string such as \"85.00\"",
            )),
        }
    }
}

impl utoipa::PartialSchema for DecimalText {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some(r"^-?[0-9]+(\.[0-9]+)?$"))
            .description(Some(
                "A decimal number as a string; numbers are accepted on input.",
            ))
            .examples([serde_json::json!("85.00")])
            .build()
            .into()
    }
}

impl utoipa::ToSchema for DecimalText {}
