//! Tests of the members resource (to be written).
