//! Executes an action on a case: checks it against the state machine and the case's rules,
//! then writes the new state, a timeline entry and the outbox row in one transaction. The
//! update is conditional on the version read, so of two concurrent actions exactly one wins.

mod casework;
mod command;
mod decisions;
mod execute;
mod plan;
mod resident;

pub use command::{Command, Who};
pub use execute::{execute, execute_in};
