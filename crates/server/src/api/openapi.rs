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
    security(("bearer" = []), ("api_key" = []), ("token" = [])),
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

impl Modify for StandardErrors {
    fn modify(&self, openapi: &mut OpenApiDoc) {
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
                let has_query = op.parameters.iter().flatten().any(|p| match p {
                    utoipa::openapi::RefOr::T(p) => {
                        matches!(p.parameter_in, utoipa::openapi::path::ParameterIn::Query)
                    }
                    utoipa::openapi::RefOr::Ref(_) => false,
                });
                let responses = &mut op.responses.responses;
                let mut add = |status: &str, description: &str| {
                    responses
                        .entry(status.to_owned())
                        .or_insert_with(|| error_response(description));
                };
                if has_body || has_query {
                    add(
                        "400",
                        "`invalid_json`, `validation_failed` (details name each field), `unknown_field`, `invalid_query` or `invalid_cursor`",
                    );
                }
                if !public {
                    add(
                        "401",
                        "`missing_credentials`, `invalid_token`, `token_expired`, `token_revoked`, `invalid_credentials`, `account_inactive` or `public_api_inactive`",
                    );
                }
                if has_id {
                    add(
                        "404",
                        "`not_found`: no such resource in this organization (another organization's ids answer the same)",
                    );
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
            }
        }
    }
}
