//! Use cases that span resources or need a transaction. HTTP handlers, the
//! command line and (later) MCP call these; none of them writes to the store
//! directly.

pub mod api_keys;
pub mod clients;
pub mod contacts_cascade;
pub mod custom_field_values;
pub mod events;
pub mod organizations;
pub mod public_api;
pub mod sessions;
