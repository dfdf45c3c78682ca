//! Operations endpoints: liveness, readiness and Prometheus metrics.

pub mod handlers;
pub mod routes;

pub use routes::configure;
