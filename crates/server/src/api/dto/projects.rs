//! Projects on the wire.
