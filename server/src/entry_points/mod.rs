//! QR entry points (扫码直通车): codes bound to a community, the scans they receive, the landing
//! page for phone browsers and the per-day funnel.

pub mod domain;
pub mod dto;
pub mod handlers;
pub mod images;
pub mod link;
pub mod public;
pub mod render;
pub mod routes;
pub mod store;

pub use store::find_enabled_by_scene;

pub use routes::configure;
