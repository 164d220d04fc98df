//! Members on the wire: the invitation body (POST), the profile and role
//! body (PUT, and the PATCH merge base), and the member as shown (also the
//! payload of `member.*` events and the `member` of signup and `/me`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use stint_core::Role;
use stint_core::currency::Currency;
use stint_core::ids::{MemberGroupId, MemberId, UserId};
use stint_core::money::format_amount;
use stint_store::members::Member;
use utoipa::ToSchema;

use crate::api::decimal::DecimalText;

/// A member's status in the organization. Read-only: inviting makes it
/// `invited`, accepting the invitation `active`, deleting `inactive`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MemberStatus {
    Active,
    Invited,
    Inactive,
}

impl MemberStatus {
    pub fn parse(text: &str) -> MemberStatus {
        match text {
            "active" => MemberStatus::Active,
            "invited" => MemberStatus::Invited,
            _ => MemberStatus::Inactive,
        }
    }
}

/// Someone to invite. Creates their account when the email has none (they
/// choose a password on accepting), or adds a membership to their account.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberInvite {
    /// Their sign-in email; read-only once invited.
    #[schema(example = "grace@example.com")]
    #[schema(value_type = super::formats::EmailAddress)]
    pub email: String,
    /// Given name (or the full name when no surname is kept).
    #[schema(example = "Grace")]
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"[^\x00-\x20\x7F-\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]"
    )]
    pub name: String,
    /// Family name.
    #[schema(example = "Hopper")]
    pub surname: Option<String>,
    /// Derived from name and surname when absent.
    #[schema(example = "GH")]
    pub initials: Option<String>,
    #[schema(example = "+33 6 12 34 56 78")]
    pub phone: Option<String>,
    /// IANA time zone; absent means the organization's.
    #[schema(example = "Europe/Paris")]
    #[schema(value_type = Option<super::formats::TimeZoneName>)]
    pub timezone: Option<String>,
    /// `member` when absent; only owners may invite an `owner`.
    pub role: Option<Role>,
    /// Teams to put them in.
    #[serde(default)]
    pub group_ids: Vec<MemberGroupId>,
    /// What an hour of their time costs the organization, in its currency.
    #[schema(example = "45.00")]
    #[schema(value_type = Option<super::formats::NonNegativeAmount>)]
    pub hourly_cost: Option<DecimalText>,
    /// What an hour of their time is billed at unless a project or service says otherwise, in the organization's currency.
    #[schema(example = "95.00")]
    #[schema(value_type = Option<super::formats::NonNegativeAmount>)]
    pub default_hourly_rate: Option<DecimalText>,
}

/// A member's profile, role and teams (PUT). Absent optional fields are
/// cleared. `email` and `status` are read-only and not accepted.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberIn {
    /// Given name (or the full name when no surname is kept).
    #[schema(example = "Grace")]
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"[^\x00-\x20\x7F-\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]"
    )]
    pub name: String,
    /// Family name.
    #[schema(example = "Hopper")]
    pub surname: Option<String>,
    /// Derived from name and surname when absent.
    #[schema(example = "GH")]
    pub initials: Option<String>,
    #[schema(example = "+33 6 12 34 56 78")]
    pub phone: Option<String>,
    /// IANA time zone; absent means the organization's.
    #[schema(example = "Europe/Paris")]
    #[schema(value_type = Option<super::formats::TimeZoneName>)]
    pub timezone: Option<String>,
    /// Only owners may grant or remove `owner`.
    pub role: Role,
    /// The member's teams.
    #[serde(default)]
    pub group_ids: Vec<MemberGroupId>,
    /// What an hour of their time costs the organization, in its currency.
    #[schema(example = "45.00")]
    #[schema(value_type = Option<super::formats::NonNegativeAmount>)]
    pub hourly_cost: Option<DecimalText>,
    /// Their default billing rate per hour, in the organization's currency.
    #[schema(example = "95.00")]
    #[schema(value_type = Option<super::formats::NonNegativeAmount>)]
    pub default_hourly_rate: Option<DecimalText>,
}

impl MemberInvite {
    /// The email apart, and the rest as a profile input.
    pub fn split(self) -> (String, MemberIn) {
        let input = MemberIn {
            name: self.name,
            surname: self.surname,
            initials: self.initials,
            phone: self.phone,
            timezone: self.timezone,
            role: self.role.unwrap_or(Role::Member),
            group_ids: self.group_ids,
            hourly_cost: self.hourly_cost,
            default_hourly_rate: self.default_hourly_rate,
        };
        (self.email, input)
    }
}

/// A partial update: only the fields sent change; `null` clears a field.
/// A member with role `member` may change only their own name, surname,
/// initials, phone and time zone.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // parsed for type checking and documentation; merged raw
pub struct MemberPatch {
    pub name: Option<String>,
    pub surname: Option<String>,
    pub initials: Option<String>,
    pub phone: Option<String>,
    pub timezone: Option<String>,
    pub role: Option<Role>,
    pub group_ids: Option<Vec<MemberGroupId>>,
    #[schema(value_type = Option<super::formats::NonNegativeAmount>, example = "45.00")]
    pub hourly_cost: Option<DecimalText>,
    #[schema(value_type = Option<super::formats::NonNegativeAmount>, example = "95.00")]
    pub default_hourly_rate: Option<DecimalText>,
}

/// A member of the organization.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MemberOut {
    pub id: MemberId,
    pub user_id: UserId,
    /// The account's sign-in email (read-only).
    #[schema(example = "ada@example.com")]
    pub email: String,
    #[schema(example = "Ada")]
    pub name: String,
    #[schema(example = "Lovelace")]
    pub surname: Option<String>,
    #[schema(example = "AL")]
    pub initials: String,
    pub phone: Option<String>,
    /// IANA time zone; null means the organization's.
    #[schema(example = "Europe/London")]
    pub timezone: Option<String>,
    pub role: Role,
    pub status: MemberStatus,
    /// The member's teams.
    pub group_ids: Vec<MemberGroupId>,
    /// Cost of an hour, in the organization's currency.
    #[schema(example = "45.00")]
    pub hourly_cost: Option<String>,
    /// Default billing rate per hour, in the organization's currency.
    #[schema(example = "95.00")]
    pub default_hourly_rate: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The organization's currency of a member's amounts.
fn currency_of(m: &Member) -> Currency {
    Currency::from_code(&m.currency).unwrap_or(Currency::EUR)
}

impl From<&Member> for MemberOut {
    fn from(m: &Member) -> Self {
        let currency = currency_of(m);
        MemberOut {
            id: m.id,
            user_id: m.user_id,
            email: m.email.clone(),
            name: m.name.clone(),
            surname: m.surname.clone(),
            initials: m.initials(),
            phone: m.phone.clone(),
            timezone: m.timezone.clone(),
            role: m.role.parse().unwrap_or(Role::Member),
            status: MemberStatus::parse(&m.status),
            group_ids: m.group_ids.clone(),
            hourly_cost: m.hourly_cost.map(|a| format_amount(a, currency)),
            default_hourly_rate: m.default_hourly_rate.map(|a| format_amount(a, currency)),
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

/// The current member as an input, for merge patches.
impl From<&Member> for MemberIn {
    fn from(m: &Member) -> Self {
        let currency = currency_of(m);
        MemberIn {
            name: m.name.clone(),
            surname: m.surname.clone(),
            initials: Some(m.initials()),
            phone: m.phone.clone(),
            timezone: m.timezone.clone(),
            role: m.role.parse().unwrap_or(Role::Member),
            group_ids: m.group_ids.clone(),
            hourly_cost: m
                .hourly_cost
                .map(|a| DecimalText(format_amount(a, currency))),
            default_hourly_rate: m
                .default_hourly_rate
                .map(|a| DecimalText(format_amount(a, currency))),
        }
    }
}

/// The invited member and the one-time token that lets them join.
#[derive(Debug, Serialize, ToSchema)]
pub struct InvitedMemberOut {
    #[serde(flatten)]
    pub member: MemberOut,
    /// Give it to the invitee (by email, chat …): they accept with
    /// `POST /invitations/accept`. Shown once; only its hash is stored.
    #[schema(example = "invite_Nq3Ow7fXyB3p1vQ2pgAZNkq3Ow7fXyB3p1vQ2pgAZNk")]
    pub invitation_token: String,
    /// The token stops working after this instant (7 days).
    pub invitation_expires_at: DateTime<Utc>,
}
