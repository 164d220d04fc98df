//! Contact use cases.
