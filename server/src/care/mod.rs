//! Grid care (分级分类网格化管理): key groups in tiers, the registry of people a community
//! looks after, visits (走访探视) with their schedule and follow-ups, the missed-visit scanner,
//! figures and exports. A channel built on cases: a visit's finding opens an application
//! through the same intake as every other channel.

mod access;
pub mod checks;
pub mod domain;
pub mod dto;
pub mod dto_admin;
mod export;
mod figures;
mod filters;
mod handlers_admin;
mod handlers_edit;
mod handlers_figures;
mod handlers_people;
mod handlers_visits;
pub mod registry;
pub mod routes;
pub mod scanner;
pub mod store;
pub mod views;
mod visits;

pub use domain::catalogue;
pub use routes::configure;
