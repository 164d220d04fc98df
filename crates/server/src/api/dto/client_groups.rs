//! Client groups on the wire.
