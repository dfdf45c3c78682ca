//! Throttles failed logins per account and per client IP over a 15-minute window, on the
//! shared limiter (Redis when configured, so every instance sees the same counts).

use std::time::Duration;

use crate::{error::AppError, ratelimit::Limiter};

pub const MAX_FAILURES_PER_ACCOUNT: u32 = 5;
pub const MAX_FAILURES_PER_IP: u32 = 50;
pub const WINDOW: Duration = Duration::from_secs(15 * 60);

#[derive(Clone)]
pub struct LoginThrottle {
    limiter: Limiter,
}

fn account_key(account: &str) -> String {
    format!("login-fail:acct:{account}")
}

fn ip_key(ip: &str) -> String {
    format!("login-fail:ip:{ip}")
}

impl LoginThrottle {
    pub fn new(limiter: Limiter) -> Self {
        LoginThrottle { limiter }
    }

    /// Counts an attempt before the password is checked, so a burst of parallel guesses is
    /// counted as it arrives rather than after each one is verified; 429 once either counter is
    /// past its limit. A failure then needs nothing more; a success takes its count back.
    pub async fn attempt(&self, account: &str, ip: &str) -> Result<(), AppError> {
        for (key, max) in [
            (account_key(account), MAX_FAILURES_PER_ACCOUNT),
            (ip_key(ip), MAX_FAILURES_PER_IP),
        ] {
            let (count, remaining) = self.limiter.hit(&key, WINDOW).await;
            if count > max {
                tracing::warn!(account = %account, ip = %ip, "login throttled");
                return Err(AppError::TooManyRequests {
                    retry_after_secs: remaining.as_secs().max(1),
                });
            }
        }
        Ok(())
    }

    /// A correct password: the account starts afresh and the address is not charged for it
    /// (colleagues behind one office gateway do not use up each other's attempts).
    pub async fn success(&self, account: &str, ip: &str) {
        self.limiter.reset(&account_key(account)).await;
        self.limiter.release(&ip_key(ip)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_sixth_attempt_after_five_failures_is_refused_until_success_resets() {
        let t = LoginThrottle::new(Limiter::new(None));
        for _ in 0..MAX_FAILURES_PER_ACCOUNT {
            t.attempt("alice", "10.0.0.1").await.unwrap();
        }
        let err = t.attempt("alice", "10.0.0.1").await.unwrap_err();
        assert!(
            matches!(err, AppError::TooManyRequests { retry_after_secs } if retry_after_secs > 0)
        );
        // Another account from the same IP is still allowed.
        t.attempt("bob", "10.0.0.1").await.unwrap();
        t.success("alice", "10.0.0.1").await;
        t.attempt("alice", "10.0.0.1").await.unwrap();
    }

    #[tokio::test]
    async fn successes_do_not_use_up_an_addresses_attempts() {
        let t = LoginThrottle::new(Limiter::new(None));
        for i in 0..(MAX_FAILURES_PER_IP * 2) {
            let who = format!("staff{i}");
            t.attempt(&who, "10.0.0.9").await.unwrap();
            t.success(&who, "10.0.0.9").await;
        }
    }
}
