//! Applications and the case workflow: intake (online, drafts, idempotent), the state machine,
//! working-day time limits with escalation, 回访 scheduling, and scoped queries for residents
//! and staff.

pub mod allowed;
pub mod assignees;
pub mod content_check;
pub mod domain;
pub mod dto;
pub mod errors;
pub mod events;
pub mod follow_ups;
pub mod idempotency;
pub mod intake;
pub mod notices;
pub mod overview;
pub mod pii;
pub mod resident_handlers;
pub mod routes;
pub mod sla;
pub mod staff_handlers;
pub mod store;
pub mod transitions;
pub mod views;
pub mod workflow;

pub use errors::{not_found, stale};
pub use routes::configure;
