//! Custom field definitions on the wire.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use stint_core::ids::CustomFieldId;
use stint_store::custom_fields::CustomField;
use utoipa::ToSchema;

use super::common::RecordStatus;

/// The kind of record a custom field extends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CustomFieldEntity {
    Client,
    Project,
    Task,
}

impl CustomFieldEntity {
    pub fn as_str(&self) -> &'static str {
        match self {
            CustomFieldEntity::Client => "client",
            CustomFieldEntity::Project => "project",
            CustomFieldEntity::Task => "task",
        }
    }

    pub fn parse(text: &str) -> CustomFieldEntity {
        match text {
            "project" => CustomFieldEntity::Project,
            "task" => CustomFieldEntity::Task,
            _ => CustomFieldEntity::Client,
        }
    }
}

/// What a custom field holds, and so which JSON values it accepts: `text`
/// a string, `number` a number, `date` a `YYYY-MM-DD` string, `boolean`
/// true or false, `select` one of `options`, `multi_select` a list of
/// distinct `options`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CustomFieldType {
    Text,
    Number,
    Date,
    Boolean,
    Select,
    MultiSelect,
}

impl CustomFieldType {
    pub fn as_str(&self) -> &'static str {
        match self {
            CustomFieldType::Text => "text",
            CustomFieldType::Number => "number",
            CustomFieldType::Date => "date",
            CustomFieldType::Boolean => "boolean",
            CustomFieldType::Select => "select",
            CustomFieldType::MultiSelect => "multi_select",
        }
    }

    pub fn parse(text: &str) -> CustomFieldType {
        match text {
            "number" => CustomFieldType::Number,
            "date" => CustomFieldType::Date,
            "boolean" => CustomFieldType::Boolean,
            "select" => CustomFieldType::Select,
            "multi_select" => CustomFieldType::MultiSelect,
            _ => CustomFieldType::Text,
        }
    }

    /// Whether values are picked from `options`.
    pub fn has_options(&self) -> bool {
        matches!(self, CustomFieldType::Select | CustomFieldType::MultiSelect)
    }
}

fn default_true() -> bool {
    true
}

/// A definition to create (POST) or replace (PUT). `entity`, `key` and
/// `type` are fixed at creation: a PUT must repeat them unchanged.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomFieldIn {
    /// The kind of record it extends; cannot change.
    pub entity: CustomFieldEntity,
    /// The name of the value in the record's `custom_fields` object: a lower
    /// case letter, then up to 49 lower case letters, digits or `_`. Unique
    /// per entity; cannot change.
    #[schema(example = "vat_group", pattern = "^[a-z][a-z0-9_]{0,49}$")]
    pub key: String,
    /// What people see.
    #[schema(example = "VAT group")]
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"[^\x00-\x20\x7F-\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]"
    )]
    pub label: String,
    /// What it holds; cannot change.
    #[serde(rename = "type")]
    pub field_type: CustomFieldType,
    /// The choices of a `select` or `multi_select` (required for them: a
    /// non-empty list of distinct non-empty strings); absent, null or empty
    /// for every other type.
    #[schema(example = json!(["EU", "NON_EU"]))]
    pub options: Option<Vec<String>>,
    /// Whether every active record of the entity must have a value.
    #[serde(default)]
    pub required: bool,
    /// Whether apps show it (default true).
    #[serde(default = "default_true")]
    pub visible: bool,
    /// Display order, smallest first (default 0).
    #[serde(default)]
    #[schema(example = 10)]
    pub sort_order: i64,
    /// `active` (default) or `archived`. An archived field is no longer
    /// required; values already stored stay.
    #[serde(default)]
    pub status: RecordStatus,
}

/// A partial update: only the fields sent change. `entity`, `key` and
/// `type` are accepted only unchanged. `options` replaces the whole list.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // parsed for type checking and documentation; merged raw
pub struct CustomFieldPatch {
    /// Cannot change; accepted only with its current value.
    pub entity: Option<CustomFieldEntity>,
    /// Cannot change; accepted only with its current value.
    pub key: Option<String>,
    /// What people see; cannot be cleared.
    pub label: Option<String>,
    /// Cannot change; accepted only with its current value.
    #[serde(rename = "type")]
    pub field_type: Option<CustomFieldType>,
    /// The whole new list of choices. Removing a choice that records still
    /// use is allowed: their stored value stays until they are next written,
    /// when it must be replaced by a current choice.
    pub options: Option<Vec<String>>,
    /// Whether every active record of the entity must have a value.
    pub required: Option<bool>,
    /// Whether apps show it.
    pub visible: Option<bool>,
    /// Display order, smallest first.
    pub sort_order: Option<i64>,
    /// `active` or `archived`.
    pub status: Option<RecordStatus>,
}

/// A custom field definition.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CustomFieldOut {
    /// The definition's id.
    pub id: CustomFieldId,
    /// The kind of record it extends.
    pub entity: CustomFieldEntity,
    /// The name of the value in the record's `custom_fields` object.
    #[schema(example = "vat_group")]
    pub key: String,
    /// What people see.
    #[schema(example = "VAT group")]
    pub label: String,
    /// What it holds.
    #[serde(rename = "type")]
    pub field_type: CustomFieldType,
    /// The choices of a `select` or `multi_select`; empty for other types.
    #[schema(example = json!(["EU", "NON_EU"]))]
    pub options: Vec<String>,
    /// Whether every active record of the entity must have a value.
    pub required: bool,
    /// Whether apps show it.
    pub visible: bool,
    /// Display order, smallest first.
    #[schema(example = 10)]
    pub sort_order: i64,
    /// `active` or `archived`.
    pub status: RecordStatus,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<&CustomField> for CustomFieldOut {
    fn from(f: &CustomField) -> Self {
        CustomFieldOut {
            id: f.id,
            entity: CustomFieldEntity::parse(&f.entity),
            key: f.key.clone(),
            label: f.label.clone(),
            field_type: CustomFieldType::parse(&f.field_type),
            options: f.options.0.clone(),
            required: f.required,
            visible: f.visible,
            sort_order: f.sort_order,
            status: RecordStatus::parse(&f.status),
            created_at: f.created_at,
            updated_at: f.updated_at,
        }
    }
}

/// The current definition as an input, for merge patches.
impl From<&CustomField> for CustomFieldIn {
    fn from(f: &CustomField) -> Self {
        CustomFieldIn {
            entity: CustomFieldEntity::parse(&f.entity),
            key: f.key.clone(),
            label: f.label.clone(),
            field_type: CustomFieldType::parse(&f.field_type),
            options: Some(f.options.0.clone()),
            required: f.required,
            visible: f.visible,
            sort_order: f.sort_order,
            status: RecordStatus::parse(&f.status),
        }
    }
}
