//! Request and response shapes (XIn, XPatch, XOut) per resource. They are
//! the public data contract: HTTP handlers, services (for event payloads)
//! and later MCP share them.

pub mod clients;
pub mod common;
