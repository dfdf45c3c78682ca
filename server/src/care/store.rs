//! Every query of the grid-care tables. Staff reads filter by the caller's `Scope`; free async
//! functions over any connection, so they run on the pool or inside a transaction. A leaf: it
//! imports nothing above the kernel, so the case core may ask it who is on a roll.

mod activity;
mod catalogue;
mod figures;
mod people;

pub use activity::*;
pub use catalogue::*;
pub use figures::*;
pub use people::*;
