//! The registry of every event type the server emits: its name, what it
//! means, and an example delivery body built from the OpenAPI schema of the
//! object it carries (the same `XOut` the API returns), so the examples
//! cannot drift from the payloads. `services::events::record` refuses, in
//! debug builds, to write a type missing here, which makes every test of
//! the suite check the registry against the events its flows really record.

use std::sync::OnceLock;

use serde_json::{Map, Value, json};

/// One kind of resource and the events it emits.
struct Family {
    /// `client`, `time_entry` …: the part before the dot.
    resource: &'static str,
    /// The OpenAPI component describing `data.object`.
    schema: &'static str,
    /// How the resource is called in descriptions.
    noun: &'static str,
    /// `(action, description)`; `{noun}` is replaced.
    actions: &'static [(&'static str, &'static str)],
}

const CREATED: (&str, &str) = ("created", "A {noun} was created.");
const UPDATED: (&str, &str) = (
    "updated",
    "A {noun} was changed; `previous_attributes` holds the old values of the changed fields.",
);
const DELETED: (&str, &str) = (
    "deleted",
    "A {noun} was deleted; `object` is the {noun} as it was.",
);
const CRUD: &[(&str, &str)] = &[CREATED, UPDATED, DELETED];

const FAMILIES: &[Family] = &[
    Family {
        resource: "client",
        schema: "ClientOut",
        noun: "client",
        actions: CRUD,
    },
    Family {
        resource: "contact",
        schema: "ContactOut",
        noun: "contact",
        actions: CRUD,
    },
    Family {
        resource: "client_group",
        schema: "ClientGroupOut",
        noun: "client group",
        actions: CRUD,
    },
    Family {
        resource: "custom_field",
        schema: "CustomFieldOut",
        noun: "custom field definition",
        actions: CRUD,
    },
    Family {
        resource: "member",
        schema: "MemberOut",
        noun: "member",
        actions: &[
            ("created", "A member was invited or added."),
            UPDATED,
            (
                "deactivated",
                "A member was deactivated: their sessions are revoked and they can no longer sign in to the organization.",
            ),
        ],
    },
    Family {
        resource: "member_group",
        schema: "MemberGroupOut",
        noun: "team",
        actions: CRUD,
    },
    Family {
        resource: "project",
        schema: "ProjectOut",
        noun: "project",
        actions: CRUD,
    },
    Family {
        resource: "topic",
        schema: "TopicOut",
        noun: "topic",
        actions: CRUD,
    },
    Family {
        resource: "task",
        schema: "TaskOut",
        noun: "task",
        actions: CRUD,
    },
    Family {
        resource: "service",
        schema: "ServiceOut",
        noun: "service",
        actions: CRUD,
    },
    Family {
        resource: "client_service_rate",
        schema: "ClientServiceRateOut",
        noun: "client-specific service rate",
        actions: CRUD,
    },
    Family {
        resource: "product",
        schema: "ProductOut",
        noun: "product",
        actions: CRUD,
    },
    Family {
        resource: "settings",
        schema: "SettingsOut",
        noun: "settings document",
        actions: &[(
            "updated",
            "The organization's settings changed; `previous_attributes` holds the old values of the changed sections.",
        )],
    },
    Family {
        resource: "time_entry",
        schema: "TimeEntryOut",
        noun: "time entry",
        actions: &[
            CREATED,
            UPDATED,
            DELETED,
            (
                "timer_started",
                "A timer was started: a running time entry.",
            ),
            (
                "timer_stopped",
                "A running timer was stopped; `previous_attributes` holds the fields the stop changed.",
            ),
        ],
    },
    Family {
        resource: "expense",
        schema: "ExpenseOut",
        noun: "expense",
        actions: CRUD,
    },
    Family {
        resource: "webhook",
        schema: "WebhookOut",
        noun: "webhook",
        actions: &[
            CREATED,
            UPDATED,
            DELETED,
            (
                "disabled",
                "A webhook was switched off because every delivery to it failed for `webhooks.disable_after`; `disabled_reason` says why.",
            ),
            (
                "test",
                "Sent only to the webhook named in `POST /webhooks/{id}/test`, to check the receiver; `object` is that webhook.",
            ),
        ],
    },
];

/// An event type as `GET /webhooks/event-types` shows it.
#[derive(Debug, Clone)]
pub struct EventType {
    pub name: String,
    pub resource: &'static str,
    pub description: String,
    /// A whole delivery body of this type.
    pub example: Value,
}

/// Every event type, in registry order.
pub fn all() -> &'static [EventType] {
    static TYPES: OnceLock<Vec<EventType>> = OnceLock::new();
    TYPES.get_or_init(build)
}

/// Whether `name` is an event type the server emits.
pub fn is_registered(name: &str) -> bool {
    name.split_once('.').is_some_and(|(resource, action)| {
        FAMILIES
            .iter()
            .any(|f| f.resource == resource && f.actions.iter().any(|(a, _)| *a == action))
    })
}

/// Whether `resource` (the part before `.*`) emits any event.
pub fn is_resource(resource: &str) -> bool {
    FAMILIES.iter().any(|f| f.resource == resource)
}

/// Every subscription pattern accepted: `*`, each `resource.*`, each type.
pub fn patterns() -> Vec<String> {
    let mut out = vec!["*".to_owned()];
    out.extend(FAMILIES.iter().map(|f| format!("{}.*", f.resource)));
    out.extend(FAMILIES.iter().flat_map(|f| {
        f.actions
            .iter()
            .map(move |(action, _)| format!("{}.{action}", f.resource))
    }));
    out
}

/// Whether a subscription pattern (exact, `resource.*` or `*`) covers a type.
pub fn matches(pattern: &str, event_type: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some("") => true,
        Some(prefix) => event_type.starts_with(prefix),
        None => pattern == event_type,
    }
}

fn build() -> Vec<EventType> {
    let doc =
        serde_json::to_value(crate::api::openapi_document_with_every_schema()).unwrap_or_default();
    let components = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let mut out = Vec::new();
    for family in FAMILIES {
        let object = components
            .get(family.schema)
            .map(|s| example_of(s, &components, 0))
            .unwrap_or(Value::Null);
        for (action, description) in family.actions {
            let name = format!("{}.{action}", family.resource);
            let previous = previous_example(action, &object);
            out.push(EventType {
                example: json!({
                    "id": stint_core::ids::EventId::EXAMPLE,
                    "type": name,
                    "created_at": "2026-03-02T09:00:00Z",
                    "organization_id": stint_core::ids::OrgId::EXAMPLE,
                    "data": {"object": object, "previous_attributes": previous},
                }),
                name,
                resource: family.resource,
                description: description.replace("{noun}", family.noun),
            });
        }
    }
    out
}

/// For changes, one changed field with its (example) old value.
fn previous_example(action: &str, object: &Value) -> Value {
    if !matches!(action, "updated" | "deactivated" | "timer_stopped") {
        return Value::Null;
    }
    let Some(fields) = object.as_object() else {
        return json!({});
    };
    let field = ["name", "status", "notes", "profile", "url"]
        .iter()
        .find(|f| fields.contains_key(**f))
        .copied()
        .or_else(|| {
            fields
                .keys()
                .find(|k| !matches!(k.as_str(), "id" | "created_at" | "updated_at"))
                .map(String::as_str)
        });
    match field {
        Some(f) => json!({ f: fields[f].clone() }),
        None => json!({}),
    }
}

/// An example value for an OpenAPI (3.1, as JSON) schema: its own example
/// when it has one, otherwise one built from its type and properties.
fn example_of(schema: &Value, components: &Map<String, Value>, depth: usize) -> Value {
    if depth > 12 {
        return Value::Null;
    }
    if let Some(name) = schema
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix("#/components/schemas/"))
    {
        return components
            .get(name)
            .map(|s| example_of(s, components, depth + 1))
            .unwrap_or(Value::Null);
    }
    if let Some(example) = schema.get("example") {
        return example.clone();
    }
    if let Some(first) = schema
        .get("examples")
        .and_then(Value::as_array)
        .and_then(|e| e.first())
    {
        return first.clone();
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        if let Some(variants) = schema.get(key).and_then(Value::as_array) {
            let chosen = variants
                .iter()
                .find(|v| v.get("type").and_then(Value::as_str) != Some("null"));
            return chosen
                .map(|v| example_of(v, components, depth + 1))
                .unwrap_or(Value::Null);
        }
    }
    if let Some(first) = schema
        .get("enum")
        .and_then(Value::as_array)
        .and_then(|e| e.first())
    {
        return first.clone();
    }
    let types: Vec<&str> = match schema.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => vec!["object"],
    };
    if types.contains(&"null") {
        // An optional field without an example: show it empty.
        return Value::Null;
    }
    match types.first().copied().unwrap_or("object") {
        "object" => {
            let mut out = Map::new();
            if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
                for (name, property) in properties {
                    out.insert(name.clone(), example_of(property, components, depth + 1));
                }
            }
            Value::Object(out)
        }
        "array" => match schema.get("items") {
            Some(items) => match example_of(items, components, depth + 1) {
                Value::Null => json!([]),
                item => json!([item]),
            },
            None => json!([]),
        },
        "string" => match schema.get("format").and_then(Value::as_str) {
            Some("date-time") => json!("2026-03-02T09:00:00Z"),
            Some("date") => json!("2026-03-02"),
            _ => json!("text"),
        },
        "integer" | "number" => json!(0),
        "boolean" => json!(false),
        _ => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_schemas_exist() {
        let mut seen = std::collections::HashSet::new();
        for t in all() {
            assert!(seen.insert(t.name.clone()), "duplicate {}", t.name);
            assert!(is_registered(&t.name));
            assert!(
                t.example["data"]["object"].is_object(),
                "{} has no example object (schema missing from the OpenAPI document?)",
                t.name
            );
            assert_eq!(t.example["type"], t.name.as_str());
        }
        assert!(!is_registered("client.exploded"));
        assert!(!is_registered("nothing"));
    }

    #[test]
    fn patterns_match() {
        assert!(matches("*", "client.created"));
        assert!(matches("client.*", "client.created"));
        assert!(!matches("client.*", "client_group.created"));
        assert!(matches("client.created", "client.created"));
        assert!(!matches("client.created", "client.updated"));
    }
}
