//! Notifications: the transactional outbox, the relay to Redis Streams (or in-process
//! dispatch), one consumer group per channel (WeChat subscribe messages, the staff inbox with
//! live SSE), exactly one effect per delivery, retries, dead letters and a reconciler.

pub mod attempt;
pub mod consumer;
pub mod dto;
pub mod metrics;
pub mod recipients;
pub mod reconciler;
pub mod relay;
pub mod resident_handlers;
pub mod routes;
pub mod runtime;
pub mod staff_channel;
pub mod staff_handlers;
pub mod store;
pub mod unread;
pub mod wechat_channel;
pub mod wechat_push;
pub mod worker;

pub use runtime::{Notifier, hub, notifier, templates, transport};
pub use store::inbox;

pub use routes::configure;
