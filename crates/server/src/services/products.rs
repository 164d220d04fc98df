//! Product use cases.
