//! Tests of the client groups resource (to be written).
