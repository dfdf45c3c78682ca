//! Small request helpers shared by every domain.

pub mod cursor;
mod known_paths;
mod request;

pub use known_paths::KnownPaths;
pub use request::{bearer_token, client_ip};
