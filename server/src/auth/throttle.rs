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

    /// 429 while either counter is at its limit.
    pub async fn check(&self, account: &str, ip: &str) -> Result<(), AppError> {
        for (key, max) in [
            (account_key(account), MAX_FAILURES_PER_ACCOUNT),
            (ip_key(ip), MAX_FAILURES_PER_IP),
        ] {
            let (count, remaining) = self.limiter.peek(&key, WINDOW).await;
            if count >= max {
                tracing::warn!(account = %account, ip = %ip, "login throttled");
                return Err(AppError::TooManyRequests {
                    retry_after_secs: remaining.as_secs().max(1),
                });
            }
        }
        Ok(())
    }

    pub async fn failure(&self, account: &str, ip: &str) {
        self.limiter.hit(&account_key(account), WINDOW).await;
        self.limiter.hit(&ip_key(ip), WINDOW).await;
    }

    pub async fn success(&self, account: &str) {
        self.limiter.reset(&account_key(account)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_sixth_attempt_after_five_failures_is_refused_until_success_resets() {
        let t = LoginThrottle::new(Limiter::new(None));
        for _ in 0..MAX_FAILURES_PER_ACCOUNT {
            t.check("alice", "10.0.0.1").await.unwrap();
            t.failure("alice", "10.0.0.1").await;
        }
        let err = t.check("alice", "10.0.0.1").await.unwrap_err();
        assert!(
            matches!(err, AppError::TooManyRequests { retry_after_secs } if retry_after_secs > 0)
        );
        // Another account from the same IP is still allowed.
        assert!(t.check("bob", "10.0.0.1").await.is_ok());
        t.success("alice").await;
        assert!(t.check("alice", "10.0.0.1").await.is_ok());
    }
}
