//! Tests of the topics resource (to be written).
