//! Residents: mini-program users identified by their WeChat openid, their own profile and the
//! phone number bound through WeChat.

pub mod dto;
pub mod handlers;
pub mod routes;
pub mod store;

pub use routes::configure;
