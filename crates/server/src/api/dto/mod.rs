//! Request and response shapes (XIn, XPatch, XOut) per resource. They are
//! the public data contract: HTTP handlers, services (for event payloads)
//! and later MCP share them.

pub mod client_groups;
pub mod clients;
pub mod common;
pub mod contacts;
pub mod custom_fields;
pub mod expenses;
pub mod formats;
pub mod member_groups;
pub mod members;
pub mod products;
pub mod projects;
pub mod reports;
pub mod services;
pub mod settings;
pub mod tasks;
pub mod time_entries;
pub mod topics;
