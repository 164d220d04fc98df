//! The REST API: routers per resource, request and response shapes, the
//! OpenAPI document, and the middleware every request passes through.

pub mod api_keys;
pub mod authentication;
pub mod client_groups;
pub mod clients;
pub mod conditional;
pub mod contacts;
pub mod custom_fields;
pub mod decimal;
pub mod docs;
pub mod dto;
pub mod error;
pub mod events;
pub mod expenses;
pub mod extract;
pub mod health;
pub mod idempotency;
pub mod instant;
pub mod invitations;
pub mod list_params;
pub mod me;
pub mod member_groups;
pub mod members;
pub mod openapi;
pub mod pagination;
pub mod patch;
pub mod products;
pub mod projects;
pub mod public_api;
pub mod reports;
pub mod request_id;
pub mod response;
pub mod schema_rules;
pub mod services;
pub mod settings;
pub mod tasks;
pub mod time_entries;
pub mod topics;
pub mod views;
pub mod webhooks;

use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderValue, Method, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use self::error::{ApiError, Code};
use crate::state::AppState;

/// Every documented route.
fn documented() -> OpenApiRouter<AppState> {
    let v1 = OpenApiRouter::new()
        .merge(authentication::routes())
        .merge(me::routes())
        .merge(public_api::routes())
        .merge(api_keys::routes())
        .merge(members::routes())
        .merge(clients::routes())
        .merge(contacts::routes())
        .merge(client_groups::routes())
        .merge(custom_fields::routes())
        .merge(invitations::routes())
        .merge(member_groups::routes())
        .merge(projects::routes())
        .merge(topics::routes())
        .merge(tasks::routes())
        .merge(services::routes())
        .merge(products::routes())
        .merge(settings::routes())
        .merge(time_entries::routes())
        .merge(expenses::routes())
        .merge(reports::routes())
        .merge(webhooks::routes())
        .merge(events::routes());
    OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .routes(routes!(health::healthz))
        .routes(routes!(health::readyz))
        .nest("/api/v1", v1)
}

/// The OpenAPI document, as served at `/api/v1/openapi.json`.
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    let mut doc = openapi_document_with_every_schema();
    openapi::prune_unused_schemas(&mut doc);
    doc
}

/// The document before unreferenced schemas are pruned: every response
/// object keeps its named schema, which the event-type examples are built from.
pub fn openapi_document_with_every_schema() -> utoipa::openapi::OpenApi {
    let mut doc = documented().split_for_parts().1;
    utoipa::Modify::modify(&openapi::StandardErrors, &mut doc);
    utoipa::Modify::modify(&openapi::PatchSchemas, &mut doc);
    schema_rules::apply(&mut doc);
    doc
}

/// Pretty JSON of the document, as committed in `docs/openapi.json`.
pub fn openapi_json() -> String {
    let mut text = openapi_document().to_pretty_json().unwrap_or_default();
    text.push('\n');
    text
}

/// The whole HTTP application.
pub fn router(state: AppState) -> Router {
    let (routes, _) = documented().split_for_parts();
    let mut app = routes
        .route("/api/v1/openapi.json", get(serve_openapi))
        .route("/metrics", get(metrics))
        .route("/docs/guide", get(docs::guide))
        .route("/docs/guide/{page}", get(docs::guide_page))
        .merge(docs::swagger_ui())
        .fallback(route_not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            idempotency::middleware,
        ))
        .layer(DefaultBodyLimit::max(state.settings.http.body_limit))
        .layer(middleware::from_fn_with_state(
            state.settings.http.request_timeout,
            timeout,
        ))
        // Outside the timeout and idempotency, so every authenticated
        // request is counted, replays included.
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::limits::middleware::limit,
        ))
        .layer(CompressionLayer::new().gzip(true));
    if let Some(cors) = cors_layer(&state.settings.http.cors_origins) {
        app = app.layer(cors);
    }
    app.layer(tower_http::catch_panic::CatchPanicLayer::custom(
        panic_response,
    ))
    .layer(middleware::from_fn(request_id::middleware))
    .with_state(state)
}

async fn serve_openapi(State(state): State<AppState>) -> Response {
    let mut response = state.openapi_json.clone().into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// A few counters in the Prometheus text format, for operators.
async fn metrics(State(state): State<AppState>) -> Response {
    let body = format!(
        "# HELP stint_rate_limit_backend_errors_total Rate-limit counter failures (Redis unreachable).\n\
         # TYPE stint_rate_limit_backend_errors_total counter\n\
         stint_rate_limit_backend_errors_total {}\n",
        state.limits.counter.errors()
    );
    let mut response = body.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4"),
    );
    response
}

async fn route_not_found() -> ApiError {
    ApiError::new(
        Code::RouteNotFound,
        "No operation at this path; see /api/v1/openapi.json",
    )
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        Code::MethodNotAllowed,
        "This path does not support this method",
    )
}

async fn timeout(State(limit): State<Duration>, request: Request, next: Next) -> Response {
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError::new(Code::Timeout, "The request took too long and was abandoned")
            .into_response(),
    }
}

fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    ApiError::internal(std::io::Error::other("handler panicked")).into_response()
}

fn cors_layer(origins: &[String]) -> Option<CorsLayer> {
    if origins.is_empty() {
        return None;
    }
    let allowed: Vec<HeaderValue> = origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o).ok())
        .collect();
    Some(
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(allowed))
            .allow_methods([
                Method::GET,
                Method::POST,
                Method::PUT,
                Method::PATCH,
                Method::DELETE,
            ])
            .allow_headers([
                header::AUTHORIZATION,
                header::CONTENT_TYPE,
                header::IF_MATCH,
                header::HeaderName::from_static("x-api-key"),
                header::HeaderName::from_static("idempotency-key"),
                header::HeaderName::from_static("x-request-id"),
            ])
            .expose_headers([
                header::ETAG,
                header::LOCATION,
                header::HeaderName::from_static("x-request-id"),
            ]),
    )
}
