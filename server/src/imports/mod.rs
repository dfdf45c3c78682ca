//! Bulk onboarding: a bureau's jurisdictions, staff and the people it already looks after,
//! from the CSV and XLSX files it keeps, each row checked by the same rules as the API, in
//! background batches of short transactions, with a report of every bad row.

pub mod batch;
mod care_rows;
pub mod columns;
pub mod dto;
mod handlers;
mod kind_care_people;
mod kind_jurisdictions;
mod kind_staff;
pub mod local;
pub mod report;
pub mod routes;
pub mod runner;
pub mod store;

pub use report::build_report;
pub use routes::configure;
