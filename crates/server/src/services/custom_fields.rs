//! Custom field definition use cases: create, replace, patch, delete —
//! validated, versioned and recorded in the event outbox in the same
//! transaction.
//!
//! `entity`, `key` and `type` never change after creation, so values already
//! stored on records stay meaningful. A duplicate key answers
//! `409 conflict` with `details` naming `key`. Removing an option that
//! records still use is allowed: stored values are not rewritten (no record
//! changes behind its owner's back), and a record holding a removed option
//! must replace it the next time it is written, like a field made required
//! after the fact. A definition whose key still has values cannot be
//! deleted (`409 in_use`); archive it instead.

use std::collections::HashSet;

use stint_core::ids::CustomFieldId;
use stint_core::validation::name_problem;
use stint_core::{FieldError, Validation};
use stint_store::custom_fields::{CustomField, CustomFieldValues};
use stint_store::{StoreError, Tenant, Tx};

use super::events;
use crate::api::conditional::{IfMatch, stale};
use crate::api::dto::custom_fields::{CustomFieldIn, CustomFieldOut};
use crate::api::error::{ApiError, Code};
use crate::auth::Ctx;
use crate::state::AppState;

const RESOURCE: &str = "custom_field";
const MAX_OPTIONS: usize = 500;
const MAX_OPTION_CHARS: usize = 200;

fn not_found() -> ApiError {
    ApiError::not_found("custom field")
}

/// `^[a-z][a-z0-9_]{0,49}$`: safe in JSON paths and query strings alike.
pub fn is_key(key: &str) -> bool {
    let mut chars = key.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && key.len() <= 50
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

fn duplicate(entity: &str, key: &str) -> ApiError {
    ApiError::new(
        Code::Conflict,
        format!("A {entity} custom field with key `{key}` already exists"),
    )
    .with_details(vec![FieldError {
        field: "key".into(),
        message: format!("`{key}` is already a {entity} custom field"),
    }])
}

/// A problem with `options`: a conflict with the stored definition when it
/// decided the type (`by_record`), else a problem of the request.
fn refuse_options(
    by_record: bool,
    frozen: &mut Vec<FieldError>,
    v: &mut Validation,
    message: String,
) {
    if by_record {
        frozen.push(FieldError {
            field: "options".into(),
            message,
        });
    } else {
        v.add("options", message);
    }
}

/// Checks an input against the rules and, on update, against the current
/// definition's fixed fields.
///
/// `type_sent` says whether the request itself named the type (POST, PUT,
/// or a PATCH with `type`). When it did not, whether `options` fits depends
/// on the stored definition, which the request cannot see: a mismatch then
/// conflicts with the record (409), like changing a fixed field.
fn validate(
    input: CustomFieldIn,
    current: Option<&CustomField>,
    type_sent: bool,
) -> Result<CustomFieldValues, ApiError> {
    let mut v = Validation::new();
    let entity = input.entity.as_str();
    let field_type = input.field_type.as_str();
    // Not trimmed: a key is an identifier, and ` vat` is not `vat`.
    let key = input.key;
    if !is_key(&key) {
        v.add(
            "key",
            "must be a lower case letter then up to 49 lower case letters, digits or _",
        );
    }
    v.check("label", name_problem(&input.label, 200));
    // Changing what cannot change conflicts with the record's state (409,
    // details naming each field) unless the input is also invalid (400
    // with every problem): the document cannot say a field is immutable.
    let mut frozen = Vec::new();
    if let Some(current) = current {
        for (field, was, now) in [
            ("entity", current.entity.as_str(), entity),
            ("key", current.key.as_str(), key.as_str()),
            ("type", current.field_type.as_str(), field_type),
        ] {
            if was != now {
                frozen.push(FieldError {
                    field: field.to_owned(),
                    message: format!("cannot change after creation (it is `{was}`)"),
                });
            }
        }
    }
    let raw = input.options.unwrap_or_default();
    let mut options = Vec::with_capacity(raw.len());
    let options_by_record = current.is_some() && !type_sent;
    // Options are judged against the stored type; a request changing the
    // type is refused for that alone.
    let type_changed = current.is_some_and(|c| c.field_type != field_type);
    if type_changed {
        options.extend(raw.iter().map(|o| o.trim().to_owned()));
    } else if input.field_type.has_options() {
        if raw.is_empty() {
            refuse_options(
                options_by_record,
                &mut frozen,
                &mut v,
                format!("must list the choices of a {field_type} field"),
            );
        } else if raw.len() > MAX_OPTIONS {
            v.add(
                "options",
                format!("must have at most {MAX_OPTIONS} choices"),
            );
        }
        let mut seen = HashSet::new();
        for (index, option) in raw.iter().enumerate() {
            let option = option.trim();
            let field = format!("options[{index}]");
            if option.is_empty() {
                v.add(field, "must not be empty");
            } else if option.chars().count() > MAX_OPTION_CHARS {
                v.add(
                    field,
                    format!("must be at most {MAX_OPTION_CHARS} characters long"),
                );
            } else if !seen.insert(option.to_owned()) {
                v.add(field, format!("repeats `{option}`"));
            }
            options.push(option.to_owned());
        }
    } else if !raw.is_empty() {
        refuse_options(
            options_by_record,
            &mut frozen,
            &mut v,
            format!(
                "must be empty: only select and multi_select fields have choices, this is a {field_type} field"
            ),
        );
    }
    if !v.is_empty() {
        for problem in frozen {
            v.add(problem.field, problem.message);
        }
    } else if !frozen.is_empty() {
        return Err(ApiError::new(
            Code::Conflict,
            "This does not fit the custom field's definition: its entity, key and type cannot change after creation, and only select fields have options",
        )
        .with_details(frozen));
    }
    v.finish().map_err(ApiError::validation)?;
    Ok(CustomFieldValues {
        entity: entity.to_owned(),
        key,
        label: input.label.trim().to_owned(),
        field_type: field_type.to_owned(),
        options,
        required: input.required,
        visible: input.visible,
        sort_order: input.sort_order,
        status: input.status.as_str().to_owned(),
    })
}

async fn reload(tx: &mut Tenant<Tx>, id: CustomFieldId) -> Result<CustomField, ApiError> {
    tx.custom_field(id)
        .await?
        .ok_or_else(|| ApiError::internal(std::io::Error::other("custom field vanished mid-write")))
}

pub async fn create(
    state: &AppState,
    ctx: &Ctx,
    input: CustomFieldIn,
) -> Result<CustomField, ApiError> {
    ctx.require_write()?;
    let now = state.now();
    let id = CustomFieldId::generate();
    let values = validate(input, None, true)?;
    let mut tx = ctx.write().await?;
    if tx
        .custom_field_by_key(&values.entity, &values.key)
        .await?
        .is_some()
    {
        return Err(duplicate(&values.entity, &values.key));
    }
    match tx.insert_custom_field(id, &values, now).await {
        // Only a racing create of the same key gets here.
        Err(StoreError::Unique { .. }) => return Err(duplicate(&values.entity, &values.key)),
        other => other?,
    }
    let field = reload(&mut tx, id).await?;
    events::created(
        &mut tx,
        ctx,
        now,
        RESOURCE,
        id.uuid(),
        &CustomFieldOut::from(&field),
    )
    .await?;
    tx.commit().await?;
    Ok(field)
}

/// Replaces a definition with the input `build` makes from the current one
/// (PUT ignores it; PATCH merges into it), all inside one transaction;
/// `type_sent` tells whether the request named the type (see `validate`).
pub async fn update(
    state: &AppState,
    ctx: &Ctx,
    id: CustomFieldId,
    if_match: IfMatch,
    type_sent: bool,
    build: impl FnOnce(&CustomField) -> Result<CustomFieldIn, ApiError>,
) -> Result<CustomField, ApiError> {
    ctx.require_write()?;
    let now = state.now();
    let mut tx = ctx.write().await?;
    let current = tx.custom_field(id).await?.ok_or_else(not_found)?;
    let values = validate(build(&current)?, Some(&current), type_sent)?;
    // Preconditions count only for a request that is otherwise valid
    // (RFC 9110 13.2.1): a malformed body is 400 even when stale.
    if_match.check(current.version)?;
    if !tx
        .update_custom_field(id, &values, current.version, now)
        .await?
    {
        return Err(stale());
    }
    let updated = reload(&mut tx, id).await?;
    if !events::updated(
        &mut tx,
        ctx,
        now,
        RESOURCE,
        id.uuid(),
        &CustomFieldOut::from(&current),
        &CustomFieldOut::from(&updated),
    )
    .await?
    {
        // Nothing changed: keep the version, record nothing.
        return Ok(current);
    }
    tx.commit().await?;
    Ok(updated)
}

/// Deletes a definition no record has a value for; one in use must be
/// archived instead, so no stored value is left without its definition.
pub async fn delete(
    state: &AppState,
    ctx: &Ctx,
    id: CustomFieldId,
    if_match: IfMatch,
) -> Result<(), ApiError> {
    ctx.require_write()?;
    let now = state.now();
    let mut tx = ctx.write().await?;
    let current = tx.custom_field(id).await?.ok_or_else(not_found)?;
    if_match.check(current.version)?;
    if tx
        .custom_field_has_values(&current.entity, &current.key)
        .await?
    {
        return Err(ApiError::new(
            Code::InUse,
            format!(
                "Some {}s have a value for `{}`, so it cannot be deleted; archive it with PATCH {{\"status\": \"archived\"}}",
                current.entity, current.key
            ),
        ));
    }
    tx.delete_custom_field(id).await?;
    events::deleted(
        &mut tx,
        ctx,
        now,
        RESOURCE,
        id.uuid(),
        &CustomFieldOut::from(&current),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::is_key;

    #[test]
    fn keys_are_slugs() {
        for good in ["a", "vat_group", "x1", &format!("a{}", "b".repeat(49))] {
            assert!(is_key(good), "{good}");
        }
        for bad in [
            "",
            "1a",
            "_a",
            "Vat",
            "vat-group",
            "vat group",
            "é",
            &"a".repeat(51),
        ] {
            assert!(!is_key(bad), "{bad}");
        }
    }
}
