//! Zhitongche (直通车): the backend of a city's social-assistance direct line.

pub mod applications;
pub mod assistance;
pub mod audit;
pub mod auth;
pub mod calendar;
pub mod cli;
pub mod config;
pub mod db;
pub mod entry_points;
pub mod error;
pub mod hotline;
pub mod housekeeping;
pub mod http;
pub mod jurisdictions;
pub mod kv;
pub mod metrics;
pub mod notify;
pub mod openapi;
pub mod ops;
pub mod privacy;
pub mod residents;
pub mod staff;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod wechat;
