//! Tests of the projects resource (to be written).
