//! Stint's integration tests: the real HTTP server on SQLite and, when
//! `STINT_TEST_POSTGRES_URL` is set, on PostgreSQL. One binary, so the link
//! step happens once.

mod support;

mod api_keys;
mod binary;
mod clients;
mod conventions;
mod docs;
mod me_members;
mod sessions;
mod signup;
mod tenancy;
