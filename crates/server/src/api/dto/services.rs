//! Services and client service rates on the wire.
