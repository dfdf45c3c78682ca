//! Online applications: the whole life of a case, 先行救助, drafts, idempotency, the duplicate
//! guard, privacy at rest and in responses, and who may see what.

mod intake;
mod lifecycle;
mod privacy;
mod support;
