//! Typed, prefixed identifiers. Storage keeps a UUIDv7; the wire carries
//! `prefix_` + 26 characters of Crockford base32 (the TypeID layout), and each
//! resource has its own Rust type so a client id can never be passed where an
//! invoice id is expected.

use std::fmt;
use std::str::FromStr;

use uuid::Uuid;

const ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";
const ENCODED_LEN: usize = 26;

/// Why a string is not an id of the expected type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("expected an id starting with `{expected}_`")]
    WrongPrefix { expected: &'static str },
    #[error("malformed id")]
    Malformed,
}

/// Encodes 128 bits as 26 base32 characters; the first carries the top 3 bits.
pub fn encode_base32(value: u128) -> String {
    let mut out = [0u8; ENCODED_LEN];
    for (i, slot) in out.iter_mut().enumerate() {
        let shift = 5 * (ENCODED_LEN - 1 - i);
        *slot = ALPHABET[((value >> shift) & 0x1f) as usize];
    }
    out.iter().map(|&b| b as char).collect()
}

/// Decodes what `encode_base32` wrote; rejects anything else.
pub fn decode_base32(text: &str) -> Option<u128> {
    let bytes = text.as_bytes();
    if bytes.len() != ENCODED_LEN {
        return None;
    }
    let mut value: u128 = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let digit = ALPHABET.iter().position(|&a| a == b)? as u128;
        if i == 0 && digit > 7 {
            return None;
        }
        value = (value << 5) | digit;
    }
    Some(value)
}

/// Parses `prefix_xxxxxxxx…` into a UUID.
pub fn parse_prefixed(text: &str, prefix: &'static str) -> Result<Uuid, IdError> {
    let rest = text
        .strip_prefix(prefix)
        .and_then(|r| r.strip_prefix('_'))
        .ok_or(IdError::WrongPrefix { expected: prefix })?;
    decode_base32(rest)
        .map(Uuid::from_u128)
        .ok_or(IdError::Malformed)
}

/// Declares a typed id: a UUID newtype with its wire prefix.
#[macro_export]
macro_rules! typed_id {
    ($(#[$meta:meta])* $name:ident, $prefix:literal, $example:literal) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(::uuid::Uuid);

        impl $name {
            pub const PREFIX: &'static str = $prefix;
            pub const EXAMPLE: &'static str = $example;

            /// A fresh time-ordered id.
            pub fn generate() -> Self {
                Self(::uuid::Uuid::now_v7())
            }
            pub const fn from_uuid(uuid: ::uuid::Uuid) -> Self {
                Self(uuid)
            }
            pub const fn uuid(&self) -> ::uuid::Uuid {
                self.0
            }
        }

        impl ::std::convert::From<::uuid::Uuid> for $name {
            fn from(uuid: ::uuid::Uuid) -> Self {
                Self(uuid)
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                write!(f, "{}_{}", $prefix, $crate::ids::encode_base32(self.0.as_u128()))
            }
        }

        impl ::std::fmt::Debug for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                ::std::fmt::Display::fmt(self, f)
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::ids::IdError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $crate::ids::parse_prefixed(s, $prefix).map(Self)
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = <::std::borrow::Cow<'de, str> as ::serde::Deserialize>::deserialize(d)?;
                text.parse().map_err(::serde::de::Error::custom)
            }
        }

        #[cfg(feature = "openapi")]
        impl ::utoipa::PartialSchema for $name {
            fn schema() -> ::utoipa::openapi::RefOr<::utoipa::openapi::schema::Schema> {
                $crate::ids::id_schema($prefix, $example)
            }
        }

        #[cfg(feature = "openapi")]
        impl ::utoipa::ToSchema for $name {}
    };
}

/// The OpenAPI schema shared by every typed id.
#[cfg(feature = "openapi")]
pub fn id_schema(
    prefix: &str,
    example: &str,
) -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(format!("^{prefix}_[0-7][0-9a-hjkmnp-tv-z]{{25}}$")))
        .description(Some(format!("Identifier with the `{prefix}_` prefix.")))
        .examples([serde_json::Value::String(example.to_owned())])
        .build()
        .into()
}

typed_id!(
    /// An organization (the tenant; users may call it their company).
    OrgId, "org", "org_01jd8x2k4m6n8p9q0r1s2t3v4w"
);
typed_id!(
    /// A person who can sign in; may belong to several organizations.
    UserId, "usr", "usr_01jd8x2k4m6n8p9q0r1s2t3v4w"
);
typed_id!(
    /// A user's membership of one organization (the "member").
    MemberId, "mem", "mem_01jd8x2k4m6n8p9q0r1s2t3v4w"
);
typed_id!(
    /// A member group, shown as a team.
    MemberGroupId, "team", "team_01jd8x2k4m6n8p9q0r1s2t3v4w"
);
typed_id!(
    /// An API key pair of an organization.
    ApiKeyId, "key", "key_01jd8x2k4m6n8p9q0r1s2t3v4w"
);
typed_id!(
    /// A sign-in session: one refresh-token family.
    SessionId, "ses", "ses_01jd8x2k4m6n8p9q0r1s2t3v4w"
);

typed_id!(
    /// A client (a customer of the organization).
    ClientId, "cli", "cli_01jd8x2k4m6n8p9q0r1s2t3v4w"
);
typed_id!(
    /// A contact person of a client.
    ContactId, "con", "con_01jd8x2k4m6n8p9q0r1s2t3v4w"
);
typed_id!(
    /// A group of clients.
    ClientGroupId, "cgr", "cgr_01jd8x2k4m6n8p9q0r1s2t3v4w"
);
typed_id!(
    /// A custom field definition.
    CustomFieldId, "cf", "cf_01jd8x2k4m6n8p9q0r1s2t3v4w"
);
typed_id!(
    /// A project.
    ProjectId, "prj", "prj_01jd8x2k4m6n8p9q0r1s2t3v4w"
);
typed_id!(
    /// A topic (a theme tasks are filed under).
    TopicId, "top", "top_01jd8x2k4m6n8p9q0r1s2t3v4w"
);
typed_id!(
    /// A task.
    TaskId, "tsk", "tsk_01jd8x2k4m6n8p9q0r1s2t3v4w"
);
typed_id!(
    /// A billable service (what time is sold as).
    ServiceId, "svc", "svc_01jd8x2k4m6n8p9q0r1s2t3v4w"
);
typed_id!(
    /// A product sold on invoices.
    ProductId, "prd", "prd_01jd8x2k4m6n8p9q0r1s2t3v4w"
);
typed_id!(
    /// An invitation to join an organization.
    InvitationId, "ivt", "ivt_01jd8x2k4m6n8p9q0r1s2t3v4w"
);
typed_id!(
    /// A time entry or running timer.
    TimeEntryId, "te", "te_01jd8x2k4m6n8p9q0r1s2t3v4w"
);
typed_id!(
    /// An expense.
    ExpenseId, "exp", "exp_01jd8x2k4m6n8p9q0r1s2t3v4w"
);
typed_id!(
    /// An invoice.
    InvoiceId, "inv", "inv_01jd8x2k4m6n8p9q0r1s2t3v4w"
);
typed_id!(
    /// A contract.
    ContractId, "ctr", "ctr_01jd8x2k4m6n8p9q0r1s2t3v4w"
);
typed_id!(
    /// An event of the outbox.
    EventId, "evt", "evt_01jd8x2k4m6n8p9q0r1s2t3v4w"
);
typed_id!(
    /// A webhook endpoint.
    WebhookId, "wh", "wh_01jd8x2k4m6n8p9q0r1s2t3v4w"
);
typed_id!(
    /// One delivery of an event to a webhook.
    DeliveryId, "dlv", "dlv_01jd8x2k4m6n8p9q0r1s2t3v4w"
);

/// Any typed id, for places (logs, events) that only need its text.
pub trait TypedId: fmt::Display + FromStr + Copy {
    fn uuid(&self) -> Uuid;
}

macro_rules! impl_typed {
    ($($t:ty),*) => { $(impl TypedId for $t { fn uuid(&self) -> Uuid { self.0 } })* };
}
impl_typed!(
    OrgId,
    UserId,
    MemberId,
    MemberGroupId,
    ApiKeyId,
    SessionId,
    ClientId,
    ContactId,
    ClientGroupId,
    CustomFieldId,
    ProjectId,
    TopicId,
    TaskId,
    ServiceId,
    ProductId,
    InvitationId,
    TimeEntryId,
    ExpenseId,
    InvoiceId,
    ContractId,
    EventId,
    WebhookId,
    DeliveryId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_text() {
        for _ in 0..100 {
            let id = OrgId::generate();
            let text = id.to_string();
            assert!(text.starts_with("org_"));
            assert_eq!(text.len(), 4 + 26);
            assert_eq!(text.parse::<OrgId>().unwrap(), id);
        }
    }

    #[test]
    fn extreme_values_round_trip() {
        for v in [0u128, u128::MAX, 1, 1 << 127] {
            assert_eq!(decode_base32(&encode_base32(v)), Some(v));
        }
    }

    #[test]
    fn rejects_the_wrong_type_and_garbage() {
        let org = OrgId::generate().to_string();
        assert_eq!(
            org.parse::<UserId>(),
            Err(IdError::WrongPrefix { expected: "usr" })
        );
        assert_eq!("org_".parse::<OrgId>(), Err(IdError::Malformed));
        assert_eq!(
            "org_8zzzzzzzzzzzzzzzzzzzzzzzzz".parse::<OrgId>(),
            Err(IdError::Malformed)
        );
        assert_eq!(
            "org_0000000000000000000000000u".parse::<OrgId>(),
            Err(IdError::Malformed)
        );
    }

    #[test]
    fn ids_sort_by_creation() {
        let a = MemberId::generate();
        let b = MemberId::generate();
        assert!(a < b);
        assert!(a.to_string() < b.to_string());
    }
}
