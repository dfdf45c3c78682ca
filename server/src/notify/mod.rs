//! Notifications: the transactional outbox that every status change writes to, in the same
//! transaction as the change itself.

pub mod outbox;

pub use outbox::{OutboxEvent, enqueue};
