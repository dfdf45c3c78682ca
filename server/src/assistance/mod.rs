//! The assistance catalogue (低保, 特困供养, 临时救助 …): required fields and time limits per type.

pub mod domain;
pub mod dto;
pub mod handlers;
pub mod routes;
pub mod store;

pub use dto::AssistanceTypeSummary;

pub use routes::configure;
