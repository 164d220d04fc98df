//! The Stint application: the REST API, authentication, the use-case
//! services, configuration and the `stint` command line.

pub mod api;
pub mod app;
pub mod auth;
pub mod cli;
pub mod config;
pub mod limits;
pub mod services;
pub mod state;
pub mod telemetry;
