//! The exact shapes of values the services validate, as schemas: what the
//! OpenAPI document promises must be exactly what the server accepts, so a
//! client (or schemathesis) generating from the document is never refused
//! for a value it could not have known was wrong, and every value outside
//! the schema is refused. Used with `#[schema(schema_with = …)]`.

use serde_json::json;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{Object, ObjectBuilder, Schema, SchemaType, Type};
use utoipa::{PartialSchema, ToSchema};

/// Declares a named component schema for a string shape.
macro_rules! string_format {
    ($(#[$doc:meta])* $name:ident => $build:expr) => {
        $(#[$doc])*
        pub struct $name;

        impl PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                let builder: ObjectBuilder = $build;
                builder.schema_type(Type::String).build().into()
            }
        }

        impl ToSchema for $name {}
    };
}

string_format! {
    /// An active ISO 4217 currency code (`stint_core::currency`).
    CurrencyCode => ObjectBuilder::new()
        .description(Some("An active ISO 4217 currency code, upper case."))
        .enum_values(Some(stint_core::currency::Currency::codes()))
        .examples([json!("EUR")])
}

string_format! {
    /// An assigned ISO 3166-1 alpha-2 country code (`stint_core::country`).
    CountryCode => ObjectBuilder::new()
        .description(Some("An assigned ISO 3166-1 alpha-2 country code, upper case."))
        .enum_values(Some(stint_core::country::country_codes().iter().copied()))
        .examples([json!("FR")])
}

string_format! {
    /// An IANA time zone name (`stint_core::timezone`).
    TimeZoneName => ObjectBuilder::new()
        .description(Some("An IANA time zone name."))
        .enum_values(Some(stint_core::timezone::timezone_names()))
        .examples([json!("Europe/Paris")])
}

string_format! {
    /// A BCP 47 language tag in the shapes `validation::locale_problem` accepts.
    LanguageTag => ObjectBuilder::new()
        .description(Some("A BCP 47 language tag such as `fr` or `fr-FR`."))
        .pattern(Some("^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$"))
        .max_length(Some(35))
        .examples([json!("fr-FR")])
}

string_format! {
    /// A UN/ECE Recommendation 20 unit code (`stint_core::unit_codes`).
    UnitCode => ObjectBuilder::new()
        .description(Some("A UN/ECE Recommendation 20 unit code (EN 16931 BT-130)."))
        .enum_values(Some(stint_core::unit_codes::UNIT_CODES.iter().map(|(code, _)| *code)))
        .examples([json!("HUR")])
}

string_format! {
    /// An email address as `validation::email_problem` accepts it.
    EmailAddress => ObjectBuilder::new()
        .description(Some("An email address (compared in lower case)."))
        .format(Some(utoipa::openapi::SchemaFormat::Custom("email".into())))
        .max_length(Some(254))
        .examples([json!("ada@example.com")])
}

/// `^[a-z][a-z0-9_]{0,49}$`, as `services::custom_fields::is_key` checks.
pub const CUSTOM_FIELD_KEY: &str = "^[a-z][a-z0-9_]{0,49}$";

fn custom_field_value() -> Object {
    ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([
            Type::String,
            Type::Number,
            Type::Boolean,
            Type::Array,
            Type::Null,
        ]))
        .build()
}

/// Time rounding (`none`, `5`, `15`, `30` minutes), as text or as the
/// numbers 0, 5, 15 and 30.
pub fn rounding(description: &str) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([Type::String, Type::Integer]))
        .enum_values(Some([
            json!("none"),
            json!("5"),
            json!("15"),
            json!("30"),
            json!(0),
            json!(5),
            json!(15),
            json!(30),
        ]))
        .description(Some(description))
        .examples([json!("15")])
        .build()
        .into()
}

/// Reads a rounding exactly as [`rounding`] documents it.
pub fn rounding_minutes(value: &serde_json::Value) -> Option<i64> {
    match value {
        serde_json::Value::String(t) => match t.as_str() {
            "none" => Some(0),
            "5" => Some(5),
            "15" => Some(15),
            "30" => Some(30),
            _ => None,
        },
        serde_json::Value::Number(n) => n.as_i64().filter(|m| [0, 5, 15, 30].contains(m)),
        _ => None,
    }
}

/// A time entry's tags: up to 20, each with a visible character and at most
/// 50 characters (duplicates are merged).
pub fn tags() -> utoipa::openapi::Array {
    utoipa::openapi::schema::ArrayBuilder::new()
        .items(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .min_length(Some(1))
                .max_length(Some(50))
                .pattern(Some(stint_core::validation::VISIBLE_CHAR_PATTERN)),
        )
        .max_items(Some(20))
        .description(Some(
            "Up to 20 labels of 1 to 50 characters; duplicates are merged.",
        ))
        .examples([json!(["design", "sprint-4"])])
        .build()
}

/// Custom field values by key: a text, number, date, boolean, select or
/// multi-select value as the field's definition says; `null` clears one. A
/// key that names no definition answers `404 not_found` naming it.
pub fn custom_field_values() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .property_names(Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some(CUSTOM_FIELD_KEY)),
        ))
        .additional_properties(Some(utoipa::openapi::Schema::Object(custom_field_value())))
        .examples([json!({"vat_group": "EU"})])
        .build()
}

/// The `custom_fields[KEY]=VALUE` list filters: one text value per key.
pub fn custom_field_filters() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .property_names(Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some(CUSTOM_FIELD_KEY)),
        ))
        .additional_properties(Some(ObjectBuilder::new().schema_type(Type::String)))
        .build()
}

/// Declares a named component schema for a decimal sent as text (or, when
/// whole, as a JSON integer between `min` and `max`).
macro_rules! decimal_format {
    ($(#[$doc:meta])* $name:ident, $pattern:expr, $min:expr, $max:expr, $description:expr, $example:expr) => {
        $(#[$doc])*
        pub struct $name;

        impl PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                ObjectBuilder::new()
                    .schema_type(SchemaType::from_iter([Type::String, Type::Integer]))
                    .pattern(Some($pattern))
                    .minimum(Some($min as f64))
                    .maximum(Some($max as f64))
                    .description(Some($description))
                    .examples([json!($example)])
                    .build()
                    .into()
            }
        }

        impl ToSchema for $name {}
    };
}

decimal_format! {
    /// A money amount of at least 0 (`money::parse_non_negative_amount`).
    NonNegativeAmount,
    stint_core::money::NON_NEGATIVE_AMOUNT_PATTERN,
    0,
    999_999_999_999i64,
    "A money amount of at least 0 as a string (`\"85.00\"`), or a whole JSON number. At most 12 \
     digits before the decimal point and 12 after; decimals beyond the currency's minor unit \
     (JPY 0, EUR 2, KWD 3) are rounded half away from zero.",
    "85.00"
}

decimal_format! {
    /// A money amount above 0 (`money::parse_positive_amount`).
    PositiveAmount,
    stint_core::money::POSITIVE_AMOUNT_PATTERN,
    1,
    999_999_999_999i64,
    "A money amount above 0 as a string (`\"42.50\"`), or a whole JSON number. At most 12 digits \
     before the decimal point and 12 after; decimals beyond the currency's minor unit (JPY 0, \
     EUR 2, KWD 3) are rounded half away from zero.",
    "42.50"
}

decimal_format! {
    /// A percentage (`money::Percent::parse`).
    Percentage,
    stint_core::money::PERCENT_PATTERN,
    0,
    100,
    "A percentage from 0 to 100 with at most two decimals, as a string (`\"20.00\"`), or a \
     whole JSON number.",
    "20.00"
}

decimal_format! {
    /// Budget hours (`services::projects::parse_budget_hours`).
    BudgetHours,
    crate::services::projects::BUDGET_HOURS_PATTERN,
    0,
    999_999,
    "Hours to the minute, under 1,000,000, as a string (`\"120.5\"`), or a whole JSON number: \
     hours × 60 must be whole (`\"1.5\"` and `\"0.05\"` are fine, `\"0.01\"` is refused).",
    "120.5"
}
