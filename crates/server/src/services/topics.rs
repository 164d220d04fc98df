//! Topic use cases.
