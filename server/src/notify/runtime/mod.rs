//! The notification pipeline's per-instance parts, which hold no pipeline logic: how messages
//! travel (Redis Streams or in-process), the live hub of connected staff clients, the
//! subscribe-message templates, the metrics and the relay's wake-up signal.

pub mod hub;
pub mod notifier;
pub mod templates;
pub mod transport;

pub use notifier::Notifier;
