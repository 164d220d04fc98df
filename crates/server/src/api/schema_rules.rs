//! Rules between fields of one request body, written into the OpenAPI
//! document as JSON Schema (`if`/`then`/`else`, `not`, `anyOf`), so that
//! people and generators alike know which combinations the server takes:
//! a custom field's `options` follow its `type`, a product's `vat_rate`
//! follows its `vat_category`, a time entry has one of three shapes.
//!
//! utoipa's schema model has no conditional keywords; its extension map is
//! flattened into the schema object when serialized, so the rules ride in
//! it. This runs last (after the PATCH schemas are derived), because
//! re-reading a schema through utoipa's model keeps only `x-` extensions.
//! Relations between two values (an entry's `ended_at` after its
//! `started_at`) are beyond JSON Schema; the server answers them with 400
//! and the schemathesis run teaches its generator about them in a hook
//! (`crates/server/tests/it/schemathesis_hooks.py`).

use serde_json::{Value, json};
use utoipa::openapi::{OpenApi as OpenApiDoc, RefOr, Schema};

/// A percentage the server reads as zero (`money::PERCENT_PATTERN` with
/// only zeros).
const ZERO_PERCENT: &str = r"^0{1,2}(?:\.0{1,2})?$";

/// At least one visible character (as names are checked: not only spaces
/// or invisible separators).
const VISIBLE: &str = r"[^\x00-\x20\x7F-\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]";

/// `field` is sent and is not `null`.
fn present(field: &str) -> Value {
    json!({"required": [field], "properties": {field: {"not": {"type": "null"}}}})
}

/// `options` of a custom field by its type: a non-empty list for the
/// select types, nothing for the others.
fn custom_field_options(type_required: bool) -> Value {
    let with_choices = json!({"enum": ["select", "multi_select"]});
    let without_choices = json!({"enum": ["text", "number", "date", "boolean"]});
    let required = |extra: Value| {
        if type_required {
            extra
        } else {
            json!({"allOf": [{"required": ["type"]}, extra]})
        }
    };
    let no_options = json!({"properties": {"options": {"anyOf": [{"type": "null"}, {"type": "array", "maxItems": 0}]}}});
    let some_options = json!({"properties": {"options": {
        "type": "array",
        "minItems": 1,
        "maxItems": 500,
        "uniqueItems": true,
        "items": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": VISIBLE},
    }}});
    let then_choices = if type_required {
        json!({"allOf": [{"required": ["options"]}, some_options]})
    } else {
        some_options
    };
    json!({"allOf": [
        {
            "if": required(json!({"properties": {"type": with_choices}})),
            "then": then_choices,
        },
        {
            "if": required(json!({"properties": {"type": without_choices}})),
            "then": no_options,
        },
    ]})
}

/// `vat_category` is sent and is one of these.
fn vat_category_in(categories: &[&str]) -> Value {
    json!({"required": ["vat_category"], "properties": {"vat_category": {"enum": categories}}})
}

/// `vat_rate`, if sent, reads as 0 (or is `null`, the default 0).
fn zero_rate() -> Value {
    json!({"properties": {"vat_rate": {"maximum": 0, "pattern": ZERO_PERCENT}}})
}

/// `vat_rate`, if sent, is above 0.
fn positive_rate() -> Value {
    json!({"properties": {"vat_rate": {
        "type": ["string", "integer"],
        "minimum": 1,
        "not": {"type": "string", "pattern": ZERO_PERCENT},
    }}})
}

const ZERO_RATED: [&str; 6] = ["Z", "E", "AE", "K", "G", "O"];

/// EN 16931: a standard-rated product (`S`, the default) has a rate above
/// 0, every other category a rate of 0 (`services::products::vat_problem`).
fn product_vat() -> Value {
    json!({
        "if": vat_category_in(&ZERO_RATED),
        "then": zero_rate(),
        "else": {"allOf": [{"required": ["vat_rate"]}, positive_rate()]},
    })
}

/// A patch that sends both `vat_category` and `vat_rate` follows the same
/// rule; one sent alone is judged with the stored other (409 on mismatch).
fn product_patch_vat() -> Value {
    json!({"allOf": [
        {"if": vat_category_in(&ZERO_RATED), "then": zero_rate()},
        {"if": vat_category_in(&["S"]), "then": positive_rate()},
    ]})
}

/// Rules a time entry body and a patch share: one length at most, no
/// length beside an end (the end says it), no `date` beside a start (the
/// start says it; the server also takes that same date).
fn time_entry_common() -> [Value; 3] {
    let a_length = json!({"anyOf": [present("duration_seconds"), present("duration")]});
    [
        json!({"not": {"allOf": [present("duration_seconds"), present("duration")]}}),
        json!({"if": present("ended_at"), "then": {"not": a_length}}),
        json!({"if": present("started_at"), "then": {"not": present("date")}}),
    ]
}

/// A time entry is `started_at` + `ended_at`, a length (`duration_seconds`
/// or `duration`, optionally with `date` or `started_at`), or `started_at`
/// alone (a running timer).
fn time_entry_shape() -> Value {
    let mut rules = vec![
        json!({"anyOf": [present("started_at"), present("duration_seconds"), present("duration")]}),
        json!({"if": present("ended_at"), "then": present("started_at")}),
    ];
    rules.extend(time_entry_common());
    json!({"allOf": rules})
}

/// A patch is judged with the stored entry, so only the rules within the
/// patch itself apply.
fn patch_shape() -> Value {
    json!({"allOf": time_entry_common()})
}

/// The rules, by component schema.
fn rules() -> Vec<(&'static str, Value)> {
    vec![
        ("CustomFieldIn", custom_field_options(true)),
        ("CustomFieldPatch", custom_field_options(false)),
        ("ProductIn", product_vat()),
        ("ProductPatch", product_patch_vat()),
        ("TimeEntryIn", time_entry_shape()),
        ("TimeEntryPatch", patch_shape()),
    ]
}

/// Adds every rule to its schema.
pub fn apply(doc: &mut OpenApiDoc) {
    let Some(components) = doc.components.as_mut() else {
        return;
    };
    for (name, rule) in rules() {
        let Some(RefOr::T(Schema::Object(object))) = components.schemas.get_mut(name) else {
            // A renamed schema must not silently lose its rule.
            panic!("schema_rules: no object schema named {name}");
        };
        // One keyword per schema: the extension map is a HashMap, whose
        // order would change the document from one process to the next.
        object
            .extensions
            .get_or_insert_with(Default::default)
            .insert("allOf".to_owned(), Value::Array(vec![rule]));
    }
}
