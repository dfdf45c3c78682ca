//! The staff console: static HTML, CSS and JavaScript compiled into the binary, served at
//! `/console/` under a strict Content-Security-Policy; the service's root redirects there.

mod handlers;
mod routes;

pub use routes::configure;
