//! Residents: mini-program users identified by their WeChat openid.

pub mod store;
