//! QR entry points: creation inside a subtree, scenes, QR images (decoded), the 小程序码 cache,
//! scans, the landing page, the funnel and rate limits.

mod admin;
mod codes;
mod funnel;
mod rate_limits;
mod scans;
mod support;
