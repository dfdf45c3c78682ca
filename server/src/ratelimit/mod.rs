//! Fixed-window rate limiting: Redis counters shared by every instance, in-process ones without.

mod limiter;
mod memory;

pub use limiter::{FLOOD_PER_MINUTE, Limiter};
