//! Organization settings on the wire.
