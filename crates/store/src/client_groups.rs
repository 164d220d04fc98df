//! Client groups.
