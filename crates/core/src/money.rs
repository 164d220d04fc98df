//! Money and percentages as integers: amounts in the currency's minor units
//! (cents), percentages in hundredths (basis points). Arithmetic goes
//! through `rust_decimal`; the wire carries decimal strings (`"1250.00"`).
//! Never a float.

use std::str::FromStr;

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::currency::Currency;

/// Parses a decimal amount (`"1250"`, `"1250.5"`, `"-3.25"`) into minor
/// units of `currency`; refuses more decimals than the currency has.
pub fn parse_amount(text: &str, currency: Currency) -> Result<i64, String> {
    let value = Decimal::from_str_exact(text.trim())
        .map_err(|_| format!("must be a decimal amount such as \"1250.00\", not `{text}`"))?;
    let digits = u32::from(currency.minor_units());
    if value.normalize().scale() > digits {
        return Err(format!("{currency} amounts have at most {digits} decimals"));
    }
    (value * Decimal::from(10i64.pow(digits)))
        .to_i64()
        .ok_or_else(|| "is too large".to_owned())
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
    /// Parses `"20"`, `"5.5"`, `"7.75"`; between 0 and 100, two decimals at most.
    pub fn parse(text: &str) -> Result<Percent, String> {
        let value = Decimal::from_str(text.trim())
            .map_err(|_| format!("must be a percentage such as \"20.00\", not `{text}`"))?;
        if value.normalize().scale() > 2 {
            return Err("has at most 2 decimals".to_owned());
        }
        if value < Decimal::ZERO || value > Decimal::from(100) {
            return Err("must be between 0 and 100".to_owned());
        }
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
        assert!(parse_amount("12.5", jpy).is_err());
        assert_eq!(format_amount(1250, jpy), "1250");
        let kwd = Currency::from_code("KWD").unwrap();
        assert_eq!(format_amount(1_234, kwd), "1.234");
    }

    #[test]
    fn refuses_what_is_not_an_amount() {
        assert!(parse_amount("12.345", eur()).is_err());
        assert!(parse_amount("abc", eur()).is_err());
        assert!(parse_amount("1e3", eur()).is_err());
        assert!(parse_amount("", eur()).is_err());
        assert!(parse_amount("99999999999999999999", eur()).is_err());
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
    }
}
