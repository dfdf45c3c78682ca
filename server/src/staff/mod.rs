//! Staff accounts: roles, admin management inside a subtree, and the caller's own profile.

pub mod accounts;
pub mod domain;
pub mod dto;
pub mod handlers;
pub mod password_reset;
pub mod routes;
pub mod store;

pub use domain::Role;

pub use routes::configure;
