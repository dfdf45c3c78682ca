//! The one integration-test binary. Each module covers one domain.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod applications;
mod assistance;
mod auth;
mod browser;
mod care;
mod chaos;
mod console;
mod deadlines;
mod delivery;
mod delivery_recovery;
mod entry_points;
mod errors;
mod followups;
mod hotline;
mod jurisdictions;
mod notifications;
mod ops;
mod staff;
mod wechat;
mod wechat_push;
mod workflow;
