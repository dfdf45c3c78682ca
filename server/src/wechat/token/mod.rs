//! The access token, shared by every instance: cached in Redis under a key that names the appid
//! (TTL = `expires_in` − 200 s), refreshed by one instance at a time under a Redis lock, and
//! dropped after a rejection only if it is still the token that failed. Without Redis (embedded
//! mode, or Redis down) the same rules run in-process behind a single-flight mutex.

mod access_token;
mod cache;
mod failure;
mod local;
mod shared;

pub use access_token::{AccessToken, EXPIRY_MARGIN_SECS, Fetched};
pub use cache::TokenCache;
