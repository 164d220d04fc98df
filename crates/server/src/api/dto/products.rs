//! Products on the wire.
