//! Tests of the contacts resource (to be written).
