//! PATCH as a JSON merge patch (RFC 7396) over the resource's full input:
//! the current record is rendered as its input shape, the patch is merged
//! into it (nested objects such as `address` and `custom_fields` merge key
//! by key; `null` clears), and the result goes through exactly the same
//! parsing and validation as a PUT. A PATCH can therefore never store what a
//! PUT would refuse.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::error::ApiError;
use super::extract::{Json, parse_json};

/// A PATCH body: typed as `P` (for type errors and unknown fields, and for
/// the documentation) and kept raw for merging.
pub struct PatchJson<P> {
    pub typed: P,
    pub raw: Map<String, Value>,
}

impl<P: DeserializeOwned, S: Send + Sync> FromRequest<S> for PatchJson<P> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let Json(raw) = Json::<Map<String, Value>>::from_request(request, state).await?;
        let bytes = Bytes::from(serde_json::to_vec(&raw).unwrap_or_default());
        let typed = parse_json::<P>(&bytes)?;
        Ok(PatchJson { typed, raw })
    }
}

/// Merges `patch` into `current` and parses the result as a full input.
pub fn merge<I: Serialize + DeserializeOwned>(
    current: &I,
    patch: &Map<String, Value>,
) -> Result<I, ApiError> {
    let mut base = serde_json::to_value(current).map_err(ApiError::internal)?;
    merge_into(&mut base, patch);
    let bytes = serde_json::to_vec(&base).map_err(ApiError::internal)?;
    parse_json(&bytes)
}

fn merge_into(target: &mut Value, patch: &Map<String, Value>) {
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    let Some(object) = target.as_object_mut() else {
        return;
    };
    for (key, value) in patch {
        match value {
            Value::Null => {
                object.insert(key.clone(), Value::Null);
            }
            Value::Object(inner) => {
                let slot = object.entry(key.clone()).or_insert(Value::Null);
                merge_into(slot, inner);
            }
            other => {
                object.insert(key.clone(), other.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Debug, Serialize, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct In {
        name: String,
        note: Option<String>,
        address: Option<Address>,
    }

    #[derive(Debug, Serialize, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Address {
        city: Option<String>,
        street: Option<String>,
    }

    fn current() -> In {
        In {
            name: "Acme".into(),
            note: Some("n".into()),
            address: Some(Address {
                city: Some("Paris".into()),
                street: Some("1 rue".into()),
            }),
        }
    }

    #[test]
    fn merges_nested_objects_and_clears_with_null() {
        let patch = json!({"note": null, "address": {"city": "Lyon"}});
        let merged = merge(&current(), patch.as_object().unwrap()).unwrap();
        assert_eq!(merged.note, None);
        let address = merged.address.unwrap();
        assert_eq!(address.city.as_deref(), Some("Lyon"));
        assert_eq!(address.street.as_deref(), Some("1 rue"));
    }

    #[test]
    fn required_fields_cannot_be_cleared() {
        let patch = json!({"name": null});
        let err = merge(&current(), patch.as_object().unwrap()).unwrap_err();
        assert!(err.to_string().contains("name"), "{err}");
    }
}
