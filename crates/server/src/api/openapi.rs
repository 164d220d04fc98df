//! The OpenAPI 3.1 document, generated from the handlers' annotations. The
//! error responses every operation can give (auth failures, malformed
//! input, unknown ids, outages) are added here in one pass from what each
//! operation is (authenticated? takes a body? has an id in its path?), so no
//! operation can forget one.

use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, OpenApi as OpenApiDoc, Ref, ResponseBuilder};
use utoipa::{Modify, OpenApi};

use super::error::ErrorBody;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Stint API",
        description = "Time tracking and invoicing for firms. Every object is wrapped in `{\"data\": …}`; lists add `meta` with keyset pagination; errors are `{\"error\", \"code\", \"request_id\", \"details\"}`. Authenticate with `Authorization: Bearer <jwt>` (from `/token-auth` or `/login`), `Authorization: Token <token>` or `X-Api-Key: <token>`.",
        license(name = "AGPL-3.0-only", identifier = "AGPL-3.0-only"),
    ),
    servers((url = "/", description = "This server")),
    security(("bearer" = []), ("api_key" = []), ("token" = []), ("key_pair" = [])),
    components(schemas(ErrorBody)),
    modifiers(&SecuritySchemes),
    tags(
        (name = "Authentication", description = "Sign up, sign in with email and password or an API key pair, refresh, sign out."),
        (name = "Me", description = "Who is calling."),
        (name = "Public API app", description = "Whether the organization's API keys work."),
        (name = "API keys", description = "Key pairs for integrations."),
        (name = "Members", description = "People of the organization."),
        (name = "Clients", description = "The organization's customers."),
        (name = "Contacts", description = "People at a client."),
        (name = "Client groups", description = "Groups of clients."),
        (name = "Custom fields", description = "Definitions of extra fields on clients, projects and tasks."),
        (name = "Teams", description = "Member groups."),
        (name = "Projects", description = "Work for a client, billed hourly, by fixed fee or not at all."),
        (name = "Topics", description = "Themes tasks are filed under."),
        (name = "Tasks", description = "Work items, assigned to members."),
        (name = "Services", description = "What time is sold as, with per-client rates."),
        (name = "Products", description = "Goods and fixed items sold on invoices."),
        (name = "Settings", description = "The organization's profile, defaults and invoicing."),
        (name = "Time entries", description = "Recorded time and running timers."),
        (name = "Expenses", description = "Money spent for clients, with receipts."),
        (name = "Reports", description = "Time and money, aggregated by the database."),
        (name = "Webhooks", description = "Endpoints that receive events as signed HTTP requests (Standard Webhooks), with their delivery log."),
        (name = "Events", description = "The organization's event log, kept for `webhooks.event_retention`, to catch up after downtime."),
        (name = "Health", description = "Probes for load balancers."),
    )
)]
pub struct ApiDoc;

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut OpenApiDoc) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "A user's access token from `/token-auth`, or an API key's JWT from `/login`. `Authorization: JWT <jwt>` is accepted too.",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "key_pair",
            SecurityScheme::OAuth2(utoipa::openapi::security::OAuth2::with_description(
                [utoipa::openapi::security::Flow::ClientCredentials(
                    utoipa::openapi::security::ClientCredentials::new(
                        "/api/v1/oauth/token",
                        utoipa::openapi::security::Scopes::new(),
                    ),
                )],
                "The API key and its secret as OAuth 2.0 client id and secret, exchanged at `/api/v1/oauth/token` for a 10-minute JWT.",
            )),
        );
        components.add_security_scheme(
            "api_key",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "X-Api-Key",
                "The long-lived token `api_key.api_secret` shown when the key was created.",
            ))),
        );
        components.add_security_scheme(
            "token",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "Authorization",
                "`Token <api_key.api_secret>`: the long-lived token in the Authorization header.",
            ))),
        );
    }
}

/// Declares the shared error responses; applied once every route is in.
pub struct StandardErrors;

fn header(description: &str) -> utoipa::openapi::header::Header {
    utoipa::openapi::header::HeaderBuilder::new()
        .schema(Some(
            utoipa::openapi::schema::ObjectBuilder::new()
                .schema_type(utoipa::openapi::schema::Type::Integer),
        ))
        .description(Some(description))
        .build()
}

/// 429 with its headers: `Retry-After` and the caller's quota.
fn rate_limited_response() -> utoipa::openapi::RefOr<utoipa::openapi::Response> {
    ResponseBuilder::new()
        .description(
            "`rate_limited`: over the hourly quota of the key or user, over the per-address limit of sign-in \
             requests, or backing off after failed sign-ins; wait `Retry-After` seconds",
        )
        .header("Retry-After", header("Seconds until a retry can succeed"))
        .header("RateLimit-Limit", header("Requests allowed in the current hour (authenticated requests)"))
        .header("RateLimit-Remaining", header("Requests left in the current hour (authenticated requests)"))
        .header("RateLimit-Reset", header("Seconds until the hour's window ends (authenticated requests)"))
        .content(
            "application/json",
            ContentBuilder::new().schema(Some(Ref::from_schema_name("ErrorBody"))).build(),
        )
        .build()
        .into()
}

fn error_response(description: &str) -> utoipa::openapi::RefOr<utoipa::openapi::Response> {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ErrorBody")))
                .build(),
        )
        .build()
        .into()
}

/// The component schemas a JSON value refers to (`$ref`s), in order.
fn refs(value: &serde_json::Value, into: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, inner) in map {
                if key == "$ref"
                    && let Some(name) = inner
                        .as_str()
                        .and_then(|r| r.strip_prefix("#/components/schemas/"))
                {
                    into.push(name.to_owned());
                }
                refs(inner, into);
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|i| refs(i, into)),
        _ => {}
    }
}

/// The component schemas as JSON, by name.
fn component_schemas(openapi: &OpenApiDoc) -> serde_json::Value {
    openapi
        .components
        .as_ref()
        .and_then(|c| serde_json::to_value(&c.schemas).ok())
        .unwrap_or_default()
}

/// The component schemas with a property of this name at their top level.
fn schemas_with_property(
    openapi: &OpenApiDoc,
    property: &str,
) -> std::collections::HashSet<String> {
    component_schemas(openapi)
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(_, schema)| schema.pointer(&format!("/properties/{property}")).is_some())
        .map(|(name, _)| name.clone())
        .collect()
}

/// The component schemas that carry a record id somewhere inside them
/// (`client_id`, `member_ids[]`, a nested object with one …): a request body
/// of one of these can name a record that does not exist, which answers 404.
fn schemas_with_ids(openapi: &OpenApiDoc) -> std::collections::HashSet<String> {
    let schemas = component_schemas(openapi);
    let Some(schemas) = schemas.as_object() else {
        return Default::default();
    };
    let referred: std::collections::HashMap<&str, Vec<String>> = schemas
        .iter()
        .map(|(name, schema)| {
            let mut found = Vec::new();
            refs(schema, &mut found);
            (name.as_str(), found)
        })
        .collect();
    // The typed ids are the `…Id` components (`ClientId`, `MemberId` …).
    let mut with_ids: std::collections::HashSet<String> = schemas
        .keys()
        .filter(|name| name.ends_with("Id"))
        .cloned()
        .collect();
    // Grow to a fixed point: whatever refers to a schema with ids has ids.
    loop {
        let before = with_ids.len();
        for (name, found) in &referred {
            if found.iter().any(|f| with_ids.contains(f)) {
                with_ids.insert((*name).to_owned());
            }
        }
        if with_ids.len() == before {
            return with_ids;
        }
    }
}

impl Modify for StandardErrors {
    fn modify(&self, openapi: &mut OpenApiDoc) {
        let with_ids = schemas_with_ids(openapi);
        let with_custom_fields = schemas_with_property(openapi, "custom_fields");
        for (path, item) in openapi.paths.paths.iter_mut() {
            let has_id = path.contains('{');
            for op in [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.patch,
                &mut item.delete,
            ]
            .into_iter()
            .flatten()
            {
                let public = op.security.as_ref().is_some_and(|s| {
                    s.iter()
                        .all(|r| serde_json::to_value(r).is_ok_and(|v| v == serde_json::json!({})))
                });
                let has_body = op.request_body.is_some();
                // The schemas the request body refers to, read once.
                let mut body_schemas = Vec::new();
                if let Some(body) = op
                    .request_body
                    .as_ref()
                    .and_then(|body| serde_json::to_value(body).ok())
                {
                    refs(&body, &mut body_schemas);
                }
                let body_has_ids = body_schemas.iter().any(|name| with_ids.contains(name));
                let body_has_custom_fields = body_schemas
                    .iter()
                    .any(|name| with_custom_fields.contains(name));
                let has_query = op.parameters.iter().flatten().any(|p| match p {
                    utoipa::openapi::RefOr::T(p) => {
                        matches!(p.parameter_in, utoipa::openapi::path::ParameterIn::Query)
                    }
                    utoipa::openapi::RefOr::Ref(_) => false,
                });
                let mut has_header = false;
                for parameter in op.parameters.iter_mut().flatten() {
                    if let utoipa::openapi::RefOr::T(parameter) = parameter {
                        has_header |= constrain_parameter(parameter);
                    }
                }
                if has_header {
                    op.responses.responses.entry("409".to_owned()).or_insert_with(|| {
                        error_response(
                            "`idempotency_key_reused` (the `Idempotency-Key` came with another request) or `idempotency_key_in_use`",
                        )
                    });
                }
                let responses = &mut op.responses.responses;
                let mut add = |status: &str, description: &str| {
                    responses
                        .entry(status.to_owned())
                        .or_insert_with(|| error_response(description));
                };
                if has_body || has_query || has_header {
                    let mut codes = Vec::new();
                    if has_body {
                        codes.extend([
                            "`invalid_json`",
                            "`validation_failed` (details name each field)",
                            "`unknown_field`",
                        ]);
                    }
                    if has_query {
                        codes.extend(["`invalid_query`", "`invalid_cursor`"]);
                    }
                    if has_header {
                        codes.push("`invalid_header` (a malformed `Idempotency-Key`)");
                    }
                    add("400", &one_of(&codes));
                }
                if !public {
                    add(
                        "401",
                        "`missing_credentials`, `invalid_token`, `token_expired`, `token_revoked`, `invalid_credentials`, `account_inactive` or `public_api_inactive`",
                    );
                }
                let filters_custom_fields = op.parameters.iter().flatten().any(
                    |p| matches!(p, utoipa::openapi::RefOr::T(p) if p.name == "custom_fields"),
                );
                if filters_custom_fields && !has_id {
                    add(
                        "404",
                        "`not_found`: a `custom_fields[KEY]` filter names no custom field of this resource (`details` names it)",
                    );
                }
                let body_refers = body_has_ids && !public;
                match (has_id, body_refers) {
                    (true, false) => add(
                        "404",
                        "`not_found`: no such resource in this organization (another organization's ids answer the same)",
                    ),
                    (true, true) => add(
                        "404",
                        "`not_found`: no such resource in this organization, or the body refers to records that do not exist there (`details` names each field); another organization's ids answer the same",
                    ),
                    (false, true) => add(
                        "404",
                        "`not_found`: the body refers to records that do not exist in this organization; `details` names each field (another organization's ids answer the same)",
                    ),
                    (false, false) => {}
                }
                if has_body {
                    add(
                        "413",
                        "`payload_too_large`: the body is over the server's limit",
                    );
                    add(
                        "415",
                        "`unsupported_media_type`: send JSON with `Content-Type: application/json`",
                    );
                }
                add(
                    "500",
                    "`internal`: logged with the request id; nothing partial was saved",
                );
                add("503", "`unavailable` or `timeout`: retry later");
                if body_has_custom_fields {
                    const VALUES: &str = "`conflict`: a `custom_fields` value does not fit its stored definition (wrong type, not an option, a required field missing); `details` names each";
                    match responses.get_mut("409") {
                        Some(utoipa::openapi::RefOr::T(response)) => {
                            response.description = format!("{}; {VALUES}", response.description);
                        }
                        _ => {
                            responses.insert("409".to_owned(), error_response(VALUES));
                        }
                    }
                }
                responses
                    .entry("429".to_owned())
                    .or_insert_with(rate_limited_response);
                for (status, response) in responses.iter_mut() {
                    if let utoipa::openapi::RefOr::T(response) = response {
                        add_error_example(status, response);
                    }
                }
            }
        }
    }
}

/// Gives an error response an example body with a code of its own status:
/// without it every status would show the `ErrorBody` schema's one example
/// (a 404) in `/docs`, which misleads people reading a 401 or a 409.
fn add_error_example(status: &str, response: &mut utoipa::openapi::Response) {
    let Some(utoipa::openapi::RefOr::T(content)) = response.content.get_mut("application/json")
    else {
        return;
    };
    let is_error_body = matches!(&content.schema, Some(utoipa::openapi::RefOr::Ref(r)) if r.ref_location.ends_with("/ErrorBody"));
    if !is_error_body || content.example.is_some() {
        return;
    }
    let (code, error, field) = match status {
        "400" => (
            "validation_failed",
            "1 field is invalid; see details",
            Some(("name", "must not be blank")),
        ),
        "401" => (
            "missing_credentials",
            "No credentials: send Authorization: Bearer <jwt>, Authorization: Token <token> or X-Api-Key: <token>",
            None,
        ),
        "403" => (
            "insufficient_role",
            "This operation needs the owner or admin role",
            None,
        ),
        "404" => ("not_found", "No such record in this organization", None),
        "409" => (
            "conflict",
            "The change conflicts with the record's current state",
            None,
        ),
        "412" => (
            "precondition_failed",
            "If-Match names version 3; the record is at version 4",
            None,
        ),
        "413" => (
            "payload_too_large",
            "The body is larger than 1048576 bytes",
            None,
        ),
        "415" => (
            "unsupported_media_type",
            "Send JSON with Content-Type: application/json",
            None,
        ),
        "429" => (
            "rate_limited",
            "Rate limit of 100 requests per hour exceeded for this API key; retry after 1200 seconds",
            None,
        ),
        "500" => (
            "internal",
            "Something failed inside the server; quote the request id to support",
            None,
        ),
        "503" => (
            "unavailable",
            "The database is unreachable right now; retry later",
            None,
        ),
        _ => return,
    };
    let mut example = serde_json::json!({
        "error": error,
        "code": code,
        "request_id": "req_01jd8x2k4m6n8p9q0r1s2t3v4w",
    });
    if let Some((field, message)) = field {
        example["details"] = serde_json::json!([{"field": field, "message": message}]);
    }
    content.example = Some(example);
}

/// `a`, `a or b`, `a, b or c`.
fn one_of(items: &[&str]) -> String {
    match items.split_last() {
        Some((last, [])) => (*last).to_owned(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    }
}

/// The exact shape of the idempotency header, so clients (and generated
/// tests) know what a well-formed value is; anything else answers `400
/// invalid_header`. Whether the parameter is that header.
/// The `custom_fields[KEY]=VALUE` filters get their key shape too, and a
/// report's `group_by` its list of dimensions.
fn constrain_parameter(parameter: &mut utoipa::openapi::path::Parameter) -> bool {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    if parameter.name == "custom_fields" {
        parameter.schema = Some(super::dto::formats::custom_field_filters().into());
        // An empty example, or "Try it out" in /docs would send Swagger UI's
        // placeholder keys (`additionalProp1`) and be refused.
        if let Ok(mut value) = serde_json::to_value(&*parameter) {
            value["example"] = serde_json::json!({});
            if let Ok(with_example) = serde_json::from_value(value) {
                *parameter = with_example;
            }
        }
        return false;
    }
    if parameter.name == "group_by" {
        parameter.schema = Some(super::reports::group_by_schema().into());
        parameter.style = Some(utoipa::openapi::path::ParameterStyle::Form);
        parameter.explode = Some(false);
        // The example must be a list too (the field is private: via JSON).
        if let Ok(mut value) = serde_json::to_value(&*parameter) {
            value["example"] = serde_json::json!(["client", "month"]);
            if let Ok(with_example) = serde_json::from_value(value) {
                *parameter = with_example;
            }
        }
        return false;
    }
    let schema = match parameter.name.as_str() {
        // Any value is a well-formed request: a tag that is not one of ours
        // matches nothing (412). The plain string lets generic clients and
        // test generators use their own RFC 9110 ETag values.
        "If-Match" => ObjectBuilder::new().schema_type(Type::String),
        "Idempotency-Key" => ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some("^[!-~]([ -~]{0,253}[!-~])?$"))
            .max_length(Some(255)),
        _ => return false,
    };
    parameter.schema = Some(schema.build().into());
    parameter.name == "Idempotency-Key"
}

/// PATCH bodies are merged into the record's full input and parsed as one
/// (`api/patch.rs`), so a PATCH accepts exactly what the input accepts,
/// field by field, with nothing required. Each `XPatch` schema is therefore
/// the `XIn` schema without `required` (keeping the patch's own
/// description): a field that cannot be cleared is not nullable, a name
/// keeps its length limits, and the two cannot drift apart.
pub struct PatchSchemas;

/// Patches whose full input is not named `XIn`.
const PATCH_INPUTS: [(&str, &str); 3] = [
    ("ProfilePatch", "ProfileSettings"),
    ("DefaultsPatch", "DefaultsSettings"),
    ("InvoicingPatch", "InvoicingSettings"),
];

/// Sections of the settings patch: objects merged key by key, never null.
const NON_NULLABLE_SECTIONS: &str = "SettingsPatch";

fn without_null(schema: &mut serde_json::Value) {
    let Some(object) = schema.as_object_mut() else {
        return;
    };
    if let Some(serde_json::Value::Array(types)) = object.get_mut("type") {
        types.retain(|t| t != "null");
        if let [single] = types.as_slice() {
            let single = single.clone();
            object.insert("type".into(), single);
        }
    }
    let branches = object.remove("oneOf");
    if let Some(serde_json::Value::Array(mut branches)) = branches {
        branches.retain(|b| b.get("type").is_none_or(|t| t != "null"));
        match <[serde_json::Value; 1]>::try_from(branches) {
            Ok([serde_json::Value::Object(only)]) => object.extend(only),
            Ok([other]) => {
                object.insert("oneOf".into(), serde_json::Value::Array(vec![other]));
            }
            Err(rest) => {
                object.insert("oneOf".into(), serde_json::Value::Array(rest));
            }
        }
    }
}

impl Modify for PatchSchemas {
    fn modify(&self, openapi: &mut OpenApiDoc) {
        let Some(components) = openapi.components.as_mut() else {
            return;
        };
        let patches: Vec<String> = components
            .schemas
            .keys()
            .filter(|name| name.ends_with("Patch"))
            .cloned()
            .collect();
        for patch in patches {
            let input = PATCH_INPUTS
                .iter()
                .find(|(p, _)| *p == patch)
                .map(|(_, input)| (*input).to_owned())
                .unwrap_or_else(|| format!("{}In", patch.trim_end_matches("Patch")));
            let Some(Ok(current)) = components.schemas.get(&patch).map(serde_json::to_value) else {
                continue;
            };
            let mut derived = match components.schemas.get(&input).map(serde_json::to_value) {
                Some(Ok(input)) => input,
                _ if patch == NON_NULLABLE_SECTIONS => current.clone(),
                _ => continue,
            };
            let Some(object) = derived.as_object_mut() else {
                continue;
            };
            object.remove("required");
            if patch == NON_NULLABLE_SECTIONS
                && let Some(serde_json::Value::Object(properties)) = object.get_mut("properties")
            {
                properties.values_mut().for_each(without_null);
            }
            match current.get("description") {
                Some(description) => object.insert("description".into(), description.clone()),
                None => object.remove("description"),
            };
            if let Ok(schema) = serde_json::from_value(derived) {
                components.schemas.insert(patch, schema);
            }
        }
    }
}

/// Drops component schemas nothing refers to. utoipa inlines the object of a
/// generic envelope (`Data<ClientOut>`) and still registers `ClientOut`
/// alone; linters rightly flag such leftovers.
pub fn prune_unused_schemas(doc: &mut OpenApiDoc) {
    fn collect_refs(value: &serde_json::Value, into: &mut std::collections::HashSet<String>) {
        match value {
            serde_json::Value::Object(map) => {
                for (key, inner) in map {
                    if key == "$ref"
                        && let Some(name) = inner
                            .as_str()
                            .and_then(|r| r.strip_prefix("#/components/schemas/"))
                    {
                        into.insert(name.to_owned());
                    }
                    collect_refs(inner, into);
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(|i| collect_refs(i, into)),
            _ => {}
        }
    }
    // Removing a schema may orphan the ones only it referred to: repeat.
    loop {
        let Ok(mut value) = serde_json::to_value(&*doc) else {
            return;
        };
        // References from the components themselves count only if those
        // components are referenced; look at everything but the schemas,
        // then follow references transitively.
        let schemas = value
            .pointer_mut("/components/schemas")
            .map(serde_json::Value::take)
            .unwrap_or_default();
        let mut used = std::collections::HashSet::new();
        collect_refs(&value, &mut used);
        let mut frontier: Vec<String> = used.iter().cloned().collect();
        while let Some(name) = frontier.pop() {
            let mut found = std::collections::HashSet::new();
            if let Some(schema) = schemas.get(&name) {
                collect_refs(schema, &mut found);
            }
            for f in found {
                if used.insert(f.clone()) {
                    frontier.push(f);
                }
            }
        }
        let Some(components) = doc.components.as_mut() else {
            return;
        };
        let before = components.schemas.len();
        components.schemas.retain(|name, _| used.contains(name));
        if components.schemas.len() == before {
            return;
        }
    }
}
