//! Tests of the settings resource (to be written).
