//! The working-day calendar (weekends, public holidays, 调休 make-up days) that every time
//! limit is counted in; data per year, editable.

pub mod domain;
pub mod dto;
pub mod handlers;
pub mod routes;
pub mod seed;
pub mod store;

pub use domain::WorkCalendar;

pub use routes::configure;
