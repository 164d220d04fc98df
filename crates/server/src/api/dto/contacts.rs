//! Contacts on the wire.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use stint_core::ids::{ClientId, ContactId};
use stint_store::contacts::Contact;
use utoipa::ToSchema;

use super::common::RecordStatus;

/// A contact to create (POST) or replace (PUT). Absent optional fields are
/// empty; on PUT that clears them.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactIn {
    /// The client this person works for; a client of this organization.
    pub client_id: ClientId,
    /// Given name.
    #[schema(example = "Ada")]
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"[^\x00-\x20\x7F-\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]"
    )]
    pub name: String,
    /// Family name.
    #[schema(example = "Lovelace")]
    pub surname: Option<String>,
    /// Stored in lower case.
    #[schema(example = "ada@globex.example")]
    #[schema(value_type = super::formats::EmailAddress)]
    pub email: String,
    /// Role at the client.
    #[schema(example = "Head of Finance")]
    pub job_title: Option<String>,
    /// Landline.
    #[schema(example = "+33 1 23 45 67 89")]
    pub phone: Option<String>,
    /// Mobile number.
    #[schema(example = "+33 6 12 34 56 78")]
    pub mobile_phone: Option<String>,
    /// The client's main contact. Setting it makes the client's previous
    /// primary contact non-primary (at most one per client).
    #[serde(default)]
    pub is_primary: bool,
    /// `active` (default) or `archived`.
    #[serde(default)]
    pub status: RecordStatus,
}

/// A partial update: only the fields sent change; `null` clears a field.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // parsed for type checking and documentation; merged raw
pub struct ContactPatch {
    /// Moves the contact to another client of this organization. A move
    /// clears `is_primary` unless the same patch sets it.
    pub client_id: Option<ClientId>,
    /// Given name; cannot be cleared.
    pub name: Option<String>,
    /// Family name.
    pub surname: Option<String>,
    /// Email address; cannot be cleared.
    pub email: Option<String>,
    /// Role at the client.
    pub job_title: Option<String>,
    /// Landline.
    pub phone: Option<String>,
    /// Mobile number.
    pub mobile_phone: Option<String>,
    /// Make this the client's primary contact (the previous one stops being).
    pub is_primary: Option<bool>,
    /// `active` or `archived`.
    pub status: Option<RecordStatus>,
}

/// A person at a client.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ContactOut {
    /// The contact's id.
    pub id: ContactId,
    /// The client this person works for.
    pub client_id: ClientId,
    /// Given name.
    #[schema(example = "Ada")]
    pub name: String,
    /// Family name.
    #[schema(example = "Lovelace")]
    pub surname: Option<String>,
    /// Email address, lower case.
    #[schema(example = "ada@globex.example")]
    pub email: String,
    /// Role at the client.
    #[schema(example = "Head of Finance")]
    pub job_title: Option<String>,
    /// Landline.
    pub phone: Option<String>,
    /// Mobile number.
    pub mobile_phone: Option<String>,
    /// Whether this is the client's primary contact (at most one is).
    pub is_primary: bool,
    /// `active` or `archived`.
    pub status: RecordStatus,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<&Contact> for ContactOut {
    fn from(c: &Contact) -> Self {
        ContactOut {
            id: c.id,
            client_id: c.client_id,
            name: c.name.clone(),
            surname: c.surname.clone(),
            email: c.email.clone(),
            job_title: c.job_title.clone(),
            phone: c.phone.clone(),
            mobile_phone: c.mobile_phone.clone(),
            is_primary: c.is_primary,
            status: RecordStatus::parse(&c.status),
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

/// The current contact as an input, for merge patches.
impl From<&Contact> for ContactIn {
    fn from(c: &Contact) -> Self {
        ContactIn {
            client_id: c.client_id,
            name: c.name.clone(),
            surname: c.surname.clone(),
            email: c.email.clone(),
            job_title: c.job_title.clone(),
            phone: c.phone.clone(),
            mobile_phone: c.mobile_phone.clone(),
            is_primary: c.is_primary,
            status: RecordStatus::parse(&c.status),
        }
    }
}
