//! The append-only audit log: who did what to which record, from where.

pub mod store;

pub use store::{Actor, Entry, record};
