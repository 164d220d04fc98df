//! Stint's integration tests: the real HTTP server on SQLite and, when
//! `STINT_TEST_POSTGRES_URL` is set, on PostgreSQL. One binary, so the link
//! step happens once.

mod support;

mod api_keys;
mod binary;
mod client_groups;
mod clients;
mod conformance;
mod contacts;
mod conventions;
mod credential_cache;
mod custom_fields;
mod docs;
mod docs_browser;
mod expenses;
mod me_members;
mod member_groups;
mod members;
mod pagination;
mod products;
mod projects;
mod rate_limits;
mod reports;
mod schemathesis;
mod services;
mod sessions;
mod settings;
mod signup;
mod tasks;
mod tenancy;
mod tenancy_table;
mod time_entries;
mod timers;
mod topics;
mod webhooks;
