//! Task use cases.
