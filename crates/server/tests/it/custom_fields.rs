//! Tests of the custom fields resource (to be written).
