//! Tests of the member groups resource (to be written).
