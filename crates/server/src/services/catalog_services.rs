//! Billable service and per-client rate use cases.
