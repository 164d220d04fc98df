//! Fixed windows aligned to the clock: the hour for API quotas (so
//! `RateLimit-Reset` is "seconds until the top of the hour", the same for
//! every process), the minute for credential endpoints.

use chrono::{DateTime, Utc};

/// A fixed window of `seconds` containing `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// Index of the window since the epoch.
    pub index: i64,
    /// Seconds until it ends (at least 1).
    pub reset_seconds: i64,
}

pub fn window(now: DateTime<Utc>, seconds: i64) -> Window {
    let ts = now.timestamp();
    let index = ts.div_euclid(seconds);
    let end = (index + 1) * seconds;
    Window {
        index,
        reset_seconds: (end - ts).max(1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn hour_windows_reset_at_the_top_of_the_hour() {
        let t = Utc.with_ymd_and_hms(2026, 3, 2, 9, 40, 0).unwrap();
        let w = window(t, 3600);
        assert_eq!(w.reset_seconds, 20 * 60);
        let next = window(Utc.with_ymd_and_hms(2026, 3, 2, 10, 0, 0).unwrap(), 3600);
        assert_eq!(next.index, w.index + 1);
        assert_eq!(next.reset_seconds, 3600);
        let last = window(Utc.with_ymd_and_hms(2026, 3, 2, 9, 59, 59).unwrap(), 3600);
        assert_eq!(last.index, w.index);
        assert_eq!(last.reset_seconds, 1);
    }
}
