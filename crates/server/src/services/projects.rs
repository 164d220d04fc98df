//! Project use cases: create, replace, patch, delete — validated (billing
//! rules, amounts in the project's currency, budgets to the minute),
//! versioned, and recorded in the event outbox in the same transaction.

use stint_core::Validation;
use stint_core::currency::Currency;
use stint_core::ids::ProjectId;
use stint_core::money::parse_non_negative_amount;
use stint_core::validation::{name_problem, optional_text};
use stint_store::projects::{Project, ProjectValues};
use stint_store::{Tenant, Tx};

use super::{custom_field_values, events};
use crate::api::conditional::{IfMatch, stale};
use crate::api::decimal::DecimalText;
use crate::api::dto::projects::{ProjectIn, ProjectOut};
use crate::api::error::{ApiError, Code};
use crate::auth::Ctx;
use crate::state::AppState;

const RESOURCE: &str = "project";

/// At most this many digits of whole hours (under a million hours, about
/// 114 years of round-the-clock work).
const MAX_BUDGET_HOUR_DIGITS: usize = 6;

/// Budget hours as text, exactly what [`parse_budget_hours`] reads: at most
/// six whole digits and twelve decimals, and a whole number of minutes (one
/// significant decimal, or a second one that is 5).
pub const BUDGET_HOURS_PATTERN: &str = r"^[0-9]{1,6}(\.[0-9]([05]0{0,10})?)?$";

fn not_found() -> ApiError {
    ApiError::not_found("project")
}

/// Parses decimal hours into whole minutes: `"1.5"` is 90; `"0.01"` (36
/// seconds) is refused rather than rounded, so what is stored is what was
/// sent.
pub fn parse_budget_hours(text: &str) -> Result<i64, String> {
    if text.starts_with('-') {
        return Err("must not be negative".into());
    }
    let bad = || format!("must be a decimal number of hours such as \"7.5\", not `{text}`");
    let (whole, fraction) = match text.split_once('.') {
        Some((w, f)) if !f.is_empty() => (w, f),
        Some(_) => return Err(bad()),
        None => (text, ""),
    };
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !digits(whole) || !digits(fraction) {
        return Err(bad());
    }
    if whole.len() > MAX_BUDGET_HOUR_DIGITS {
        return Err("must be less than 1000000 hours".to_owned());
    }
    if fraction.len() > stint_core::money::MAX_FRACTION_DIGITS {
        return Err(format!(
            "has at most {} decimals",
            stint_core::money::MAX_FRACTION_DIGITS
        ));
    }
    let fraction = fraction.trim_end_matches('0');
    let whole: i64 = whole.parse().map_err(|_| bad())?;
    let precision = || "must be a whole number of minutes (hours × 60 must be whole)".to_owned();
    if fraction.len() > 2 {
        // Three or more significant decimals are never a whole minute.
        return Err(precision());
    }
    let scale = 10i64.pow(fraction.len() as u32);
    let fraction: i64 = if fraction.is_empty() {
        0
    } else {
        fraction.parse().map_err(|_| bad())?
    };
    if (fraction * 60) % scale != 0 {
        return Err(precision());
    }
    Ok(whole * 60 + fraction * 60 / scale)
}

/// A non-negative amount in `currency` (skipped when the currency itself is
/// invalid, which is reported on `currency`).
fn amount(
    v: &mut Validation,
    field: &str,
    text: &Option<DecimalText>,
    currency: Option<Currency>,
) -> Option<i64> {
    let (text, currency) = (text.as_ref()?, currency?);
    match parse_non_negative_amount(text.as_str(), currency) {
        Ok(minor) => Some(minor),
        Err(e) => {
            v.add(field, e);
            None
        }
    }
}

/// Checks an input against the rules and the organization's data.
async fn validate(tx: &mut Tenant<Tx>, input: ProjectIn) -> Result<ProjectValues, ApiError> {
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
    let code = text("code", &input.code, 50);
    let notes = text("notes", &input.notes, 10_000);

    let client = match input.client_id {
        Some(id) => {
            let client = tx.client(id).await?;
            if client.is_none() {
                v.missing("client_id", "client");
            }
            client
        }
        None => None,
    };
    let currency_code = match input.currency.as_deref().map(str::to_owned) {
        Some(code) => code,
        None => match &client {
            Some(client) => client.currency.clone(),
            None => tx.organization().await?.currency,
        },
    };
    let currency = Currency::from_code(&currency_code);
    if currency.is_none() {
        v.add("currency", "must be an ISO 4217 code such as EUR");
    }

    let method = input.billing_method;
    let hourly_rate = amount(&mut v, "hourly_rate", &input.hourly_rate, currency);
    let fixed_fee = amount(&mut v, "fixed_fee", &input.fixed_fee, currency);
    let budget_amount = amount(&mut v, "budget_amount", &input.budget_amount, currency);
    // Like Harvest, the fee and the rate are optional and only used by the
    // billing method they belong to: a fee on an hourly project is kept and
    // ignored when billing, a fixed-fee project may not have agreed one yet.
    let budget_minutes = match &input.budget_hours {
        Some(text) => match parse_budget_hours(text.as_str()) {
            Ok(minutes) => Some(minutes),
            Err(e) => {
                v.add("budget_hours", e);
                None
            }
        },
        None => None,
    };
    if let (Some(starts), Some(ends)) = (input.starts_on, input.ends_on)
        && ends < starts
    {
        v.add("ends_on", "must be on or after starts_on");
    }

    let mut member_ids = input.member_ids.clone();
    member_ids.sort();
    member_ids.dedup();
    for missing in tx.missing(&member_ids).await? {
        let index = input
            .member_ids
            .iter()
            .position(|m| *m == missing)
            .unwrap_or_default();
        v.missing(format!("member_ids[{index}]"), "member");
    }
    let mut custom_fields = input.custom_fields;
    custom_field_values::validate(tx, RESOURCE, &mut custom_fields, &mut v).await?;
    v.finish().map_err(ApiError::validation)?;
    Ok(ProjectValues {
        client_id: input.client_id,
        name: input.name.trim().to_owned(),
        code,
        status: input.status.as_str().to_owned(),
        billing_method: method.as_str().to_owned(),
        currency: currency_code,
        hourly_rate,
        fixed_fee,
        budget_minutes,
        budget_amount,
        starts_on: input.starts_on,
        ends_on: input.ends_on,
        notes,
        custom_fields,
        member_ids,
    })
}

async fn reload(tx: &mut Tenant<Tx>, id: ProjectId) -> Result<Project, ApiError> {
    tx.project(id)
        .await?
        .ok_or_else(|| ApiError::internal(std::io::Error::other("project vanished mid-write")))
}

pub async fn create(state: &AppState, ctx: &Ctx, input: ProjectIn) -> Result<Project, ApiError> {
    ctx.require_write()?;
    let now = state.now();
    let id = ProjectId::generate();
    let mut tx = ctx.write().await?;
    let values = validate(&mut tx, input).await?;
    tx.insert_project(id, &values, now).await?;
    let project = reload(&mut tx, id).await?;
    events::created(
        &mut tx,
        ctx,
        now,
        RESOURCE,
        id.uuid(),
        &ProjectOut::from(&project),
    )
    .await?;
    tx.commit().await?;
    Ok(project)
}

/// Replaces a project with the input `build` makes from the current one
/// (PUT ignores it; PATCH merges into it), all inside one transaction.
pub async fn update(
    state: &AppState,
    ctx: &Ctx,
    id: ProjectId,
    if_match: IfMatch,
    build: impl FnOnce(&Project) -> Result<ProjectIn, ApiError>,
) -> Result<Project, ApiError> {
    ctx.require_write()?;
    let now = state.now();
    let mut tx = ctx.write().await?;
    let current = tx.project(id).await?.ok_or_else(not_found)?;
    let values = validate(&mut tx, build(&current)?).await?;
    // Preconditions count only for a request that is otherwise valid
    // (RFC 9110 13.2.1): a malformed body is 400 even when stale.
    if_match.check(current.version)?;
    // Tasks (and later time entries) carry the project's client; moving the
    // project would leave them pointing at the old one.
    if values.client_id != current.client_id()
        && let Some(what) = tx.project_references(id).await?
    {
        return Err(ApiError::new(
            Code::Conflict,
            format!("This project has {what}, so it cannot move to another client"),
        )
        .with_details(vec![stint_core::FieldError {
            field: "client_id".into(),
            message: format!("cannot change while the project has {what}"),
        }]));
    }
    if !tx.update_project(id, &values, current.version, now).await? {
        return Err(stale());
    }
    let updated = reload(&mut tx, id).await?;
    if !events::updated(
        &mut tx,
        ctx,
        now,
        RESOURCE,
        id.uuid(),
        &ProjectOut::from(&current),
        &ProjectOut::from(&updated),
    )
    .await?
    {
        // Nothing changed: keep the version, record nothing.
        return Ok(current);
    }
    tx.commit().await?;
    Ok(updated)
}

/// Deletes a project nothing refers to, with its member links; one with
/// tasks (later time entries or invoice lines) must be archived instead.
pub async fn delete(
    state: &AppState,
    ctx: &Ctx,
    id: ProjectId,
    if_match: IfMatch,
) -> Result<(), ApiError> {
    ctx.require_write()?;
    let now = state.now();
    let mut tx = ctx.write().await?;
    let current = tx.project(id).await?.ok_or_else(not_found)?;
    if_match.check(current.version)?;
    if let Some(what) = tx.project_references(id).await? {
        return Err(ApiError::new(
            Code::InUse,
            format!(
                "This project has {what}, so it cannot be deleted; archive it with PATCH {{\"status\": \"archived\"}}"
            ),
        ));
    }
    tx.delete_project(id).await?;
    events::deleted(
        &mut tx,
        ctx,
        now,
        RESOURCE,
        id.uuid(),
        &ProjectOut::from(&current),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budget_hours_are_whole_minutes() {
        assert_eq!(parse_budget_hours("1.5"), Ok(90));
        assert_eq!(parse_budget_hours("120"), Ok(7200));
        assert_eq!(parse_budget_hours("0.05"), Ok(3));
        assert_eq!(parse_budget_hours("0.25"), Ok(15));
        assert_eq!(parse_budget_hours("2.50"), Ok(150));
        assert_eq!(parse_budget_hours("0"), Ok(0));
        assert!(parse_budget_hours("0.01").is_err());
        assert!(parse_budget_hours("0.125").is_err());
        assert!(parse_budget_hours("-1").is_err());
        assert!(parse_budget_hours("1e3").is_err());
        assert!(parse_budget_hours("1.").is_err());
        assert!(parse_budget_hours(".5").is_err());
        assert!(parse_budget_hours("abc").is_err());
        assert!(parse_budget_hours("99999999999999999999").is_err());
    }

    #[test]
    fn hours_round_trip_through_text() {
        use crate::api::dto::projects::hours_text;
        for minutes in [0, 3, 15, 90, 7230, 59_999_997] {
            assert_eq!(parse_budget_hours(&hours_text(minutes)), Ok(minutes));
        }
        assert_eq!(hours_text(90), "1.50");
    }
}
