//! Delivery rows and their state changes, inbox rows and subscription credits. Every change
//! that matters is conditional, so two consumers (or a consumer and the reconciler) can never
//! both act on one delivery. These are the only queries of the notification tables.

mod claims;
mod credits;
mod dead_letters;
pub mod inbox;
mod ordering;
mod push_events;
mod reconcile;
mod states;

pub use claims::*;
pub use credits::*;
pub use dead_letters::*;
pub use ordering::*;
pub use push_events::*;
pub use reconcile::*;
pub use states::*;
