//! The transactional outbox: a change writes its notice in its own transaction, so a
//! notification can be delayed by a crash but never lost. The notice is a typed, versioned
//! payload carrying everything the channels need to address and word it.

pub mod payload;
pub mod store;

pub use payload::{Audience, Notice};
pub use store::{OutboxEvent, enqueue};
