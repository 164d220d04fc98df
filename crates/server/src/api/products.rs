//! `/products`: list, show, create, replace, patch, delete.

use axum::extract::State;
use axum::response::Response;
use stint_core::ids::ProductId;
use stint_store::products::ProductFilter;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::conditional::IfMatch;
use super::dto::products::{ProductIn, ProductOut, ProductPatch};
use super::error::{ApiError, ErrorBody};
use super::extract::{Json, Path, Query};
use super::list_params::status_filter;
use super::pagination;
use super::patch::{PatchJson, merge};
use super::response::{self, Data, List};
use crate::auth::Ctx;
use crate::list_query;
use crate::services::products;
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_products, create_product))
        .routes(routes!(
            get_product,
            replace_product,
            patch_product,
            delete_product
        ))
}

fn location(id: ProductId) -> String {
    format!("/api/v1/products/{id}")
}

list_query! {
    /// Filters of the product list.
    pub struct ProductListQuery {
        /// Case-insensitive search in name, SKU and description.
        pub q: Option<String>,
        /// `active` (default), `archived` or `all`.
        #[param(pattern = "^(active|archived|all)$")]
        pub status: Option<String>,
    }
}

/// List products
///
/// Oldest first.
#[utoipa::path(get, path = "/products", tag = "Products",
    params(ProductListQuery),
    responses((status = 200, description = "A page of products", body = List<ProductOut>)))]
pub async fn list_products(
    ctx: Ctx,
    Query(query): Query<ProductListQuery>,
) -> Result<Response, ApiError> {
    let request = query.page()?;
    let filter = ProductFilter {
        q: query.q.clone(),
        status: status_filter(query.status.as_deref(), &[])?,
    };
    let page = ctx.read().await?.list_products(&filter, &request).await?;
    let meta = pagination::meta(&page, &request, |p| p.id.uuid());
    Ok(response::list(
        page.items.iter().map(ProductOut::from).collect(),
        meta,
    ))
}

/// Show a product
#[utoipa::path(get, path = "/products/{id}", tag = "Products",
    params(("id" = ProductId, Path, description = "The product's id")),
    responses((status = 200, description = "The product", body = Data<ProductOut>,
        headers(("ETag" = String, description = "The product's version, for If-Match")))))]
pub async fn get_product(ctx: Ctx, Path(id): Path<ProductId>) -> Result<Response, ApiError> {
    let product = ctx
        .read()
        .await?
        .product(id)
        .await?
        .ok_or_else(|| ApiError::not_found("product"))?;
    Ok(response::ok_versioned(
        ProductOut::from(&product),
        product.version,
    ))
}

/// Create a product
///
/// `vat_category` defaults to `S` (standard rate), which needs a `vat_rate`
/// above 0; the categories `Z`, `E`, `AE`, `K`, `G` and `O` need a rate of
/// 0 (their default). A taken `sku` answers `409 conflict`.
#[utoipa::path(post, path = "/products", tag = "Products",
    params(("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key return the first response")),
    request_body = ProductIn,
    responses(
        (status = 201, description = "Created", body = Data<ProductOut>,
            headers(("Location" = String, description = "The new product"), ("ETag" = String, description = "Its version"))),
        (status = 403, description = "`insufficient_role` or `insufficient_scope`", body = ErrorBody),
        (status = 409, description = "`conflict`: the SKU is taken; `idempotency_key_reused` or `idempotency_key_in_use`", body = ErrorBody),
    ))]
pub async fn create_product(
    State(state): State<AppState>,
    ctx: Ctx,
    Json(input): Json<ProductIn>,
) -> Result<Response, ApiError> {
    let product = products::create(&state, &ctx, input).await?;
    Ok(response::created(
        &location(product.id),
        ProductOut::from(&product),
        Some(product.version),
    ))
}

/// Replace a product
///
/// Every field is set from the body; absent optional fields take their
/// defaults.
#[utoipa::path(put, path = "/products/{id}", tag = "Products",
    params(
        ("id" = ProductId, Path, description = "The product's id"),
        ("If-Match" = Option<String>, Header, description = "Only apply if the product is still at this ETag"),
    ),
    request_body = ProductIn,
    responses(
        (status = 200, description = "Replaced", body = Data<ProductOut>),
        (status = 403, description = "`insufficient_role` or `insufficient_scope`", body = ErrorBody),
        (status = 409, description = "`conflict`: the SKU is taken", body = ErrorBody),
        (status = 412, description = "`precondition_failed`: the product changed since that ETag", body = ErrorBody),
    ))]
pub async fn replace_product(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<ProductId>,
    if_match: IfMatch,
    Json(input): Json<ProductIn>,
) -> Result<Response, ApiError> {
    let product = products::update(&state, &ctx, id, if_match, |_| Ok(input)).await?;
    Ok(response::ok_versioned(
        ProductOut::from(&product),
        product.version,
    ))
}

/// Update a product
///
/// Only the fields sent change (a JSON merge patch); `null` resets an
/// optional field to its default. Archive with `{"status": "archived"}`. Changing
/// `vat_category` between `S` and the zero-rate categories needs a matching
/// `vat_rate` in the same patch.
#[utoipa::path(patch, path = "/products/{id}", tag = "Products",
    params(
        ("id" = ProductId, Path, description = "The product's id"),
        ("If-Match" = Option<String>, Header, description = "Only apply if the product is still at this ETag"),
    ),
    request_body = ProductPatch,
    responses(
        (status = 200, description = "Updated", body = Data<ProductOut>),
        (status = 403, description = "`insufficient_role` or `insufficient_scope`", body = ErrorBody),
        (status = 409, description = "`conflict`: the SKU is taken", body = ErrorBody),
        (status = 412, description = "`precondition_failed`: the product changed since that ETag", body = ErrorBody),
    ))]
pub async fn patch_product(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<ProductId>,
    if_match: IfMatch,
    patch: PatchJson<ProductPatch>,
) -> Result<Response, ApiError> {
    let product = products::update(&state, &ctx, id, if_match, |current| {
        let merged = merge(&ProductIn::from(current), &patch.raw)?;
        products::vat_conflict(&merged, &patch.raw)?;
        Ok(merged)
    })
    .await?;
    Ok(response::ok_versioned(
        ProductOut::from(&product),
        product.version,
    ))
}

/// Delete a product
///
/// Deletes a product no invoice line refers to. One on invoice lines
/// answers `409 in_use`: archive it instead.
#[utoipa::path(delete, path = "/products/{id}", tag = "Products",
    params(
        ("id" = ProductId, Path, description = "The product's id"),
        ("If-Match" = Option<String>, Header, description = "Only delete if the product is still at this ETag"),
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "`insufficient_role` or `insufficient_scope`", body = ErrorBody),
        (status = 409, description = "`in_use`: archive it instead", body = ErrorBody),
        (status = 412, description = "`precondition_failed`", body = ErrorBody),
    ))]
pub async fn delete_product(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<ProductId>,
    if_match: IfMatch,
) -> Result<Response, ApiError> {
    products::delete(&state, &ctx, id, if_match).await?;
    Ok(response::no_content())
}
