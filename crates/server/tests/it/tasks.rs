//! Tests of the tasks resource (to be written).
