//! Intake: creating applications (online, by the hotline or by staff), editing drafts and
//! submitting them. Each runs inside the caller's transaction, with its timeline entry and
//! outbox row, through one set of rules: validation, routing, the duplicate guard and the clock.

mod create;
mod drafts;
pub mod duplicates;
pub mod pii_fill;
pub mod routing;

pub use create::{Intake, create};
pub use drafts::{submit, update_draft};
pub use duplicates::{Viewer, duplicate};
