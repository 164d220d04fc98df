//! Money and percentages as integers: amounts in the currency's minor units
//! (cents), percentages in hundredths (basis points). Arithmetic goes
//! through `rust_decimal`; the wire carries decimal strings (`"1250.00"`).
//! Never a float.

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::currency::Currency;

/// At most this many digits before the decimal point in an amount.
pub const MAX_WHOLE_DIGITS: usize = 12;
/// At most this many digits after it (extra ones round away).
pub const MAX_FRACTION_DIGITS: usize = 12;

/// A non-negative amount as text, exactly what [`parse_non_negative_amount`]
/// reads.
pub const NON_NEGATIVE_AMOUNT_PATTERN: &str = r"^[0-9]{1,12}(\.[0-9]{1,12})?$";
/// A positive amount as text, exactly what [`parse_positive_amount`] reads.
pub const POSITIVE_AMOUNT_PATTERN: &str = r"^(?!0*(\.0*)?$)[0-9]{1,12}(\.[0-9]{1,12})?$";
/// A percentage as text, exactly what [`Percent::parse`] reads.
pub const PERCENT_PATTERN: &str = r"^([0-9]{1,2}(\.[0-9]{1,2})?|100(\.0{1,2})?)$";

/// Reads `[-]D{1,12}[.D{1,12}]` and nothing else (no spaces, no exponent).
fn decimal_text(text: &str) -> Result<Decimal, String> {
    let bad = || format!("must be a decimal amount such as \"1250.00\", not `{text}`");
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    let (whole, fraction) = match unsigned.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (unsigned, None),
    };
    let digits = |s: &str, max: usize| {
        !s.is_empty() && s.len() <= max && s.bytes().all(|b| b.is_ascii_digit())
    };
    if !whole.bytes().all(|b| b.is_ascii_digit())
        || !fraction.is_none_or(|f| f.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(bad());
    }
    if !digits(whole, MAX_WHOLE_DIGITS) {
        return Err(if whole.is_empty() {
            bad()
        } else {
            format!("has at most {MAX_WHOLE_DIGITS} digits before the decimal point")
        });
    }
    if let Some(f) = fraction
        && !digits(f, MAX_FRACTION_DIGITS)
    {
        return Err(if f.is_empty() {
            bad()
        } else {
            format!("has at most {MAX_FRACTION_DIGITS} decimals")
        });
    }
    Decimal::from_str_exact(text).map_err(|_| bad())
}

/// Parses a decimal amount (`"1250"`, `"1250.5"`, `"-3.25"`) into minor
/// units of `currency`, rounding extra decimals half away from zero
/// (`"10.005"` EUR is 10.01, `"12.5"` JPY is 13).
pub fn parse_amount(text: &str, currency: Currency) -> Result<i64, String> {
    let value = decimal_text(text)?;
    round_to_minor(value, currency).ok_or_else(|| "is too large".to_owned())
}

/// [`parse_amount`] for an amount that must not be negative (`"-0"` included).
pub fn parse_non_negative_amount(text: &str, currency: Currency) -> Result<i64, String> {
    if text.starts_with('-') {
        return Err("must not be negative".to_owned());
    }
    parse_amount(text, currency)
}

/// [`parse_amount`] for an amount that must be more than zero as sent (a
/// positive amount below half a minor unit still rounds to zero).
pub fn parse_positive_amount(text: &str, currency: Currency) -> Result<i64, String> {
    let minor = parse_non_negative_amount(text, currency).map_err(|e| {
        if text.starts_with('-') {
            "must be more than zero".to_owned()
        } else {
            e
        }
    })?;
    if decimal_text(text).is_ok_and(|d| d.is_zero()) {
        return Err("must be more than zero".to_owned());
    }
    Ok(minor)
}

/// Formats minor units as a decimal string with exactly the currency's decimals.
pub fn format_amount(minor: i64, currency: Currency) -> String {
    to_decimal(minor, currency).to_string()
}

/// The amount as a `Decimal` with the currency's scale.
pub fn to_decimal(minor: i64, currency: Currency) -> Decimal {
    Decimal::new(minor, u32::from(currency.minor_units()))
}

/// Rounds a decimal amount half away from zero to the currency's minor units.
pub fn round_to_minor(value: Decimal, currency: Currency) -> Option<i64> {
    let digits = u32::from(currency.minor_units());
    let rounded =
        value.round_dp_with_strategy(digits, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
    (rounded * Decimal::from(10i64.pow(digits))).to_i64()
}

/// A percentage with two decimals, kept as hundredths: `20.00 %` is 2000.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Percent(pub i64);

impl Percent {
    /// Parses `"20"`, `"5.5"`, `"7.75"`: between 0 and 100, two decimals at
    /// most, written as [`PERCENT_PATTERN`] says (no sign, no leading zeros
    /// beyond two digits).
    pub fn parse(text: &str) -> Result<Percent, String> {
        let bad = || format!("must be a percentage such as \"20.00\", not `{text}`");
        let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || !digits(whole) || !digits(fraction) || text.ends_with('.') {
            return Err(bad());
        }
        if fraction.len() > 2 {
            return Err("has at most 2 decimals".to_owned());
        }
        if whole.len() > 3
            || (whole.len() == 3 && (whole != "100" || !fraction.trim_end_matches('0').is_empty()))
        {
            return Err("must be between 0 and 100".to_owned());
        }
        let value = Decimal::from_str_exact(text).map_err(|_| bad())?;
        (value * Decimal::from(100))
            .to_i64()
            .map(Percent)
            .ok_or_else(|| "is invalid".to_owned())
    }

    pub fn hundredths(&self) -> i64 {
        self.0
    }

    pub fn as_decimal(&self) -> Decimal {
        Decimal::new(self.0, 2)
    }
}

impl std::fmt::Display for Percent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.as_decimal())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn eur() -> Currency {
        Currency::EUR
    }

    #[test]
    fn parses_and_formats_amounts_exactly() {
        assert_eq!(parse_amount("1250", eur()), Ok(125_000));
        assert_eq!(parse_amount("1250.5", eur()), Ok(125_050));
        assert_eq!(parse_amount("0.10", eur()), Ok(10));
        assert_eq!(parse_amount("-3.25", eur()), Ok(-325));
        assert_eq!(format_amount(125_050, eur()), "1250.50");
        assert_eq!(format_amount(-5, eur()), "-0.05");
        let jpy = Currency::from_code("JPY").unwrap();
        assert_eq!(parse_amount("1250", jpy), Ok(1250));
        assert_eq!(parse_amount("12.5", jpy), Ok(13));
        assert_eq!(parse_amount("12.4", jpy), Ok(12));
        assert_eq!(format_amount(1250, jpy), "1250");
        let kwd = Currency::from_code("KWD").unwrap();
        assert_eq!(format_amount(1_234, kwd), "1.234");
    }

    #[test]
    fn refuses_what_is_not_an_amount() {
        assert!(parse_amount(" 1", eur()).is_err());
        assert!(parse_amount("1.", eur()).is_err());
        assert!(parse_amount(".5", eur()).is_err());
        assert!(parse_amount("1.0000000000000", eur()).is_err());
        assert!(parse_amount("1000000000000", eur()).is_err());
        assert!(parse_amount("abc", eur()).is_err());
        assert!(parse_amount("1e3", eur()).is_err());
        assert!(parse_amount("", eur()).is_err());
        assert!(parse_amount("99999999999999999999", eur()).is_err());
    }

    #[test]
    fn rounds_extra_decimals_and_checks_signs() {
        assert_eq!(parse_amount("12.345", eur()), Ok(1235));
        assert_eq!(parse_amount("-12.345", eur()), Ok(-1235));
        assert_eq!(parse_non_negative_amount("0", eur()), Ok(0));
        assert!(parse_non_negative_amount("-0", eur()).is_err());
        assert!(parse_positive_amount("0.000", eur()).is_err());
        assert_eq!(parse_positive_amount("0.001", eur()), Ok(0));
        assert_eq!(parse_positive_amount("0.005", eur()), Ok(1));
        let kwd = Currency::from_code("KWD").unwrap();
        assert_eq!(parse_amount("1.23456", kwd), Ok(1235));
    }

    #[test]
    fn rounds_half_away_from_zero() {
        let d = Decimal::from_str("10.005").unwrap();
        assert_eq!(round_to_minor(d, eur()), Some(1001));
        assert_eq!(round_to_minor(-d, eur()), Some(-1001));
    }

    #[test]
    fn percentages() {
        assert_eq!(Percent::parse("20"), Ok(Percent(2000)));
        assert_eq!(Percent::parse("5.5"), Ok(Percent(550)));
        assert_eq!(Percent(550).to_string(), "5.50");
        assert!(Percent::parse("101").is_err());
        assert!(Percent::parse("-1").is_err());
        assert!(Percent::parse("1.234").is_err());
        assert_eq!(Percent::parse("100.00"), Ok(Percent(10000)));
        assert!(Percent::parse("100.01").is_err());
        assert!(Percent::parse("007").is_err());
        assert!(Percent::parse(" 5").is_err());
    }
}
