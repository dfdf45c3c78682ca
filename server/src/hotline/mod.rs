//! The hotline: operators' call entries (applying on a caller's behalf), the telephony
//! platform's signed callbacks joined into the same calls, caller history, and 回访 follow-ups.

pub mod call_input;
pub mod callbacks;
pub mod calls;
pub mod domain;
pub mod dto;
pub mod follow_up_handlers;
pub mod followups;
pub mod handlers;
pub mod routes;
pub mod satisfaction;
pub mod signature;
pub mod store;
pub mod tasks;
pub mod views;

pub use routes::configure;
