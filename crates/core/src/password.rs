//! The password policy. Hashing itself (argon2id) happens in the server, which
//! owns the CPU-heavy work; the rule for what is acceptable lives here.

/// Fewer characters than this are refused.
pub const MIN_PASSWORD_CHARS: usize = 10;
/// More than this is refused, so hashing cost stays bounded.
pub const MAX_PASSWORD_CHARS: usize = 1024;

/// Why a password is refused, phrased for the person choosing it.
pub fn password_problem(password: &str) -> Option<String> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        Some(format!(
            "must be at least {MIN_PASSWORD_CHARS} characters long"
        ))
    } else if chars > MAX_PASSWORD_CHARS {
        Some(format!(
            "must be at most {MAX_PASSWORD_CHARS} characters long"
        ))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enforces_length_in_characters() {
        assert!(password_problem("short").is_some());
        assert!(password_problem("ten chars!").is_none());
        assert!(password_problem("ééééééééé").is_some());
        assert!(password_problem(&"x".repeat(1025)).is_some());
    }
}
