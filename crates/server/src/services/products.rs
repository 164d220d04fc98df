//! Product use cases: create, replace, patch, delete — validated (SKU
//! unique per organization, VAT rate consistent with its category),
//! versioned, and recorded in the event outbox in the same transaction.

use stint_core::Validation;
use stint_core::ids::ProductId;
use stint_core::money::Percent;
use stint_core::unit_codes;
use stint_core::validation::{name_problem, optional_text};
use stint_store::StoreError;
use stint_store::products::{Product, ProductValues};
use stint_store::{Tenant, Tx};

use super::catalog_services::{amount_of, currency_of, unit_code_of};
use super::events;
use crate::api::conditional::{IfMatch, stale};
use crate::api::dto::products::{ProductIn, ProductOut, VatCategory};
use crate::api::error::{ApiError, Code};
use crate::auth::Ctx;
use crate::state::AppState;

const RESOURCE: &str = "product";

fn not_found() -> ApiError {
    ApiError::not_found("product")
}

/// EN 16931 ties the rate to the category: standard rated lines carry a
/// rate above 0 (BR-S-05), zero-rated, exempt, reverse-charge, intra-EU,
/// export and out-of-scope lines a rate of 0 (BR-Z-05, BR-E-05, BR-AE-05,
/// BR-IC-05, BR-G-05; BR-O-05 forbids a rate, which we store as 0).
fn vat_problem(category: VatCategory, rate: Option<i64>) -> Option<String> {
    match (category, rate) {
        (VatCategory::S, None) => {
            Some("is required with vat_category S (standard rate)".to_owned())
        }
        (VatCategory::S, Some(0)) => Some(
            "must be greater than 0 with vat_category S; use Z, E, AE, K, G or O for a rate of 0"
                .to_owned(),
        ),
        (VatCategory::S, Some(_)) | (_, None) | (_, Some(0)) => None,
        (other, Some(_)) => Some(format!("must be 0 with vat_category {}", other.as_str())),
    }
}

/// The input's VAT rate in hundredths of a percent, if given.
fn vat_rate_of(input: &ProductIn) -> Result<Option<i64>, String> {
    input
        .vat_rate
        .as_ref()
        .map(|t| Percent::parse(t.as_str()).map(|p| p.hundredths()))
        .transpose()
}

/// The VAT rule for a PATCH that sends only one of `vat_category` and
/// `vat_rate`: the other is stored, which the request cannot see, so a
/// mismatch conflicts with the product (409) rather than being malformed.
pub fn vat_conflict(
    input: &ProductIn,
    patch: &serde_json::Map<String, serde_json::Value>,
) -> Result<(), ApiError> {
    let sent = |key: &str| patch.contains_key(key);
    if sent("vat_category") == sent("vat_rate") {
        return Ok(());
    }
    // A malformed rate is reported as such by `validate`.
    let Ok(rate) = vat_rate_of(input) else {
        return Ok(());
    };
    match vat_problem(input.vat_category, rate) {
        None => Ok(()),
        Some(message) => {
            let (field, message) = if sent("vat_rate") {
                (
                    "vat_rate",
                    format!("{message} (the product's stored category)"),
                )
            } else {
                (
                    "vat_category",
                    format!("does not fit the product's stored vat_rate: vat_rate {message}"),
                )
            };
            Err(ApiError::field_conflict(field, message))
        }
    }
}

/// Checks an input against the rules and the organization's data.
async fn validate(tx: &mut Tenant<Tx>, input: ProductIn) -> Result<ProductValues, ApiError> {
    let mut v = Validation::new();
    v.check("name", name_problem(&input.name, 200));
    let mut text = |field: &str, value: &Option<String>, max: usize| match optional_text(value, max)
    {
        Ok(t) => t,
        Err(e) => {
            v.add(field, e);
            None
        }
    };
    let sku = text("sku", &input.sku, 100);
    let description = text("description", &input.description, 2000);
    let (currency, parsed) = currency_of(tx, input.currency.as_deref(), &mut v).await?;
    let unit_price = amount_of("unit_price", input.unit_price.as_ref(), parsed, &mut v);
    let unit_code = unit_code_of(&input.unit_code, unit_codes::ONE, &mut v);
    // A malformed rate is reported as such, not against the category.
    let vat_rate = match vat_rate_of(&input) {
        Ok(rate) => {
            v.check("vat_rate", vat_problem(input.vat_category, rate));
            rate
        }
        Err(e) => {
            v.add("vat_rate", e);
            None
        }
    };
    v.finish().map_err(ApiError::validation)?;
    Ok(ProductValues {
        name: input.name.trim().to_owned(),
        sku,
        description,
        unit_price,
        currency,
        unit_code,
        vat_rate: vat_rate.unwrap_or(0),
        vat_category: input.vat_category.as_str().to_owned(),
        status: input.status.as_str().to_owned(),
    })
}

/// A unique violation on the SKU is the caller's conflict, not an outage.
fn sku_conflict(error: StoreError, values: &ProductValues) -> ApiError {
    if error.is_unique_on("sku") {
        let sku = values.sku.as_deref().unwrap_or_default();
        return ApiError::new(
            Code::Conflict,
            format!("The SKU `{sku}` is taken by another product"),
        )
        .with_details(vec![stint_core::FieldError {
            field: "sku".into(),
            message: "is taken by another product".into(),
        }]);
    }
    error.into()
}

async fn reload(tx: &mut Tenant<Tx>, id: ProductId) -> Result<Product, ApiError> {
    tx.product(id)
        .await?
        .ok_or_else(|| ApiError::internal(std::io::Error::other("product vanished mid-write")))
}

pub async fn create(state: &AppState, ctx: &Ctx, input: ProductIn) -> Result<Product, ApiError> {
    ctx.require_write()?;
    let now = state.now();
    let id = ProductId::generate();
    let mut tx = ctx.write().await?;
    let values = validate(&mut tx, input).await?;
    tx.insert_product(id, &values, now)
        .await
        .map_err(|e| sku_conflict(e, &values))?;
    let product = reload(&mut tx, id).await?;
    events::created(
        &mut tx,
        ctx,
        now,
        RESOURCE,
        id.uuid(),
        &ProductOut::from(&product),
    )
    .await?;
    tx.commit().await?;
    Ok(product)
}

/// Replaces a product with the input `build` makes from the current one
/// (PUT ignores it; PATCH merges into it), all inside one transaction.
pub async fn update(
    state: &AppState,
    ctx: &Ctx,
    id: ProductId,
    if_match: IfMatch,
    build: impl FnOnce(&Product) -> Result<ProductIn, ApiError>,
) -> Result<Product, ApiError> {
    ctx.require_write()?;
    let now = state.now();
    let mut tx = ctx.write().await?;
    let current = tx.product(id).await?.ok_or_else(not_found)?;
    let values = validate(&mut tx, build(&current)?).await?;
    // Preconditions count only for a request that is otherwise valid
    // (RFC 9110 13.2.1): a malformed body is 400 even when stale.
    if_match.check(current.version)?;
    if !tx
        .update_product(id, &values, current.version, now)
        .await
        .map_err(|e| sku_conflict(e, &values))?
    {
        return Err(stale());
    }
    let updated = reload(&mut tx, id).await?;
    if !events::updated(
        &mut tx,
        ctx,
        now,
        RESOURCE,
        id.uuid(),
        &ProductOut::from(&current),
        &ProductOut::from(&updated),
    )
    .await?
    {
        // Nothing changed: keep the version, record nothing.
        return Ok(current);
    }
    tx.commit().await?;
    Ok(updated)
}

/// Deletes an unused product; one on invoice lines must be archived
/// instead.
pub async fn delete(
    state: &AppState,
    ctx: &Ctx,
    id: ProductId,
    if_match: IfMatch,
) -> Result<(), ApiError> {
    ctx.require_write()?;
    let now = state.now();
    let mut tx = ctx.write().await?;
    let current = tx.product(id).await?.ok_or_else(not_found)?;
    if_match.check(current.version)?;
    if let Some(what) = tx.product_references(id).await? {
        return Err(ApiError::new(
            Code::InUse,
            format!(
                "This product is on {what}, so it cannot be deleted; archive it with PATCH {{\"status\": \"archived\"}}"
            ),
        ));
    }
    tx.delete_product(id).await?;
    events::deleted(
        &mut tx,
        ctx,
        now,
        RESOURCE,
        id.uuid(),
        &ProductOut::from(&current),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vat_rate_follows_the_category() {
        assert!(vat_problem(VatCategory::S, Some(2000)).is_none());
        assert!(vat_problem(VatCategory::S, Some(0)).is_some());
        assert!(vat_problem(VatCategory::S, None).is_some());
        for zero in [
            VatCategory::Z,
            VatCategory::E,
            VatCategory::AE,
            VatCategory::K,
            VatCategory::G,
            VatCategory::O,
        ] {
            assert!(vat_problem(zero, Some(0)).is_none());
            assert!(vat_problem(zero, None).is_none());
            assert!(vat_problem(zero, Some(550)).is_some());
        }
    }
}
