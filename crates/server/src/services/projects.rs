//! Project use cases.
