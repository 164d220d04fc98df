//! Expense use cases, with receipts. Members record and see their own
//! expenses; owners, admins and API keys everyone's. Invoiced expenses and
//! the closed period are locked, as for time entries.

use stint_core::Validation;
use stint_core::currency::Currency;
use stint_core::file_type::sniff_receipt;
use stint_core::ids::{ClientId, ExpenseId};
use stint_core::money::{Percent, parse_positive_amount};
use stint_core::time_tracking::local_date;
use stint_core::validation::optional_text;
use stint_store::expenses::{Expense, ExpenseValues, Receipt};
use stint_store::{Exec, Tenant, Tx};

use super::events;
use super::time_entries::visible_member;
use super::time_entry_rules::{lock_before, member_for, period_locked};
use crate::api::conditional::{IfMatch, stale};
use crate::api::dto::expenses::{ExpenseIn, ExpenseOut};
use crate::api::error::{ApiError, Code};
use crate::auth::Ctx;
use crate::auth::crypto::sha256;
use crate::state::AppState;

const RESOURCE: &str = "expense";
/// Receipts are at most this large.
pub const MAX_RECEIPT_BYTES: usize = 10 * 1024 * 1024;

fn not_found() -> ApiError {
    ApiError::not_found("expense")
}

pub async fn visible<E: Exec>(
    db: &mut Tenant<E>,
    ctx: &Ctx,
    id: ExpenseId,
) -> Result<Expense, ApiError> {
    let expense = db.expense(id).await?.ok_or_else(not_found)?;
    match visible_member(ctx) {
        Some(member) if member != expense.member_id => Err(not_found()),
        _ => Ok(expense),
    }
}

async fn ensure_unlocked(tx: &mut Tenant<Tx>, expense: &Expense) -> Result<(), ApiError> {
    if expense.status == "invoiced" {
        return Err(ApiError::new(
            Code::TimeEntryLocked,
            "This expense is invoiced and can no longer be changed",
        ));
    }
    if let Some(lock) = lock_before(&tx.organization_time().await?.settings.0)
        && expense.date < lock
    {
        return Err(period_locked(expense.date, lock));
    }
    Ok(())
}

async fn validate(
    state: &AppState,
    ctx: &Ctx,
    tx: &mut Tenant<Tx>,
    input: ExpenseIn,
) -> Result<ExpenseValues, ApiError> {
    let mut v = Validation::new();
    let member_id = member_for(ctx, input.member_id)?;
    let member = tx.member_time(member_id).await?;
    match &member {
        None => v.missing("member_id", "member"),
        Some(m) if m.status == "inactive" => v.reference_conflict("member_id", "is deactivated"),
        _ => {}
    }
    let org = tx.organization_time().await?;
    let mut client_id: Option<ClientId> = input.client_id;
    if let Some(project_id) = input.project_id {
        match tx.project_time(project_id).await? {
            None => v.missing("project_id", "project"),
            Some(p) => match (client_id, p.client_id.map(ClientId::from_uuid)) {
                (Some(c), Some(pc)) if c != pc => {
                    v.reference_conflict("project_id", "belongs to another client")
                }
                (None, Some(pc)) => client_id = Some(pc),
                _ => {}
            },
        }
    }
    if let Some(c) = client_id
        && !tx.exists(c).await?
    {
        v.missing("client_id", "client");
    }
    let currency_code = input
        .currency
        .as_deref()
        .map(str::to_owned)
        .unwrap_or(org.currency.clone());
    let currency = Currency::from_code(&currency_code);
    if currency.is_none() {
        v.add("currency", "must be an ISO 4217 code such as EUR");
    }
    let amount =
        match parse_positive_amount(input.amount.as_str(), currency.unwrap_or(Currency::EUR)) {
            Ok(a) => a,
            Err(e) => {
                v.add("amount", e);
                0
            }
        };
    let vat_rate = match input.vat_rate.as_ref().map(|r| Percent::parse(r.as_str())) {
        None => 0,
        Some(Ok(p)) => p.hundredths(),
        Some(Err(e)) => {
            v.add("vat_rate", e);
            0
        }
    };
    let category = optional_text(&input.category, 100).unwrap_or_else(|e| {
        v.add("category", e);
        None
    });
    let description = optional_text(&input.description, 10_000).unwrap_or_else(|e| {
        v.add("description", e);
        None
    });
    v.finish().map_err(ApiError::validation)?;
    let tz: chrono_tz::Tz = member
        .and_then(|m| m.timezone)
        .unwrap_or(org.timezone)
        .parse()
        .unwrap_or(chrono_tz::UTC);
    let date = input.date.unwrap_or_else(|| local_date(state.now(), tz));
    if let Some(lock) = lock_before(&org.settings.0)
        && date < lock
    {
        return Err(period_locked(date, lock));
    }
    Ok(ExpenseValues {
        member_id,
        client_id,
        project_id: input.project_id,
        date,
        category,
        description,
        amount,
        currency: currency_code,
        vat_rate,
        billable: input.billable,
        reimbursable: input.reimbursable,
    })
}

async fn reload(tx: &mut Tenant<Tx>, id: ExpenseId) -> Result<Expense, ApiError> {
    tx.expense(id)
        .await?
        .ok_or_else(|| ApiError::internal(std::io::Error::other("expense vanished mid-write")))
}

pub async fn create(state: &AppState, ctx: &Ctx, input: ExpenseIn) -> Result<Expense, ApiError> {
    let now = state.now();
    let mut tx = ctx.write().await?;
    let values = validate(state, ctx, &mut tx, input).await?;
    let id = ExpenseId::generate();
    tx.insert_expense(id, &values, now).await?;
    let expense = reload(&mut tx, id).await?;
    events::created(
        &mut tx,
        ctx,
        now,
        RESOURCE,
        id.uuid(),
        &ExpenseOut::from(&expense),
    )
    .await?;
    tx.commit().await?;
    Ok(expense)
}

pub async fn update(
    state: &AppState,
    ctx: &Ctx,
    id: ExpenseId,
    if_match: IfMatch,
    build: impl FnOnce(&Expense) -> Result<ExpenseIn, ApiError>,
) -> Result<Expense, ApiError> {
    let now = state.now();
    let mut tx = ctx.write().await?;
    let current = visible(&mut tx, ctx, id).await?;
    ensure_unlocked(&mut tx, &current).await?;
    let values = validate(state, ctx, &mut tx, build(&current)?).await?;
    // Preconditions count only for a request that is otherwise valid
    // (RFC 9110 13.2.1): a malformed body is 400 even when stale.
    if_match.check(current.version)?;
    if !tx.update_expense(id, &values, current.version, now).await? {
        return Err(stale());
    }
    let updated = reload(&mut tx, id).await?;
    if !events::updated(
        &mut tx,
        ctx,
        now,
        RESOURCE,
        id.uuid(),
        &ExpenseOut::from(&current),
        &ExpenseOut::from(&updated),
    )
    .await?
    {
        return Ok(current);
    }
    tx.commit().await?;
    Ok(updated)
}

pub async fn delete(
    state: &AppState,
    ctx: &Ctx,
    id: ExpenseId,
    if_match: IfMatch,
) -> Result<(), ApiError> {
    let now = state.now();
    let mut tx = ctx.write().await?;
    let current = visible(&mut tx, ctx, id).await?;
    if_match.check(current.version)?;
    ensure_unlocked(&mut tx, &current).await?;
    tx.delete_expense(id).await?;
    events::deleted(
        &mut tx,
        ctx,
        now,
        RESOURCE,
        id.uuid(),
        &ExpenseOut::from(&current),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Stores a receipt after checking what the bytes really are.
pub async fn put_receipt(
    state: &AppState,
    ctx: &Ctx,
    id: ExpenseId,
    declared: Option<&str>,
    bytes: Vec<u8>,
) -> Result<Expense, ApiError> {
    if bytes.len() > MAX_RECEIPT_BYTES {
        return Err(ApiError::new(
            Code::PayloadTooLarge,
            "A receipt must be at most 10 MiB",
        ));
    }
    let Some(actual) = sniff_receipt(&bytes) else {
        return Err(ApiError::new(
            Code::UnsupportedMediaType,
            "A receipt must be a PNG, JPEG or PDF file; the content is none of these",
        ));
    };
    let declared = declared.map(|d| {
        d.split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase()
    });
    if let Some(declared) = declared.as_deref()
        && declared != actual
        && declared != "application/octet-stream"
    {
        return Err(ApiError::new(
            Code::UnsupportedMediaType,
            format!("The content is {actual} but was sent as {declared}"),
        ));
    }
    let now = state.now();
    let mut tx = ctx.write().await?;
    let current = visible(&mut tx, ctx, id).await?;
    ensure_unlocked(&mut tx, &current).await?;
    tx.put_receipt(id, actual, &sha256(&bytes), bytes, now)
        .await?;
    if !tx.touch_expense(id, current.version, now).await? {
        return Err(stale());
    }
    let updated = reload(&mut tx, id).await?;
    events::updated(
        &mut tx,
        ctx,
        now,
        RESOURCE,
        id.uuid(),
        &ExpenseOut::from(&current),
        &ExpenseOut::from(&updated),
    )
    .await?;
    tx.commit().await?;
    Ok(updated)
}

pub async fn receipt(ctx: &Ctx, id: ExpenseId) -> Result<Receipt, ApiError> {
    let mut db = ctx.read().await?;
    visible(&mut db, ctx, id).await?;
    db.receipt(id)
        .await?
        .ok_or_else(|| ApiError::not_found("receipt"))
}

pub async fn delete_receipt(state: &AppState, ctx: &Ctx, id: ExpenseId) -> Result<(), ApiError> {
    let now = state.now();
    let mut tx = ctx.write().await?;
    let current = visible(&mut tx, ctx, id).await?;
    ensure_unlocked(&mut tx, &current).await?;
    if !tx.delete_receipt(id).await? {
        return Err(ApiError::not_found("receipt"));
    }
    if !tx.touch_expense(id, current.version, now).await? {
        return Err(stale());
    }
    let updated = reload(&mut tx, id).await?;
    events::updated(
        &mut tx,
        ctx,
        now,
        RESOURCE,
        id.uuid(),
        &ExpenseOut::from(&current),
        &ExpenseOut::from(&updated),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
