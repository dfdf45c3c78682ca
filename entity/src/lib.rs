//! sea-orm 2 entities (dense format), one module per table. Persistence shapes only: API
//! shapes live in each server domain's `dto.rs`.

pub mod application_events;
pub mod applications;
pub mod assistance_types;
pub mod audit_log;
pub mod calendar_days;
pub mod hotline_callback_events;
pub mod hotline_calls;
pub mod hotline_follow_ups;
pub mod idempotency_keys;
pub mod jurisdictions;
pub mod outbox;
pub mod refresh_tokens;
pub mod residents;
pub mod staff;
pub mod street_settings;
