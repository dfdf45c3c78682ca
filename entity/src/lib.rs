//! sea-orm 2 entities (dense format), one module per table. Persistence shapes only: API
//! shapes live in each server domain's `dto.rs`.

pub mod application_events;
pub mod applications;
pub mod assistance_types;
pub mod audit_log;
pub mod calendar_days;
pub mod care_enums;
pub mod care_events;
pub mod care_groups;
pub mod care_memberships;
pub mod care_people;
pub mod care_tasks;
pub mod care_tiers;
pub mod care_visits;
pub mod entry_point_codes;
pub mod entry_points;
pub mod hotline_callback_events;
pub mod hotline_calls;
pub mod hotline_follow_ups;
pub mod idempotency_keys;
pub mod import_errors;
pub mod imports;
pub mod jurisdictions;
pub mod notification_cursors;
pub mod notification_deliveries;
pub mod outbox;
pub mod refresh_tokens;
pub mod residents;
pub mod scans;
pub mod staff;
pub mod staff_notifications;
pub mod street_settings;
pub mod subscription_credits;
pub mod wechat_push_events;
