//! The hotline: signed platform callbacks (authenticity, idempotency, order), operator call
//! entry joined with the platform's calls, cases opened on a caller's behalf, help requests as
//! community tasks, caller history, and jurisdiction limits.

mod callbacks;
mod callers;
mod calls;
mod support;

pub(crate) use support::{FUAN, TAIERZHUANG, application_for_call, call_body, enter};
