//! The one integration-test binary. Each module covers one domain.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod assistance;
mod auth;
mod entry_points;
mod errors;
mod jurisdictions;
mod ops;
mod staff;
mod wechat;
