//! Organization settings: reading the effective settings (defaults filled
//! in; other services call `effective`), and changing them with a merge
//! patch — validated, versioned by the organization's row, and recorded as
//! `settings.updated`. Name, time zone and currency live in their
//! `organizations` columns (kept in sync here); the rest is the JSON
//! document in `organizations.settings`, holding domain values (percent
//! hundredths, rounding minutes).
//!
//! Owners and admins read and write them; plain members get
//! `403 insufficient_role` even for reading (bank details are not theirs
//! to see). API keys read them, and change them with the `write` scope.

mod rules;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use stint_core::Validation;
use stint_core::country::is_country_code;
use stint_core::currency::Currency;
use stint_core::money::{Percent, round_to_minor, to_decimal};
use stint_core::timezone::parse_timezone;
use stint_core::validation::{
    email_problem, locale_problem, name_problem, normalize_email, optional_text,
};
use stint_store::settings::{SettingsValues, StoredSettings};
use stint_store::{Exec, Tenant, Tx};

pub use self::rules::{format_invoice_number, number_format_problem};
use self::rules::{normalize_bic, normalize_iban};
use super::events;
use crate::api::conditional::{IfMatch, stale};
use crate::api::decimal::DecimalText;
use crate::api::dto::common::Address;
use crate::api::dto::settings::{
    DefaultsSettings, InvoicingSettings, ProfileSettings, SettingsIn, SettingsOut, TimeRounding,
    TimeTrackingSettings,
};
use crate::api::error::{ApiError, Code};
use crate::auth::{Actor, Ctx};
use crate::state::AppState;

const RESOURCE: &str = "settings";

/// The profile as stored (the name is the organization's column).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Profile {
    pub legal_name: Option<String>,
    pub street: Option<String>,
    pub postal_code: Option<String>,
    pub city: Option<String>,
    pub region: Option<String>,
    pub country_code: Option<String>,
    pub vat_number: Option<String>,
    pub company_number: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub website: Option<String>,
    /// Compact, upper case, checksum verified.
    pub iban: Option<String>,
    pub bic: Option<String>,
    pub bank_name: Option<String>,
}

/// Defaults as stored (currency and time zone are the organization's columns).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Defaults {
    pub locale: Option<String>,
    /// Hundredths of a percent (2000 = 20.00 %).
    pub default_vat_rate: Option<i64>,
    pub payment_terms_days: i64,
    /// 0 (none), 5, 15 or 30.
    pub time_rounding_minutes: i64,
}

impl Default for Defaults {
    fn default() -> Self {
        Defaults {
            locale: None,
            default_vat_rate: None,
            payment_terms_days: 30,
            time_rounding_minutes: 0,
        }
    }
}

/// Invoice numbering and texts as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Invoicing {
    pub prefix: Option<String>,
    /// The sequence number of the next invoice.
    pub next_number: i64,
    /// Render with `format_invoice_number`.
    pub number_format: String,
    pub footer: Option<String>,
    pub notes: Option<String>,
}

impl Default for Invoicing {
    fn default() -> Self {
        Invoicing {
            prefix: Some("INV-".to_owned()),
            next_number: 1,
            number_format: "{prefix}{yyyy}-{seq:4}".to_owned(),
            footer: None,
            notes: None,
        }
    }
}

/// Time tracking rules as stored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TimeTracking {
    /// Entries dated before this are locked. The time-tracking rules read
    /// it straight from the stored JSON (`/time_tracking/lock_before`).
    pub lock_before: Option<chrono::NaiveDate>,
}

/// The JSON document in `organizations.settings`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
struct Document {
    profile: Profile,
    defaults: Defaults,
    invoicing: Invoicing,
    time_tracking: TimeTracking,
}

/// The organization's settings with every default filled in.
#[derive(Debug, Clone)]
pub struct EffectiveSettings {
    pub name: String,
    pub currency: Currency,
    /// IANA time zone.
    pub timezone: String,
    pub profile: Profile,
    pub defaults: Defaults,
    pub invoicing: Invoicing,
    pub time_tracking: TimeTracking,
    /// The organization's version: the settings' ETag.
    pub version: i64,
    pub updated_at: DateTime<Utc>,
}

fn corrupt(what: String) -> ApiError {
    ApiError::internal(std::io::Error::other(what))
}

fn effective_of(stored: StoredSettings) -> Result<EffectiveSettings, ApiError> {
    let document: Document = serde_json::from_value(Value::Object(stored.settings.0))
        .map_err(|e| corrupt(format!("stored settings of {}: {e}", stored.id)))?;
    let currency = Currency::from_code(&stored.currency)
        .ok_or_else(|| corrupt(format!("stored currency `{}`", stored.currency)))?;
    Ok(EffectiveSettings {
        name: stored.name,
        currency,
        timezone: stored.timezone,
        profile: document.profile,
        defaults: document.defaults,
        invoicing: document.invoicing,
        time_tracking: document.time_tracking,
        version: stored.version,
        updated_at: stored.updated_at,
    })
}

/// The organization's effective settings, for any service that needs them
/// (invoicing reads `invoicing.next_number` and `number_format`).
pub async fn effective<E: Exec>(db: &mut Tenant<E>) -> Result<EffectiveSettings, ApiError> {
    effective_of(db.settings().await?)
}

/// The settings as the API shows them.
pub fn to_out(s: &EffectiveSettings) -> SettingsOut {
    let input = to_in(s);
    SettingsOut {
        profile: input.profile,
        defaults: input.defaults,
        invoicing: input.invoicing,
        time_tracking: input.time_tracking,
        updated_at: s.updated_at,
    }
}

fn to_in(s: &EffectiveSettings) -> SettingsIn {
    let p = &s.profile;
    SettingsIn {
        profile: ProfileSettings {
            name: s.name.clone(),
            legal_name: p.legal_name.clone(),
            address: Some(Address {
                street: p.street.clone(),
                postal_code: p.postal_code.clone(),
                city: p.city.clone(),
                region: p.region.clone(),
                country_code: p.country_code.clone(),
            }),
            vat_number: p.vat_number.clone(),
            company_number: p.company_number.clone(),
            email: p.email.clone(),
            phone: p.phone.clone(),
            website: p.website.clone(),
            iban: p.iban.clone(),
            bic: p.bic.clone(),
            bank_name: p.bank_name.clone(),
        },
        defaults: DefaultsSettings {
            currency: s.currency.code().to_owned(),
            timezone: s.timezone.clone(),
            locale: s.defaults.locale.clone(),
            default_vat_rate: s
                .defaults
                .default_vat_rate
                .map(|h| DecimalText(Percent(h).to_string())),
            payment_terms_days: s.defaults.payment_terms_days,
            time_rounding: TimeRounding::from_minutes(s.defaults.time_rounding_minutes)
                .unwrap_or_default(),
        },
        invoicing: InvoicingSettings {
            prefix: s.invoicing.prefix.clone(),
            next_number: s.invoicing.next_number,
            number_format: s.invoicing.number_format.clone(),
            footer: s.invoicing.footer.clone(),
            notes: s.invoicing.notes.clone(),
        },
        time_tracking: TimeTrackingSettings {
            lock_before: s.time_tracking.lock_before,
        },
    }
}

/// Reading: owners and admins, and API keys (read or write scope).
fn require_reader(ctx: &Ctx) -> Result<(), ApiError> {
    match ctx.actor() {
        Actor::User { .. } if !ctx.role().is_admin() => Err(ApiError::new(
            Code::InsufficientRole,
            "Only owners and admins can see the organization's settings",
        )),
        _ => Ok(()),
    }
}

pub async fn read(ctx: &Ctx) -> Result<EffectiveSettings, ApiError> {
    require_reader(ctx)?;
    effective(&mut ctx.read().await?).await
}

/// Checks the whole settings object, naming fields by dotted path
/// (`profile.iban`, `defaults.currency`).
fn validate(input: SettingsIn) -> Result<(SettingsValues, Document), ApiError> {
    let mut v = Validation::new();
    let SettingsIn {
        profile: p,
        defaults: d,
        invoicing: i,
        time_tracking: t,
    } = input;
    v.check("profile.name", name_problem(&p.name, 200));
    let mut text = |field: &str, value: &Option<String>, max: usize| match optional_text(value, max)
    {
        Ok(t) => t,
        Err(e) => {
            v.add(field, e);
            None
        }
    };
    let address = p.address.unwrap_or_default();
    let mut profile = Profile {
        legal_name: text("profile.legal_name", &p.legal_name, 200),
        street: text("profile.address.street", &address.street, 200),
        postal_code: text("profile.address.postal_code", &address.postal_code, 20),
        city: text("profile.address.city", &address.city, 100),
        region: text("profile.address.region", &address.region, 100),
        country_code: address.country_code.clone(),
        vat_number: text("profile.vat_number", &p.vat_number, 50),
        company_number: text("profile.company_number", &p.company_number, 50),
        email: p.email.as_deref().map(normalize_email),
        phone: text("profile.phone", &p.phone, 50),
        website: text("profile.website", &p.website, 200),
        iban: text("profile.iban", &p.iban, 50),
        bic: text("profile.bic", &p.bic, 20),
        bank_name: text("profile.bank_name", &p.bank_name, 200),
    };
    let locale = d.locale.clone();
    let prefix = text("invoicing.prefix", &i.prefix, 20);
    let footer = text("invoicing.footer", &i.footer, 10_000);
    let notes = text("invoicing.notes", &i.notes, 10_000);
    if let Some(c) = &profile.country_code
        && !is_country_code(c)
    {
        v.add(
            "profile.address.country_code",
            "must be an ISO 3166-1 alpha-2 code such as FR",
        );
    }
    if let Some(e) = &profile.email {
        v.check("profile.email", email_problem(e));
    }
    if let Some(w) = &profile.website
        && (w.chars().any(char::is_whitespace) || !w.contains('.'))
    {
        v.add(
            "profile.website",
            "must be a web address such as https://acme.example",
        );
    }
    if let Some(iban) = profile.iban.take() {
        match normalize_iban(&iban) {
            Ok(compact) => profile.iban = Some(compact),
            Err(e) => v.add("profile.iban", e),
        }
    }
    if let Some(bic) = profile.bic.take() {
        match normalize_bic(&bic) {
            Ok(upper) => profile.bic = Some(upper),
            Err(e) => v.add("profile.bic", e),
        }
    }
    let currency = d.currency.clone();
    if Currency::from_code(&currency).is_none() {
        v.add("defaults.currency", "must be an ISO 4217 code such as EUR");
    }
    let timezone = d.timezone.clone();
    if parse_timezone(&timezone).is_none() {
        v.add(
            "defaults.timezone",
            "must be an IANA time zone such as Europe/Paris",
        );
    }
    if let Some(l) = &locale {
        v.check("defaults.locale", locale_problem(l));
    }
    let default_vat_rate = match &d.default_vat_rate {
        None => None,
        Some(rate) => match Percent::parse(rate.as_str()) {
            Ok(p) => Some(p.hundredths()),
            Err(e) => {
                v.add("defaults.default_vat_rate", e);
                None
            }
        },
    };
    if !(0..=365).contains(&d.payment_terms_days) {
        v.add("defaults.payment_terms_days", "must be between 0 and 365");
    }
    if !(1..=999_999_999_999).contains(&i.next_number) {
        v.add(
            "invoicing.next_number",
            "must be between 1 and 999999999999",
        );
    }
    v.check(
        "invoicing.number_format",
        number_format_problem(&i.number_format),
    );
    v.finish().map_err(ApiError::validation)?;
    let values = SettingsValues {
        name: p.name.trim().to_owned(),
        timezone,
        currency,
        settings: Default::default(),
    };
    let document = Document {
        profile,
        defaults: Defaults {
            locale,
            default_vat_rate,
            payment_terms_days: d.payment_terms_days,
            time_rounding_minutes: d.time_rounding.minutes(),
        },
        invoicing: Invoicing {
            prefix,
            next_number: i.next_number,
            number_format: i.number_format,
            footer,
            notes,
        },
        time_tracking: TimeTracking {
            lock_before: t.lock_before,
        },
    };
    Ok((values, document))
}

/// Keeps members' hourly amounts at the same value when the currency
/// changes to one with other minor units (EUR 45.50 becomes JPY 46, no
/// exchange rate is applied).
async fn convert_member_amounts(
    tx: &mut Tenant<Tx>,
    from: Currency,
    to: Currency,
) -> Result<(), ApiError> {
    if from.minor_units() == to.minor_units() {
        return Ok(());
    }
    tx.convert_member_amounts(|minor| {
        round_to_minor(to_decimal(minor, from), to).unwrap_or(i64::MAX)
    })
    .await?;
    Ok(())
}

/// Changes the settings with a merge patch over the whole object. An
/// unchanged result records nothing and keeps the version.
pub async fn update(
    state: &AppState,
    ctx: &Ctx,
    if_match: IfMatch,
    patch: &serde_json::Map<String, Value>,
) -> Result<EffectiveSettings, ApiError> {
    ctx.require_write()?;
    let now = state.now();
    let mut tx = ctx.write().await?;
    let current = effective(&mut tx).await?;
    let input = crate::api::patch::merge(&to_in(&current), patch)?;
    let (mut values, document) = validate(input)?;
    // Preconditions count only for a request that is otherwise valid
    // (RFC 9110 13.2.1): a malformed body is 400 even when stale.
    if_match.check(current.version)?;
    let Value::Object(map) = serde_json::to_value(&document).map_err(ApiError::internal)? else {
        return Err(corrupt("settings did not serialize as an object".into()));
    };
    values.settings = map;
    if !tx.update_settings(&values, current.version, now).await? {
        return Err(stale());
    }
    let updated = effective(&mut tx).await?;
    if updated.currency != current.currency {
        convert_member_amounts(&mut tx, current.currency, updated.currency).await?;
    }
    if !events::updated(
        &mut tx,
        ctx,
        now,
        RESOURCE,
        ctx.org().uuid(),
        &to_out(&current),
        &to_out(&updated),
    )
    .await?
    {
        // Nothing changed: keep the version, record nothing.
        return Ok(current);
    }
    tx.commit().await?;
    Ok(updated)
}
