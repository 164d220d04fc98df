//! Use cases that span resources or need a transaction. HTTP handlers, the
//! command line and (later) MCP call these; none of them writes to the store
//! directly.

pub mod api_keys;
pub mod catalog_services;
pub mod client_groups;
pub mod clients;
pub mod contacts;
pub mod contacts_cascade;
pub mod custom_field_values;
pub mod custom_fields;
pub mod events;
pub mod expenses;
pub mod member_groups;
pub mod members;
pub mod organizations;
pub mod plans;
pub mod products;
pub mod projects;
pub mod public_api;
pub mod reports;
pub mod sessions;
pub mod settings;
pub mod tasks;
pub mod time_entries;
pub mod time_entry_rules;
pub mod timers;
pub mod topics;
pub mod webhooks;
