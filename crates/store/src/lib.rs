//! Stint's persistence. One `Store` over SQLite (embedded default) or
//! PostgreSQL; statements are built once with sea-query and rendered for the
//! backend in use. Tenant data is reached only through `Store::scoped`, whose
//! every statement binds the organization id itself; pre-tenant work (sign-in,
//! signup, operators' commands, workers) goes through the loud `Store::system`.

mod db;
mod error;
mod exec;
pub mod filters;
mod handle;
mod page;
mod report_rollups;
mod sqlite_checkpointer;
mod sqlite_readers;
mod sqlite_writer;
mod write_prefix;

pub mod api_keys;
pub mod bulk;
pub mod client_groups;
pub mod clients;
pub mod contacts;
pub mod custom_fields;
pub mod event_log;
pub mod events;
pub mod expenses;
pub mod idempotency;
pub mod member_groups;
pub mod members;
pub mod organizations;
pub mod products;
pub mod projects;
pub mod references;
pub mod reports;
pub mod secrets;
pub mod services;
pub mod sessions;
pub mod settings;
pub mod tasks;
pub mod time_context;
pub mod time_entries;
pub mod topics;
pub mod users;
pub mod webhook_worker;
pub mod webhooks;

pub use db::{Backend, ConnectOptions};
pub use error::StoreError;
pub use exec::{Exec, Pooled, Tx};
pub use handle::{Scoped, Store, System, SystemStore, Tenant};
pub use page::{Page, PageRequest};
pub use sqlite_writer::WriteJob;

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
