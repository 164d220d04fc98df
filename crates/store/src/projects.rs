//! Projects, with their members.
