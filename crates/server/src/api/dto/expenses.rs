//! Expenses and receipts on the wire.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use stint_core::currency::Currency;
use stint_core::ids::{ClientId, ExpenseId, InvoiceId, MemberId, ProjectId};
use stint_core::money::{Percent, format_amount};
use stint_store::expenses::Expense;
use utoipa::ToSchema;

use crate::api::decimal::DecimalText;

/// An expense to record (POST) or replace (PUT).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExpenseIn {
    /// Who spent it; by default the calling member, or with an API key the
    /// member who created the key.
    pub member_id: Option<MemberId>,
    /// The local date of the expense; today by default.
    #[schema(value_type = Option<String>, format = Date, example = "2026-03-02")]
    pub date: Option<NaiveDate>,
    pub client_id: Option<ClientId>,
    /// Must belong to the client when both are given; sets the client when it is absent.
    pub project_id: Option<ProjectId>,
    #[schema(example = "Travel")]
    pub category: Option<String>,
    #[schema(example = "Train to the client's office")]
    pub description: Option<String>,
    /// Amount including VAT, in `currency`.
    #[schema(value_type = super::formats::PositiveAmount)]
    pub amount: DecimalText,
    /// ISO 4217; the organization's currency by default.
    #[schema(example = "EUR")]
    #[schema(value_type = Option<super::formats::CurrencyCode>)]
    pub currency: Option<String>,
    /// VAT included in the amount, as a percentage; 0 by default.
    #[schema(value_type = Option<super::formats::Percentage>)]
    pub vat_rate: Option<DecimalText>,
    /// Whether to bill it to the client; false by default.
    #[serde(default)]
    pub billable: bool,
    /// Whether the organization owes it back to the member; false by default.
    #[serde(default)]
    pub reimbursable: bool,
}

/// A partial update (JSON merge patch).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // parsed for type checking and documentation; merged raw
pub struct ExpensePatch {
    pub member_id: Option<MemberId>,
    #[schema(value_type = Option<String>, format = Date)]
    pub date: Option<NaiveDate>,
    pub client_id: Option<ClientId>,
    pub project_id: Option<ProjectId>,
    pub category: Option<String>,
    pub description: Option<String>,
    #[schema(value_type = Option<super::formats::PositiveAmount>)]
    pub amount: Option<DecimalText>,
    pub currency: Option<String>,
    #[schema(value_type = Option<super::formats::Percentage>)]
    pub vat_rate: Option<DecimalText>,
    pub billable: Option<bool>,
    pub reimbursable: Option<bool>,
}

/// What is known of a receipt; the file itself is at `/expenses/{id}/receipt`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReceiptOut {
    #[schema(example = "application/pdf")]
    pub content_type: String,
    #[schema(example = 48213)]
    pub size_bytes: i64,
    /// Hex SHA-256 of the file.
    pub sha256: String,
    pub uploaded_at: DateTime<Utc>,
}

/// Whether an expense has been invoiced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExpenseStatus {
    Open,
    Invoiced,
}

/// An expense.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ExpenseOut {
    pub id: ExpenseId,
    pub member_id: MemberId,
    #[schema(value_type = String, format = Date, example = "2026-03-02")]
    pub date: NaiveDate,
    pub client_id: Option<ClientId>,
    pub project_id: Option<ProjectId>,
    pub category: Option<String>,
    pub description: Option<String>,
    #[schema(example = "42.50")]
    pub amount: String,
    #[schema(example = "EUR")]
    pub currency: String,
    #[schema(example = "20.00")]
    pub vat_rate: String,
    pub billable: bool,
    pub reimbursable: bool,
    pub status: ExpenseStatus,
    pub invoice_id: Option<InvoiceId>,
    pub receipt: Option<ReceiptOut>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl From<&Expense> for ExpenseOut {
    fn from(e: &Expense) -> Self {
        let currency = Currency::from_code(&e.currency).unwrap_or(Currency::EUR);
        let receipt = match (
            &e.receipt_content_type,
            e.receipt_size_bytes,
            &e.receipt_sha256,
            e.receipt_created_at,
        ) {
            (Some(content_type), Some(size_bytes), Some(sha), Some(uploaded_at)) => {
                Some(ReceiptOut {
                    content_type: content_type.clone(),
                    size_bytes,
                    sha256: hex(sha),
                    uploaded_at,
                })
            }
            _ => None,
        };
        ExpenseOut {
            id: e.id,
            member_id: e.member_id,
            date: e.date,
            client_id: e.client(),
            project_id: e.project(),
            category: e.category.clone(),
            description: e.description.clone(),
            amount: format_amount(e.amount, currency),
            currency: e.currency.clone(),
            vat_rate: Percent(e.vat_rate).to_string(),
            billable: e.billable,
            reimbursable: e.reimbursable,
            status: if e.status == "invoiced" {
                ExpenseStatus::Invoiced
            } else {
                ExpenseStatus::Open
            },
            invoice_id: e.invoice_id.map(InvoiceId::from_uuid),
            receipt,
            created_at: e.created_at,
            updated_at: e.updated_at,
        }
    }
}

impl From<&Expense> for ExpenseIn {
    fn from(e: &Expense) -> Self {
        let currency = Currency::from_code(&e.currency).unwrap_or(Currency::EUR);
        ExpenseIn {
            member_id: Some(e.member_id),
            date: Some(e.date),
            client_id: e.client(),
            project_id: e.project(),
            category: e.category.clone(),
            description: e.description.clone(),
            amount: DecimalText(format_amount(e.amount, currency)),
            currency: Some(e.currency.clone()),
            vat_rate: Some(DecimalText(Percent(e.vat_rate).to_string())),
            billable: e.billable,
            reimbursable: e.reimbursable,
        }
    }
}
