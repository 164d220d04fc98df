//! Organization settings use cases.
