//! Pure rules of the settings: bank identifiers (IBAN mod-97, BIC shape)
//! and invoice number formats, which invoicing renders with
//! `format_invoice_number`.

use chrono::{Datelike, NaiveDate};
use stint_core::country::is_country_code;

/// The compact, upper-case IBAN, or why it is not one (ISO 13616: country,
/// two check digits, up to 30 alphanumerics, mod 97 = 1). Spaces are
/// accepted, as IBANs are printed in groups of four.
pub fn normalize_iban(text: &str) -> Result<String, String> {
    let refused = || "must be an IBAN such as FR76 3000 6000 0112 3456 7890 189".to_owned();
    let iban: String = text
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_uppercase();
    let well_formed = (15..=34).contains(&iban.len())
        && iban.chars().all(|c| c.is_ascii_alphanumeric())
        && iban[..2].chars().all(|c| c.is_ascii_uppercase())
        && iban[2..4].chars().all(|c| c.is_ascii_digit());
    if !well_formed || !is_country_code(&iban[..2]) {
        return Err(refused());
    }
    let mut remainder: u32 = 0;
    for c in iban[4..].chars().chain(iban[..4].chars()) {
        remainder = match c.to_digit(36) {
            Some(d) if d < 10 => (remainder * 10 + d) % 97,
            Some(d) => (remainder * 100 + d) % 97,
            None => return Err(refused()),
        };
    }
    if remainder == 1 {
        Ok(iban)
    } else {
        Err("has a wrong check digit; check it was copied exactly".to_owned())
    }
}

/// The upper-case BIC, or why it is not one: 4 letters (bank), a country
/// code, 2 letters or digits (location), optionally 3 more (branch).
pub fn normalize_bic(text: &str) -> Result<String, String> {
    let bic: String = text
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_uppercase();
    let valid = (bic.len() == 8 || bic.len() == 11)
        && bic.chars().all(|c| c.is_ascii_alphanumeric())
        && bic[..6].chars().all(|c| c.is_ascii_uppercase())
        && is_country_code(&bic[4..6]);
    if valid {
        Ok(bic)
    } else {
        Err("must be a BIC of 8 or 11 characters such as BNPAFRPP or BNPAFRPPXXX".to_owned())
    }
}

/// One piece of an invoice number format.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text(String),
    Prefix,
    Year4,
    Year2,
    Month,
    /// Zero-padded to this many digits (0: as is).
    Seq(usize),
}

const PLACEHOLDERS: &str = "{prefix}, {yyyy}, {yy}, {mm}, {seq} or {seq:N}";

fn parse_format(format: &str) -> Result<Vec<Piece>, String> {
    let mut pieces = Vec::new();
    let mut rest = format;
    while !rest.is_empty() {
        let Some(open) = rest.find(['{', '}']) else {
            pieces.push(Piece::Text(rest.to_owned()));
            break;
        };
        if open > 0 {
            pieces.push(Piece::Text(rest[..open].to_owned()));
        }
        if rest[open..].starts_with('}') {
            return Err(format!("has a `}}` without its `{{`; use {PLACEHOLDERS}"));
        }
        let after = &rest[open + 1..];
        let close = after
            .find('}')
            .ok_or_else(|| format!("has a `{{` that is never closed; use {PLACEHOLDERS}"))?;
        let name = &after[..close];
        let piece = match name {
            "prefix" => Piece::Prefix,
            "yyyy" => Piece::Year4,
            "yy" => Piece::Year2,
            "mm" => Piece::Month,
            "seq" => Piece::Seq(0),
            other => match other.strip_prefix("seq:").map(str::parse::<usize>) {
                Some(Ok(width)) if (1..=12).contains(&width) => Piece::Seq(width),
                Some(_) => return Err("pads `{seq:N}` to N digits, N from 1 to 12".to_owned()),
                None => {
                    return Err(format!(
                        "has an unknown placeholder `{{{other}}}`; use {PLACEHOLDERS}"
                    ));
                }
            },
        };
        pieces.push(piece);
        rest = &after[close + 1..];
    }
    Ok(pieces)
}

/// Why an invoice number format is refused, if it is.
pub fn number_format_problem(format: &str) -> Option<String> {
    if format.trim().is_empty() {
        return Some("must not be empty".to_owned());
    }
    if format.chars().count() > 100 {
        return Some("must be at most 100 characters long".to_owned());
    }
    match parse_format(format) {
        Err(problem) => Some(problem),
        Ok(pieces) => {
            let seqs = pieces.iter().filter(|p| matches!(p, Piece::Seq(_))).count();
            (seqs != 1).then(|| "must contain `{seq}` or `{seq:N}` exactly once".to_owned())
        }
    }
}

/// Renders an invoice number: `{prefix}{yyyy}-{seq:4}` with prefix `INV-`,
/// sequence 7 and a date in 2026 gives `INV-2026-0007`.
pub fn format_invoice_number(
    format: &str,
    prefix: &str,
    seq: i64,
    date: NaiveDate,
) -> Result<String, String> {
    let mut out = String::new();
    for piece in parse_format(format)? {
        match piece {
            Piece::Text(text) => out.push_str(&text),
            Piece::Prefix => out.push_str(prefix),
            Piece::Year4 => out.push_str(&format!("{:04}", date.year())),
            Piece::Year2 => out.push_str(&format!("{:02}", date.year().rem_euclid(100))),
            Piece::Month => out.push_str(&format!("{:02}", date.month())),
            Piece::Seq(width) => out.push_str(&format!("{seq:0width$}")),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ibans_are_checked_and_compacted() {
        assert_eq!(
            normalize_iban("fr76 3000 6000 0112 3456 7890 189").unwrap(),
            "FR7630006000011234567890189"
        );
        assert!(normalize_iban("DE89 3704 0044 0532 0130 00").is_ok());
        assert!(normalize_iban("GB82 WEST 1234 5698 7654 32").is_ok());
        assert!(normalize_iban("FR77 3000 6000 0112 3456 7890 189").is_err());
        assert!(normalize_iban("XX76 3000 6000 0112 3456 7890 189").is_err());
        assert!(normalize_iban("FR76").is_err());
        assert!(normalize_iban("FR76-3000-6000-0112-3456-7890-189").is_err());
    }

    #[test]
    fn bics_have_8_or_11_characters() {
        assert_eq!(normalize_bic("bnpafrpp").unwrap(), "BNPAFRPP");
        assert!(normalize_bic("BNPAFRPPXXX").is_ok());
        assert!(normalize_bic("BNPAFRPPXX").is_err());
        assert!(normalize_bic("BNPAZZPP").is_err());
        assert!(normalize_bic("1NPAFRPP").is_err());
    }

    #[test]
    fn number_formats() {
        assert!(number_format_problem("{prefix}{yyyy}-{seq:4}").is_none());
        assert!(number_format_problem("F{yy}{mm}{seq}").is_none());
        assert!(number_format_problem("{prefix}{yyyy}").is_some());
        assert!(number_format_problem("{seq}{seq}").is_some());
        assert!(number_format_problem("{year}-{seq}").is_some());
        assert!(number_format_problem("{seq:0}").is_some());
        assert!(number_format_problem("{seq:13}").is_some());
        assert!(number_format_problem("{seq").is_some());
        assert!(number_format_problem("seq}").is_some());
        let date = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        assert_eq!(
            format_invoice_number("{prefix}{yyyy}-{seq:4}", "INV-", 7, date).unwrap(),
            "INV-2026-0007"
        );
        assert_eq!(
            format_invoice_number("F{yy}{mm}/{seq:2}", "", 123, date).unwrap(),
            "F2603/123"
        );
    }
}
