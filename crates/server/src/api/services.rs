//! `/services` (list, show, create, replace, patch, delete) and
//! `/clients/{id}/service-rates` (a client's own rates for services).

use axum::extract::State;
use axum::response::Response;
use stint_core::ids::{ClientId, ServiceId};
use stint_store::services::ServiceFilter;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::conditional::IfMatch;
use super::dto::services::{
    ClientServiceRateIn, ClientServiceRateOut, ServiceIn, ServiceKind, ServiceOut, ServicePatch,
};
use super::error::{ApiError, ErrorBody};
use super::extract::{Json, Path, Query};
use super::list_params::status_filter;
use super::pagination;
use super::patch::{PatchJson, merge};
use super::response::{self, Data, List};
use crate::auth::Ctx;
use crate::list_query;
use crate::services::catalog_services;
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_services, create_service))
        .routes(routes!(
            get_service,
            replace_service,
            patch_service,
            delete_service
        ))
        .routes(routes!(list_client_service_rates))
        .routes(routes!(
            get_client_service_rate,
            put_client_service_rate,
            delete_client_service_rate
        ))
}

fn location(id: ServiceId) -> String {
    format!("/api/v1/services/{id}")
}

fn rate_location(client: ClientId, service: ServiceId) -> String {
    format!("/api/v1/clients/{client}/service-rates/{service}")
}

list_query! {
    /// Filters of the service list.
    pub struct ServiceListQuery {
        /// Case-insensitive search in name and description.
        pub q: Option<String>,
        /// `active` (default), `archived` or `all`.
        #[param(pattern = "^(active|archived|all)$")]
        pub status: Option<String>,
        /// Only `hourly` or only `fixed` services.
        pub kind: Option<ServiceKind>,
    }
}

/// List services
///
/// Oldest first.
#[utoipa::path(get, path = "/services", tag = "Services",
    params(ServiceListQuery),
    responses((status = 200, description = "A page of services", body = List<ServiceOut>)))]
pub async fn list_services(
    ctx: Ctx,
    Query(query): Query<ServiceListQuery>,
) -> Result<Response, ApiError> {
    let request = query.page()?;
    let filter = ServiceFilter {
        q: query.q.clone(),
        status: status_filter(query.status.as_deref(), &[])?,
        kind: query.kind.map(|k| k.as_str().to_owned()),
    };
    let page = ctx.read().await?.list_services(&filter, &request).await?;
    let meta = pagination::meta(&page, &request, |s| s.id.uuid());
    Ok(response::list(
        page.items.iter().map(ServiceOut::from).collect(),
        meta,
    ))
}

/// Show a service
#[utoipa::path(get, path = "/services/{id}", tag = "Services",
    params(("id" = ServiceId, Path, description = "The service's id")),
    responses((status = 200, description = "The service", body = Data<ServiceOut>,
        headers(("ETag" = String, description = "The service's version, for If-Match")))))]
pub async fn get_service(ctx: Ctx, Path(id): Path<ServiceId>) -> Result<Response, ApiError> {
    let service = ctx
        .read()
        .await?
        .service(id)
        .await?
        .ok_or_else(|| ApiError::not_found("service"))?;
    Ok(response::ok_versioned(
        ServiceOut::from(&service),
        service.version,
    ))
}

/// Create a service
///
/// `rate` is in `currency` (the organization's by default); `unit_code`
/// defaults to `HUR` for hourly and `C62` for fixed services; `vat_rate`
/// defaults to 0.
#[utoipa::path(post, path = "/services", tag = "Services",
    params(("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key return the first response")),
    request_body = ServiceIn,
    responses(
        (status = 201, description = "Created", body = Data<ServiceOut>,
            headers(("Location" = String, description = "The new service"), ("ETag" = String, description = "Its version"))),
        (status = 403, description = "`insufficient_role` or `insufficient_scope`", body = ErrorBody),
        (status = 409, description = "`idempotency_key_reused` or `idempotency_key_in_use`", body = ErrorBody),
    ))]
pub async fn create_service(
    State(state): State<AppState>,
    ctx: Ctx,
    Json(input): Json<ServiceIn>,
) -> Result<Response, ApiError> {
    let service = catalog_services::create(&state, &ctx, input).await?;
    Ok(response::created(
        &location(service.id),
        ServiceOut::from(&service),
        Some(service.version),
    ))
}

/// Replace a service
///
/// Every field is set from the body; absent optional fields take their
/// defaults. The currency cannot change while the service has client rates.
#[utoipa::path(put, path = "/services/{id}", tag = "Services",
    params(
        ("id" = ServiceId, Path, description = "The service's id"),
        ("If-Match" = Option<String>, Header, description = "Only apply if the service is still at this ETag"),
    ),
    request_body = ServiceIn,
    responses(
        (status = 200, description = "Replaced", body = Data<ServiceOut>),
        (status = 403, description = "`insufficient_role` or `insufficient_scope`", body = ErrorBody),
        (status = 409, description = "`conflict`: a currency change while client rates exist", body = ErrorBody),
        (status = 412, description = "`precondition_failed`: the service changed since that ETag", body = ErrorBody),
    ))]
pub async fn replace_service(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<ServiceId>,
    if_match: IfMatch,
    Json(input): Json<ServiceIn>,
) -> Result<Response, ApiError> {
    let service = catalog_services::update(&state, &ctx, id, if_match, |_| Ok(input)).await?;
    Ok(response::ok_versioned(
        ServiceOut::from(&service),
        service.version,
    ))
}

/// Update a service
///
/// Only the fields sent change (a JSON merge patch); `null` resets an
/// optional field to its default. Archive with `{"status": "archived"}`. The currency
/// cannot change while the service has client rates.
#[utoipa::path(patch, path = "/services/{id}", tag = "Services",
    params(
        ("id" = ServiceId, Path, description = "The service's id"),
        ("If-Match" = Option<String>, Header, description = "Only apply if the service is still at this ETag"),
    ),
    request_body = ServicePatch,
    responses(
        (status = 200, description = "Updated", body = Data<ServiceOut>),
        (status = 403, description = "`insufficient_role` or `insufficient_scope`", body = ErrorBody),
        (status = 409, description = "`conflict`: a currency change while client rates exist", body = ErrorBody),
        (status = 412, description = "`precondition_failed`: the service changed since that ETag", body = ErrorBody),
    ))]
pub async fn patch_service(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<ServiceId>,
    if_match: IfMatch,
    patch: PatchJson<ServicePatch>,
) -> Result<Response, ApiError> {
    let service = catalog_services::update(&state, &ctx, id, if_match, |current| {
        merge(&ServiceIn::from(current), &patch.raw)
    })
    .await?;
    Ok(response::ok_versioned(
        ServiceOut::from(&service),
        service.version,
    ))
}

/// Delete a service
///
/// Deletes a service together with its client rates (each recorded as a
/// `client_service_rate.deleted` event). A service with time entries
/// answers `409 in_use`: archive it instead.
#[utoipa::path(delete, path = "/services/{id}", tag = "Services",
    params(
        ("id" = ServiceId, Path, description = "The service's id"),
        ("If-Match" = Option<String>, Header, description = "Only delete if the service is still at this ETag"),
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "`insufficient_role` or `insufficient_scope`", body = ErrorBody),
        (status = 409, description = "`in_use`: archive it instead", body = ErrorBody),
        (status = 412, description = "`precondition_failed`", body = ErrorBody),
    ))]
pub async fn delete_service(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<ServiceId>,
    if_match: IfMatch,
) -> Result<Response, ApiError> {
    catalog_services::delete(&state, &ctx, id, if_match).await?;
    Ok(response::no_content())
}

list_query! {
    /// Paging of a client's service rates.
    pub struct ServiceRateListQuery {}
}

/// List a client's service rates
///
/// In service order. Each rate replaces its service's rate for this client
/// and is in the service's currency.
#[utoipa::path(get, path = "/clients/{id}/service-rates", tag = "Services",
    params(
        ("id" = ClientId, Path, description = "The client's id"),
        ServiceRateListQuery,
    ),
    responses((status = 200, description = "A page of the client's rates", body = List<ClientServiceRateOut>)))]
pub async fn list_client_service_rates(
    ctx: Ctx,
    Path(client): Path<ClientId>,
    Query(query): Query<ServiceRateListQuery>,
) -> Result<Response, ApiError> {
    let request = query.page()?;
    let mut db = ctx.read().await?;
    if !db.exists(client).await? {
        return Err(ApiError::not_found("client"));
    }
    let page = db.list_client_service_rates(client, &request).await?;
    let meta = pagination::meta(&page, &request, |r| r.service_id.uuid());
    Ok(response::list(
        page.items.iter().map(ClientServiceRateOut::from).collect(),
        meta,
    ))
}

/// Show a client's rate for a service
#[utoipa::path(get, path = "/clients/{id}/service-rates/{service_id}", tag = "Services",
    params(
        ("id" = ClientId, Path, description = "The client's id"),
        ("service_id" = ServiceId, Path, description = "The service's id"),
    ),
    responses((status = 200, description = "The rate", body = Data<ClientServiceRateOut>,
        headers(("ETag" = String, description = "The rate's version, for If-Match")))))]
pub async fn get_client_service_rate(
    ctx: Ctx,
    Path((client, service)): Path<(ClientId, ServiceId)>,
) -> Result<Response, ApiError> {
    let rate = catalog_services::rate(&mut ctx.read().await?, client, service).await?;
    Ok(response::ok_versioned(
        ClientServiceRateOut::from(&rate),
        rate.version,
    ))
}

/// Set a client's rate for a service
///
/// Creates the rate (201) or replaces it (200). The rate is in the
/// service's currency. Setting the same rate again changes nothing.
#[utoipa::path(put, path = "/clients/{id}/service-rates/{service_id}", tag = "Services",
    params(
        ("id" = ClientId, Path, description = "The client's id"),
        ("service_id" = ServiceId, Path, description = "The service's id"),
        ("If-Match" = Option<String>, Header, description = "Only replace if the rate is still at this ETag (a rate that does not exist matches none)"),
    ),
    request_body = ClientServiceRateIn,
    responses(
        (status = 200, description = "Replaced", body = Data<ClientServiceRateOut>,
            headers(("ETag" = String, description = "Its version"))),
        (status = 201, description = "Created", body = Data<ClientServiceRateOut>,
            headers(("Location" = String, description = "The rate"), ("ETag" = String, description = "Its version"))),
        (status = 403, description = "`insufficient_role` or `insufficient_scope`", body = ErrorBody),
        (status = 412, description = "`precondition_failed`: the rate changed since that ETag", body = ErrorBody),
    ))]
pub async fn put_client_service_rate(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((client, service)): Path<(ClientId, ServiceId)>,
    if_match: IfMatch,
    Json(input): Json<ClientServiceRateIn>,
) -> Result<Response, ApiError> {
    let (rate, created) =
        catalog_services::put_rate(&state, &ctx, client, service, if_match, input).await?;
    let out = ClientServiceRateOut::from(&rate);
    Ok(if created {
        response::created(&rate_location(client, service), out, Some(rate.version))
    } else {
        response::ok_versioned(out, rate.version)
    })
}

/// Remove a client's rate for a service
///
/// The service's own rate applies to the client again.
#[utoipa::path(delete, path = "/clients/{id}/service-rates/{service_id}", tag = "Services",
    params(
        ("id" = ClientId, Path, description = "The client's id"),
        ("service_id" = ServiceId, Path, description = "The service's id"),
        ("If-Match" = Option<String>, Header, description = "Only delete if the rate is still at this ETag"),
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "`insufficient_role` or `insufficient_scope`", body = ErrorBody),
        (status = 412, description = "`precondition_failed`", body = ErrorBody),
    ))]
pub async fn delete_client_service_rate(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((client, service)): Path<(ClientId, ServiceId)>,
    if_match: IfMatch,
) -> Result<Response, ApiError> {
    catalog_services::delete_rate(&state, &ctx, client, service, if_match).await?;
    Ok(response::no_content())
}
