//! The one test harness: `spawn_app` starts the real application on port 0 against a fresh
//! SQLite file or a fresh PostgreSQL database, real Redis under a unique key prefix, and a
//! wiremock server standing in for WeChat. Dropping the `TestApp` stops it and removes the
//! database, the file and the Redis keys. Logs only when `TEST_LOG` is set.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod app;
mod backends;
pub mod browser;
mod builder;
pub mod chaos;
mod fixtures;
pub mod matrix;
mod resources;
mod responses;
mod rows;
mod sse;
mod waiting;
mod wechat;

pub use app::TestApp;
pub use backends::{Backend, pg_admin_url, redis_url};
pub use builder::{TestAppBuilder, spawn_app};
pub use fixtures::{TestStaff, Tokens, application_body, id_number};
pub use responses::{TestResponse, into_test_response};
pub use sse::{SseClient, SseEvent};
pub use waiting::{eventually, scan_deadlines};
pub use zhitongche;
