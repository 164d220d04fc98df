//! Teams on the wire.
