//! Custom field definition use cases.
