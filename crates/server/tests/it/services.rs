//! Tests of the services resource (to be written).
