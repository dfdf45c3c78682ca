//! The token itself, never shown whole, and how long a fetched one is kept.

use std::fmt;

use sha2::{Digest, Sha256};

/// Seconds taken off WeChat's `expires_in`, so a cached token is never used near its end.
pub const EXPIRY_MARGIN_SECS: i64 = 200;

/// An access token. `Debug` shows a fingerprint only.
#[derive(Clone, PartialEq, Eq)]
pub struct AccessToken(pub(super) String);

impl AccessToken {
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// First 8 hex digits of its SHA-256: tells tokens apart in logs without revealing them.
    pub fn fingerprint(&self) -> String {
        hex::encode(&Sha256::digest(self.0.as_bytes())[..4])
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AccessToken({})", self.fingerprint())
    }
}

/// A freshly fetched token and WeChat's `expires_in`.
pub struct Fetched {
    pub token: String,
    pub expires_in: i64,
}

/// How long a token fetched with `expires_in` is cached.
pub(super) fn ttl_secs(expires_in: i64) -> u64 {
    (expires_in - EXPIRY_MARGIN_SECS).max(1) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cache_lifetime_keeps_a_margin_before_expiry() {
        assert_eq!(ttl_secs(7200), 7000);
        assert_eq!(ttl_secs(300), 100);
        assert_eq!(ttl_secs(150), 1);
    }

    #[test]
    fn debug_shows_a_fingerprint_not_the_token() {
        let t = AccessToken("ACCESS_TOKEN_VALUE_123".into());
        let debug = format!("{t:?}");
        assert!(!debug.contains("ACCESS_TOKEN_VALUE_123"));
        assert_eq!(t.fingerprint().len(), 8);
    }
}
