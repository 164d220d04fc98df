//! Client group use cases.
