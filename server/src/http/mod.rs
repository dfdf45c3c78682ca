//! Small request helpers shared by every domain.

pub mod cursor;
mod request;

pub use request::{bearer_token, client_ip};
