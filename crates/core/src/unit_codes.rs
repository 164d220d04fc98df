//! Units of measure as UN/ECE Recommendation 20 (and, for packages, 21)
//! common codes, the list EN 16931 invoices take their unit codes from
//! (BT-130). We embed the codes a time-tracking and invoicing business uses,
//! not all two thousand: an unknown code is refused rather than written onto
//! an invoice a receiver's validator would reject.

/// Every accepted code with its English name, in Rec. 20 spelling.
pub const UNIT_CODES: &[(&str, &str)] = &[
    // Time
    ("SEC", "second"),
    ("MIN", "minute"),
    ("HUR", "hour"),
    ("DAY", "day"),
    ("WEE", "week"),
    ("MON", "month"),
    ("ANN", "year"),
    // Counts
    ("C62", "one"),
    ("H87", "piece"),
    ("EA", "each"),
    ("XPP", "piece (package)"),
    ("PR", "pair"),
    ("DZN", "dozen"),
    ("SET", "set"),
    ("XBX", "box"),
    ("XPK", "package"),
    ("E48", "service unit"),
    ("LS", "lump sum"),
    ("P1", "percent"),
    // Length, area, volume
    ("MMT", "millimetre"),
    ("CMT", "centimetre"),
    ("MTR", "metre"),
    ("KMT", "kilometre"),
    ("MTK", "square metre"),
    ("MTQ", "cubic metre"),
    ("MLT", "millilitre"),
    ("LTR", "litre"),
    // Mass
    ("GRM", "gram"),
    ("KGM", "kilogram"),
    ("TNE", "tonne"),
    // Energy and data
    ("KWH", "kilowatt hour"),
    ("E34", "gigabyte"),
];

/// The default unit of work billed by time.
pub const HOUR: &str = "HUR";
/// The default unit of everything counted ("one").
pub const ONE: &str = "C62";

/// Whether `code` (exactly as written, upper case) is an accepted unit code.
pub fn is_unit_code(code: &str) -> bool {
    UNIT_CODES.iter().any(|(c, _)| *c == code)
}

/// The English name of an accepted code.
pub fn unit_name(code: &str) -> Option<&'static str> {
    UNIT_CODES.iter().find(|(c, _)| *c == code).map(|(_, n)| *n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knows_the_common_codes() {
        for code in [
            "HUR", "DAY", "MIN", "C62", "H87", "MON", "WEE", "ANN", "KMT", "KGM", "LTR", "MTR",
            "MTK", "SET", "E48", "LS", "XPP",
        ] {
            assert!(is_unit_code(code), "{code}");
        }
        assert_eq!(unit_name("HUR"), Some("hour"));
        assert!(!is_unit_code("hur"));
        assert!(!is_unit_code("HOURS"));
        assert!(!is_unit_code(""));
    }

    #[test]
    fn codes_are_unique() {
        let mut codes: Vec<&str> = UNIT_CODES.iter().map(|(c, _)| *c).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), UNIT_CODES.len());
    }
}
