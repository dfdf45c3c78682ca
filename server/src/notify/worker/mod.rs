//! The pipeline's background loops: relay, one consumer per channel (Redis consumer group or
//! in-process channel), reclaiming entries of dead consumers, the reconciler and the live feed.

mod feed;
mod group;
mod reclaim;
mod spawn;

pub use reclaim::{POISON_DELIVERIES, reclaim_once};
pub use spawn::spawn;
