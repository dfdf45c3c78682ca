//! Authentication: staff login, access tokens, refresh-token families, login throttling and the
//! principal extractors.

pub mod cookie;
pub mod dto;
pub mod extractor;
pub mod handlers;
pub mod jwt;
pub mod password;
pub mod routes;
pub mod store;
pub mod throttle;

pub use extractor::{Resident, Staff};

pub use routes::configure;
