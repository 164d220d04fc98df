//! The exact shapes of values the services validate, as schemas: what the
//! OpenAPI document promises must be exactly what the server accepts, so a
//! client (or schemathesis) generating from the document is never refused
//! for a value it could not have known was wrong, and every value outside
//! the schema is refused. Used with `#[schema(schema_with = …)]`.

use serde_json::json;
use utoipa::openapi::schema::{Object, ObjectBuilder, SchemaType, Type};

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
