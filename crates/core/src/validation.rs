//! Validation results that name the offending field, so an API caller learns
//! exactly which input to fix (`details[].field`, dotted paths).

use serde::Serialize;

/// One problem with one input field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldError {
    /// Dotted path of the field, such as `address.country_code`.
    #[cfg_attr(feature = "openapi", schema(example = "email"))]
    pub field: String,
    /// What is wrong with it.
    #[cfg_attr(feature = "openapi", schema(example = "must be a valid email address"))]
    pub message: String,
}

/// How the message of a reference to a record that does not exist begins
/// (`no such client`); such problems answer 404 rather than 400.
const MISSING_PREFIX: &str = "no such ";

/// How the messages of references to records whose state does not fit
/// begin (`belongs to another client`, `is deactivated`, `is archived; …`,
/// a custom field value its stored definition refuses);
/// when only such problems and missing references remain, the request is
/// well formed but conflicts with stored records, which answers 409.
const CONFLICT_PREFIXES: [&str; 5] = [
    "belongs to another ",
    "is deactivated",
    "is archived",
    "does not fit its definition",
    "is required by its definition",
];

impl FieldError {
    /// Whether this problem is a reference to a record that does not exist
    /// (in this organization), as added by [`Validation::missing`].
    pub fn is_missing_reference(&self) -> bool {
        self.message.starts_with(MISSING_PREFIX)
    }

    /// Whether this problem is a reference to a record whose state does not
    /// fit, as added by [`Validation::reference_conflict`].
    pub fn is_reference_conflict(&self) -> bool {
        CONFLICT_PREFIXES
            .iter()
            .any(|p| self.message.starts_with(p))
    }
}

/// Collects every field problem of one input before answering, so the caller
/// sees all of them at once.
#[derive(Debug, Default)]
pub struct Validation {
    errors: Vec<FieldError>,
}

impl Validation {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.errors.push(FieldError {
            field: field.into(),
            message: message.into(),
        });
    }

    /// A reference to a record that does not exist, or that belongs to
    /// another organization (which must answer the same): `what` names the
    /// kind of record, as in "no such client".
    pub fn missing(&mut self, field: impl Into<String>, what: &str) {
        self.add(field, format!("{MISSING_PREFIX}{what}"));
    }

    /// A reference to a record that exists but whose state does not fit
    /// (deactivated, archived, under another parent). `message` begins with
    /// one of the phrases in `CONFLICT_PREFIXES`.
    pub fn reference_conflict(&mut self, field: impl Into<String>, message: impl Into<String>) {
        let message = message.into();
        debug_assert!(
            CONFLICT_PREFIXES.iter().any(|p| message.starts_with(p)),
            "reference conflict message `{message}` must start with a known phrase"
        );
        self.add(field, message);
    }

    /// Adds a problem when `problem` is `Some`.
    pub fn check(&mut self, field: &str, problem: Option<String>) {
        if let Some(message) = problem {
            self.add(field, message);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// `Ok` when nothing was wrong, otherwise every problem found.
    pub fn finish(self) -> Result<(), Vec<FieldError>> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(self.errors)
        }
    }
}

/// Lower-cases an email address so one person has one account. Not
/// trimmed: an address with spaces is refused, not repaired.
pub fn normalize_email(email: &str) -> String {
    email.to_lowercase()
}

/// A deliberately plain syntax check: one `@`, a non-empty local part, a
/// dotted domain without spaces. Deliverability is proven by sending mail.
pub fn email_problem(email: &str) -> Option<String> {
    let valid = email.len() <= 254
        && !email.chars().any(char::is_whitespace)
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains("..")
        });
    (!valid).then(|| "must be a valid email address".to_owned())
}

/// What a required name must contain somewhere, as a JSON Schema pattern:
/// one character that is neither whitespace nor a control character
/// (exactly [`is_blank_char`]). Spelled out rather than `\S`, whose meaning
/// differs between regex engines.
pub const VISIBLE_CHAR_PATTERN: &str =
    r"[^\x00-\x20\x7F-\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]";

/// Whitespace (Unicode `White_Space`) or a control character: a name made
/// only of these is empty.
pub fn is_blank_char(c: char) -> bool {
    c.is_whitespace() || c.is_control()
}

/// A required human-readable name: at least one visible character
/// ([`VISIBLE_CHAR_PATTERN`]) and at most `max_chars` characters as sent
/// (the stored name is trimmed).
pub fn name_problem(name: &str, max_chars: usize) -> Option<String> {
    if name.chars().all(is_blank_char) {
        Some("must not be empty".to_owned())
    } else if name.chars().count() > max_chars {
        Some(format!("must be at most {max_chars} characters long"))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert_eq!(normalize_email("Ada@Example.COM"), "ada@example.com");
        assert!(email_problem("ada@example.com").is_none());
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "a b@example.com",
            "a@b@c.de",
            "a@.com",
            "a@b..com",
        ] {
            assert!(email_problem(bad).is_some(), "{bad} should be refused");
        }
    }

    #[test]
    fn collects_all_problems() {
        let mut v = Validation::new();
        v.check("name", name_problem(" ", 10));
        v.check("email", email_problem("nope"));
        v.check("ok", None);
        let errors = v.finish().unwrap_err();
        assert_eq!(errors.len(), 2);
        assert_eq!(errors[0].field, "name");
        assert!(!errors[0].is_missing_reference());
    }

    #[test]
    fn missing_references_are_marked() {
        let mut v = Validation::new();
        v.missing("client_id", "client");
        let errors = v.finish().unwrap_err();
        assert_eq!(errors[0].message, "no such client");
        assert!(errors[0].is_missing_reference());
    }
}

/// Initials from a name: the first letter of up to the first three words,
/// upper case (`"Acme Design Studio"` → `"ADS"`).
pub fn derive_initials(name: &str) -> String {
    name.split_whitespace()
        .filter_map(|w| w.chars().find(|c| c.is_alphanumeric()))
        .take(3)
        .flat_map(char::to_uppercase)
        .collect()
}

/// An optional text field: at most `max_chars` characters as sent (the
/// documented `maxLength`), then trimmed; empty means absent.
pub fn optional_text(value: &Option<String>, max_chars: usize) -> Result<Option<String>, String> {
    match value.as_deref() {
        Some(text) if text.chars().count() > max_chars => {
            Err(format!("must be at most {max_chars} characters long"))
        }
        None => Ok(None),
        Some(text) => Ok(Some(text.trim())
            .filter(|t| !t.is_empty())
            .map(str::to_owned)),
    }
}

/// A BCP 47 language tag in its common shapes: `fr`, `fr-FR`, `zh-Hant-TW`,
/// at most 35 characters.
pub fn locale_problem(tag: &str) -> Option<String> {
    if tag.len() > 35 {
        return Some("must be at most 35 characters long".to_owned());
    }
    let mut parts = tag.split('-');
    let language_ok = parts
        .next()
        .is_some_and(|l| (2..=3).contains(&l.len()) && l.chars().all(|c| c.is_ascii_lowercase()));
    let rest_ok =
        parts.all(|p| (2..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()));
    (!(language_ok && rest_ok)).then(|| "must be a language tag such as fr or fr-FR".to_owned())
}

#[cfg(test)]
mod more_tests {
    use super::*;

    #[test]
    fn initials_and_locales() {
        assert_eq!(derive_initials("Acme Design Studio Paris"), "ADS");
        assert_eq!(derive_initials("émile zola"), "ÉZ");
        assert_eq!(derive_initials("  "), "");
        assert!(locale_problem("fr").is_none());
        assert!(locale_problem("fr-FR").is_none());
        assert!(locale_problem("zh-Hant-TW").is_none());
        assert!(locale_problem("French").is_some());
        assert!(locale_problem("").is_some());
        assert_eq!(optional_text(&Some("  ".into()), 5), Ok(None));
        assert!(optional_text(&Some("toolong".into()), 5).is_err());
    }
}
