//! Tests of the products resource (to be written).
