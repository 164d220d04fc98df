//! Topics on the wire.
