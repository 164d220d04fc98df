//! The arithmetic of tracked time: local dates in a time zone, true
//! durations across daylight-saving changes, billable rounding, the rate
//! that applies, and the amount it earns. Pure functions; the services
//! layer feeds them stored values.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use chrono_tz::Tz;
use rust_decimal::Decimal;

use crate::currency::Currency;
use crate::money::round_to_minor;

pub const SECONDS_PER_HOUR: i64 = 3600;

/// The calendar date of an instant in a time zone.
pub fn local_date(instant: DateTime<Utc>, tz: Tz) -> NaiveDate {
    instant.with_timezone(&tz).date_naive()
}

/// Seconds between two instants: the true elapsed time, so an entry that
/// crosses a daylight-saving change is an hour shorter or longer than its
/// wall-clock times suggest.
pub fn elapsed_seconds(started_at: DateTime<Utc>, ended_at: DateTime<Utc>) -> i64 {
    (ended_at - started_at).num_seconds()
}

/// Parses `"H:MM"` (hours without limit of digits, minutes 00–59).
pub fn parse_hours_minutes(text: &str) -> Result<i64, String> {
    let problem = || format!("must be a duration such as \"1:30\", not `{text}`");
    let (hours, minutes) = text.trim().split_once(':').ok_or_else(problem)?;
    if hours.is_empty()
        || minutes.len() != 2
        || !hours
            .chars()
            .chain(minutes.chars())
            .all(|c| c.is_ascii_digit())
    {
        return Err(problem());
    }
    let hours: i64 = hours.parse().map_err(|_| problem())?;
    let minutes: i64 = minutes.parse().map_err(|_| problem())?;
    if minutes >= 60 {
        return Err(problem());
    }
    hours
        .checked_mul(SECONDS_PER_HOUR)
        .and_then(|h| h.checked_add(minutes * 60))
        .ok_or_else(problem)
}

/// Rounds a billable duration up to the next multiple of `minutes` (0 means
/// no rounding). Rounding up is what clients of agencies expect to be
/// billed for a started block, as Harvest and Toggl do by default.
pub fn round_up_to_minutes(seconds: i64, minutes: i64) -> i64 {
    if minutes <= 0 || seconds <= 0 {
        return seconds.max(0);
    }
    let block = minutes * 60;
    (seconds + block - 1) / block * block
}

/// What `seconds` earn at `rate_per_hour` (minor units), rounded half away
/// from zero to the currency's minor unit.
pub fn amount_for(rate_per_hour: i64, seconds: i64, currency: Currency) -> i64 {
    let minor_per_unit = Decimal::from(10i64.pow(u32::from(currency.minor_units())));
    let rate = Decimal::from(rate_per_hour) / minor_per_unit;
    let value = rate * Decimal::from(seconds) / Decimal::from(SECONDS_PER_HOUR);
    round_to_minor(value, currency).unwrap_or(i64::MAX)
}

/// `2026-W09`: the ISO 8601 week of a date.
pub fn iso_week_label(date: NaiveDate) -> String {
    let week = date.iso_week();
    format!("{}-W{:02}", week.year(), week.week())
}

/// `2026-03`: the month of a date.
pub fn month_label(date: NaiveDate) -> String {
    format!("{}-{:02}", date.year(), date.month())
}

/// Where an hourly rate came from, in order of precedence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateSource {
    /// The client's negotiated rate for the service.
    ClientServiceRate,
    /// The project's hourly rate.
    Project,
    /// The service's list rate.
    Service,
    /// The member's default hourly rate.
    Member,
}

impl RateSource {
    pub fn as_str(&self) -> &'static str {
        match self {
            RateSource::ClientServiceRate => "client_service_rate",
            RateSource::Project => "project",
            RateSource::Service => "service",
            RateSource::Member => "member",
        }
    }
}

/// An hourly rate with its currency and origin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub per_hour: i64,
    pub currency: Currency,
    pub source: RateSource,
}

/// The first rate that exists, in order: the client's rate for the service,
/// the project's hourly rate, the service's rate, the member's default rate.
pub fn resolve_rate(
    client_service: Option<(i64, Currency)>,
    project: Option<(i64, Currency)>,
    service: Option<(i64, Currency)>,
    member: Option<(i64, Currency)>,
) -> Option<Rate> {
    [
        (client_service, RateSource::ClientServiceRate),
        (project, RateSource::Project),
        (service, RateSource::Service),
        (member, RateSource::Member),
    ]
    .into_iter()
    .find_map(|(rate, source)| {
        rate.map(|(per_hour, currency)| Rate {
            per_hour,
            currency,
            source,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn eur() -> Currency {
        Currency::EUR
    }

    #[test]
    fn local_dates_follow_the_zone() {
        let late = Utc.with_ymd_and_hms(2026, 3, 2, 23, 30, 0).unwrap();
        assert_eq!(
            local_date(late, chrono_tz::UTC),
            NaiveDate::from_ymd_opt(2026, 3, 2).unwrap()
        );
        assert_eq!(
            local_date(late, chrono_tz::Europe::Paris),
            NaiveDate::from_ymd_opt(2026, 3, 3).unwrap()
        );
        assert_eq!(
            local_date(late, chrono_tz::America::New_York),
            NaiveDate::from_ymd_opt(2026, 3, 2).unwrap()
        );
    }

    #[test]
    fn durations_across_daylight_saving_are_true_durations() {
        // Paris springs forward on 2026-03-29 at 02:00 local (01:00 UTC).
        let paris = chrono_tz::Europe::Paris;
        let start = paris
            .with_ymd_and_hms(2026, 3, 29, 1, 0, 0)
            .unwrap()
            .with_timezone(&Utc);
        let end = paris
            .with_ymd_and_hms(2026, 3, 29, 4, 0, 0)
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            elapsed_seconds(start, end),
            2 * 3600,
            "01:00 to 04:00 that night is two hours"
        );
        // And falls back on 2026-10-25 at 03:00 local.
        let start = paris
            .with_ymd_and_hms(2026, 10, 25, 1, 0, 0)
            .unwrap()
            .with_timezone(&Utc);
        let end = paris
            .with_ymd_and_hms(2026, 10, 25, 4, 0, 0)
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            elapsed_seconds(start, end),
            4 * 3600,
            "01:00 to 04:00 that night is four hours"
        );
    }

    #[test]
    fn hours_and_minutes() {
        assert_eq!(parse_hours_minutes("1:30"), Ok(5400));
        assert_eq!(parse_hours_minutes("0:05"), Ok(300));
        assert_eq!(parse_hours_minutes("12:00"), Ok(43_200));
        for bad in ["1:5", "1:60", "1h30", ":30", "1:3a", "", "-1:00"] {
            assert!(parse_hours_minutes(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn rounding_goes_up_to_the_block() {
        assert_eq!(round_up_to_minutes(61, 0), 61);
        assert_eq!(round_up_to_minutes(60, 5), 300);
        assert_eq!(round_up_to_minutes(300, 5), 300);
        assert_eq!(round_up_to_minutes(301, 5), 600);
        assert_eq!(round_up_to_minutes(16 * 60, 15), 30 * 60);
        assert_eq!(round_up_to_minutes(31 * 60, 30), 60 * 60);
        assert_eq!(round_up_to_minutes(0, 15), 0);
    }

    #[test]
    fn amounts_are_exact() {
        // 85.00/h for 1h30 = 127.50
        assert_eq!(amount_for(8_500, 5_400, eur()), 12_750);
        // 100.00/h for 1 second = 0.0277… → 0.03
        assert_eq!(amount_for(10_000, 1, eur()), 3);
        // 99.99/h for 20 minutes = 33.33
        assert_eq!(amount_for(9_999, 1_200, eur()), 3_333);
        let jpy = Currency::from_code("JPY").unwrap();
        assert_eq!(amount_for(10_000, 1_800, jpy), 5_000);
    }

    #[test]
    fn labels() {
        let d = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        assert_eq!(iso_week_label(d), "2026-W01");
        assert_eq!(
            iso_week_label(NaiveDate::from_ymd_opt(2027, 1, 1).unwrap()),
            "2026-W53"
        );
        assert_eq!(month_label(d), "2026-01");
    }

    #[test]
    fn rate_precedence() {
        let r = |v| Some((v, eur()));
        assert_eq!(
            resolve_rate(r(1), r(2), r(3), r(4)).unwrap().source,
            RateSource::ClientServiceRate
        );
        assert_eq!(resolve_rate(None, r(2), r(3), r(4)).unwrap().per_hour, 2);
        assert_eq!(
            resolve_rate(None, None, r(3), r(4)).unwrap().source,
            RateSource::Service
        );
        assert_eq!(
            resolve_rate(None, None, None, r(4)).unwrap().source,
            RateSource::Member
        );
        assert!(resolve_rate(None, None, None, None).is_none());
    }
}
