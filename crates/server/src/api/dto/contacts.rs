//! Contacts on the wire.
