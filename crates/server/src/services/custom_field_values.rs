//! Custom field values on clients, projects and tasks: validated against the
//! organization's definitions on every write, and turned into list
//! conditions for `custom_fields[KEY]=VALUE`.

use std::collections::HashSet;

use serde_json::{Map, Value};
use stint_core::Validation;
use stint_store::custom_fields::CustomField;
use stint_store::filters::CustomFieldCondition;
use stint_store::{Exec, Tenant};

use crate::api::error::{ApiError, Code};

use super::custom_fields::is_key;

const MAX_TEXT_CHARS: usize = 10_000;

/// What a key that cannot name any custom field is told.
const KEY_SHAPE: &str = "must be a custom field key: a lower-case letter, then up to 49 lower-case letters, digits or _";

fn is_date(text: &str) -> bool {
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").is_ok() && text.len() == 10
}

fn value_problem(definition: &CustomField, value: &Value) -> Option<String> {
    let options = &definition.options.0;
    match (definition.field_type.as_str(), value) {
        ("text", Value::String(s)) if s.chars().count() <= MAX_TEXT_CHARS => None,
        ("text", Value::String(_)) => {
            Some(format!("must be at most {MAX_TEXT_CHARS} characters long"))
        }
        ("text", _) => Some("must be a string".into()),
        ("number", Value::Number(_)) => None,
        ("number", _) => Some("must be a number".into()),
        ("date", Value::String(s)) if is_date(s) => None,
        ("date", _) => Some("must be a date such as 2026-03-31".into()),
        ("boolean", Value::Bool(_)) => None,
        ("boolean", _) => Some("must be true or false".into()),
        ("select", Value::String(s)) if options.contains(s) => None,
        ("select", _) => Some(format!("must be one of: {}", options.join(", "))),
        ("multi_select", Value::Array(items)) => {
            let all_known = items
                .iter()
                .all(|i| i.as_str().is_some_and(|s| options.iter().any(|o| o == s)));
            let mut seen = HashSet::new();
            let distinct = items.iter().all(|i| seen.insert(i.to_string()));
            (!(all_known && distinct)).then(|| {
                format!(
                    "must be a list of distinct values among: {}",
                    options.join(", ")
                )
            })
        }
        ("multi_select", _) => Some("must be a list of values".into()),
        _ => Some("has an unknown type".into()),
    }
}

/// Checks `values` (and drops `null`s, which clear a value) against the
/// definitions of `entity`. Problems are added to `v` as
/// `custom_fields.KEY`.
pub async fn validate<E: Exec>(
    db: &mut Tenant<E>,
    entity: &str,
    values: &mut Map<String, Value>,
    v: &mut Validation,
) -> Result<(), ApiError> {
    values.retain(|_, value| !value.is_null());
    let definitions = db.custom_field_definitions(entity).await?;
    // One problem per field: a value of the wrong type is not also "required".
    let mut refused = HashSet::new();
    for (key, value) in values.iter() {
        let field = format!("custom_fields.{key}");
        // A key of the right shape names a definition, like an id names a
        // record: an unknown one is a missing reference (404 when alone).
        let problem = match definitions.iter().find(|d| &d.key == key) {
            None if is_key(key) => {
                v.missing(field, &format!("{entity} custom field"));
                refused.insert(key.as_str());
                continue;
            }
            None => Some(KEY_SHAPE.to_owned()),
            Some(definition) => value_problem(definition, value),
        };
        if let Some(problem) = problem {
            // Which values fit is the definition's, stored data the
            // request cannot see: a conflict with it (409 when alone), but
            // a key of the wrong shape is malformed input.
            if is_key(key) {
                v.reference_conflict(field, format!("does not fit its definition: {problem}"));
            } else {
                v.add(field, problem);
            }
            refused.insert(key.as_str());
        }
    }
    for definition in definitions
        .iter()
        .filter(|d| d.required && d.status == "active")
    {
        let present = match values.get(&definition.key) {
            None => false,
            Some(_) if refused.contains(definition.key.as_str()) => true,
            Some(Value::Array(items)) => !items.is_empty(),
            Some(Value::String(s)) => !s.trim().is_empty(),
            Some(_) => true,
        };
        if !present {
            v.reference_conflict(
                format!("custom_fields.{}", definition.key),
                "is required by its definition",
            );
        }
    }
    Ok(())
}

/// Turns `custom_fields[KEY]=VALUE` query pairs into list conditions.
pub async fn conditions<E: Exec>(
    db: &mut Tenant<E>,
    entity: &str,
    params: &[(String, String)],
) -> Result<Vec<CustomFieldCondition>, ApiError> {
    if params.is_empty() {
        return Ok(Vec::new());
    }
    let definitions = db.custom_field_definitions(entity).await?;
    let mut out = Vec::new();
    for (key, value) in params {
        let field = format!("custom_fields[{key}]");
        let refuse = |message: String| {
            ApiError::new(Code::InvalidQuery, format!("`{field}` {message}")).with_details(vec![
                stint_core::FieldError {
                    field: field.clone(),
                    message,
                },
            ])
        };
        if !is_key(key) {
            return Err(refuse(KEY_SHAPE.to_owned()));
        }
        // As in bodies, a well-formed key that names no definition is a
        // reference to a record that does not exist.
        let definition = definitions.iter().find(|d| &d.key == key).ok_or_else(|| {
            ApiError::validation(vec![stint_core::FieldError {
                field: field.clone(),
                message: format!("no such {entity} custom field"),
            }])
        })?;
        let ok = match definition.field_type.as_str() {
            "number" => value.parse::<f64>().is_ok_and(f64::is_finite),
            "boolean" => value == "true" || value == "false",
            "date" => is_date(value),
            _ => true,
        };
        // A value the field cannot hold (`tier=many` on a number field)
        // matches no record: compared as text, it equals no stored value.
        // Refusing it would need the field's type in the document, which
        // depends on the organization.
        out.push(CustomFieldCondition {
            key: key.clone(),
            field_type: if ok {
                definition.field_type.clone()
            } else {
                "text".to_owned()
            },
            value: value.clone(),
        });
    }
    Ok(out)
}
