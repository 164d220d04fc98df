//! Instants on input: RFC 3339 with an offset (`2026-03-02T09:00:00Z`,
//! `2026-03-02T10:00:00+01:00`). A time without an offset is refused with a
//! message that says so — never guessed in some time zone.

use chrono::{DateTime, FixedOffset, NaiveDateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
use utoipa::openapi::{RefOr, Schema};

/// An instant given by a client, with the offset it was written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Instant(pub DateTime<FixedOffset>);

impl Instant {
    pub fn utc(&self) -> DateTime<Utc> {
        stint_core::clock::to_micros(self.0.with_timezone(&Utc))
    }
}

impl From<DateTime<Utc>> for Instant {
    fn from(value: DateTime<Utc>) -> Self {
        Instant(value.fixed_offset())
    }
}

impl Serialize for Instant {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(
            &self
                .utc()
                .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
        )
    }
}

impl<'de> Deserialize<'de> for Instant {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        parse(&text).map_err(serde::de::Error::custom)
    }
}

fn parse(text: &str) -> Result<Instant, String> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text.trim()) {
        return Ok(Instant(t));
    }
    let naive = NaiveDateTime::parse_from_str(text.trim(), "%Y-%m-%dT%H:%M:%S%.f")
        .or_else(|_| NaiveDateTime::parse_from_str(text.trim(), "%Y-%m-%d %H:%M:%S%.f"))
        .or_else(|_| NaiveDateTime::parse_from_str(text.trim(), "%Y-%m-%dT%H:%M"));
    if naive.is_ok() {
        return Err(format!(
            "`{text}` has no time zone offset; add one such as Z or +01:00 (times are never guessed)"
        ));
    }
    Err(format!(
        "`{text}` is not an RFC 3339 date-time such as 2026-03-02T09:00:00Z"
    ))
}

impl utoipa::PartialSchema for Instant {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)))
            .description(Some(
                "RFC 3339 with an offset; times without one are refused.",
            ))
            .examples([serde_json::json!("2026-03-02T09:00:00+01:00")])
            .build()
            .into()
    }
}

impl utoipa::ToSchema for Instant {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn needs_an_offset() {
        assert!(parse("2026-03-02T09:00:00Z").is_ok());
        assert_eq!(
            parse("2026-03-02T10:00:00+01:00").unwrap().utc(),
            parse("2026-03-02T09:00:00Z").unwrap().utc()
        );
        let err = parse("2026-03-02T09:00:00").unwrap_err();
        assert!(err.contains("no time zone offset"), "{err}");
        assert!(parse("yesterday").unwrap_err().contains("RFC 3339"));
    }
}
