//! IANA time zones: an organization's and a member's local calendar.

use chrono_tz::Tz;

/// Parses an IANA zone name such as `Europe/Paris`; `None` when unknown.
pub fn parse_timezone(name: &str) -> Option<Tz> {
    name.parse::<Tz>().ok()
}

/// Every name [`parse_timezone`] accepts.
pub fn timezone_names() -> impl Iterator<Item = &'static str> {
    chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_iana_names_only() {
        assert!(parse_timezone("Europe/Paris").is_some());
        assert!(parse_timezone("UTC").is_some());
        assert!(parse_timezone("Mars/Olympus").is_none());
        assert!(parse_timezone("").is_none());
    }
}
