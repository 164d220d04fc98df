//! Members and invitations on the wire.
