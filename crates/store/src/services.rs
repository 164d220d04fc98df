//! Billable services and per-client service rates.
