//! Notifications: the transactional outbox, the relay to Redis Streams (or in-process
//! dispatch), one consumer group per channel (WeChat subscribe messages, the staff inbox with
//! live SSE), exactly one effect per delivery, retries, dead letters and a reconciler.

pub mod consumer;
pub mod dto;
pub mod hub;
pub mod inbox;
pub mod metrics;
pub mod notifier;
pub mod recipients;
pub mod reconciler;
pub mod relay;
pub mod resident_handlers;
pub mod routes;
pub mod staff_channel;
pub mod staff_handlers;
pub mod store;
pub mod templates;
pub mod transport;
pub mod unread;
pub mod wechat_channel;
pub mod wechat_push;
pub mod worker;

pub use notifier::Notifier;

pub use routes::configure;
