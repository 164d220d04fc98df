//! Decimal values on the wire (amounts, rates, percentages, hours): strings
//! such as `"1250.00"`. A whole JSON number (`85`) is accepted too; a
//! fraction must be a string, since a JSON number with a fraction is a
//! float to most clients (`0.1 + 0.2`) and money is never a float. The
//! value is checked against its currency or range where it is used.

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
            serde_json::Value::Number(n) if n.is_i64() || n.is_u64() => {
                Ok(DecimalText(n.to_string()))
            }
            // An integral float (`85.0`) is the whole number it spells.
            serde_json::Value::Number(n)
                if n.as_f64()
                    .is_some_and(|f| f.fract() == 0.0 && f.abs() < 9_007_199_254_740_992.0) =>
            {
                Ok(DecimalText(format!(
                    "{}",
                    n.as_f64().unwrap_or_default() as i64
                )))
            }
            serde_json::Value::Number(_) => Err(serde::de::Error::custom(
                "must be a decimal string such as \"85.50\" (a JSON number must be whole)",
            )),
            _ => Err(serde::de::Error::custom(
                "must be a decimal string such as \"85.00\"",
            )),
        }
    }
}

impl utoipa::PartialSchema for DecimalText {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::SchemaType::from_iter([
                Type::String,
                Type::Integer,
            ]))
            .pattern(Some(r"^-?[0-9]+(\.[0-9]+)?$"))
            .description(Some(
                "A decimal number as a string; whole numbers are accepted as JSON numbers too.",
            ))
            .examples([serde_json::json!("85.00")])
            .build()
            .into()
    }
}

impl utoipa::ToSchema for DecimalText {}

#[cfg(test)]
mod tests {
    use super::DecimalText;

    fn read(json: &str) -> Result<String, String> {
        serde_json::from_str::<DecimalText>(json)
            .map(|d| d.0)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn strings_and_whole_numbers_only() {
        assert_eq!(read(r#""85.50""#).unwrap(), "85.50");
        assert_eq!(read("85").unwrap(), "85");
        assert_eq!(read("85.0").unwrap(), "85");
        assert!(read("85.5").unwrap_err().contains("whole"));
        assert!(read("true").is_err());
    }
}
