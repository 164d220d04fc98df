//! Webhooks: endpoints that receive every event they subscribe to, signed
//! per the Standard Webhooks specification, retried on a schedule, logged
//! attempt by attempt, and delivered by a worker that several processes can
//! run at once on PostgreSQL (see `worker` and docs/webhooks.md).

pub mod event_types;
pub mod manage;
pub mod payload;
pub mod sender;
pub mod signature;
pub mod target;
pub mod worker;
