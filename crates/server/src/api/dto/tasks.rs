//! Tasks on the wire.
