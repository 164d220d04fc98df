//! Billable service and per-client rate use cases: create, replace, patch,
//! delete services; set, show and remove a client's rate for a service —
//! validated, versioned, and recorded in the event outbox in the same
//! transaction. Also how time tracking resolves what a client pays.

use chrono::{DateTime, Utc};
use stint_core::Validation;
use stint_core::currency::Currency;
use stint_core::ids::{ClientId, ServiceId};
use stint_core::money::{Percent, parse_non_negative_amount};
use stint_core::unit_codes::{self, is_unit_code};
use stint_core::validation::{name_problem, optional_text};
use stint_store::services::{ClientServiceRate, ResolvedServiceRate, Service, ServiceValues};
use stint_store::{Exec, Tenant, Tx};

use super::events;
use crate::api::conditional::{IfMatch, stale};
use crate::api::decimal::DecimalText;
use crate::api::dto::services::{
    ClientServiceRateIn, ClientServiceRateOut, ServiceIn, ServiceKind, ServiceOut,
};
use crate::api::error::{ApiError, Code};
use crate::auth::Ctx;
use crate::state::AppState;

const RESOURCE: &str = "service";
/// Rate events carry the client's id as their resource id: a rate is a
/// sub-resource of its client (`/clients/{id}/service-rates/…`), so a
/// client's event history includes its rates.
const RATE_RESOURCE: &str = "client_service_rate";

fn not_found() -> ApiError {
    ApiError::not_found("service")
}

fn rate_not_found() -> ApiError {
    ApiError::not_found("service rate for this client")
}

/// The currency an input names (or the organization's), with its problem.
pub(crate) async fn currency_of<E: Exec>(
    db: &mut Tenant<E>,
    input: Option<&str>,
    v: &mut Validation,
) -> Result<(String, Option<Currency>), ApiError> {
    let code = match input.map(str::to_owned) {
        Some(code) => code,
        None => db.organization().await?.currency,
    };
    let currency = Currency::from_code(&code);
    if currency.is_none() {
        v.add("currency", "must be an ISO 4217 code such as EUR");
    }
    Ok((code, currency))
}

/// A money amount of at least 0 in `currency` (0 when absent). Without a
/// valid currency the amount cannot be read; the currency is reported.
pub(crate) fn amount_of(
    field: &str,
    text: Option<&DecimalText>,
    currency: Option<Currency>,
    v: &mut Validation,
) -> i64 {
    let (Some(text), Some(currency)) = (text, currency) else {
        return 0;
    };
    match parse_non_negative_amount(text.as_str(), currency) {
        Ok(minor) => minor,
        Err(e) => {
            v.add(field, e);
            0
        }
    }
}

/// A percentage (0 when absent).
pub(crate) fn percent_of(field: &str, text: Option<&DecimalText>, v: &mut Validation) -> i64 {
    match text.map(|t| Percent::parse(t.as_str())) {
        None => 0,
        Some(Ok(p)) => p.hundredths(),
        Some(Err(e)) => {
            v.add(field, e);
            0
        }
    }
}

/// A Rec. 20 unit code (upper-cased), or `default` when absent.
pub(crate) fn unit_code_of(input: &Option<String>, default: &str, v: &mut Validation) -> String {
    // Exactly one of the documented codes, as sent.
    match input.as_deref() {
        None => default.to_owned(),
        Some(code) => {
            let code = code.to_owned();
            if !is_unit_code(&code) {
                v.add(
                    "unit_code",
                    "must be a UN/ECE Recommendation 20 unit code such as HUR, DAY, C62 or H87",
                );
            }
            code
        }
    }
}

/// Checks an input against the rules and the organization's data.
async fn validate(tx: &mut Tenant<Tx>, input: ServiceIn) -> Result<ServiceValues, ApiError> {
    let mut v = Validation::new();
    v.check("name", name_problem(&input.name, 200));
    let description = optional_text(&input.description, 2000).unwrap_or_else(|e| {
        v.add("description", e);
        None
    });
    let (currency, parsed) = currency_of(tx, input.currency.as_deref(), &mut v).await?;
    let rate = amount_of("rate", input.rate.as_ref(), parsed, &mut v);
    let default_unit = match input.kind {
        ServiceKind::Hourly => unit_codes::HOUR,
        ServiceKind::Fixed => unit_codes::ONE,
    };
    let unit_code = unit_code_of(&input.unit_code, default_unit, &mut v);
    let vat_rate = percent_of("vat_rate", input.vat_rate.as_ref(), &mut v);
    v.finish().map_err(ApiError::validation)?;
    Ok(ServiceValues {
        name: input.name.trim().to_owned(),
        description,
        kind: input.kind.as_str().to_owned(),
        rate,
        currency,
        unit_code,
        vat_rate,
        rounding: input.rounding.minutes(),
        status: input.status.as_str().to_owned(),
    })
}

async fn reload(tx: &mut Tenant<Tx>, id: ServiceId) -> Result<Service, ApiError> {
    tx.service(id)
        .await?
        .ok_or_else(|| ApiError::internal(std::io::Error::other("service vanished mid-write")))
}

pub async fn create(state: &AppState, ctx: &Ctx, input: ServiceIn) -> Result<Service, ApiError> {
    ctx.require_write()?;
    let now = state.now();
    let id = ServiceId::generate();
    let mut tx = ctx.write().await?;
    let values = validate(&mut tx, input).await?;
    tx.insert_service(id, &values, now).await?;
    let service = reload(&mut tx, id).await?;
    events::created(
        &mut tx,
        ctx,
        now,
        RESOURCE,
        id.uuid(),
        &ServiceOut::from(&service),
    )
    .await?;
    tx.commit().await?;
    Ok(service)
}

/// Replaces a service with the input `build` makes from the current one
/// (PUT ignores it; PATCH merges into it), all inside one transaction.
pub async fn update(
    state: &AppState,
    ctx: &Ctx,
    id: ServiceId,
    if_match: IfMatch,
    build: impl FnOnce(&Service) -> Result<ServiceIn, ApiError>,
) -> Result<Service, ApiError> {
    ctx.require_write()?;
    let now = state.now();
    let mut tx = ctx.write().await?;
    let current = tx.service(id).await?.ok_or_else(not_found)?;
    let values = validate(&mut tx, build(&current)?).await?;
    // Preconditions count only for a request that is otherwise valid
    // (RFC 9110 13.2.1): a malformed body is 400 even when stale.
    if_match.check(current.version)?;
    // Client rates are minor units of the service's currency: changing it
    // would silently reprice them.
    if values.currency != current.currency
        && tx
            .first_reference(
                &[("client_service_rates", "service_id", "rates")],
                id.uuid(),
            )
            .await?
            .is_some()
    {
        return Err(ApiError::new(
            Code::Conflict,
            format!(
                "This service has client rates in {}, so its currency cannot change; delete them first",
                current.currency
            ),
        ));
    }
    if !tx.update_service(id, &values, current.version, now).await? {
        return Err(stale());
    }
    let updated = reload(&mut tx, id).await?;
    if !events::updated(
        &mut tx,
        ctx,
        now,
        RESOURCE,
        id.uuid(),
        &ServiceOut::from(&current),
        &ServiceOut::from(&updated),
    )
    .await?
    {
        // Nothing changed: keep the version, record nothing.
        return Ok(current);
    }
    tx.commit().await?;
    Ok(updated)
}

/// Deletes an unused service with its client rates (each recording
/// `client_service_rate.deleted` before `service.deleted`); one with history
/// must be archived instead.
pub async fn delete(
    state: &AppState,
    ctx: &Ctx,
    id: ServiceId,
    if_match: IfMatch,
) -> Result<(), ApiError> {
    ctx.require_write()?;
    let now = state.now();
    let mut tx = ctx.write().await?;
    let current = tx.service(id).await?.ok_or_else(not_found)?;
    if_match.check(current.version)?;
    if let Some(what) = tx.service_references(id).await? {
        return Err(ApiError::new(
            Code::InUse,
            format!(
                "This service has {what}, so it cannot be deleted; archive it with PATCH {{\"status\": \"archived\"}}"
            ),
        ));
    }
    for rate in tx.rates_of_service(id).await? {
        record_rate_deleted(&mut tx, ctx, now, &rate).await?;
    }
    tx.delete_service(id).await?;
    events::deleted(
        &mut tx,
        ctx,
        now,
        RESOURCE,
        id.uuid(),
        &ServiceOut::from(&current),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

async fn record_rate_deleted(
    tx: &mut Tenant<Tx>,
    ctx: &Ctx,
    now: DateTime<Utc>,
    rate: &ClientServiceRate,
) -> Result<(), ApiError> {
    events::deleted(
        tx,
        ctx,
        now,
        RATE_RESOURCE,
        rate.client_id.uuid(),
        &ClientServiceRateOut::from(rate),
    )
    .await
}

/// Removes a client's rates, recording `client_service_rate.deleted` for
/// each, inside the caller's transaction. For deleting a client: without
/// it the database's ON DELETE CASCADE removes the rates silently.
pub async fn delete_rates_of_client(
    tx: &mut Tenant<Tx>,
    ctx: &Ctx,
    now: DateTime<Utc>,
    client: ClientId,
) -> Result<(), ApiError> {
    for rate in tx.rates_of_client(client).await? {
        record_rate_deleted(tx, ctx, now, &rate).await?;
    }
    tx.delete_rates_of_client(client).await?;
    Ok(())
}

/// What time on `service` costs `client` (the client's own rate, else the
/// service's), with the service's currency, unit, VAT and rounding, in one
/// query. `None` when the service does not exist in this organization.
pub async fn resolve_rate<E: Exec>(
    db: &mut Tenant<E>,
    service: ServiceId,
    client: Option<ClientId>,
) -> Result<Option<ResolvedServiceRate>, ApiError> {
    Ok(db.resolve_service_rate(service, client).await?)
}

/// Sets a client's rate for a service, creating or replacing it. Answers
/// the rate and whether it was created.
pub async fn put_rate(
    state: &AppState,
    ctx: &Ctx,
    client: ClientId,
    service: ServiceId,
    if_match: IfMatch,
    input: ClientServiceRateIn,
) -> Result<(ClientServiceRate, bool), ApiError> {
    ctx.require_write()?;
    let now = state.now();
    let mut tx = ctx.write().await?;
    if !tx.exists(client).await? {
        return Err(ApiError::not_found("client"));
    }
    let svc = tx.service(service).await?.ok_or_else(not_found)?;
    let mut v = Validation::new();
    if input.rate.is_none() {
        v.add("rate", "is required");
    }
    let rate = amount_of(
        "rate",
        input.rate.as_ref(),
        Currency::from_code(&svc.currency),
        &mut v,
    );
    v.finish().map_err(ApiError::validation)?;
    let current = tx.client_service_rate(client, service).await?;
    let reload = |r: Option<ClientServiceRate>| {
        r.ok_or_else(|| ApiError::internal(std::io::Error::other("rate vanished mid-write")))
    };
    match current {
        Some(current) => {
            if_match.check(current.version)?;
            if current.rate == rate {
                // Nothing changed: keep the version, record nothing.
                return Ok((current, false));
            }
            if !tx
                .update_client_service_rate(client, service, rate, current.version, now)
                .await?
            {
                return Err(stale());
            }
            let updated = reload(tx.client_service_rate(client, service).await?)?;
            events::updated(
                &mut tx,
                ctx,
                now,
                RATE_RESOURCE,
                client.uuid(),
                &ClientServiceRateOut::from(&current),
                &ClientServiceRateOut::from(&updated),
            )
            .await?;
            tx.commit().await?;
            Ok((updated, false))
        }
        None => {
            // No version of a missing rate can match.
            if if_match.names_versions() {
                return Err(stale());
            }
            tx.insert_client_service_rate(client, service, rate, now)
                .await?;
            let created = reload(tx.client_service_rate(client, service).await?)?;
            events::created(
                &mut tx,
                ctx,
                now,
                RATE_RESOURCE,
                client.uuid(),
                &ClientServiceRateOut::from(&created),
            )
            .await?;
            tx.commit().await?;
            Ok((created, true))
        }
    }
}

/// Removes a client's rate for a service; the service's own rate applies
/// again.
pub async fn delete_rate(
    state: &AppState,
    ctx: &Ctx,
    client: ClientId,
    service: ServiceId,
    if_match: IfMatch,
) -> Result<(), ApiError> {
    ctx.require_write()?;
    let now = state.now();
    let mut tx = ctx.write().await?;
    if !tx.exists(client).await? {
        return Err(ApiError::not_found("client"));
    }
    let current = tx
        .client_service_rate(client, service)
        .await?
        .ok_or_else(rate_not_found)?;
    if_match.check(current.version)?;
    tx.delete_client_service_rate(client, service).await?;
    record_rate_deleted(&mut tx, ctx, now, &current).await?;
    tx.commit().await?;
    Ok(())
}

/// A client's rate for a service, as shown.
pub async fn rate<E: Exec>(
    db: &mut Tenant<E>,
    client: ClientId,
    service: ServiceId,
) -> Result<ClientServiceRate, ApiError> {
    if !db.exists(client).await? {
        return Err(ApiError::not_found("client"));
    }
    db.client_service_rate(client, service)
        .await?
        .ok_or_else(rate_not_found)
}
