//! Clients on the wire.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use stint_core::ids::{ClientGroupId, ClientId, ContactId};
use stint_store::clients::Client;
use utoipa::ToSchema;

use super::common::{Address, RecordStatus};

/// Company or person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ClientKind {
    #[default]
    Company,
    Person,
}

impl ClientKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            ClientKind::Company => "company",
            ClientKind::Person => "person",
        }
    }
}

/// A client to create (POST) or replace (PUT). Absent optional fields are
/// empty; on PUT that clears them.
// The example leaves out references (groups, default contact): "Try it out"
// in /docs sends it as it is, and it must create a client in any organization.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "name": "Globex Corporation",
    "type": "company",
    "email": "billing@globex.example",
    "phone": "+33 1 23 45 67 89",
    "vat_number": "FR40303265045",
    "address": {"street": "12 rue de la Paix", "postal_code": "75002", "city": "Paris", "country_code": "FR"},
    "locale": "fr-FR",
    "currency": "EUR",
    "payment_terms_days": 30
}))]
#[serde(deny_unknown_fields)]
pub struct ClientIn {
    #[schema(example = "Globex Corporation")]
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"[^\x00-\x20\x7F-\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]"
    )]
    pub name: String,
    /// Derived from the name when absent.
    #[schema(example = "GC")]
    pub initials: Option<String>,
    /// `company` (default) or `person`.
    #[serde(rename = "type", default)]
    pub kind: ClientKind,
    #[schema(example = "billing@globex.example")]
    #[schema(value_type = Option<super::formats::EmailAddress>)]
    pub email: Option<String>,
    #[schema(example = "+33 1 23 45 67 89")]
    pub phone: Option<String>,
    #[schema(example = "FR40303265045")]
    pub vat_number: Option<String>,
    #[schema(example = "303 265 045")]
    pub company_number: Option<String>,
    pub address: Option<Address>,
    /// BCP 47 language for documents sent to the client.
    #[schema(example = "fr-FR")]
    #[schema(value_type = Option<super::formats::LanguageTag>)]
    pub locale: Option<String>,
    /// ISO 4217; the organization's currency when absent.
    #[schema(example = "EUR")]
    #[schema(value_type = Option<super::formats::CurrencyCode>)]
    pub currency: Option<String>,
    #[schema(example = 30, minimum = 0, maximum = 365)]
    pub payment_terms_days: Option<i64>,
    pub notes: Option<String>,
    #[serde(default)]
    pub group_ids: Vec<ClientGroupId>,
    /// One of the client's contacts.
    pub default_contact_id: Option<ContactId>,
    /// Values of the organization's client custom fields, by key.
    #[serde(default)]
    #[schema(schema_with = super::formats::custom_field_values)]
    pub custom_fields: Map<String, Value>,
    #[serde(default)]
    pub status: RecordStatus,
}

/// A partial update: only the fields sent change; `null` clears a field.
/// Nested objects (`address`, `custom_fields`) merge key by key.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // parsed for type checking and documentation; merged raw
pub struct ClientPatch {
    pub name: Option<String>,
    pub initials: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<ClientKind>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub vat_number: Option<String>,
    pub company_number: Option<String>,
    pub address: Option<Address>,
    pub locale: Option<String>,
    pub currency: Option<String>,
    pub payment_terms_days: Option<i64>,
    pub notes: Option<String>,
    pub group_ids: Option<Vec<ClientGroupId>>,
    pub default_contact_id: Option<ContactId>,
    #[schema(value_type = Option<Object>)]
    pub custom_fields: Option<Map<String, Value>>,
    pub status: Option<RecordStatus>,
}

/// A client.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ClientOut {
    pub id: ClientId,
    #[schema(example = "Globex Corporation")]
    pub name: String,
    #[schema(example = "GC")]
    pub initials: String,
    #[serde(rename = "type")]
    pub kind: ClientKind,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub vat_number: Option<String>,
    pub company_number: Option<String>,
    pub address: Address,
    pub locale: Option<String>,
    #[schema(example = "EUR")]
    pub currency: String,
    pub payment_terms_days: Option<i64>,
    pub notes: Option<String>,
    pub group_ids: Vec<ClientGroupId>,
    pub default_contact_id: Option<ContactId>,
    #[schema(value_type = Object, example = json!({"vat_group": "EU"}))]
    pub custom_fields: Map<String, Value>,
    pub status: RecordStatus,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn address_of(c: &Client) -> Address {
    Address {
        street: c.street.clone(),
        postal_code: c.postal_code.clone(),
        city: c.city.clone(),
        region: c.region.clone(),
        country_code: c.country_code.clone(),
    }
}

impl From<&Client> for ClientOut {
    fn from(c: &Client) -> Self {
        ClientOut {
            id: c.id,
            name: c.name.clone(),
            initials: c.initials.clone(),
            kind: if c.kind == "person" {
                ClientKind::Person
            } else {
                ClientKind::Company
            },
            email: c.email.clone(),
            phone: c.phone.clone(),
            vat_number: c.vat_number.clone(),
            company_number: c.company_number.clone(),
            address: address_of(c),
            locale: c.locale.clone(),
            currency: c.currency.clone(),
            payment_terms_days: c.payment_terms_days,
            notes: c.notes.clone(),
            group_ids: c.group_ids.clone(),
            default_contact_id: c.default_contact_id(),
            custom_fields: c.custom_fields.0.clone(),
            status: RecordStatus::parse(&c.status),
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

/// The current client as an input, for merge patches.
impl From<&Client> for ClientIn {
    fn from(c: &Client) -> Self {
        ClientIn {
            name: c.name.clone(),
            initials: Some(c.initials.clone()),
            kind: if c.kind == "person" {
                ClientKind::Person
            } else {
                ClientKind::Company
            },
            email: c.email.clone(),
            phone: c.phone.clone(),
            vat_number: c.vat_number.clone(),
            company_number: c.company_number.clone(),
            address: Some(address_of(c)),
            locale: c.locale.clone(),
            currency: Some(c.currency.clone()),
            payment_terms_days: c.payment_terms_days,
            notes: c.notes.clone(),
            group_ids: c.group_ids.clone(),
            default_contact_id: c.default_contact_id(),
            custom_fields: c.custom_fields.0.clone(),
            status: RecordStatus::parse(&c.status),
        }
    }
}
