//! `/expenses` and their receipts.

use std::pin::Pin;

use axum::body::{Body, HttpBody};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use stint_core::ids::{ClientId, ExpenseId, MemberId, ProjectId};
use stint_store::expenses::ExpenseFilter;
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::conditional::IfMatch;
use super::dto::expenses::{ExpenseIn, ExpenseOut, ExpensePatch};
use super::error::{ApiError, Code, ErrorBody};
use super::extract::{Json, Path, Query};
use super::pagination;
use super::patch::{PatchJson, merge};
use super::response::{self, Data, List};
use crate::auth::Ctx;
use crate::list_query;
use crate::services::expenses::{self, MAX_RECEIPT_BYTES};
use crate::services::time_entries::visible_member;
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_expenses, create_expense))
        .routes(routes!(
            get_expense,
            replace_expense,
            patch_expense,
            delete_expense
        ))
        .routes(routes!(put_receipt, get_receipt, delete_receipt))
}

/// How much of an oversize receipt is still read (and thrown away) before
/// answering 413: a server that stops reading makes the client see a reset
/// connection instead of the answer. Beyond this, the connection is cut.
const DRAIN_LIMIT: usize = 2 * MAX_RECEIPT_BYTES;

fn receipt_too_large() -> ApiError {
    ApiError::new(
        Code::PayloadTooLarge,
        format!(
            "A receipt must be at most {} MiB",
            MAX_RECEIPT_BYTES / (1024 * 1024)
        ),
    )
}

/// Reads a receipt body, which may exceed the general body limit up to
/// `MAX_RECEIPT_BYTES`; a larger one is read to its end (up to
/// `DRAIN_LIMIT`) and refused with 413.
async fn read_receipt(headers: &HeaderMap, mut body: Body) -> Result<Vec<u8>, ApiError> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > DRAIN_LIMIT) {
        return Err(receipt_too_large());
    }
    let mut bytes = Vec::with_capacity(declared.unwrap_or(0).min(MAX_RECEIPT_BYTES));
    let mut total = 0usize;
    while let Some(frame) = std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await {
        let frame = frame.map_err(|e| {
            ApiError::new(
                Code::InvalidJson,
                format!("Could not read the request body: {e}"),
            )
        })?;
        let Ok(data) = frame.into_data() else {
            continue;
        };
        total += data.len();
        if total > DRAIN_LIMIT {
            return Err(receipt_too_large());
        }
        if total <= MAX_RECEIPT_BYTES {
            bytes.extend_from_slice(&data);
        }
    }
    if total > MAX_RECEIPT_BYTES {
        return Err(receipt_too_large());
    }
    Ok(bytes)
}

/// A file in a request or response body.
pub struct BinaryFile;

impl utoipa::PartialSchema for BinaryFile {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
            .build()
            .into()
    }
}

impl utoipa::ToSchema for BinaryFile {}

list_query! {
    /// Filters of the expense list.
    pub struct ExpenseListQuery {
        #[param(value_type = Option<String>, format = Date)]
        pub from: Option<NaiveDate>,
        #[param(value_type = Option<String>, format = Date)]
        pub to: Option<NaiveDate>,
        /// Repeat for several members. Members only ever see their own expenses.
        #[serde(default)]
        pub member_id: Vec<MemberId>,
        pub client_id: Option<ClientId>,
        pub project_id: Option<ProjectId>,
        pub billable: Option<bool>,
        pub reimbursable: Option<bool>,
        /// `true`: invoiced only; `false`: not yet invoiced.
        pub invoiced: Option<bool>,
        pub category: Option<String>,
        /// Search in description and category.
        pub q: Option<String>,
    }
}

/// List expenses
#[utoipa::path(get, path = "/expenses", tag = "Expenses",
    params(ExpenseListQuery),
    responses((status = 200, description = "A page of expenses", body = List<ExpenseOut>)))]
pub async fn list_expenses(
    ctx: Ctx,
    Query(query): Query<ExpenseListQuery>,
) -> Result<Response, ApiError> {
    let request = query.page()?;
    let filter = ExpenseFilter {
        from: query.from,
        to: query.to,
        member_ids: visible_member(&ctx)
            .map(|m| vec![m])
            .unwrap_or(query.member_id.clone()),
        client_id: query.client_id,
        project_id: query.project_id,
        billable: query.billable,
        reimbursable: query.reimbursable,
        invoiced: query.invoiced,
        category: query.category.clone(),
        q: query.q.clone(),
    };
    let page = ctx.read().await?.list_expenses(&filter, &request).await?;
    let meta = pagination::meta(&page, &request, |e| e.id.uuid());
    Ok(response::list(
        page.items.iter().map(ExpenseOut::from).collect(),
        meta,
    ))
}

/// Record an expense
#[utoipa::path(post, path = "/expenses", tag = "Expenses",
    params(("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key return the first response")),
    request_body = ExpenseIn,
    responses(
        (status = 201, description = "Recorded", body = Data<ExpenseOut>,
            headers(("Location" = String, description = "The new expense"), ("ETag" = String, description = "Its version"))),
        (status = 403, description = "`insufficient_role` or `insufficient_scope`", body = ErrorBody),
        (status = 409, description = "`period_locked` or `idempotency_key_reused`; `conflict`: a referenced record exists but does not fit (a deactivated member, an archived service, a task or project of another client), `details` names each", body = ErrorBody),
    ))]
pub async fn create_expense(
    State(state): State<AppState>,
    ctx: Ctx,
    Json(input): Json<ExpenseIn>,
) -> Result<Response, ApiError> {
    let expense = expenses::create(&state, &ctx, input).await?;
    Ok(response::created(
        &format!("/api/v1/expenses/{}", expense.id),
        ExpenseOut::from(&expense),
        Some(expense.version),
    ))
}

/// Show an expense
#[utoipa::path(get, path = "/expenses/{id}", tag = "Expenses",
    params(("id" = ExpenseId, Path, description = "The expense's id")),
    responses((status = 200, description = "The expense", body = Data<ExpenseOut>)))]
pub async fn get_expense(ctx: Ctx, Path(id): Path<ExpenseId>) -> Result<Response, ApiError> {
    let mut db = ctx.read().await?;
    let expense = expenses::visible(&mut db, &ctx, id).await?;
    Ok(response::ok_versioned(
        ExpenseOut::from(&expense),
        expense.version,
    ))
}

/// Replace an expense
#[utoipa::path(put, path = "/expenses/{id}", tag = "Expenses",
    params(
        ("id" = ExpenseId, Path, description = "The expense's id"),
        ("If-Match" = Option<String>, Header, description = "Only apply if the expense is still at this ETag"),
    ),
    request_body = ExpenseIn,
    responses(
        (status = 200, description = "Replaced", body = Data<ExpenseOut>),
        (status = 403, description = "`insufficient_role` or `insufficient_scope`", body = ErrorBody),
        (status = 409, description = "`time_entry_locked` (invoiced) or `period_locked`; `conflict`: a referenced record exists but does not fit (a deactivated member, an archived service, a task or project of another client), `details` names each", body = ErrorBody),
        (status = 412, description = "`precondition_failed`", body = ErrorBody),
    ))]
pub async fn replace_expense(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<ExpenseId>,
    if_match: IfMatch,
    Json(input): Json<ExpenseIn>,
) -> Result<Response, ApiError> {
    let expense = expenses::update(&state, &ctx, id, if_match, |_| Ok(input)).await?;
    Ok(response::ok_versioned(
        ExpenseOut::from(&expense),
        expense.version,
    ))
}

/// Update an expense
#[utoipa::path(patch, path = "/expenses/{id}", tag = "Expenses",
    params(
        ("id" = ExpenseId, Path, description = "The expense's id"),
        ("If-Match" = Option<String>, Header, description = "Only apply if the expense is still at this ETag"),
    ),
    request_body = ExpensePatch,
    responses(
        (status = 200, description = "Updated", body = Data<ExpenseOut>),
        (status = 403, description = "`insufficient_role` or `insufficient_scope`", body = ErrorBody),
        (status = 409, description = "`time_entry_locked` (invoiced) or `period_locked`; `conflict`: a referenced record exists but does not fit (a deactivated member, an archived service, a task or project of another client), `details` names each", body = ErrorBody),
        (status = 412, description = "`precondition_failed`", body = ErrorBody),
    ))]
pub async fn patch_expense(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<ExpenseId>,
    if_match: IfMatch,
    patch: PatchJson<ExpensePatch>,
) -> Result<Response, ApiError> {
    let expense = expenses::update(&state, &ctx, id, if_match, |current| {
        merge(&ExpenseIn::from(current), &patch.raw)
    })
    .await?;
    Ok(response::ok_versioned(
        ExpenseOut::from(&expense),
        expense.version,
    ))
}

/// Delete an expense
#[utoipa::path(delete, path = "/expenses/{id}", tag = "Expenses",
    params(
        ("id" = ExpenseId, Path, description = "The expense's id"),
        ("If-Match" = Option<String>, Header, description = "Only delete if the expense is still at this ETag"),
    ),
    responses(
        (status = 204, description = "Deleted with its receipt"),
        (status = 403, description = "`insufficient_scope`", body = ErrorBody),
        (status = 409, description = "`time_entry_locked` (invoiced) or `period_locked`", body = ErrorBody),
        (status = 412, description = "`precondition_failed`", body = ErrorBody),
    ))]
pub async fn delete_expense(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<ExpenseId>,
    if_match: IfMatch,
) -> Result<Response, ApiError> {
    expenses::delete(&state, &ctx, id, if_match).await?;
    Ok(response::no_content())
}

/// Upload a receipt
///
/// The raw file as the body, PNG, JPEG or PDF, at most 10 MiB (more than
/// the general body limit). The type is checked from the content itself;
/// a `Content-Type` that disagrees is refused (`application/octet-stream`
/// or none lets the content decide). Replaces any earlier receipt.
#[utoipa::path(put, path = "/expenses/{id}/receipt", tag = "Expenses",
    params(("id" = ExpenseId, Path, description = "The expense's id")),
    request_body(content(
        (BinaryFile = "application/pdf"),
        (BinaryFile = "image/png"),
        (BinaryFile = "image/jpeg"),
    ), description = "The receipt file"),
    responses(
        (status = 200, description = "Stored; the expense with its receipt's details", body = Data<ExpenseOut>),
        (status = 403, description = "`insufficient_scope`", body = ErrorBody),
        (status = 409, description = "`time_entry_locked` (invoiced) or `period_locked`", body = ErrorBody),
        (status = 413, description = "`payload_too_large`: more than 10 MiB", body = ErrorBody),
        (status = 415, description = "`unsupported_media_type`: not a PNG, JPEG or PDF, or not what `Content-Type` says", body = ErrorBody),
    ))]
pub async fn put_receipt(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<ExpenseId>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let bytes = read_receipt(&headers, body).await?;
    let declared = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let expense = expenses::put_receipt(&state, &ctx, id, declared, bytes).await?;
    Ok(response::ok_versioned(
        ExpenseOut::from(&expense),
        expense.version,
    ))
}

/// Download the receipt
///
/// The file exactly as uploaded.
#[utoipa::path(get, path = "/expenses/{id}/receipt", tag = "Expenses",
    params(("id" = ExpenseId, Path, description = "The expense's id")),
    responses(
        (status = 200, description = "The file", content(
            (BinaryFile = "application/pdf"),
            (BinaryFile = "image/png"),
            (BinaryFile = "image/jpeg"),
        )),
    ))]
pub async fn get_receipt(ctx: Ctx, Path(id): Path<ExpenseId>) -> Result<Response, ApiError> {
    let receipt = expenses::receipt(&ctx, id).await?;
    let etag: String = format!(
        "\"{}\"",
        receipt
            .sha256
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    );
    let mut response = receipt.data.into_response();
    let headers = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&receipt.content_type) {
        headers.insert(header::CONTENT_TYPE, v);
    }
    if let Ok(v) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, v);
    }
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("inline"),
    );
    Ok(response)
}

/// Remove the receipt
#[utoipa::path(delete, path = "/expenses/{id}/receipt", tag = "Expenses",
    params(("id" = ExpenseId, Path, description = "The expense's id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 403, description = "`insufficient_scope`", body = ErrorBody),
        (status = 409, description = "`time_entry_locked` (invoiced) or `period_locked`", body = ErrorBody),
    ))]
pub async fn delete_receipt(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<ExpenseId>,
) -> Result<Response, ApiError> {
    expenses::delete_receipt(&state, &ctx, id).await?;
    Ok(response::no_content())
}
