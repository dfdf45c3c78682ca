//! Throttles failed logins per account and per client IP over a sliding window. Counters live
//! in Redis when configured (shared by every instance), in memory otherwise.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use redis::AsyncCommands;

use crate::{error::AppError, kv::Redis};

pub const MAX_FAILURES_PER_ACCOUNT: u32 = 5;
pub const MAX_FAILURES_PER_IP: u32 = 50;
pub const WINDOW: Duration = Duration::from_secs(15 * 60);

#[derive(Clone)]
pub struct LoginThrottle {
    redis: Option<Redis>,
    memory: Arc<Mutex<HashMap<String, (u32, Instant)>>>,
}

impl LoginThrottle {
    pub fn new(redis: Option<Redis>) -> Self {
        LoginThrottle {
            redis,
            memory: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    fn keys(account: &str, ip: &str) -> [(String, u32); 2] {
        [
            (
                format!("login-fail:acct:{account}"),
                MAX_FAILURES_PER_ACCOUNT,
            ),
            (format!("login-fail:ip:{ip}"), MAX_FAILURES_PER_IP),
        ]
    }

    /// 429 while either counter is at its limit.
    pub async fn check(&self, account: &str, ip: &str) -> Result<(), AppError> {
        for (key, max) in Self::keys(account, ip) {
            let (count, remaining) = self.read(&key).await;
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
        for (key, _) in Self::keys(account, ip) {
            self.incr(&key).await;
        }
    }

    pub async fn success(&self, account: &str) {
        let key = format!("login-fail:acct:{account}");
        if let Some(redis) = &self.redis
            && let Ok(mut c) = redis.conn().await
        {
            let _: Result<(), _> = c.del(redis.key(&key)).await;
        }
        if let Ok(mut m) = self.memory.lock() {
            m.remove(&key);
        }
    }

    async fn read(&self, key: &str) -> (u32, Duration) {
        if let Some(redis) = &self.redis {
            match redis.conn().await {
                Ok(mut c) => {
                    let k = redis.key(key);
                    let count: Result<Option<u32>, _> = c.get(&k).await;
                    let ttl: Result<i64, _> = c.ttl(&k).await;
                    if let (Ok(count), Ok(ttl)) = (count, ttl) {
                        return (count.unwrap_or(0), Duration::from_secs(ttl.max(1) as u64));
                    }
                }
                Err(e) => tracing::warn!(error = %e, "login throttle falling back to memory"),
            }
        }
        let Ok(mut m) = self.memory.lock() else {
            return (0, WINDOW);
        };
        match m.get(key) {
            Some((count, since)) if since.elapsed() < WINDOW => (*count, WINDOW - since.elapsed()),
            Some(_) => {
                m.remove(key);
                (0, WINDOW)
            }
            None => (0, WINDOW),
        }
    }

    async fn incr(&self, key: &str) {
        if let Some(redis) = &self.redis
            && let Ok(mut c) = redis.conn().await
        {
            let k = redis.key(key);
            let n: Result<u32, _> = c.incr(&k, 1).await;
            if let Ok(n) = n {
                if n == 1 {
                    let _: Result<(), _> = c.expire(&k, WINDOW.as_secs() as i64).await;
                }
                return;
            }
        }
        if let Ok(mut m) = self.memory.lock() {
            let entry = m.entry(key.to_string()).or_insert((0, Instant::now()));
            if entry.1.elapsed() >= WINDOW {
                *entry = (0, Instant::now());
            }
            entry.0 += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_sixth_attempt_after_five_failures_is_refused_until_success_resets() {
        let t = LoginThrottle::new(None);
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
