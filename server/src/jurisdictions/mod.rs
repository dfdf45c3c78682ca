//! The jurisdiction tree (city → district → street → community → grid) and the `Scope` that
//! limits every staff query to a subtree.

pub mod demo;
pub mod domain;
pub mod dto;
pub mod handlers;
pub mod routes;
pub mod search;
pub mod store;

pub use domain::{Level, Scope};
pub use dto::JurisdictionNode;

pub use routes::configure;
