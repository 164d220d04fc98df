//! Custom field definitions on the wire.
