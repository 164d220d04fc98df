//! Every operation of the OpenAPI document, driven from the document
//! itself, answers bad input with the documented status and error code:
//! a malformed body, a wrong type in each body field, an unknown id in the
//! path — never a 500. (Another organization's ids are in
//! `tenancy_table.rs`.)

use serde_json::{Map, Value, json};

use crate::both_backends;
use crate::support::{Backend, TestApp};

both_backends!(every_operation_refuses_bad_input_with_its_documented_error);

struct Operation {
    method: String,
    path: String,
    body_schema: Option<Value>,
    documented: Vec<String>,
}

fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => doc.pointer(&r.replacen('#', "", 1)).unwrap_or(schema),
        None => schema,
    }
}

/// A value of the wrong type for a property: booleans for anything that is
/// not a boolean (numbers are valid decimal strings), a string otherwise.
fn wrong_value(doc: &Value, schema: &Value) -> Value {
    let schema = resolve(doc, schema);
    let types: Vec<&str> = match schema.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if types.contains(&"boolean") {
        json!("not a boolean")
    } else {
        json!(true)
    }
}

/// A syntactically valid id that exists nowhere, from the parameter's pattern.
fn unknown_id(doc: &Value, schema: &Value) -> String {
    let pattern = resolve(doc, schema)
        .get("pattern")
        .and_then(Value::as_str)
        .unwrap_or("^x_");
    let prefix = pattern
        .trim_start_matches('^')
        .split('_')
        .next()
        .unwrap_or("x");
    format!(
        "{prefix}_{}",
        stint_core::ids::encode_base32(uuid::Uuid::now_v7().as_u128())
    )
}

fn operations(doc: &Value) -> Vec<Operation> {
    let mut out = Vec::new();
    for (template, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let mut path = template.clone();
            for param in op["parameters"].as_array().into_iter().flatten() {
                if param["in"] == "path" {
                    let name = param["name"].as_str().unwrap();
                    path = path.replace(&format!("{{{name}}}"), &unknown_id(doc, &param["schema"]));
                }
            }
            let body_schema = op
                .pointer("/requestBody/content/application~1json/schema")
                .cloned();
            let documented = op["responses"]
                .as_object()
                .unwrap()
                .keys()
                .cloned()
                .collect();
            out.push(Operation {
                method: method.to_uppercase(),
                path,
                body_schema,
                documented,
            });
        }
    }
    out
}

async fn every_operation_refuses_bad_input_with_its_documented_error(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = app.signup("Acme").await;
    let token = org.owner.access.clone();
    let doc = app.get("/api/v1/openapi.json").expect(200).await.body;
    let mut checked = 0;
    for op in operations(&doc) {
        let send = |body: Option<(&'static str, String)>| {
            let mut req = app.req(op.method.parse().unwrap(), &op.path).bearer(&token);
            if let Some((content_type, text)) = body {
                req = req.body(content_type, text);
            }
            req.send()
        };
        let documented = |status: u16| op.documented.contains(&status.to_string());
        if let Some(schema) = &op.body_schema {
            // A malformed body.
            let resp = send(Some(("application/json", "{\"oops\": ".to_owned()))).await;
            assert_eq!(
                resp.status, 400,
                "{} {} with malformed JSON: {}",
                op.method, op.path, resp.text
            );
            assert_eq!(
                resp.body["code"], "invalid_json",
                "{} {}",
                op.method, op.path
            );
            assert!(
                documented(400),
                "{} {} does not document 400",
                op.method,
                op.path
            );
            // A wrong type in each field, one at a time.
            let schema = resolve(&doc, schema);
            let properties: Map<String, Value> = schema["properties"]
                .as_object()
                .cloned()
                .unwrap_or_default();
            for (name, property) in &properties {
                let body = json!({ name: wrong_value(&doc, property) });
                let resp = send(Some(("application/json", body.to_string()))).await;
                assert_eq!(
                    resp.status, 400,
                    "{} {} with a wrong `{name}`: {}",
                    op.method, op.path, resp.text
                );
                assert_eq!(
                    resp.body["code"], "validation_failed",
                    "{} {} `{name}`: {}",
                    op.method, op.path, resp.text
                );
                let field = resp.body["details"][0]["field"]
                    .as_str()
                    .unwrap_or_default();
                assert!(
                    field == name || field.starts_with(&format!("{name}.")),
                    "{} {}: named `{field}` for `{name}`",
                    op.method,
                    op.path
                );
                checked += 1;
            }
            // Not JSON at all.
            let resp = send(Some(("text/plain", "hello".to_owned()))).await;
            assert_eq!(
                resp.status, 415,
                "{} {} with text/plain: {}",
                op.method, op.path, resp.text
            );
        }
        // An id that exists nowhere (operations with a path id and no
        // required body; PATCH gets an empty patch).
        if op.path != op.path.replace('_', "")
            && op.path.split('/').any(|s| s.contains('_') && s.len() > 20)
        {
            let body = match op.method.as_str() {
                "PATCH" | "POST" => Some(("application/json", "{}".to_owned())),
                "PUT" => continue,
                _ => None,
            };
            let resp = send(body).await;
            if op.method == "POST" && resp.status == 400 {
                continue; // an action that needs a body; its body checks ran above
            }
            assert_eq!(
                resp.status, 404,
                "{} {} with an unknown id: {}",
                op.method, op.path, resp.text
            );
            assert!(
                documented(404),
                "{} {} does not document 404",
                op.method,
                op.path
            );
            checked += 1;
        }
    }
    assert!(checked > 200, "only {checked} checks ran");
}
