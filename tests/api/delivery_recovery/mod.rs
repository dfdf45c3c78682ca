//! The notification pipeline when things break: consumers that die before, during or after a
//! send, re-publishes that are lost again and again, two relays racing over one case, pending
//! entries reclaimed (past busy pages; poison entries set aside), a Redis that loses its
//! streams mid-burst, and two instances sharing a thousand transitions.

mod crashes;
mod retries;
mod scale;
mod streams;
