//! Throttles failed logins over a 15-minute window, on the shared limiter (Redis when
//! configured, so every instance sees the same counts): strictly per account and address, more
//! loosely per address and per account from anywhere.

use std::time::Duration;

use crate::{error::AppError, ratelimit::Limiter};

/// Guesses at one account from one address. Strict, and only the guesser is slowed down: a
/// third party cannot lock someone out of their own account from elsewhere.
pub const MAX_FAILURES_PER_ACCOUNT_AND_IP: u32 = 5;
/// Guesses at one account from every address together: the backstop against guessing spread
/// over many addresses.
pub const MAX_FAILURES_PER_ACCOUNT: u32 = 50;
/// Guesses from one address at any accounts.
pub const MAX_FAILURES_PER_IP: u32 = 50;
pub const WINDOW: Duration = Duration::from_secs(15 * 60);

#[derive(Clone)]
pub struct LoginThrottle {
    limiter: Limiter,
}

fn account_key(account: &str) -> String {
    format!("login-fail:acct:{account}")
}

fn pair_key(account: &str, ip: &str) -> String {
    format!("login-fail:acct-ip:{ip}:{account}")
}

fn ip_key(ip: &str) -> String {
    format!("login-fail:ip:{ip}")
}

impl LoginThrottle {
    pub fn new(limiter: Limiter) -> Self {
        LoginThrottle { limiter }
    }

    /// Counts an attempt before the password is checked, so a burst of parallel guesses is
    /// counted as it arrives rather than after each one is verified. The address is charged
    /// first and each counter only once the ones before it allowed the attempt, so a refused
    /// attempt (an address already blocked, say) costs no account anything. 429 once a counter
    /// is past its limit. A failure then needs nothing more; a success takes its count back.
    pub async fn attempt(&self, account: &str, ip: &str) -> Result<(), AppError> {
        for (key, max) in [
            (ip_key(ip), MAX_FAILURES_PER_IP),
            (pair_key(account, ip), MAX_FAILURES_PER_ACCOUNT_AND_IP),
            (account_key(account), MAX_FAILURES_PER_ACCOUNT),
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

    /// A correct password: this account starts afresh from this address, and neither the
    /// address (colleagues behind one office gateway do not use up each other's attempts) nor
    /// the account is charged for it. Failures from elsewhere still count against the account.
    pub async fn success(&self, account: &str, ip: &str) {
        self.limiter.reset(&pair_key(account, ip)).await;
        self.limiter.release(&account_key(account)).await;
        self.limiter.release(&ip_key(ip)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(r: Result<(), AppError>) -> bool {
        matches!(r, Err(AppError::TooManyRequests { retry_after_secs }) if retry_after_secs > 0)
    }

    #[tokio::test]
    async fn the_sixth_attempt_after_five_failures_is_refused_until_success_resets() {
        let t = LoginThrottle::new(Limiter::new(None));
        for _ in 0..MAX_FAILURES_PER_ACCOUNT_AND_IP {
            t.attempt("alice", "10.0.0.1").await.unwrap();
        }
        assert!(refused(t.attempt("alice", "10.0.0.1").await));
        // Another account from the same IP is still allowed.
        t.attempt("bob", "10.0.0.1").await.unwrap();
        t.success("alice", "10.0.0.1").await;
        t.attempt("alice", "10.0.0.1").await.unwrap();
    }

    #[tokio::test]
    async fn failures_from_one_address_do_not_lock_the_account_elsewhere() {
        let t = LoginThrottle::new(Limiter::new(None));
        for _ in 0..MAX_FAILURES_PER_ACCOUNT_AND_IP * 4 {
            let _ = t.attempt("admin", "203.0.113.66").await;
        }
        assert!(refused(t.attempt("admin", "203.0.113.66").await));
        t.attempt("admin", "10.1.2.3").await.unwrap();
    }

    #[tokio::test]
    async fn a_blocked_address_charges_no_account() {
        let t = LoginThrottle::new(Limiter::new(None));
        for i in 0..MAX_FAILURES_PER_IP {
            t.attempt(&format!("user{i}"), "203.0.113.66")
                .await
                .unwrap();
        }
        for _ in 0..10 {
            assert!(refused(t.attempt("victim", "203.0.113.66").await));
        }
        for key in [account_key("victim"), pair_key("victim", "203.0.113.66")] {
            assert_eq!(t.limiter.peek(&key, WINDOW).await.0, 0, "{key}");
        }
    }

    #[tokio::test]
    async fn guesses_spread_over_many_addresses_meet_the_per_account_backstop() {
        let t = LoginThrottle::new(Limiter::new(None));
        let per_ip = MAX_FAILURES_PER_ACCOUNT_AND_IP;
        let addresses = MAX_FAILURES_PER_ACCOUNT / per_ip;
        for a in 0..addresses {
            for _ in 0..per_ip {
                t.attempt("admin", &format!("10.9.0.{a}")).await.unwrap();
            }
        }
        assert!(refused(t.attempt("admin", "10.9.1.1").await));
        // Other accounts are untouched.
        t.attempt("bob", "10.9.1.1").await.unwrap();
    }

    #[tokio::test]
    async fn successes_do_not_use_up_an_addresses_attempts() {
        let t = LoginThrottle::new(Limiter::new(None));
        for i in 0..(MAX_FAILURES_PER_IP * 2) {
            let who = format!("staff{i}");
            t.attempt(&who, "10.0.0.9").await.unwrap();
            t.success(&who, "10.0.0.9").await;
        }
        for _ in 0..(MAX_FAILURES_PER_ACCOUNT * 2) {
            t.attempt("busy", "10.0.0.10").await.unwrap();
            t.success("busy", "10.0.0.10").await;
        }
    }
}
